"""A callback (回访, seed 003 §2(1)) started from "my callbacks" is an outbound call: the call screen's timer,
phrases and record work as for a call taken in, and the callback's result is recorded on that call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind
from kiosk.models.calls import AgentState, Call
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.tasks import TaskSlip
from tests.support import field_error
from tests.web.hotline_support import add_owner
from tests.web.slips import bring_to, client_for, make_cast, pending_callback

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=2)


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def clock(monkeypatch):
    moment = {"now": NOW}
    for module in ("kiosk.blueprints.tasks", "kiosk.blueprints.hotline"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment["now"])
    return moment


def fresh(model, row_id):
    db.session.rollback()
    return db.session.get(model, row_id)


def start(client, callback_id: int):
    return client.post_form(f"/tasks/callbacks/{callback_id}/start")


def result_data(callback: Callback, result: str, note: str = "") -> dict:
    prefix = f"cb{callback.id}"
    return {f"{prefix}-version": callback.version, f"{prefix}-result": result, f"{prefix}-note": note}


def test_starting_a_callback_opens_an_outbound_call_linked_to_it_with_the_timer_from_now(app, cast, clock):
    owner = add_owner(mobile="13812345678")  # the slip's caller is on file
    slip = bring_to(cast, "resolved")
    callback = pending_callback(slip.id)
    client = client_for(app, cast.owner)
    listing = client.get("/tasks/callbacks").get_data(as_text=True)
    assert f'action="/tasks/callbacks/{callback.id}/start"' in listing
    response = start(client, callback.id)
    assert response.status_code == 303
    call = db.session.scalar(select(Call))
    assert response.headers["Location"].endswith(f"/hotline/calls/{call.id}")
    assert (call.direction, call.called_number, call.agent_id, call.callback_id, call.owner_id) == (
        "out", "13812345678", cast.owner.id, callback.id, owner.id)
    assert (call.state, call.answered_at, call.ring_seconds) == ("answered", NOW, None)
    assert (call.caller_surname, call.location) == ("张", "湘江壹号 3栋 201")
    assert db.session.get(AgentState, cast.owner.id).state == "on_call"
    screen = client.get(f"/hotline/calls/{call.id}").get_data(as_text=True)
    assert f'data-started-at="{NOW.isoformat()}"' in screen
    assert 'id="record_form"' in screen and 'id="call_callback"' in screen
    assert 'id="call_outcome"' not in screen
    assert slip.number in screen and "外呼" in screen


def test_a_second_tap_returns_the_same_open_call(app, cast, clock):
    callback = pending_callback(bring_to(cast, "resolved").id)
    client = client_for(app, cast.owner)
    first = start(client, callback.id).headers["Location"]
    clock["now"] = LATER
    assert start(client, callback.id).headers["Location"] == first
    assert len(db.session.scalars(select(Call)).all()) == 1
    call_id = db.session.scalar(select(Call.id))
    assert f"/hotline/calls/{call_id}" in client.get("/tasks/callbacks").get_data(as_text=True)


def test_phrases_and_the_record_work_on_the_callback_call(app, cast, clock):
    db.session.add(ScriptPhrase(stage="greeting", text="您好，这里是{hotline}服务热线。", sort_order=0))
    db.session.commit()
    callback = pending_callback(bring_to(cast, "resolved").id)
    client = client_for(app, cast.owner)
    call_id = int(start(client, callback.id).headers["Location"].rsplit("/", 1)[1])
    phrase_id = db.session.scalar(select(ScriptPhrase.id))
    assert client.post_form(f"/hotline/calls/{call_id}/phrase", {"phrase_id": phrase_id},
                            htmx=True).status_code == 204
    saved = client.post_form(f"/hotline/calls/{call_id}/record", {
        "category": "inquiry", "caller_surname": "张", "location": "湘江壹号 3栋 201",
        "description": "回访：水管已修好，业主满意", "notes": ""})
    assert saved.status_code == 303
    call = fresh(Call, call_id)
    assert [u.stage for u in call.phrase_uses] == ["greeting"] and call.description.startswith("回访")


def test_the_result_is_recorded_on_the_call_which_ends_and_the_slip_closes(app, cast, clock):
    slip = bring_to(cast, "resolved")
    callback = pending_callback(slip.id)
    client = client_for(app, cast.owner)
    call_id = int(start(client, callback.id).headers["Location"].rsplit("/", 1)[1])
    clock["now"] = LATER
    response = client.post_form(f"/hotline/calls/{call_id}/callback",
                                result_data(callback, "satisfied", "业主说已修好"))
    assert response.status_code == 303
    call = fresh(Call, call_id)
    assert (call.disposition, call.answer_text, call.state) == ("callback", "满意：业主说已修好", "ended")
    assert (call.ended_at, call.talk_seconds) == (LATER, 120)
    done = db.session.get(Callback, callback.id)
    assert (done.status, done.result, done.done_by_id) == ("done", "satisfied", cast.owner.id)
    assert db.session.get(TaskSlip, slip.id).status == "closed"
    assert db.session.get(AgentState, cast.owner.id).state == "available"
    screen = client.get(f"/hotline/calls/{call_id}").get_data(as_text=True)
    assert "满意：业主说已修好" in screen and 'id="call_callback"' not in screen
    assert client.post_form(f"/hotline/calls/{call_id}/callback",
                            result_data(done, "satisfied")).status_code == 409


@pytest.mark.parametrize("htmx", [False, True])
def test_an_unsatisfied_result_needs_the_owners_words_beside_the_field(app, cast, clock, htmx):
    callback = pending_callback(bring_to(cast, "resolved").id)
    client = client_for(app, cast.owner)
    call_id = int(start(client, callback.id).headers["Location"].rsplit("/", 1)[1])
    response = client.post_form(f"/hotline/calls/{call_id}/callback", result_data(callback, "unsatisfied"),
                                htmx=htmx)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and field_error(html, f"cb{callback.id}-note")
    assert ("<html" in html) is not htmx and 'selected value="unsatisfied"' in html
    assert fresh(Call, call_id).disposition is None


def test_unreachable_ends_this_call_and_the_next_attempt_is_a_new_call(app, cast, clock):
    callback = pending_callback(bring_to(cast, "resolved").id)
    client = client_for(app, cast.owner)
    first = int(start(client, callback.id).headers["Location"].rsplit("/", 1)[1])
    client.post_form(f"/hotline/calls/{first}/callback", result_data(callback, "unreachable"))
    assert fresh(Call, first).answer_text == "未接通"
    retry = db.session.get(Callback, callback.id)
    assert retry.status == "pending" and retry.attempts == 1
    second = int(start(client, callback.id).headers["Location"].rsplit("/", 1)[1])
    assert second != first


def test_recording_from_the_list_also_ends_the_open_call(app, cast, clock):
    callback = pending_callback(bring_to(cast, "resolved").id)
    client = client_for(app, cast.owner)
    call_id = int(start(client, callback.id).headers["Location"].rsplit("/", 1)[1])
    response = client.post_form(f"/tasks/callbacks/{callback.id}",
                                result_data(callback, "basically_satisfied"))
    assert response.status_code == 303
    assert fresh(Call, call_id).disposition == "callback"


def test_a_periodic_callback_calls_the_owner(app, cast, clock):
    owner = add_owner(mobile="13900001234")
    db.session.add(Callback(kind=CallbackKind.PERIODIC.value, property_owner_id=owner.id, due_at=NOW,
                            created_at=NOW))
    db.session.commit()
    callback = db.session.scalar(select(Callback))
    client = client_for(app, cast.other_agent)  # periodic callbacks are shared by the agents
    assert start(client, callback.id).status_code == 303
    call = db.session.scalar(select(Call))
    assert (call.called_number, call.owner_id, call.caller_surname) == ("13900001234", owner.id, "张")


def test_only_the_slips_owner_or_a_supervisor_starts_its_callback(app, cast, clock):
    callback = pending_callback(bring_to(cast, "resolved").id)
    assert start(client_for(app, cast.other_agent), callback.id).status_code == 403
    assert start(client_for(app, cast.supervisor), callback.id).status_code == 303
    assert db.session.scalar(select(Call.agent_id)) == cast.supervisor.id


def test_a_callback_already_recorded_cannot_be_started(app, cast, clock):
    slip = bring_to(cast, "closed")
    callback = db.session.scalar(select(Callback).where(Callback.slip_id == slip.id))
    response = start(client_for(app, cast.owner), callback.id)
    assert response.status_code == 409 and db.session.scalar(select(Call)) is None
