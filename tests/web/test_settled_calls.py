"""A settled call is the centre's record of what was answered (seed 003 §2(1)): its agent no longer changes
who the caller was; a supervisor may, giving a reason, and the call's history keeps it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.domain.hotline import Disposition
from kiosk.extensions import db
from kiosk.models.calls import Call, CallChange
from kiosk.models.property import Owner
from kiosk.services import hotline
from kiosk.services.directory import working_calendar
from tests.support import field_error
from tests.web.hotline_support import add_owner
from tests.web.slips import client_for, quick_user

REASON_MESSAGE = "这个来电已处理完毕，请说明更改的原因。"
REFUSAL = "这个来电已处理完毕，只有主管可以更改，并须说明原因。"


@pytest.fixture
def people(app):
    return (quick_user("agent", display_name="李娜"), quick_user("supervisor", display_name="陈静"))


@pytest.fixture
def settled(people):
    agent, _supervisor = people
    call = hotline.start_call(agent, "13700001111", utcnow())
    hotline.save_record(call.id, category="inquiry", surname="张", location="", description="停车月卡多少钱",
                        notes="")
    hotline.confirm_record(call.id, utcnow())
    return hotline.dispose(call.id, agent, disposition=Disposition.ANSWERED_ON_SPOT, now=utcnow(),
                           calendar=working_calendar(), answer_text="每月 200 元")


@pytest.fixture
def someone(app):
    return add_owner(name="张建华")


def owner_of(call_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(Call, call_id).owner_id


def history(call_id: int) -> list[CallChange]:
    db.session.expire_all()
    return list(db.session.scalars(select(CallChange).where(CallChange.call_id == call_id)))


@pytest.mark.parametrize("move", ["caller", "new-caller"])
def test_the_calls_own_agent_is_refused_with_a_clear_page(app, people, settled, someone, move):
    agent, _supervisor = people
    data = {"owner_id": someone.id} if move == "caller" else {"name": "刘洋", "unit_id": "0"}
    response = client_for(app, agent).post_form(f"/hotline/calls/{settled.id}/{move}",
                                                data | {"reason": "我想改"})
    assert response.status_code == 403 and REFUSAL in response.get_data(as_text=True)
    assert owner_of(settled.id) is None and history(settled.id) == []
    assert db.session.scalar(select(Owner).where(Owner.name == "刘洋")) is None


def test_a_supervisor_without_a_reason_is_asked_for_one_beside_the_field(app, people, settled, someone):
    _agent, supervisor = people
    client = client_for(app, supervisor)
    response = client.post_form(f"/hotline/calls/{settled.id}/caller", {"owner_id": someone.id, "q": "张建华",
                                                                         "reason": "  "}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<div id="caller_results">')
    assert field_error(html, "reason") == REASON_MESSAGE
    assert f'value="{someone.id}" required checked' in html  # the owner chosen is still chosen
    assert owner_of(settled.id) is None and history(settled.id) == []

    page = client.post_form(f"/hotline/calls/{settled.id}/new-caller",
                            {"name": "刘洋", "mobile": "13912345678", "unit_id": "0"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "<html" in html and field_error(html, "reason") == REASON_MESSAGE
    assert 'value="刘洋"' in html and 'value="13912345678"' in html  # what was typed is kept
    assert db.session.scalar(select(Owner).where(Owner.name == "刘洋")) is None


def test_a_supervisor_with_a_reason_corrects_the_caller_and_the_history_keeps_it(app, people, settled,
                                                                                 someone):
    _agent, supervisor = people
    client = client_for(app, supervisor)
    response = client.post_form(f"/hotline/calls/{settled.id}/caller",
                                {"owner_id": someone.id, "q": "张建华", "reason": "业主本人来电确认身份"})
    assert response.status_code == 303 and owner_of(settled.id) == someone.id
    (change,) = history(settled.id)
    assert (change.actor_id, change.kind, change.before, change.reason) == (
        supervisor.id, "caller", "", "业主本人来电确认身份")
    assert change.after.startswith("张建华")
    page = client.get(f"/hotline/calls/{settled.id}").get_data(as_text=True)
    assert "变更记录" in page and "业主本人来电确认身份" in page and "陈静" in page

    response = client.post_form(f"/hotline/calls/{settled.id}/new-caller",
                                {"name": "刘洋", "unit_id": "0", "reason": "来电人是租户，不是业主"})
    assert response.status_code == 303
    newer = db.session.scalar(select(Owner).where(Owner.name == "刘洋"))
    assert owner_of(settled.id) == newer.id
    second = history(settled.id)[1]
    assert (second.before.split()[0], second.after, second.reason) == (
        "张建华", "刘洋", "来电人是租户，不是业主")


def test_a_live_call_needs_no_reason_and_its_change_is_in_the_history_too(app, people, someone):
    agent, _supervisor = people
    call = hotline.start_call(agent, "13700001111", utcnow())
    response = client_for(app, agent).post_form(f"/hotline/calls/{call.id}/caller", {"owner_id": someone.id})
    assert response.status_code == 303 and owner_of(call.id) == someone.id
    assert [(c.actor_id, c.reason) for c in history(call.id)] == [(agent.id, "")]


def test_the_service_refuses_an_agent_on_a_call_settled_after_the_page_was_checked(people, settled, someone):
    """The rule is checked again under the call's row lock: a call settled from another tab between the
    view's check and the write is still refused, and nothing is written."""
    agent, supervisor = people
    with pytest.raises(hotline.SettledCall):
        hotline.link_owner(settled.id, someone, actor=agent, now=utcnow())
    with pytest.raises(hotline.ReasonRequired):
        hotline.save_new_caller(settled.id, name="刘洋", mobile=None, unit=None, actor=supervisor,
                                now=utcnow())
    assert owner_of(settled.id) is None and history(settled.id) == []
    assert db.session.scalar(select(Owner).where(Owner.name == "刘洋")) is None
