"""The generic (Zammad-style) webhook with its per-switchboard token, click-to-dial through the one dial
button, and the switch's recordings on the call page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kiosk.domain.hotline import AgentStatus
from kiosk.extensions import db
from kiosk.models.audit import AdminAudit
from kiosk.models.calls import AgentState, Call, CallEvent, CtiRefusalCount, SwitchRequest
from kiosk.models.people import User
from kiosk.services import hotline, switch
from tests.support import in_threads
from tests.web.hotline_support import T0, add_owner, add_pbx

GENERIC = "/cti/generic/"


@pytest.fixture
def token(app):
    add_pbx("zammad-pbx")
    return switch.new_webhook_token("zammad-pbx")


@pytest.fixture
def server_clock(monkeypatch):
    moment = {"now": T0}
    monkeypatch.setattr("kiosk.blueprints.cti.utcnow", lambda: moment["now"])
    return moment


@pytest.fixture
def agent(make_user):
    user = make_user("agent", username="jdoe", display_name="李娜")
    user.extension = "8101"
    db.session.commit()
    return user


def only_call() -> Call:
    db.session.rollback()
    (call,) = db.session.scalars(select(Call)).all()
    return call


def test_a_pbx_speaking_zammads_generic_format_rings_answers_and_hangs_up_a_call(
        client, token, agent, server_clock):
    add_owner()
    form = {"event": "newCall", "from": "13900001234", "to": "4008001234", "direction": "in",
            "callId": "abc-123", "user[]": ["李娜"]}
    assert client.post(GENERIC + token, data=form).json["status"] == "stored"
    call = only_call()
    assert (call.state, call.agent_id, call.pbx_name, call.caller_number) == (
        "ringing", agent.id, "zammad-pbx", "13900001234")
    assert call.owner is not None  # the caller's profile found by number
    server_clock["now"] = T0 + timedelta(seconds=6)
    answer = {"event": "answer", "callId": "abc-123", "direction": "in", "answeringNumber": "8101",
              "from": "13900001234", "to": "4008001234"}
    assert client.post(GENERIC + token, json=answer).json["status"] == "stored"  # JSON as well
    server_clock["now"] = T0 + timedelta(seconds=96)
    hangup = {"event": "hangup", "callId": "abc-123", "direction": "in", "cause": "normalClearing"}
    assert client.post(GENERIC + token, data=hangup).json["status"] == "stored"
    assert client.post(GENERIC + token, data=hangup).json["status"] == "duplicate"  # idempotent
    call = only_call()
    assert (call.ring_seconds, call.talk_seconds, call.state) == (6, 90, "ended")
    assert db.session.get(AgentState, agent.id).state == "wrap_up"


def test_the_generic_webhook_refuses_a_token_that_is_no_switchboards_and_counts_it(client, token):
    response = client.post(GENERIC + "guessed-token", data={"event": "newCall", "callId": "x"})
    assert response.status_code == 401 and response.json["reason"] == "bad_token"
    assert "令牌" in response.json["message"]
    assert db.session.scalar(select(func.count(Call.id))) == 0
    assert db.session.scalar(select(CtiRefusalCount.count).where(CtiRefusalCount.reason == "bad_token")) == 1


@pytest.mark.parametrize("form", [
    {"event": "ring", "callId": "x"},
    {"event": "newCall"},
    {"event": "newCall", "callId": "x" * 81},
    {"event": "newCall", "callId": "x", "direction": "sideways"},
])
def test_the_generic_webhook_refuses_what_is_not_its_format(client, token, form):
    response = client.post(GENERIC + token, data=form)
    assert response.status_code == 400 and response.json["reason"] == "malformed"
    assert db.session.scalar(select(func.count(Call.id))) == 0


def test_a_new_token_retires_the_old_one(app, token):
    newer = switch.new_webhook_token("zammad-pbx")
    assert switch.switchboard_by_token(newer) == "zammad-pbx" and switch.switchboard_by_token(token) is None
    assert switch.new_webhook_token("no-such-pbx") is None


def test_the_same_event_posted_at_once_by_the_generic_door_is_stored_once(app, token, server_clock):
    form = {"event": "newCall", "from": "13900001234", "to": "4008001234", "callId": "race-1"}

    def post(_n):
        return app.test_client().post(GENERIC + token, data=form).json["status"]

    assert sorted(in_threads(app, post, 5)) == ["duplicate"] * 4 + ["stored"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(CallEvent.id))) == 1


# --- click-to-dial ---------------------------------------------------------------------------------


@pytest.fixture
def connected(app):
    from kiosk.clock import utcnow

    switch.connector_connected("asterisk-1", "10.0.0.5:5038", utcnow(), reconnect=False)


def test_without_a_connected_switch_there_is_no_dial_button_and_calls_are_made_by_hand(
        client, auth, agent, app):
    auth.login(agent.username)
    response = client.post_form("/hotline/dial", {"number": "13900001234"})
    assert response.status_code == 303 and db.session.scalar(select(func.count(Call.id))) == 0
    assert "手动拨打" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_dialling_a_number_queues_the_switch_request_with_the_call_and_opens_its_screen(
        client, auth, agent, connected):
    auth.login(agent.username)
    response = client.post_form("/hotline/dial", {"number": "139 0000 1234"})
    assert response.status_code == 303
    call = only_call()
    assert response.headers["Location"].endswith(f"/hotline/calls/{call.id}")
    assert (call.direction, call.state, call.called_number) == ("out", "ringing", "13900001234")
    assert call.agent_id == agent.id
    (request,) = db.session.scalars(select(SwitchRequest)).all()
    assert (request.kind, request.extension, request.number, request.pbx_call_id, request.status) == (
        "dial", "8101", "13900001234", call.pbx_call_id, "queued")
    assert request.pbx_name == call.pbx_name == "asterisk-1"


def test_a_number_that_is_no_number_is_not_dialled(client, auth, agent, connected):
    auth.login(agent.username)
    response = client.post_form("/hotline/dial", {"number": "not a number"})
    assert response.status_code == 303 and db.session.scalar(select(func.count(Call.id))) == 0
    assert "号码无效" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_dial_button_shows_on_callbacks_once_a_switch_is_connected(app, make_department):
    from kiosk.clock import utcnow
    from tests.web.slips import bring_to, client_for, make_cast

    cast = make_cast(make_department)
    cast.owner.extension = "8101"
    db.session.commit()
    bring_to(cast, "resolved")
    client = client_for(app, cast.owner)
    assert 'action="/hotline/dial"' not in client.get("/tasks/callbacks").get_data(as_text=True)
    switch.connector_connected("asterisk-1", "10.0.0.5:5038", utcnow(), reconnect=False)
    page = client.get("/tasks/callbacks").get_data(as_text=True)
    assert 'action="/hotline/dial"' in page and 'name="callback_id"' in page


# --- recordings -----------------------------------------------------------------------------------


@pytest.fixture
def recorded(app, agent):
    from kiosk.clock import utcnow

    call = Call(direction="in", caller_number="13900001234", state="ended", created_at=utcnow(),
                agent_id=agent.id, recording="20261205-100009-13900001234-8101.wav")
    db.session.add(call)
    db.session.commit()
    return call


@pytest.mark.parametrize("app_config", [{"RECORDING_BASE_URL": "https://pbx.example.cn/rec/"}])
def test_supervisors_and_the_calls_own_agent_play_the_recording_other_agents_do_not(
        app, client, auth, recorded, agent, make_user, app_config):
    auth.login(agent.username)
    page = client.get(f"/hotline/calls/{recorded.id}")
    assert f'src="/hotline/calls/{recorded.id}/recording"' in page.get_data(as_text=True)
    assert "media-src 'self' https://pbx.example.cn" in page.headers["Content-Security-Policy"]
    response = client.get(f"/hotline/calls/{recorded.id}/recording")
    assert response.status_code == 303
    assert response.headers["Location"] == "https://pbx.example.cn/rec/20261205-100009-13900001234-8101.wav"
    other = make_user("agent")
    auth.logout()
    auth.login(other.username)
    assert client.get(f"/hotline/calls/{recorded.id}/recording").status_code == 403
    assert "/recording" not in client.get(f"/hotline/calls/{recorded.id}").get_data(as_text=True)
    boss = make_user("supervisor")
    auth.logout()
    auth.login(boss.username)
    assert client.get(f"/hotline/calls/{recorded.id}/recording").status_code == 303


def test_without_a_recording_base_url_no_recording_is_offered(client, auth, recorded, agent):
    auth.login(agent.username)
    assert client.get(f"/hotline/calls/{recorded.id}/recording").status_code == 404
    assert "/recording" not in client.get(f"/hotline/calls/{recorded.id}").get_data(as_text=True)


def test_a_correction_call_waiting_is_dialled_from_its_screen_and_stays_that_call(client, auth, agent,
                                                                                  connected):
    from kiosk.clock import utcnow

    correction = Call(direction="out", caller_number="", called_number="13900001234", agent_id=agent.id,
                      state="ringing", ringing_at=utcnow(), created_at=utcnow())
    db.session.add(correction)
    db.session.commit()
    auth.login(agent.username)
    page = client.get(f"/hotline/calls/{correction.id}").get_data(as_text=True)
    assert f'name="call_id" value="{correction.id}"' in page
    response = client.post_form("/hotline/dial", {"call_id": correction.id})
    assert response.headers["Location"].endswith(f"/hotline/calls/{correction.id}")
    call = only_call()
    assert call.pbx_name == "asterisk-1" and call.pbx_call_id.startswith("kiosk-")
    (request,) = db.session.scalars(select(SwitchRequest)).all()
    assert (request.pbx_call_id, request.number) == (call.pbx_call_id, "13900001234")
    again = client.post_form("/hotline/dial", {"call_id": correction.id})  # already dialled: not twice
    assert "已经拨出" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count(SwitchRequest.id))) == 1


def test_the_switch_commands_check_their_address_and_hand_out_a_webhook_token(runner, app):
    refused = runner.invoke(args=["cti-asterisk", "--url", "http://pbx:5038", "--switchboard", "a"])
    assert refused.exit_code == 2 and "ami://USER:SECRET@HOST:5038" in refused.output
    add_pbx("branch-pbx")
    made = runner.invoke(args=["cti-webhook-token", "branch-pbx"])
    token = made.output.strip().removeprefix("/cti/generic/")
    assert made.exit_code == 0 and switch.switchboard_by_token(token) == "branch-pbx"
    (audited,) = db.session.scalars(select(AdminAudit)).all()  # a command on the server: nobody, no address
    assert (audited.action, audited.object_label, audited.actor_id) == ("switchboard.webhook_token",
                                                                        "branch-pbx", None)
    assert runner.invoke(args=["cti-webhook-token", "nobody"]).exit_code == 1


def test_an_agent_signing_out_goes_offline_and_the_switch_is_asked_to_take_them_out_of_its_queues(
        client, auth, agent, connected):
    auth.login(agent.username)
    assert client.post_form("/hotline/state", {"state": "available"}).status_code == 303
    assert client.post_form("/auth/logout", {}).status_code == 303
    db.session.rollback()
    assert db.session.get(AgentState, agent.id).state == "offline"
    requests = db.session.scalars(select(SwitchRequest).order_by(SwitchRequest.id))
    assert [(r.kind, r.extension) for r in requests] == [("login", "8101"), ("logout", "8101")]


def test_an_agent_resuming_in_two_tabs_at_once_asks_the_switch_once(app, agent, connected):
    hotline.set_agent_state(agent, AgentStatus.PAUSED, T0)
    agent_id = agent.id

    def resume(_n):
        hotline.set_agent_state(db.session.get(User, agent_id), AgentStatus.AVAILABLE, T0)

    in_threads(app, resume, 4)
    db.session.rollback()
    requests = db.session.scalars(select(SwitchRequest).order_by(SwitchRequest.id))
    assert [r.kind for r in requests] == ["pause", "unpause"]


# --- the generic webhook's tokens from the admin page -------------------------------------------------


def test_an_admin_gives_a_switchboard_a_new_webhook_token_shown_once_and_audited(client, auth, make_user):
    add_pbx("zammad-pbx")
    old = switch.new_webhook_token("zammad-pbx")
    admin = make_user("admin", username="root")
    auth.login(admin.username)
    page = client.get("/admin/switchboards").get_data(as_text=True)
    assert "已开通" in page and "生成新令牌" in page and old not in page
    response = client.post_form("/admin/switchboards/token", {"switchboard": "zammad-pbx"})
    assert response.status_code == 200
    shown = response.get_data(as_text=True)
    token = shown.split("/cti/generic/", 1)[1].split("<", 1)[0]
    assert switch.switchboard_by_token(token) == "zammad-pbx" and switch.switchboard_by_token(old) is None
    assert token not in client.get("/admin/switchboards").get_data(as_text=True)  # shown this once
    db.session.rollback()
    (row,) = db.session.scalars(select(AdminAudit)).all()
    assert (row.action, row.object_type, row.object_label, row.actor_id) == (
        "switchboard.webhook_token", "switchboard", "zammad-pbx", admin.id)
    assert token not in str(row.before) + str(row.after)
    refused = client.post_form("/admin/switchboards/token", {"switchboard": "nobody"})
    assert refused.status_code == 422 and 'id="token-error"' in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AdminAudit.id))) == 1


def test_the_generic_hangups_cause_is_kept_on_the_call_and_shown_on_its_page(
        client, auth, token, agent, server_clock):
    ring = {"event": "newCall", "from": "13900001234", "to": "4008001234", "direction": "in",
            "callId": "busy-1", "answeringNumber": "8101"}
    assert client.post(GENERIC + token, data=ring).json["status"] == "stored"
    server_clock["now"] = T0 + timedelta(seconds=20)
    hangup = {"event": "hangup", "callId": "busy-1", "direction": "in", "cause": "noAnswer"}
    assert client.post(GENERIC + token, data=hangup).json["status"] == "stored"
    call = only_call()
    assert (call.state, call.hangup_cause) == ("ended", "no_answer")
    auth.login(agent.username)
    page = client.get(f"/hotline/calls/{call.id}").get_data(as_text=True)
    assert "结束原因" in page and "无人接听" in page


@pytest.mark.parametrize("cause", ["", "somethingOdd", "ORIGINATOR_CANCEL"])
def test_a_hangup_without_a_cause_we_know_ends_the_call_with_none_shown(client, token, server_clock, cause):
    assert client.post(GENERIC + token, data={"event": "newCall", "callId": "c-1", "from": "13900001234"}
                       ).json["status"] == "stored"
    hangup = {"event": "hangup", "callId": "c-1", "cause": cause}
    assert client.post(GENERIC + token, data=hangup).json["status"] == "stored"
    assert (only_call().state, only_call().hangup_cause) == ("ended", None)
