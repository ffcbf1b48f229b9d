"""Task-slip deadlines: routine 1 working day, major 3 working days (seed 004 §2), complaint 24 h
(seed 003 篇3 §12), emergency a set limit (seed 003 §2(5)); pauses; near due and overdue; incident report."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.deadlines import (
    DeadlinePolicy,
    DeadlineState,
    Priority,
    deadline_state,
    due_at,
    incident_report_due,
    merge_pauses,
)
from kiosk.domain.working_days import SHANGHAI, WorkingCalendar

CAL = WorkingCalendar()
POLICY = DeadlinePolicy()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# ---- the allowances --------------------------------------------------------------------------------


def test_default_policy_follows_the_seeds():
    assert POLICY.routine_working_days == 1  # seed 004 §2 常规问题一天内处理
    assert POLICY.major_working_days == 3  # seed 004 §2 重大问题三天内有回复
    assert POLICY.complaint_hours == 24  # seed 003 篇3 §12
    assert POLICY.emergency_minutes == 30  # seed 003 §2(5) names no figure: our default
    assert POLICY.incident_report_working_days == 2  # seed 000 §5 C5


def test_routine_issue_opened_friday_is_due_monday_same_time():
    assert due_at(sh(2026, 11, 20, 15), Priority.ROUTINE, POLICY, CAL) == sh(2026, 11, 23, 15)


def test_major_issue_opened_thursday_is_due_tuesday_across_the_weekend():
    assert due_at(sh(2026, 11, 19, 9), Priority.MAJOR, POLICY, CAL) == sh(2026, 11, 24, 9)


def test_routine_issue_before_national_day_is_due_after_the_holiday():
    assert due_at(sh(2026, 9, 30, 10), Priority.ROUTINE, POLICY, CAL) == sh(2026, 10, 8, 10)


def test_major_issue_across_national_day_counts_only_working_days():
    # Sep 30 (1), Oct 8 (2), Oct 9 (3)
    assert due_at(sh(2026, 9, 29, 10), Priority.MAJOR, POLICY, CAL) == sh(2026, 10, 9, 10)


def test_routine_issue_opened_during_the_holiday_is_due_at_the_end_of_the_first_working_day():
    assert due_at(sh(2026, 10, 3, 11), Priority.ROUTINE, POLICY, CAL) == sh(2026, 10, 9, 0)


def test_makeup_saturday_counts_as_a_working_day():
    assert due_at(sh(2026, 10, 9, 10), Priority.ROUTINE, POLICY, CAL) == sh(2026, 10, 10, 10)


def test_makeup_sunday_counts_as_a_working_day():
    assert due_at(sh(2026, 9, 18, 10), Priority.ROUTINE, POLICY, CAL) == sh(2026, 9, 20, 10)


def test_complaint_is_due_in_24_wall_hours_even_over_a_weekend():
    assert due_at(sh(2026, 11, 20, 18), Priority.COMPLAINT, POLICY, CAL) == sh(2026, 11, 21, 18)


def test_complaint_is_due_in_24_wall_hours_even_on_a_public_holiday():
    assert due_at(sh(2026, 10, 1, 9), Priority.COMPLAINT, POLICY, CAL) == sh(2026, 10, 2, 9)


def test_emergency_is_due_within_the_set_minutes():
    assert due_at(sh(2026, 10, 3, 23, 50), Priority.EMERGENCY, POLICY, CAL) == sh(2026, 10, 4, 0, 20)
    short = DeadlinePolicy(emergency_minutes=15)
    assert due_at(sh(2026, 11, 23, 9), Priority.EMERGENCY, short, CAL) == sh(2026, 11, 23, 9, 15)


def test_priority_may_be_given_as_its_string_value():
    assert due_at(sh(2026, 11, 20, 15), "routine", POLICY, CAL) == sh(2026, 11, 23, 15)


def test_company_day_off_extends_a_routine_deadline():
    cal = WorkingCalendar({date(2026, 11, 23): False})
    assert due_at(sh(2026, 11, 20, 15), Priority.ROUTINE, POLICY, cal) == sh(2026, 11, 24, 15)


def test_company_working_saturday_shortens_a_routine_deadline():
    cal = WorkingCalendar({date(2026, 11, 21): True})
    assert due_at(sh(2026, 11, 20, 15), Priority.ROUTINE, POLICY, cal) == sh(2026, 11, 21, 15)


def test_company_override_does_not_touch_complaint_wall_time():
    cal = WorkingCalendar({date(2026, 11, 21): False})
    assert due_at(sh(2026, 11, 20, 15), Priority.COMPLAINT, POLICY, cal) == sh(2026, 11, 21, 15)


def test_utc_opened_time_is_counted_on_shanghai_days():
    opened = datetime(2026, 11, 20, 7, tzinfo=UTC)  # Friday 15:00 Shanghai
    due = due_at(opened, Priority.ROUTINE, POLICY, CAL)
    assert due == sh(2026, 11, 23, 15)
    assert due.tzinfo is UTC


def test_naive_opened_time_is_rejected():
    with pytest.raises(ValueError):
        due_at(datetime(2026, 11, 20, 15), Priority.ROUTINE, POLICY, CAL)


def test_policy_rejects_negative_allowances_and_bad_fractions():
    with pytest.raises(ValueError):
        DeadlinePolicy(routine_working_days=-1)
    with pytest.raises(ValueError):
        DeadlinePolicy(near_due_fraction=1.5)
    with pytest.raises(ValueError):
        DeadlinePolicy(near_due_minutes=-5)


# ---- pauses: waiting on the owner stops the clock --------------------------------------------------


def test_pause_on_a_working_day_extends_a_routine_deadline_by_its_length():
    pauses = [(sh(2026, 11, 23, 12), sh(2026, 11, 23, 14))]
    assert due_at(sh(2026, 11, 23, 10), Priority.ROUTINE, POLICY, CAL, pauses) == sh(2026, 11, 24, 12)


def test_weekend_part_of_a_pause_does_not_extend_a_working_day_deadline():
    # Friday 10:00 routine, waiting on the owner Fri 16:00 → Mon 10:00: Fri 8 h + Mon 10 h of working time
    pauses = [(sh(2026, 11, 20, 16), sh(2026, 11, 23, 10))]
    assert due_at(sh(2026, 11, 20, 10), Priority.ROUTINE, POLICY, CAL, pauses) == sh(2026, 11, 24, 4)


def test_pause_extends_a_complaint_deadline_by_wall_time():
    pauses = [(sh(2026, 11, 21, 9), sh(2026, 11, 21, 12))]
    assert due_at(sh(2026, 11, 20, 18), Priority.COMPLAINT, POLICY, CAL, pauses) == sh(2026, 11, 21, 21)


def test_pause_extends_an_emergency_deadline_by_wall_time():
    pauses = [(sh(2026, 11, 23, 9, 10), sh(2026, 11, 23, 9, 20))]
    assert due_at(sh(2026, 11, 23, 9), Priority.EMERGENCY, POLICY, CAL, pauses) == sh(2026, 11, 23, 9, 40)


def test_pause_that_begins_after_the_deadline_does_not_rescue_an_overdue_slip():
    pauses = [(sh(2026, 11, 22, 9), sh(2026, 11, 22, 12))]
    assert due_at(sh(2026, 11, 20, 18), Priority.COMPLAINT, POLICY, CAL, pauses) == sh(2026, 11, 21, 18)


def test_overlapping_pauses_count_once():
    pauses = [(sh(2026, 11, 21, 9), sh(2026, 11, 21, 11)), (sh(2026, 11, 21, 10), sh(2026, 11, 21, 12))]
    assert due_at(sh(2026, 11, 20, 18), Priority.COMPLAINT, POLICY, CAL, pauses) == sh(2026, 11, 21, 21)


def test_pause_before_the_slip_opened_is_clipped_to_the_opening():
    pauses = [(sh(2026, 11, 20, 16), sh(2026, 11, 20, 19))]
    assert due_at(sh(2026, 11, 20, 18), Priority.COMPLAINT, POLICY, CAL, pauses) == sh(2026, 11, 21, 19)


def test_successive_pauses_each_extend_the_deadline():
    pauses = [(sh(2026, 11, 20, 20), sh(2026, 11, 20, 21)), (sh(2026, 11, 21, 17), sh(2026, 11, 21, 19))]
    assert due_at(sh(2026, 11, 20, 18), Priority.COMPLAINT, POLICY, CAL, pauses) == sh(2026, 11, 21, 21)


def test_a_pause_cannot_end_before_it_starts():
    with pytest.raises(ValueError):
        due_at(
            sh(2026, 11, 20, 18),
            Priority.COMPLAINT,
            POLICY,
            CAL,
            [(sh(2026, 11, 21, 9), sh(2026, 11, 21, 8))],
        )


def test_merge_pauses_sorts_merges_and_drops_empty():
    a, b, c = sh(2026, 11, 23, 9), sh(2026, 11, 23, 10), sh(2026, 11, 23, 11)
    assert merge_pauses([(b, c), (a, b), (c, c)]) == [(a, c)]


# ---- near due and overdue --------------------------------------------------------------------------

OPENED = sh(2026, 11, 23, 9)
DUE = sh(2026, 11, 24, 9)  # a 24-hour allowance; near due in the last 20 % = 4.8 h


def test_fresh_slip_is_ok():
    assert deadline_state(sh(2026, 11, 23, 10), DUE, OPENED, POLICY) is DeadlineState.OK


def test_slip_in_the_last_fifth_of_its_allowance_is_near_due():
    assert deadline_state(sh(2026, 11, 24, 4, 11), DUE, OPENED, POLICY) is DeadlineState.OK
    assert deadline_state(sh(2026, 11, 24, 4, 12), DUE, OPENED, POLICY) is DeadlineState.NEAR_DUE


def test_slip_exactly_at_its_deadline_is_still_near_due_not_overdue():
    assert deadline_state(DUE, DUE, OPENED, POLICY) is DeadlineState.NEAR_DUE


def test_slip_past_its_deadline_is_overdue():
    assert deadline_state(DUE + timedelta(seconds=1), DUE, OPENED, POLICY) is DeadlineState.OVERDUE


def test_near_due_minutes_warn_earlier_when_larger_than_the_fraction():
    policy = DeadlinePolicy(near_due_minutes=600)
    assert deadline_state(sh(2026, 11, 23, 23, 30), DUE, OPENED, policy) is DeadlineState.NEAR_DUE
    assert deadline_state(sh(2026, 11, 23, 22, 30), DUE, OPENED, policy) is DeadlineState.OK


def test_deadline_state_accepts_mixed_zones():
    now_utc = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 09:30 Shanghai
    assert deadline_state(now_utc, DUE, OPENED, POLICY) is DeadlineState.OVERDUE


# ---- incident report (seed 000 §5 C5) ---------------------------------------------------------------


def test_incident_report_is_due_two_working_days_after_closing():
    assert incident_report_due(sh(2026, 11, 19, 17), CAL) == sh(2026, 11, 23, 17)


def test_incident_report_due_skips_national_day():
    assert incident_report_due(sh(2026, 9, 29, 17), CAL) == sh(2026, 10, 8, 17)


def test_incident_closed_on_a_holiday_is_reported_by_the_end_of_the_second_working_day():
    assert incident_report_due(sh(2026, 10, 4, 15), CAL) == sh(2026, 10, 10, 0)


# ---- properties ------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 11, 30),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
pause_lists = st.lists(
    st.tuples(
        st.timedeltas(min_value=timedelta(hours=-48), max_value=timedelta(days=10)),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    ),
    max_size=4,
)
policies = st.builds(
    DeadlinePolicy,
    routine_working_days=st.integers(0, 5),
    major_working_days=st.integers(0, 10),
    complaint_hours=st.integers(0, 72),
    emergency_minutes=st.integers(0, 240),
)


@given(moments, st.sampled_from(list(Priority)), policies, pause_lists)
def test_deadlines_are_never_before_the_start(opened, priority, policy, raw_pauses):
    pauses = [(opened + offset, opened + offset + length) for offset, length in raw_pauses]
    assert due_at(opened, priority, policy, CAL, pauses) >= opened


@given(moments, st.sampled_from(list(Priority)), pause_lists)
def test_pauses_never_bring_a_deadline_forward(opened, priority, raw_pauses):
    pauses = [(opened + offset, opened + offset + length) for offset, length in raw_pauses]
    assert due_at(opened, priority, POLICY, CAL, pauses) >= due_at(opened, priority, POLICY, CAL)


@given(moments, st.sampled_from(list(Priority)))
def test_a_deadline_is_never_overdue_at_the_moment_it_opens(opened, priority):
    due = due_at(opened, priority, POLICY, CAL)
    assert deadline_state(opened, due, opened, POLICY) is not DeadlineState.OVERDUE
