"""The switchboard's events: signed, idempotent, tolerant of order; they drive calls and agents' states.
Events dated far from our clock, nested too deeply or otherwise refused are counted for the administrator."""

from __future__ import annotations

import json
import random
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.devtools.cti_simulator import OLDEST_EVENT, call_streams
from kiosk.extensions import db
from kiosk.models.calls import AgentState, Call, CallEvent, CtiRefusalCount
from tests.support import field_error
from tests.web.hotline_support import T0, add_owner, add_pbx, event, post_event


@pytest.fixture(autouse=True)
def server_clock(monkeypatch):
    """The server's clock, stopped at the moment the test's switchboard events are dated."""
    moment = {"now": T0}
    monkeypatch.setattr("kiosk.blueprints.cti.utcnow", lambda: moment["now"])
    return moment


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


# --- refused events: clock skew, nesting, signature; counted for the administrator -----------------


def _refusals() -> dict[tuple[str, str], int]:
    db.session.expire_all()
    return {(r.pbx_name, r.reason): r.count for r in db.session.scalars(select(CtiRefusalCount))}


@pytest.mark.parametrize("dated", [datetime(2001, 1, 1, tzinfo=UTC), datetime(2099, 12, 31, tzinfo=UTC),
                                   T0 - timedelta(seconds=301), T0 + timedelta(seconds=301)])
def test_an_event_dated_far_from_the_server_clock_is_refused_and_counted(client, pbx, dated):
    response = post_event(client, event("ringing", start=dated))
    assert response.status_code == 400
    assert response.json["reason"] == "clock_skew" and "server clock" in response.json["error"]
    assert "服务器时钟" in response.json["message"] and "300 秒" in response.json["message"]
    assert (_count(Call), _count(CallEvent)) == (0, 0)
    assert _refusals() == {("test-pbx", "clock_skew"): 1}


@pytest.mark.parametrize("seconds", [-300, -120, 0, 299, 300])
def test_an_event_within_the_allowed_skew_is_stored(client, pbx, seconds):
    assert post_event(client, event("ringing", seconds=seconds)).json["status"] == "stored"
    assert _count(Call) == 1 and _refusals() == {}


@pytest.mark.parametrize("app_config", [{"CTI_MAX_CLOCK_SKEW_SECONDS": 30}])
def test_the_allowed_skew_is_a_setting(client, pbx, app_config):
    assert post_event(client, event("ringing", seconds=31)).status_code == 400
    assert post_event(client, event("ringing", seconds=30)).json["status"] == "stored"


def test_a_body_nested_100000_deep_is_refused_with_400_not_500(client, pbx):
    response = post_event(client, b"[" * 100_000)
    assert response.status_code == 400 and response.json["reason"] == "too_deep"
    deep = json.dumps({**event("ringing"), "extra": json.loads("[" * 40 + "]" * 40)}).encode()
    assert post_event(client, deep).json["reason"] == "too_deep"
    assert _count(Call) == 0 and _refusals() == {("test-pbx", "too_deep"): 2}


def test_brackets_inside_strings_are_not_nesting(client, pbx):
    payload = {**event("ringing"), "call_id": "[" * 70, "extension": "{" * 20}
    assert post_event(client, payload).json["status"] == "stored"


def test_bad_signatures_are_counted_under_the_switchboard_or_as_unknown(client, pbx):
    post_event(client, event("ringing"), secret="wrong-secret")
    for name in ("made-up-1", "made-up-2", "x" * 500):
        post_event(client, event("ringing"), pbx=name)
    assert _refusals() == {("test-pbx", "bad_signature"): 1, ("", "bad_signature"): 3}


def test_malformed_events_are_counted_as_malformed(client, pbx):
    post_event(client, b"not json")
    post_event(client, json.dumps({**event("ringing"), "call_id": "\ud800"}).encode())  # JSON's "\\ud800"
    assert _refusals() == {("test-pbx", "malformed"): 2} and _count(Call) == 0


def test_refusals_posted_at_once_are_each_counted(app, pbx):
    stale = event("ringing", start=datetime(2001, 1, 1, tzinfo=UTC))

    def post(_):
        return post_event(app.test_client(), stale).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert list(pool.map(post, range(12))) == [400] * 12
    assert _refusals() == {("test-pbx", "clock_skew"): 12}


