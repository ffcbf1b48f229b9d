"""The Asterisk connector against an AMI server on 127.0.0.1 that replays recorded event streams of real
call shapes: each ends with exactly the calls, agents' states and durations it should."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.database import begin_write
from kiosk.domain.hotline import AgentStatus
from kiosk.extensions import db
from kiosk.models.calls import AgentState, Call, SwitchConnector
from kiosk.services import hotline
from tests.cti.ami_server import AmiServer, read_stream
from tests.cti.connector_support import PBX, T0, Clock, RunningConnector, at, wait_until
from tests.web.slips import bring_to, make_cast, pending_callback


@pytest.fixture
def server():
    server = AmiServer()
    yield server
    server.close()


@pytest.fixture
def clock():
    return Clock(at(0))


@pytest.fixture
def agents(app, make_user):
    made = {}
    for extension in ("8101", "8102"):
        user = make_user("agent", display_name=f"坐席{extension}")
        user.extension = extension
        db.session.commit()
        made[extension] = user
    return made


@pytest.fixture
def connector(app, server, clock, agents):
    running = RunningConnector(app, server.url, clock)
    wait_until(lambda: db.session.get(SwitchConnector, PBX) is not None
               and db.session.get(SwitchConnector, PBX).connected, what="the first login")
    yield running
    running.stop()


def play(server, connector, name: str, **values) -> None:
    """Replay a stream and wait until the connector has handled every event of it."""
    before = connector.connector.total
    count = server.play(name, **values)
    wait_until(lambda: connector.connector.total >= before + count)


def actions(server, name: str) -> list[dict[str, str]]:
    return [action for action in server.actions if action["Action"] == name]


def calls() -> list[Call]:
    return list(db.session.scalars(select(Call).order_by(Call.id)))


def state_of(user) -> str | None:
    row = db.session.get(AgentState, user.id)
    return row.state if row else None


def test_the_connector_logs_in_and_says_so_on_the_board(server, connector):
    row = db.session.get(SwitchConnector, PBX)
    assert row.connected and row.address == f"127.0.0.1:{server.port}" and row.reconnects == 0
    assert row.connected_since == T0
    assert [a["Action"] for a in server.actions] == ["CoreShowChannels"]


def test_a_direct_inbound_call_rings_at_the_extension_and_counts_from_the_switchs_times(
        server, connector, agents):
    events = read_stream("direct_inbound")
    before = connector.connector.total
    server.send(events[:4])  # the agent's phone is ringing
    wait_until(lambda: connector.connector.total >= before + 4)
    (call,) = calls()
    assert call.state == "ringing" and call.agent_id == agents["8101"].id
    assert hotline.ringing_for(agents["8101"]) == [call] and hotline.ringing_for(agents["8102"]) == []
    server.send(events[4:])
    wait_until(lambda: connector.connector.total >= before + len(events))
    (call,) = calls()
    assert (call.direction, call.caller_number, call.called_number) == ("in", "13900001234", "4008001234")
    assert (call.ringing_at, call.answered_at, call.ended_at) == (at(1), at(9), at(129))
    assert (call.ring_seconds, call.talk_seconds, call.state) == (8, 120, "ended")
    assert call.agent_id == agents["8101"].id and call.pbx_name == PBX and call.pbx_call_id == "1796436000.1"
    assert call.recording == "20261205-100009-13900001234-8101.wav"
    assert state_of(agents["8101"]) == AgentStatus.WRAP_UP


def test_a_queue_call_one_agent_not_answering_goes_to_the_one_who_answers(server, connector, agents):
    events = read_stream("queue_no_answer_then_answer")
    before = connector.connector.total
    server.send(events[:2])  # waiting in the queue: on the board, on nobody's console
    wait_until(lambda: connector.connector.total >= before + 2)
    (call,) = calls()
    assert call.state == "ringing" and call.queue == "hotline" and call.agent_id is None
    assert hotline.ringing_for(agents["8101"]) == [] and hotline.ringing_for(agents["8102"]) == []
    server.send(events[2:6])  # rings at 8101
    wait_until(lambda: connector.connector.total >= before + 6)
    assert [c.id for c in hotline.ringing_for(agents["8101"])] == [call.id]
    server.send(events[6:13])  # 8101 did not answer; rings at 8102
    wait_until(lambda: connector.connector.total >= before + 13)
    assert hotline.ringing_for(agents["8101"]) == [] and len(hotline.ringing_for(agents["8102"])) == 1
    server.send(events[13:])
    wait_until(lambda: connector.connector.total >= before + len(events))
    (call,) = calls()
    assert call.agent_id == agents["8102"].id and call.queue == "hotline"
    assert (call.ringing_at, call.answered_at, call.ended_at) == (at(2), at(22), at(202))
    assert (call.ring_seconds, call.talk_seconds) == (20, 180)
    assert state_of(agents["8102"]) == AgentStatus.WRAP_UP and state_of(agents["8101"]) is None


def test_a_caller_who_gives_up_in_the_queue_is_an_abandoned_call(server, connector, agents):
    play(server, connector, "abandoned_in_queue")
    (call,) = calls()
    assert (call.state, call.answered_at, call.ring_seconds, call.talk_seconds) == ("ended", None, None, None)
    assert (call.ringing_at, call.ended_at, call.queue) == (at(1), at(13), "hotline")
    assert call.caller_number == "13700005678"
    assert state_of(agents["8101"]) is None  # it rang there; nobody was on a call


def test_a_blind_transfer_moves_the_call_to_the_second_agent_and_keeps_its_first_answer(
        server, connector, agents):
    play(server, connector, "blind_transfer")
    (call,) = calls()
    assert call.agent_id == agents["8102"].id
    assert (call.ringing_at, call.answered_at, call.ended_at) == (at(1), at(5), at(130))
    assert (call.ring_seconds, call.talk_seconds) == (4, 125)
    assert state_of(agents["8101"]) == AgentStatus.AVAILABLE
    assert state_of(agents["8102"]) == AgentStatus.WRAP_UP


def test_an_attended_transfer_ends_with_the_consulted_agent_and_the_first_answer(server, connector, agents):
    play(server, connector, "attended_transfer")
    (call,) = calls()  # the consult call between the two extensions is no call of the hotline's
    assert (call.agent_id, call.caller_number, call.state) == (agents["8102"].id, "13900001234", "ended")
    assert (call.ringing_at, call.answered_at, call.ended_at) == (at(1), at(5), at(110))
    assert (call.ring_seconds, call.talk_seconds) == (4, 105)
    assert state_of(agents["8101"]) == AgentStatus.AVAILABLE
    assert state_of(agents["8102"]) == AgentStatus.WRAP_UP


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


def test_click_to_dial_a_callback_originates_from_the_agents_extension_and_keeps_the_tie(
        app, server, connector, agents, cast, clock):
    # The connector writes too: read and change the two users in one write transaction taken up front
    # (SQLite refuses to turn a read that another write overtook into a write: "database is locked").
    begin_write()
    agent = cast.owner
    agents["8101"].extension = None  # the extension is now the callback's agent's
    db.session.flush()
    agent.extension = "8101"
    db.session.commit()
    slip = bring_to(cast, "resolved", now=T0)
    callback = pending_callback(slip.id)
    server.on_originate = "originate_answered"
    before = connector.connector.total
    call = hotline.dial(agent, clock(), callback_id=callback.id)
    assert call.state == "ringing" and call.pbx_name == PBX and call.callback_id == callback.id
    wait_until(lambda: db.session.get(Call, call.id).state == "ended", what="the originated call")
    wait_until(lambda: connector.connector.total >= before + len(read_stream("originate_answered")))
    (originate,) = [a for a in server.actions if a["Action"] == "Originate"]
    assert originate["Channel"] == "PJSIP/8101" and originate["ChannelId"] == call.pbx_call_id
    assert originate["Exten"] == call.called_number != ""
    (done,) = calls()
    assert done.id == call.id and done.callback_id == callback.id and done.direction == "out"
    assert (done.ringing_at, done.answered_at, done.ended_at) == (at(3), at(10), at(70))
    assert (done.ring_seconds, done.talk_seconds) == (7, 60)
    assert state_of(agent) == AgentStatus.WRAP_UP


def test_click_to_dial_not_answered_ends_the_call_unanswered(server, connector, agents, clock):
    server.on_originate = "originate_not_answered"
    call = hotline.dial(agents["8101"], clock(), number="13900001234")
    wait_until(lambda: db.session.get(Call, call.id).state == "ended", what="the originated call")
    (done,) = calls()
    assert (done.ringing_at, done.answered_at, done.ended_at) == (at(3), None, at(33))
    assert (done.called_number, done.direction, done.talk_seconds) == ("13900001234", "out", None)
    assert state_of(agents["8101"]) is None


def queue_channel(duration: str) -> dict[str, str]:
    return {"Channel": "PJSIP/ctc-trunk-00000061", "ChannelState": "6", "ChannelStateDesc": "Up",
            "CallerIDNum": "13600001111", "ConnectedLineNum": "<unknown>", "Context": "from-trunk",
            "Exten": "4008001234", "Priority": "3", "Uniqueid": "1796436042.61", "Linkedid": "1796436042.61",
            "Application": "Queue", "ApplicationData": "hotline,t", "Duration": duration, "BridgeId": ""}


def test_a_switch_restart_mid_call_ends_it_when_the_switch_went_down_and_nothing_is_missed_or_doubled(
        server, connector, agents, clock):
    play(server, connector, "before_restart")
    (call,) = calls()
    assert call.state == "answered" and call.answered_at == at(6)
    clock.moment = at(40)
    server.refuse = True
    server.restart(uptime=2)
    wait_until(lambda: not db.session.get(SwitchConnector, PBX).connected, what="the drop")
    clock.moment = at(45)
    server.live_channels = [queue_channel("00:00:03")]  # a caller who rang in after the restart
    server.refuse = False
    wait_until(lambda: db.session.get(SwitchConnector, PBX).connected, what="the reconnection")
    first, new = calls()
    assert (first.state, first.ended_at, first.talk_seconds) == ("ended", at(40), 34)
    assert state_of(agents["8101"]) == AgentStatus.WRAP_UP
    assert (new.state, new.ringing_at, new.queue, new.caller_number) == ("ringing", at(42), "hotline",
                                                                        "13600001111")
    # the network drops (the switch keeps running): the same live call is not taken twice
    clock.moment = at(50)
    server.drop_connections()
    wait_until(lambda: db.session.get(SwitchConnector, PBX).reconnects == 2, what="the second reconnection")
    assert db.session.scalar(select(func.count(Call.id))) == 2
    assert db.session.get(Call, new.id).ringing_at == at(42)
    row = db.session.get(SwitchConnector, PBX)
    assert row.connected and row.last_error == ""


def test_a_pause_on_the_switch_shows_on_the_board_and_a_pause_on_the_console_reaches_the_switch(
        server, connector, agents, clock):
    server.send([{"Event": "QueueMemberPause", "Privilege": "agent,all", "Queue": "hotline",
                  "MemberName": "8102", "Interface": "PJSIP/8102", "StateInterface": "PJSIP/8102",
                  "Paused": "1", "PausedReason": "lunch"}])
    wait_until(lambda: state_of(agents["8102"]) == AgentStatus.PAUSED, what="the switch's pause")
    hotline.set_agent_state(agents["8101"], AgentStatus.PAUSED, clock())
    wait_until(lambda: any(a["Action"] == "QueuePause" for a in server.actions), what="QueuePause")
    (pause,) = [a for a in server.actions if a["Action"] == "QueuePause"]
    assert (pause["Interface"], pause["Paused"]) == ("PJSIP/8101", "true")
    hotline.set_agent_state(agents["8101"], AgentStatus.AVAILABLE, clock())
    wait_until(lambda: len([a for a in server.actions if a["Action"] == "QueuePause"]) == 2, what="unpause")
    assert server.actions[-1]["Paused"] == "false"


def test_a_wrong_secret_is_reported_as_the_connectors_error(app, server, clock, agents):
    bad = AmiServer(secret="other")
    try:
        running = RunningConnector(app, bad.url.replace(":other@", ":wrong@"), clock, pbx="asterisk-2")
        try:
            def refused():
                row = db.session.get(SwitchConnector, "asterisk-2")
                return row is not None and "Authentication failed" in row.last_error

            wait_until(refused)
            assert not db.session.get(SwitchConnector, "asterisk-2").connected
        finally:
            running.stop()
    finally:
        bad.close()


def test_an_agent_in_no_queue_who_pauses_on_the_console_is_logged_in_to_the_switchs_queues_paused(
        app, server, clock, agents):
    server.members = set()  # nobody is a queue member yet
    running = RunningConnector(app, server.url, clock, queues=("hotline", "complaints"))
    try:
        wait_until(lambda: (row := db.session.get(SwitchConnector, PBX)) is not None and row.connected)
        hotline.set_agent_state(agents["8101"], AgentStatus.PAUSED, clock())
        wait_until(lambda: len(actions(server, "QueueAdd")) == 2, what="QueueAdd")
        adds = [(a["Queue"], a["Interface"], a["Paused"]) for a in actions(server, "QueueAdd")]
        assert adds == [("hotline", "PJSIP/8101", "true"), ("complaints", "PJSIP/8101", "true")]
        hotline.set_agent_state(agents["8101"], AgentStatus.AVAILABLE, clock())  # a member now: resumed
        wait_until(lambda: len(actions(server, "QueuePause")) == 2, what="resume")
        assert server.actions[-1]["Paused"] == "false" and len(actions(server, "QueueAdd")) == 2
    finally:
        running.stop()


def test_signing_in_pausing_and_signing_out_on_the_console_log_the_agent_in_and_out_of_the_switchs_queues(
        app, server, clock, agents):
    server.members = set()
    running = RunningConnector(app, server.url, clock, queues=("hotline", "complaints"))
    try:
        wait_until(lambda: (row := db.session.get(SwitchConnector, PBX)) is not None and row.connected)
        agent = agents["8102"]
        hotline.set_agent_state(agent, AgentStatus.AVAILABLE, clock())  # signs in
        wait_until(lambda: len(actions(server, "QueueAdd")) == 2, what="QueueAdd")
        adds = [(a["Queue"], a["Interface"], a["Paused"], a["MemberName"])
                for a in actions(server, "QueueAdd")]
        assert adds == [("hotline", "PJSIP/8102", "false", "8102"),
                        ("complaints", "PJSIP/8102", "false", "8102")]
        hotline.set_agent_state(agent, AgentStatus.PAUSED, clock())
        wait_until(lambda: len(actions(server, "QueuePause")) == 1, what="QueuePause")
        assert (server.actions[-1]["Interface"], server.actions[-1]["Paused"]) == ("PJSIP/8102", "true")
        hotline.set_agent_state(agent, AgentStatus.OFFLINE, clock())  # 离线
        wait_until(lambda: len(actions(server, "QueueRemove")) == 2, what="QueueRemove")
        assert [(a["Queue"], a["Interface"]) for a in actions(server, "QueueRemove")] == [
            ("hotline", "PJSIP/8102"), ("complaints", "PJSIP/8102")]
        assert server.members == set()
        # the switch's echo of the removal leaves the agent signed out, not paused
        before = running.connector.total
        server.send([{"Event": "QueueMemberRemoved", "Privilege": "agent,all", "Queue": "hotline",
                      "MemberName": "8102", "Interface": "PJSIP/8102", "StateInterface": "PJSIP/8102"}])
        wait_until(lambda: running.connector.total > before, what="the removal")
        assert state_of(agent) == AgentStatus.OFFLINE
        # signing in again logs in again; one already added on the switch's side is resumed there
        server.members.add(("hotline", "PJSIP/8102"))
        hotline.set_agent_state(agent, AgentStatus.AVAILABLE, clock())
        wait_until(lambda: len(actions(server, "QueuePause")) == 2, what="the resume after QueueAdd")
        assert [(a["Action"], a.get("Queue"), a["Paused"]) for a in server.actions[-3:]] == [
            ("QueueAdd", "hotline", "false"), ("QueueAdd", "complaints", "false"),
            ("QueuePause", None, "false")]
        assert state_of(agent) == AgentStatus.AVAILABLE
    finally:
        running.stop()


def test_an_agent_signing_out_of_the_app_is_taken_out_of_the_switchs_queues(server, connector, agents, clock):
    hotline.set_agent_state(agents["8101"], AgentStatus.AVAILABLE, clock())
    wait_until(lambda: len(actions(server, "QueuePause")) == 1, what="the sign-in")
    hotline.sign_out_agent(agents["8101"], clock())
    # no queues configured: signing out pauses the agent in whatever queues the switch has them in
    wait_until(lambda: len(actions(server, "QueuePause")) == 2, what="the sign-out")
    assert (server.actions[-1]["Interface"], server.actions[-1]["Paused"]) == ("PJSIP/8101", "true")
    assert state_of(agents["8101"]) == AgentStatus.OFFLINE
    hotline.sign_out_agent(agents["8102"], clock())  # never signed in to the console: nothing to say
    assert state_of(agents["8102"]) is None


def test_after_a_restart_the_queues_members_tell_the_boards_agents_paused_available_or_signed_out(
        server, connector, agents, clock):
    hotline.set_agent_state(agents["8101"], AgentStatus.AVAILABLE, clock())
    hotline.set_agent_state(agents["8102"], AgentStatus.PAUSED, clock())
    clock.moment = at(44)
    # back up, 8101 is in both queues paused (their phone's pause key), 8102 in none (dropped by the
    # restart)
    server.queue_status = read_stream("queue_status_after_restart")
    server.restart(uptime=2)
    wait_until(lambda: db.session.get(SwitchConnector, PBX).reconnects == 1, what="the reconnection")
    assert actions(server, "QueueStatus")
    assert (state_of(agents["8101"]), state_of(agents["8102"])) == (AgentStatus.PAUSED, AgentStatus.OFFLINE)
    assert db.session.get(AgentState, agents["8102"].id).since == at(44)
    # unpaused on the switch while the connection was down: available again on the next reconnection
    server.queue_status = [dict(row, Paused="0") if row.get("MemberName") == "8101"
                           and row["Queue"] == "hotline" else row for row in server.queue_status]
    server.drop_connections()
    wait_until(lambda: db.session.get(SwitchConnector, PBX).reconnects == 2, what="the second reconnection")
    assert state_of(agents["8101"]) == AgentStatus.AVAILABLE
