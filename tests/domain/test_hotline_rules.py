"""Seed 003 (hotline flow, classification, corrections) and seed 004 §2 (deadlines) as hotline rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from kiosk.config import Defaults
from kiosk.domain.call_timer import THREE_RINGS_SECONDS, TimerColour, answered_within_rings, timer_colour
from kiosk.domain.deadlines import DeadlinePolicy, Priority, due_at
from kiosk.domain.hotline import (
    STANDARD_PHRASES,
    AgentStatus,
    CallCategory,
    CallState,
    CallTimes,
    CtiEvent,
    Disposition,
    HangupCause,
    agent_status_after,
    can_report_wrong_answer,
    category_priority,
    cti_event,
    dispatch_priority,
    disposition_allowed,
    fill_phrase,
    first_contact_owner,
    generic_hangup_cause,
    may_work_on_call,
    merge_event,
    pinyin_initials,
    surname_of,
)
from kiosk.domain.working_days import WorkingCalendar

# Friday 2026-10-09 10:00 in Shanghai; Saturday 10-10 is a make-up workday after National Day.
FRIDAY = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("category", "major", "expected"), [
    (CallCategory.INQUIRY, False, None),
    (CallCategory.SUGGESTION, False, None),
    (CallCategory.OTHER, True, None),
    (CallCategory.SERVICE_REQUEST, False, Priority.ROUTINE),
    (CallCategory.SERVICE_REQUEST, True, Priority.MAJOR),
    (CallCategory.COMPLAINT, False, Priority.COMPLAINT),
    (CallCategory.EMERGENCY, False, Priority.EMERGENCY),
])
def test_each_category_takes_its_deadline_path(category, major, expected):
    assert category_priority(category, major) is expected


@pytest.mark.parametrize(("category", "major", "due"), [
    # Routine: one working day, counting the make-up Saturday (seed 004 §2).
    (CallCategory.SERVICE_REQUEST, False, datetime(2026, 10, 10, 2, 0, tzinfo=UTC)),
    # Major: three working days -- Saturday 10-10, Monday 10-12, Tuesday 10-13.
    (CallCategory.SERVICE_REQUEST, True, datetime(2026, 10, 13, 2, 0, tzinfo=UTC)),
    # Complaint with clear facts: 24 hours of wall time (seed 003 篇3 §12).
    (CallCategory.COMPLAINT, False, FRIDAY + timedelta(hours=24)),
    # Emergency/hazard: answered within the set time (seed 003 §2(5)), 30 minutes by default.
    (CallCategory.EMERGENCY, False, FRIDAY + timedelta(minutes=30)),
])
def test_category_deadlines_on_the_chinese_calendar(category, major, due):
    priority = category_priority(category, major)
    assert due_at(FRIDAY, priority, DeadlinePolicy(), WorkingCalendar()) == due


@pytest.mark.parametrize(("disposition", "category", "major", "expected"), [
    (Disposition.ANSWERED_ON_SPOT, CallCategory.INQUIRY, False, None),
    (Disposition.TRANSFERRED, CallCategory.SERVICE_REQUEST, False, None),
    (Disposition.SUGGESTION, CallCategory.SUGGESTION, False, None),
    (Disposition.SLIP, CallCategory.SERVICE_REQUEST, False, Priority.ROUTINE),
    (Disposition.SLIP, CallCategory.SERVICE_REQUEST, True, Priority.MAJOR),
    (Disposition.SLIP, CallCategory.INQUIRY, False, Priority.ROUTINE),  # could not be answered at once
    (Disposition.SLIP, CallCategory.INQUIRY, True, Priority.MAJOR),
    (Disposition.COMPLAINT, CallCategory.COMPLAINT, False, Priority.COMPLAINT),
    (Disposition.EMERGENCY, CallCategory.EMERGENCY, False, Priority.EMERGENCY),
    (Disposition.CALLBACK, CallCategory.INQUIRY, False, None),  # a callback's result, never a new slip
])
def test_outcome_decides_whether_a_slip_is_opened_and_its_priority(disposition, category, major, expected):
    assert dispatch_priority(disposition, category, major) is expected
    assert disposition.opens_slip is (expected is not None)


def test_complaints_and_emergencies_cannot_be_settled_any_other_way():
    assert disposition_allowed(CallCategory.COMPLAINT, Disposition.COMPLAINT)
    assert not disposition_allowed(CallCategory.COMPLAINT, Disposition.ANSWERED_ON_SPOT)
    assert disposition_allowed(CallCategory.EMERGENCY, Disposition.EMERGENCY)
    assert not disposition_allowed(CallCategory.EMERGENCY, Disposition.SLIP)
    assert all(disposition_allowed(CallCategory.INQUIRY, d) for d in Disposition)


def test_a_wrong_answer_is_corrected_once_by_the_agent_who_gave_it():
    assert can_report_wrong_answer(Disposition.ANSWERED_ON_SPOT, open_correction=False)
    assert not can_report_wrong_answer(Disposition.ANSWERED_ON_SPOT, open_correction=True)
    assert not can_report_wrong_answer(Disposition.SLIP, open_correction=False)
    assert not can_report_wrong_answer(None, open_correction=False)
    assert first_contact_owner(7, acting_id=3) == 7
    assert first_contact_owner(None, acting_id=3) == 3


def test_the_agent_who_took_the_call_owns_what_it_leads_to_whoever_settles_it():
    """首问责任制 (seed 003 §2(3)): the slip of agent 7's call is agent 7's, also when supervisor 9
    settles it; a call nobody took belongs to whoever settles it."""
    assert first_contact_owner(7, acting_id=9) == 7
    assert first_contact_owner(None, acting_id=9) == 9


def test_only_the_calls_own_agent_or_a_supervisor_works_on_a_call():
    assert may_work_on_call(7, 7, supervises=False)
    assert not may_work_on_call(7, 8, supervises=False)  # another agent's call is not theirs
    assert may_work_on_call(7, 9, supervises=True)
    assert may_work_on_call(None, 8, supervises=False)  # nobody has taken it yet


EVENTS = [(CtiEvent.RINGING, T0), (CtiEvent.ANSWERED, T0 + timedelta(seconds=9)),
          (CtiEvent.HANGUP, T0 + timedelta(seconds=129))]


@pytest.mark.parametrize("order", list(permutations(EVENTS)))
def test_events_in_any_order_give_the_same_call(order):
    times = CallTimes()
    for event, at in order:
        times = merge_event(times, event, at)
    assert times == CallTimes(T0, T0 + timedelta(seconds=9), T0 + timedelta(seconds=129))
    assert (times.state, times.ring_seconds, times.talk_seconds) == (CallState.ENDED, 9, 120)


def test_repeated_events_change_nothing():
    times = CallTimes()
    for event, at in EVENTS + EVENTS:
        times = merge_event(times, event, at)
    assert (times.ring_seconds, times.talk_seconds) == (9, 120)


def test_state_follows_the_events_seen_so_far():
    ringing = merge_event(CallTimes(), CtiEvent.RINGING, T0)
    assert ringing.state is CallState.RINGING and ringing.ring_seconds is None
    answered = merge_event(ringing, CtiEvent.ANSWERED, T0 + timedelta(seconds=20))
    assert answered.state is CallState.ANSWERED and answered.ring_seconds == 20
    missed = merge_event(ringing, CtiEvent.HANGUP, T0 + timedelta(seconds=30))
    assert missed.state is CallState.ENDED and missed.talk_seconds is None


def test_an_answer_without_a_ring_counts_no_ring_time():
    times = merge_event(CallTimes(), CtiEvent.ANSWERED, T0)
    assert times.ring_seconds == 0


def test_naive_event_times_are_refused():
    with pytest.raises(ValueError):
        merge_event(CallTimes(), CtiEvent.RINGING, datetime(2026, 1, 1))


def test_event_names_follow_ours_and_zammads():
    assert cti_event("ringing") is CtiEvent.RINGING
    assert cti_event("newCall") is CtiEvent.RINGING
    assert cti_event("answer") is CtiEvent.ANSWERED
    assert cti_event("HANGUP") is CtiEvent.HANGUP
    assert cti_event("transfer") is None


def test_events_drive_the_agent_state_by_the_merged_call():
    ringing = CallTimes(T0)
    answered = CallTimes(T0, T0 + timedelta(seconds=5))
    ended = CallTimes(T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=65))
    assert agent_status_after(CtiEvent.ANSWERED, answered, settled=False) is AgentStatus.ON_CALL
    assert agent_status_after(CtiEvent.HANGUP, ended, settled=False) is AgentStatus.WRAP_UP
    # The answer arriving after its hangup: the call is over, the agent is wrapping up.
    assert agent_status_after(CtiEvent.ANSWERED, ended, settled=False) is AgentStatus.WRAP_UP
    assert agent_status_after(CtiEvent.RINGING, answered, settled=False) is None
    # A caller who gave up before anyone answered says nothing about the agent.
    missed = CallTimes(T0, None, T0 + timedelta(seconds=30))
    assert agent_status_after(CtiEvent.HANGUP, missed, settled=False) is None
    assert agent_status_after(CtiEvent.HANGUP, ringing, settled=False) is None


def test_a_call_settled_before_the_caller_hangs_up_leaves_nothing_to_wrap_up():
    ended = CallTimes(T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=65))
    assert agent_status_after(CtiEvent.HANGUP, ended, settled=True) is AgentStatus.AVAILABLE
    assert agent_status_after(CtiEvent.ANSWERED, ended, settled=True) is AgentStatus.AVAILABLE
    assert agent_status_after(CtiEvent.HANGUP, ended, settled=False) is AgentStatus.WRAP_UP


def test_phrases_fill_their_placeholders():
    greeting = fill_phrase("您好，这里是{hotline}服务热线", hotline="400-800-1234")
    assert greeting == "您好，这里是400-800-1234服务热线"
    assert fill_phrase("{surname}先生/女士，您别急", hotline="x", surname="张") == "张先生/女士，您别急"
    assert fill_phrase("{surname}先生/女士，您别急", hotline="x") == "先生/女士，您别急"
    assert fill_phrase("{其他}不动", hotline="x") == "{其他}不动"


def test_the_standard_phrases_serve_every_stage_of_a_call_the_seed_names():
    """Seed 003 §2(12): greeting, asking the surname, calming, asking to repeat, recording, apologising for
    the wait, asking for more, transferring, complaint accepted, thanks for suggestions, goodbye."""
    stages = ["greeting", "ask_surname", "calming", "ask_repeat", "recording", "waiting", "anything_else",
              "transferring", "complaint_accepted", "suggestion_thanks", "goodbye"]
    assert {stage for stage, _text in STANDARD_PHRASES} == set(stages)
    assert len(set(STANDARD_PHRASES)) == len(STANDARD_PHRASES)  # a phrase once per stage
    assert STANDARD_PHRASES[0][0] == "greeting" and STANDARD_PHRASES[-1][0] == "goodbye"


def test_names_give_surname_and_pinyin_initials():
    assert surname_of(" 张建华 ") == "张"
    assert pinyin_initials("张建华") == "zjh"
    assert pinyin_initials("陈晓东") == "cxd"
    assert pinyin_initials("Li Na") == "ln"


def test_three_rings_target_setting_defaults_to_the_rule():
    assert Defaults.THREE_RINGS_SECONDS == THREE_RINGS_SECONDS == 15
    assert answered_within_rings(15, Defaults.THREE_RINGS_SECONDS)
    assert not answered_within_rings(16, Defaults.THREE_RINGS_SECONDS)


@pytest.mark.parametrize(("seconds", "colour"), [(0, TimerColour.CALM), (149, TimerColour.CALM),
                                                 (150, TimerColour.AMBER), (180, TimerColour.AMBER),
                                                 (181, TimerColour.RED)])
def test_timer_colours_at_the_thresholds(seconds, colour):
    assert timer_colour(seconds) is colour


@pytest.mark.parametrize(("text", "cause"), [
    ("normalClearing", HangupCause.NORMAL), ("busy", HangupCause.BUSY), ("cancel", HangupCause.CANCEL),
    ("noAnswer", HangupCause.NO_ANSWER), ("no_answer", HangupCause.NO_ANSWER),
    ("NOANSWER", HangupCause.NO_ANSWER),
    ("congestion", HangupCause.CONGESTION), ("notFound", HangupCause.NOT_FOUND),
    ("forwarded", HangupCause.FORWARDED), ("", None), ("ORIGINATOR_CANCEL", None),
])
def test_the_generic_formats_hangup_cause_is_one_of_ours_or_none(text, cause):
    assert generic_hangup_cause(text) is cause