def test_the_administrator_sees_each_switchboards_refusals_of_today(client, pbx, login_as, server_clock,
                                                                    monkeypatch):
    add_pbx("branch-pbx")
    server_clock["now"] = T0 - timedelta(days=1)
    post_event(client, event("ringing", call_id="yesterday"), secret="wrong-secret")  # not today's
    server_clock["now"] = T0
    for _ in range(3):
        post_event(client, event("ringing", start=datetime(2099, 1, 1, tzinfo=UTC)))
    server_clock["now"] = T0 + timedelta(minutes=1)
    post_event(client, b"[" * 1000)
    post_event(client, event("ringing"), pbx="made-up")
    monkeypatch.setattr("kiosk.blueprints.admin.utcnow", lambda: T0 + timedelta(hours=2))
    login_as("admin")
    page = client.get("/admin/switchboards")
    assert page.status_code == 200
    rows = {cells[0]: cells[1:] for cells in (
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", page.get_data(as_text=True), re.S)) if cells}
    # Today, by reason: bad signature, clock skew, nesting, malformed, the generic webhook's bad token;
    # then the last refusal.
    assert rows["test-pbx"][:5] == ["0", "3", "1", "0", "0"] and "嵌套过深" in rows["test-pbx"][5]
    assert rows["branch-pbx"][:6] == ["0", "0", "0", "0", "0", "—"]
    assert "未开通" in rows["branch-pbx"][6]  # its generic webhook: no token yet
    unknown = rows["（未知总机名称）"]
    assert unknown[:5] == ["1", "0", "0", "0", "0"] and "签名无效" in unknown[5]


def test_the_simulators_streams_are_all_taken_however_long_the_run(app, client, pbx, server_clock):
    """Each event lies within the allowed skew of the clock when it is posted (``OLDEST_EVENT``)."""
    assert timedelta(seconds=app.config["CTI_MAX_CLOCK_SKEW_SECONDS"]) > OLDEST_EVENT

    def clock() -> datetime:
        server_clock["now"] += timedelta(seconds=7)  # a slow run: the clock moves between events
        return server_clock["now"]

    answers = [post_event(client, e).json.get("status") for e in call_streams(
        random.Random(3), calls=40, ringing=2, clock=clock, numbers=["13900001234"], extensions=["8101"])]
    assert set(answers) <= {"stored", "duplicate"} and _count(Call) == 40


# --- callers' numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(("sent", "stored"), [
    ("+86 139-0000-1234", "13900001234"),
    ("0731-8800 1000", "073188001000"),
    ("anonymous", ""),
    ("139\ud800", ""),
    ("13900001234\ufffd", ""),
    ("", ""),
])
def test_a_callers_number_is_stored_in_its_one_form_or_as_unknown(client, pbx, sent, stored):
    """A switchboard sends "anonymous" or nothing for a withheld number: the call still rings, its
    number unknown (the console says 未知号码); it is never stored as the text that came."""
    response = post_event(client, event("ringing", caller=sent))
    assert response.json["status"] == "stored"
    call = _call()
    assert (call.caller_number, call.called_number) == (stored, "4008001234")


def test_a_hand_started_call_with_a_broken_number_is_refused_beside_the_field(client, login_as):
    login_as("agent")
    for raw in (b"139%ED%A0%80", b"13900001234%ED%A0%80"):
        response = client.post("/hotline/calls/start", headers={"HX-Request": "true"},
                               data=b"csrf_token=" + client.csrf_token().encode() + b"&caller_number=" + raw,
                               content_type="application/x-www-form-urlencoded")
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "请填写有效的电话号码" in field_error(html, "caller_number")
        assert f'value="{raw[:3].decode()}' in html  # what was typed stays in the field
    assert _count(Call) == 0


def test_a_hand_started_call_stores_the_number_in_its_one_form(client, login_as):
    login_as("agent")
    assert client.post_form("/hotline/calls/start", {"caller_number": "0731-8800 1000"}).status_code == 303
    assert _call().caller_number == "073188001000"
