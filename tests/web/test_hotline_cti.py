"""The switchboard's events: signed, idempotent, tolerant of order; they drive calls and agents' states."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models.calls import AgentState, Call, CallEvent
from tests.web.hotline_support import add_owner, add_pbx, event, post_event


@pytest.fixture
def pbx(app):
    add_pbx()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _call() -> Call:
    db.session.expire_all()
    return db.session.scalar(select(Call))


def test_events_in_order_make_one_call_with_its_times_and_agent(client, pbx, make_user):
    agent = make_user("agent")
    agent.extension = "8101"
    db.session.commit()
    owner = add_owner()
    for kind, seconds in (("ringing", 0), ("answered", 9), ("hangup", 129)):
        response = post_event(client, event(kind, seconds=seconds, extension="8101"))
        assert response.status_code == 200 and response.json["status"] == "stored"
        if kind == "answered":
            assert db.session.get(AgentState, agent.id).state == "on_call"
    call = _call()
    assert (call.state, call.ring_seconds, call.talk_seconds) == ("ended", 9, 120)
    assert (call.agent_id, call.owner_id, call.caller_number) == (agent.id, owner.id, "13900001234")
    db.session.expire_all()
    assert db.session.get(AgentState, agent.id).state == "wrap_up"


def test_an_agent_who_settled_the_call_before_the_hangup_is_available_after_it(client, pbx, login_as):
    agent = login_as("agent")
    agent.extension = "8101"
    db.session.commit()
    for kind, seconds in (("ringing", 0), ("answered", 9)):
        post_event(client, event(kind, seconds=seconds, extension="8101"))
    screen = f"/hotline/calls/{_call().id}"
    client.post_form(f"{screen}/record", {"category": "suggestion", "description": "建议加装路灯"})
    client.post_form(f"{screen}/confirm", {"read_back": "y"})
    assert client.post_form(f"{screen}/outcome", {"disposition": "suggestion"}).status_code == 303
    assert post_event(client, event("hangup", seconds=129, extension="8101")).status_code == 200
    assert _call().state == "ended"
    assert db.session.get(AgentState, agent.id).state == "available"  # nothing left to write up


def test_a_repeated_event_is_stored_once(client, pbx):
    assert post_event(client, event("ringing")).json["status"] == "stored"
    again = post_event(client, event("ringing"))
    assert again.status_code == 200 and again.json["status"] == "duplicate"
    assert (_count(Call), _count(CallEvent)) == (1, 1)


def test_two_switchboards_may_use_the_same_call_id(client, pbx):
    add_pbx("branch-pbx")
    for name in ("test-pbx", "branch-pbx"):
        assert post_event(client, event("ringing"), pbx=name).json["status"] == "stored"
    assert post_event(client, event("ringing"), pbx="branch-pbx").json["status"] == "duplicate"
    assert post_event(client, event("answered", seconds=5), pbx="branch-pbx").json["status"] == "stored"
    db.session.expire_all()
    calls = {c.pbx_name: c for c in db.session.scalars(select(Call))}
    assert set(calls) == {"test-pbx", "branch-pbx"} and _count(CallEvent) == 3
    assert (calls["test-pbx"].state, calls["branch-pbx"].state) == ("ringing", "answered")


def test_events_out_of_order_end_in_the_same_call(client, pbx, make_user):
    agent = make_user("agent")
    agent.extension = "8101"
    db.session.commit()
    for kind, seconds in (("hangup", 129), ("answered", 9), ("ringing", 0)):
        assert post_event(client, event(kind, seconds=seconds, extension="8101")).status_code == 200
    call = _call()
    assert (call.state, call.ring_seconds, call.talk_seconds) == ("ended", 9, 120)
    assert db.session.get(AgentState, agent.id).state == "wrap_up"  # not on a call that is over


def test_an_answer_before_its_ring_is_not_taken_back_by_the_ring(client, pbx):
    post_event(client, event("answered", seconds=12))
    post_event(client, event("ringing", seconds=0))
    call = _call()
    assert (call.state, call.ring_seconds) == ("answered", 12)


@pytest.mark.parametrize("headers", [
    {"secret": "wrong-secret"},
    {"pbx": "unknown-pbx"},
])
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, pbx, headers):
    response = post_event(client, event("ringing"), **headers)
    assert response.status_code == 401
    assert (_count(Call), _count(CallEvent)) == (0, 0)


def test_an_unsigned_event_is_refused(client, pbx):
    response = client.post("/cti/events", json=event("ringing"))
    assert response.status_code == 401 and _count(Call) == 0


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]",
    b'{"event": "transfer", "call_id": "x", "timestamp": "2026-11-23T01:00:00+00:00"}',
    b'{"event": "ringing", "call_id": "", "timestamp": "2026-11-23T01:00:00+00:00"}',
    b'{"event": "ringing", "call_id": "x", "timestamp": "yesterday"}',
    b'{"event": "ringing", "call_id": "x", "timestamp": "2026-11-23T01:00:00"}',
    b'{"event": "ringing", "call_id": "x", "timestamp": "2026-11-23T01:00:00+00:00", "direction": "up"}',
    b'{"event": "ringing", "call_id": {"a": 1}, "timestamp": "2026-11-23T01:00:00+00:00"}',
    # Found by the bad-input suite: moments with no UTC time, or too far out to reckon durations with.
    b'{"event": "ringing", "call_id": "x", "timestamp": "0001-01-01T00:00:00+01:00"}',
    b'{"event": "hangup", "call_id": "x", "timestamp": "9999-12-31T23:59:59-05:00"}',
])
def test_a_signed_but_malformed_event_is_refused(client, pbx, body):
    response = post_event(client, body)
    assert response.status_code == 400 and "error" in response.json
    assert _count(Call) == 0


def test_an_unknown_extension_leaves_the_call_ringing_for_every_agent(client, pbx, make_user, auth):
    agent = make_user("agent")
    post_event(client, event("ringing", extension="9999"))
    call = _call()
    assert call.agent_id is None and call.state == "ringing"
    auth.login(agent.username)
    assert f"/hotline/calls/{call.id}/answer" in client.get("/hotline/").get_data(as_text=True)


def test_a_call_ringing_at_one_agent_is_not_offered_to_another(client, pbx, make_user, auth):
    first, second = make_user("agent"), make_user("agent")
    first.extension = "8101"
    db.session.commit()
    post_event(client, event("ringing", extension="8101"))
    auth.login(second.username)
    assert f"/hotline/calls/{_call().id}/answer" not in client.get("/hotline/").get_data(as_text=True)


def test_the_same_event_posted_by_five_threads_at_once_stores_one_call(app, pbx):
    def post(_):
        return post_event(app.test_client(), event("ringing", call_id="race-1")).json["status"]

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = sorted(pool.map(post, range(5)))
    assert statuses == ["duplicate"] * 4 + ["stored"]
    assert (_count(Call), _count(CallEvent)) == (1, 1)


def test_different_events_of_one_call_posted_at_once_all_count(app, pbx):
    payloads = [event("ringing", call_id="race-2"), event("answered", call_id="race-2", seconds=5),
                event("hangup", call_id="race-2", seconds=65)]

    def post(payload):
        return post_event(app.test_client(), payload).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        assert list(pool.map(post, payloads)) == [200, 200, 200]
    call = _call()
    assert (_count(Call), call.state, call.ring_seconds, call.talk_seconds) == (1, "ended", 5, 60)
