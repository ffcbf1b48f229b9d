"""From an Asterisk switch's AMI events to the hotline's call events (kiosk.domain.asterisk), on recorded
streams of real call shapes: the three-ring figure from the switch's first ring, the timer from its answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.domain.asterisk import (
    AgentChange,
    AmiTranslator,
    duration_seconds,
    event_time,
    extension_of,
    queue_members,
)
from kiosk.domain.hotline import CtiEvent
from tests.cti.ami_server import read_stream

T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def translate(name: str, **values) -> list:
    translator = AmiTranslator()
    out = []
    for event in read_stream(name, **values):
        out += translator.feed(event, received_at=at(10_000))
    return out


def shape(out) -> list[tuple]:
    return [(p.event.value, p.extension, p.at - T0) for p in out]


def s(seconds: float) -> timedelta:
    return timedelta(seconds=seconds)


def test_an_extension_is_a_channel_of_3_to_6_digits_and_a_trunk_is_not():
    assert extension_of("PJSIP/8101-00000012") == "8101"
    assert extension_of("Local/8101@from-queue-0000001a;1") == "8101"
    assert extension_of("SIP/101-0000aa") == "101"
    assert extension_of("PJSIP/ctc-trunk-00000001") == ""
    assert extension_of("PJSIP/02088880000-00000001") == ""


def test_the_switchs_timestamp_is_the_events_time_else_its_arrival():
    assert event_time({"Timestamp": "1796436009.500000"}, at(99)) == at(9.5)
    assert event_time({}, at(99)) == at(99)
    assert event_time({"Timestamp": "soon"}, at(99)) == at(99)
    assert duration_seconds("01:02:03") == 3723 and duration_seconds("x") == 0


def test_a_direct_call_rings_at_the_extension_is_answered_there_and_ends_with_its_last_leg():
    out = translate("direct_inbound")
    assert shape(out) == [("ringing", "8101", s(1)), ("answered", "8101", s(9)),
                          ("recording", "", s(9)), ("hangup", "", s(129))]
    assert {(p.call_id, p.direction, p.caller, p.called) for p in out} == {
        ("1796436000.1", "in", "13900001234", "4008001234")}
    assert out[2].recording == "20261205-100009-13900001234-8101.wav"


def test_a_queue_call_waits_in_the_queue_then_rings_one_agent_after_another():
    out = translate("queue_no_answer_then_answer")
    assert shape(out) == [("ringing", "", s(2)), ("ringing", "8101", s(2)), ("ringing", "8102", s(18)),
                          ("answered", "8102", s(22)), ("hangup", "", s(202))]
    assert {p.queue for p in out} == {"hotline"}


def test_a_caller_giving_up_in_the_queue_ends_the_call_unanswered():
    out = translate("abandoned_in_queue")
    assert shape(out) == [("ringing", "", s(1)), ("ringing", "8101", s(1)), ("hangup", "", s(13))]


def test_a_transfer_is_an_answer_at_another_extension_of_an_answered_call():
    out = translate("blind_transfer")
    assert shape(out) == [("ringing", "8101", s(1)), ("answered", "8101", s(5)), ("ringing", "8102", s(65)),
                          ("transfer", "8102", s(70)), ("hangup", "", s(130))]


def test_an_attended_transfer_moves_the_call_to_the_colleague_consulted_when_the_agent_puts_it_through():
    out = translate("attended_transfer")
    # the consult call between the two extensions is the staff's own: 8102 never rings for the caller
    assert shape(out) == [("ringing", "8101", s(1)), ("answered", "8101", s(5)), ("transfer", "8102", s(50)),
                          ("hangup", "", s(110))]
    assert {p.call_id for p in out} == {"1796436000.81"}


def test_an_attended_transfer_that_failed_leaves_the_call_with_its_agent():
    translator = AmiTranslator()
    out = []
    for event in read_stream("attended_transfer"):
        if event["Event"] == "AttendedTransfer":
            event = dict(event, Result="Fail")
        out += translator.feed(event, received_at=at(10_000))
    assert ("transfer", "8102", s(50)) not in shape(out)


def test_an_originated_call_rings_and_answers_at_the_dialled_number_for_the_agent_who_dials():
    out = translate("originate_answered", call_id="kiosk-abc", action_id="1")
    assert shape(out) == [("ringing", "8101", s(3)), ("answered", "8101", s(10)), ("hangup", "", s(70))]
    assert {(p.call_id, p.direction, p.called) for p in out} == {("kiosk-abc", "out", "13900001234")}
    out = translate("originate_not_answered", call_id="kiosk-abc", action_id="1")
    assert shape(out) == [("ringing", "8101", s(3)), ("hangup", "", s(33))]


def test_a_call_between_two_extensions_is_the_staffs_own_and_left_out():
    translator = AmiTranslator()
    agent = {"Channel": "PJSIP/8101-01", "Uniqueid": "9.1", "Linkedid": "9.1", "CallerIDNum": "8101"}
    other = {"DestChannel": "PJSIP/8102-02", "DestUniqueid": "9.2", "DestLinkedid": "9.1"}
    assert translator.feed({"Event": "Newchannel", **agent}, at(0)) == []
    assert translator.feed({"Event": "DialBegin", **agent, **other}, at(0)) == []
    assert translator.feed({"Event": "DialEnd", **agent, **other, "DialStatus": "ANSWER"}, at(1)) == []
    assert translator.feed({"Event": "Hangup", **agent}, at(5)) == []


def test_the_switch_pausing_or_resuming_an_agent_is_an_agent_change():
    translator = AmiTranslator()
    pause = {"Event": "QueueMemberPause", "Interface": "PJSIP/8102", "MemberName": "8102", "Paused": "1"}
    assert translator.feed(pause, at(1)) == [AgentChange("8102", True, at(1))]
    assert translator.feed({**pause, "Paused": "0"}, at(2)) == [AgentChange("8102", False, at(2))]
    assert translator.feed({"Event": "QueueMemberRemoved", "Interface": "Local/8103@agents/n"}, at(3)) == [
        AgentChange("8103", True, at(3))]


def test_resync_ends_the_calls_the_switch_no_longer_has_and_takes_up_those_it_has():
    translator = AmiTranslator()
    trunk = {"Channel": "PJSIP/ctc-trunk-0061", "Uniqueid": "7.1", "Linkedid": "7.1",
             "CallerIDNum": "13600001111", "Exten": "4008001234", "ChannelStateDesc": "Up",
             "Duration": "00:01:10", "BridgeId": "b-9", "Application": "AppDial"}
    agent = {"Channel": "PJSIP/8101-0062", "Uniqueid": "7.2", "Linkedid": "7.1", "ChannelStateDesc": "Up",
             "Duration": "00:01:00", "BridgeId": "b-9"}
    out = translator.resync([trunk, agent], app_live={"gone-1", "7.1"}, now=at(100), ended_at=at(60))
    assert [(p.call_id, p.event, p.extension, p.at) for p in out] == [
        ("gone-1", CtiEvent.HANGUP, "", at(60)),
        ("7.1", CtiEvent.RINGING, "", at(30)),
        ("7.1", CtiEvent.ANSWERED, "8101", at(40)),
    ]
    # and the call goes on from there: its hangup when its last leg hangs up
    assert translator.feed({"Event": "Hangup", **trunk, "Timestamp": "1796436120"}, at(120)) == []
    (hangup,) = translator.feed({"Event": "Hangup", **agent, "Timestamp": "1796436121"}, at(121))
    assert (hangup.event, hangup.at) == (CtiEvent.HANGUP, at(121))


def test_the_queues_members_tell_who_is_in_the_switchs_queues_and_paused_only_when_paused_in_every_one():
    rows = read_stream("queue_status_after_restart")
    assert queue_members(rows) == {"8101": True, "8301": False}
    one_unpaused = [dict(row, Paused="0") if row.get("Queue") == "complaints"
                    and row.get("MemberName") == "8101" else row for row in rows]
    assert queue_members(one_unpaused)["8101"] is False
    older = [{"Event": "QueueParams", "Queue": "q"},
             {"Event": "QueueMember", "Queue": "q", "Name": "x", "Location": "SIP/8102", "Paused": "0"}]
    assert queue_members(older) == {"8102": False}  # Asterisk 11's Location


def test_a_switch_without_queues_tells_nothing_of_its_agents():
    assert queue_members([]) is None
