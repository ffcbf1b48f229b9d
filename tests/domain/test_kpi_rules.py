"""Each KPI on small hand-made data, item by item, with the expected number worked out here: the rule
for one call, slip, callback or report (seed 003 three rings and three minutes, seed 004 §2 targets,
seed 000 §5 C5 incident reports, seed 001 rotation), then the KPI from the tally."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.deadlines import DeadlinePolicy, Priority, due_at, incident_report_due
from kiosk.domain.kpi import (
    KPIS,
    KpiCode,
    KpiStatus,
    PeriodKind,
    Rate,
    Verdict,
    annual_visit_coverage,
    answered_within_three_rings_rate,
    average_handling_time,
    callback_coverage,
    callback_verdict,
    complaint_timeliness,
    day_rotation_spread,
    deadline_verdict,
    handling_time_stats,
    incident_reports_on_time,
    is_complaint,
    is_major,
    nearest_rank,
    over_three_minutes_share,
    parse_period,
    percentile_nearest_rank,
    present_all_day,
    rotation_turns,
    satisfaction_verdict,
    slips_overdue,
    status_of,
    tally,
    three_minutes_verdict,
    three_rings_verdict,
    trailing_year,
    trend_periods,
    valid_complaint_satisfaction,
)
from kiosk.domain.rotation import (
    BackAtDesk,
    BusyWithOtherWork,
    CustomerArrived,
    CustomerKind,
    OnLeave,
    Roster,
    replay,
)
from kiosk.domain.working_days import SHANGHAI, WorkingCalendar

CAL = WorkingCalendar()
POLICY = DeadlinePolicy()
MET, MISSED, NOT_COUNTED = Verdict.MET, Verdict.MISSED, Verdict.NOT_COUNTED


def sh(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# ---- hotline: three rings, three minutes -----------------------------------------------------------------


def test_three_rings_on_a_morning_of_calls():
    calls = [  # (inbound, answered, ended, seconds ringing)
        (True, True, True, 4),  # met
        (True, True, True, 15),  # met: exactly three rings (15 s) is in time
        (True, True, True, 16),  # missed: a fourth ring
        (True, True, True, None),  # taken by hand, no ring time: not counted
        (True, False, True, 25),  # hung up after 25 s of ringing: missed
        (True, False, True, 9),  # hung up within three rings: not counted
        (True, False, False, 30),  # still ringing: not counted yet
        (False, True, True, 40),  # outbound: not counted
    ]
    verdicts = [three_rings_verdict(inbound=i, answered=a, ended=e, ring_seconds=r) for i, a, e, r in calls]
    assert verdicts == [MET, MET, MISSED, NOT_COUNTED, MISSED, NOT_COUNTED, NOT_COUNTED, NOT_COUNTED]
    # 2 met of 4 counted (3 answered with a ring time + 1 abandoned late) = 50 %
    assert tally(verdicts) == (2, 4)
    assert answered_within_three_rings_rate(2, 3, abandoned_after_three_rings=1) == Rate(2, 4)


def test_three_minutes_and_handling_time_on_five_calls():
    talks = [60, 180, 181, 240, None]  # None: not answered
    verdicts = [three_minutes_verdict(t) for t in talks]
    assert verdicts == [MET, MET, MISSED, MISSED, NOT_COUNTED]
    # over three minutes: 2 of 4 = 50 %
    met, counted = tally(verdicts)
    assert over_three_minutes_share(counted - met, counted).percent == 50.0
    # mean of 60, 180, 181, 240 = 661 / 4 = 165.25 s; p90 rank ceil(0.9 × 4) = 4 → 240 s
    durations = [t for t in talks if t is not None]
    assert average_handling_time(sum(durations), len(durations)) == 165.25
    assert handling_time_stats(durations).mean_seconds == 165.25
    assert handling_time_stats(durations).p90_seconds == 240
    assert status_of(KPIS[KpiCode.AVERAGE_HANDLING_TIME], 165.25) is KpiStatus.MET
    assert status_of(KPIS[KpiCode.P90_HANDLING_TIME], 240) is KpiStatus.MISSED


def test_no_calls_gives_no_data_for_every_call_kpi():
    assert tally([]) == (0, 0)
    assert answered_within_three_rings_rate(0, 0) is None
    assert over_three_minutes_share(0, 0) is None
    assert average_handling_time(0, 0) is None
    assert status_of(KPIS[KpiCode.ANSWERED_WITHIN_THREE_RINGS], None) is KpiStatus.NO_DATA
    with pytest.raises(ValueError):
        average_handling_time(30, 0)


def test_nearest_rank_is_exact():
    assert [nearest_rank(n, 90) for n in (1, 2, 9, 10, 11, 20, 21)] == [1, 2, 9, 9, 10, 18, 19]
    with pytest.raises(ValueError):
        nearest_rank(0, 90)


@given(st.integers(min_value=1, max_value=100_000))
def test_the_sql_rank_formula_is_the_nearest_rank(n):
    # kiosk.services.kpi picks ROW_NUMBER() = (90 n + 99) // 100
    assert (90 * n + 99) // 100 == nearest_rank(n, 90)


@given(st.lists(st.integers(min_value=0, max_value=3600), min_size=1, max_size=40))
def test_p90_by_rank_is_the_percentile(durations):
    assert sorted(durations)[nearest_rank(len(durations), 90) - 1] == percentile_nearest_rank(durations, 90)


# ---- deadlines: slips, complaints, incident reports ---------------------------------------------------


def test_slips_overdue_in_a_week_worked_out():
    now = sh(2026, 11, 20, 18)
    slips = [  # (due, resolved, waiting on the owner since)
        (sh(2026, 11, 16), sh(2026, 11, 15), None),  # done a day early: met
        (sh(2026, 11, 16), sh(2026, 11, 16), None),  # done on the dot: met
        (sh(2026, 11, 17), sh(2026, 11, 18), None),  # done a day late: missed
        (sh(2026, 11, 18), None, None),  # still open, deadline passed: missed
        (sh(2026, 11, 18), None, sh(2026, 11, 17)),  # waiting since before the deadline: not judged
        (sh(2026, 11, 18), None, sh(2026, 11, 19)),  # waiting, but only after the deadline: missed
        (sh(2026, 11, 21), None, None),  # not yet due: not counted
    ]
    verdicts = [deadline_verdict(due, done, now, paused_since=paused) for due, done, paused in slips]
    assert verdicts == [MET, MET, MISSED, MISSED, NOT_COUNTED, MISSED, NOT_COUNTED]
    met, counted = tally(verdicts)
    # overdue: 3 of 5 judged = 60 %
    assert slips_overdue(counted - met, counted) == Rate(3, 5)


def test_all_slips_overdue():
    now = sh(2026, 11, 20)
    verdicts = [deadline_verdict(sh(2026, 11, d), None, now) for d in (16, 17, 18)]
    met, counted = tally(verdicts)
    assert slips_overdue(counted - met, counted).value == 1
    assert status_of(KPIS[KpiCode.SLIPS_OVERDUE], slips_overdue(counted - met, counted)) is KpiStatus.MISSED


def test_a_paused_slip_is_on_time_by_its_extended_deadline():
    # Routine, opened Monday 2026-11-16 10:00: due Tuesday 10:00. Waiting on the owner Monday 15:00 to
    # Tuesday 15:00 (24 h of working time) moves the deadline to Wednesday 10:00.
    opened = sh(2026, 11, 16)
    pause = (sh(2026, 11, 16, 15), sh(2026, 11, 17, 15))
    assert due_at(opened, Priority.ROUTINE, POLICY, CAL) == sh(2026, 11, 17)
    extended = due_at(opened, Priority.ROUTINE, POLICY, CAL, pauses=[pause])
    assert extended == sh(2026, 11, 18)
    resolved = sh(2026, 11, 17, 20)  # after the first deadline, before the extended one
    assert deadline_verdict(extended, resolved, sh(2026, 11, 20)) is MET
    # While it waits, the clock is stopped: judged neither way
    waiting = deadline_verdict(sh(2026, 11, 17), None, sh(2026, 11, 17, 12), paused_since=pause[0])
    assert waiting is NOT_COUNTED


def test_a_holiday_week_complaint_timeliness():
    # The reporting week of National Day 2026 (Sat 26 Sep .. Fri 2 Oct; 1–7 October off).
    week = parse_period("2026-W40")
    assert (week.start, week.end) == (date(2026, 9, 26), date(2026, 10, 2))
    # A routine complaint opened Wednesday 30 Sep 10:00 is due one working day later: the holiday pushes
    # it to Thursday 8 October 10:00, the first working day after it.
    routine_due = due_at(sh(2026, 9, 30), Priority.ROUTINE, POLICY, CAL)
    assert routine_due == sh(2026, 10, 8)
    # A major one opened Monday 28 Sep 10:00: three working days → 29, 30 Sep, then 8 Oct 10:00.
    major_due = due_at(sh(2026, 9, 28), Priority.MAJOR, POLICY, CAL)
    assert major_due == sh(2026, 10, 8)
    now = sh(2026, 10, 9)
    routine = [deadline_verdict(routine_due, sh(2026, 10, 6), now)]  # answered during the holiday: met
    major = [deadline_verdict(major_due, sh(2026, 10, 8, 11), now)]  # an hour late: missed
    r_met, r_due = tally(routine)
    m_met, m_due = tally(major)
    result = complaint_timeliness(r_met, r_due, m_met, m_due)
    # (1 + 0) / (1 + 1) = 50 %
    assert (result.routine, result.major, result.overall) == (Rate(1, 1), Rate(0, 1), Rate(1, 2))
    # The week's deadlines fall after it: a report for the week counts neither complaint.
    assert not week.contains(routine_due) and not week.contains(major_due)


def test_which_slips_are_complaints_and_which_are_major():
    assert is_complaint("complaint", "routine") and is_complaint("repair", "complaint")
    assert not is_complaint("repair", "major")
    assert is_major("major") and not is_major("complaint")


def test_incident_reports_on_time_two_working_days():
    # Closed Friday 2026-11-20 16:00: due Tuesday 2026-11-24 16:00 (two working days, seed 000 §5 C5).
    closed = sh(2026, 11, 20, 16)
    due = incident_report_due(closed, CAL)
    assert due == sh(2026, 11, 24, 16)
    now = sh(2026, 11, 26)
    verdicts = [deadline_verdict(due, sh(2026, 11, 23), now), deadline_verdict(due, sh(2026, 11, 25), now),
                deadline_verdict(due, None, now)]
    assert verdicts == [MET, MISSED, MISSED]
    assert incident_reports_on_time(*tally(verdicts)) == Rate(1, 3)


def test_deadline_verdict_needs_aware_times():
    with pytest.raises(ValueError):
        deadline_verdict(datetime(2026, 11, 1), None, sh(2026, 11, 2))


# ---- callbacks, satisfaction, visits ------------------------------------------------------------------


def test_satisfaction_of_valid_complaints_worked_out():
    answers = [CallbackResult.SATISFIED, CallbackResult.BASICALLY_SATISFIED, CallbackResult.UNSATISFIED,
               CallbackResult.UNREACHABLE, None]
    verdicts = [satisfaction_verdict(a) for a in answers]
    assert verdicts == [MET, MET, MISSED, NOT_COUNTED, NOT_COUNTED]
    # 2 satisfied of 3 answers = 66.7 %, short of the 100 % target
    rate = valid_complaint_satisfaction(*tally(verdicts))
    assert rate == Rate(2, 3)
    assert status_of(KPIS[KpiCode.VALID_COMPLAINT_SATISFACTION], rate) is KpiStatus.MISSED


def test_callback_coverage_worked_out():
    now = sh(2026, 11, 20, 12)
    callbacks = [(True, sh(2026, 11, 19)), (False, sh(2026, 11, 19)), (None, sh(2026, 11, 19)),
                 (None, sh(2026, 11, 21))]
    verdicts = [callback_verdict(reached, due, now) for reached, due in callbacks]
    # made; given up unreachable; pending past due; pending not yet due
    assert verdicts == [MET, MISSED, MISSED, NOT_COUNTED]
    assert callback_coverage(*tally(verdicts)) == Rate(1, 3)


def test_annual_visit_coverage_over_the_year_ending_with_the_period():
    start, end = trailing_year(parse_period("2026-10"))
    # 1 Nov 2025 00:00 to 1 Nov 2026 00:00 in Shanghai, in UTC
    assert start == datetime(2025, 10, 31, 16, tzinfo=UTC)
    assert end == datetime(2026, 10, 31, 16, tzinfo=UTC)
    week_start, week_end = trailing_year(parse_period("2026-W43"))
    assert week_end == parse_period("2026-W43").end_utc
    assert week_start == datetime.combine(date(2025, 10, 24), time(0), tzinfo=SHANGHAI)
    # 30 owners called back 36 times in the year = 120 %
    assert status_of(KPIS[KpiCode.ANNUAL_VISIT_COVERAGE], annual_visit_coverage(36, 30)) is KpiStatus.MET


def test_trend_lengths():
    assert len(trend_periods(parse_period("2026-10"))) == 12
    assert [p.label for p in trend_periods(parse_period("2026-W43"))][-2:] == ["2026-W42", "2026-W43"]
    days = trend_periods(parse_period("2026-10-23"))
    assert len(days) == 14 and days[0].kind is PeriodKind.DAY and days[0].start == date(2026, 10, 10)


# ---- rotation fairness --------------------------------------------------------------------------------


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 21, hour, minute, tzinfo=SHANGHAI)


def test_a_fair_day_of_walk_ins():
    roster = Roster(date(2026, 11, 21), ("甲", "乙", "丙"))
    events = [CustomerArrived(_at(10, n), f"g{n}") for n in range(7)]
    state = replay(roster, events)
    # 7 walk-ins round the table: 甲 3, 乙 2, 丙 2 → spread 1, fair
    assert rotation_turns(state) == {"甲": 3, "乙": 2, "丙": 2}
    assert day_rotation_spread(state, events) == 1


def test_absence_and_named_customers_are_not_unfairness():
    roster = Roster(date(2026, 11, 21), ("甲", "乙", "丙", "丁"))
    events = [
        OnLeave(_at(9), "丁"),  # on leave: forfeits turns (制度1 第9条), left out
        CustomerArrived(_at(10), "g1"),  # 甲
        BusyWithOtherWork(_at(10, 5), "乙"),  # busy: not at the desk all day, left out
        CustomerArrived(_at(10, 10), "g2"),  # 丙 (乙 busy)
        BackAtDesk(_at(10, 20), "乙"),
        CustomerArrived(_at(10, 30), "g3", CustomerKind.RETURNING, named_salesperson="甲"),  # named: no turn
        CustomerArrived(_at(10, 40), "g4"),  # 甲
    ]
    state = replay(roster, events)
    assert present_all_day(state, events) == {"甲", "丙"}
    # 乙 and 丁 forfeited the turns that came while they were away (制度2 第7条): 甲 g1 and g4, 丙 g2
    assert rotation_turns(state) == {"甲": 2, "丙": 1}
    # among those present all day: 甲 2 turns, 丙 1 → spread 1
    assert day_rotation_spread(state, events) == 1


def test_nobody_present_all_day_is_no_data():
    roster = Roster(date(2026, 11, 21), ("甲",))
    events = [OnLeave(_at(9), "甲")]
    assert day_rotation_spread(replay(roster, events), events) is None


def test_status_of_each_target_direction():
    assert status_of(KPIS[KpiCode.SLIPS_OVERDUE], Rate(0, 5)) is KpiStatus.MET
    assert status_of(KPIS[KpiCode.SLIPS_OVERDUE], Rate(1, 5)) is KpiStatus.MISSED
    assert status_of(KPIS[KpiCode.ROTATION_FAIRNESS], 2) is KpiStatus.MISSED
    assert status_of(KPIS[KpiCode.ANNUAL_VISIT_COVERAGE], Rate(119, 100)) is KpiStatus.MISSED
    assert status_of(KPIS[KpiCode.OWNER_PROFILE_COMPLETENESS], None) is KpiStatus.NO_DATA


def test_periods_stay_whole_days_across_midnight_utc():
    late = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 1 Nov 00:30 in Shanghai
    assert parse_period("2026-11").contains(late) and not parse_period("2026-10").contains(late)
    assert parse_period("2026-10").end_utc == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert timedelta(0) < parse_period("2026-10").end_utc - parse_period("2026-10").start_utc
