"""KPIs of seed 004 §2 and seed 003 (three rings, three minutes) on aggregated counts; reporting periods
(weekly report on Friday, seed 001 制度3 §4; monthly supervision report, 制度3 §1)."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.call_timer import CALL_LIMIT_SECONDS
from kiosk.domain.kpi import (
    KPIS,
    PROFILE_REQUIRED_FIELDS,
    Direction,
    KpiCode,
    Period,
    PeriodKind,
    Rate,
    Unit,
    annual_visit_coverage,
    answered_within_three_rings_rate,
    callback_coverage,
    complaint_timeliness,
    handling_time_stats,
    incident_reports_on_time,
    is_profile_complete,
    meets_target,
    over_three_minutes_share,
    owner_profile_completeness,
    parse_period,
    percentile_nearest_rank,
    period_at,
    period_for,
    previous_periods,
    rotation_fairness,
    slips_overdue,
    supervision_report_period,
    valid_complaint_satisfaction,
    weekly_report_day,
    weekly_report_period,
)
from kiosk.domain.working_days import SHANGHAI, WorkingCalendar

# ---- the registry ----------------------------------------------------------------------------------------


def test_every_kpi_is_registered_with_a_seed_and_a_chinese_name():
    assert set(KPIS) == set(KpiCode)
    for code, kpi in KPIS.items():
        assert kpi.code is code
        assert kpi.seed.startswith("seed ")
        assert kpi.name_zh and kpi.formula


def test_seed_004_targets():
    assert KPIS[KpiCode.VALID_COMPLAINT_SATISFACTION].target == 1
    assert KPIS[KpiCode.ANNUAL_VISIT_COVERAGE].target == Fraction(6, 5)
    assert KPIS[KpiCode.OWNER_PROFILE_COMPLETENESS].target == 1
    assert KPIS[KpiCode.COMPLAINT_TIMELINESS].target == 1
    assert KPIS[KpiCode.OVER_THREE_MINUTES].direction is Direction.LOWER_IS_BETTER
    assert KPIS[KpiCode.P90_HANDLING_TIME].target == CALL_LIMIT_SECONDS
    assert KPIS[KpiCode.P90_HANDLING_TIME].unit is Unit.SECONDS


def test_meets_target_compares_exactly_and_none_means_no_data():
    coverage = KPIS[KpiCode.ANNUAL_VISIT_COVERAGE]
    assert meets_target(coverage, Rate(6, 5)) is True  # 6/5 = 120 % exactly
    assert meets_target(coverage, Rate(119, 100)) is False
    assert meets_target(coverage, None) is None
    assert meets_target(KPIS[KpiCode.OVER_THREE_MINUTES], Rate(0, 7)) is True
    assert meets_target(KPIS[KpiCode.OVER_THREE_MINUTES], Rate(1, 7)) is False
    assert meets_target(KPIS[KpiCode.AVERAGE_HANDLING_TIME], 180.0) is True
    assert meets_target(KPIS[KpiCode.AVERAGE_HANDLING_TIME], 180.5) is False
    assert meets_target(KPIS[KpiCode.ROTATION_FAIRNESS], 1) is True


def test_a_deployment_may_change_a_target():
    relaxed = dataclasses.replace(KPIS[KpiCode.OVER_THREE_MINUTES], target=Fraction(1, 10))
    assert meets_target(relaxed, Rate(1, 10)) is True


# ---- hotline ---------------------------------------------------------------------------------------------


def test_three_rings_rate_on_hand_made_counts():
    # 18 of 20 answered calls picked up within 15 s: 18/20 = 90 %
    rate = answered_within_three_rings_rate(18, 20)
    assert rate == Rate(18, 20) and rate.percent == 90.0
    assert str(rate) == "90.0%"
    assert meets_target(KPIS[KpiCode.ANSWERED_WITHIN_THREE_RINGS], rate) is False


def test_calls_abandoned_after_three_rings_count_as_failures():
    # 18 within / (20 answered + 4 abandoned after 15 s) = 18/24 = 75 %
    assert answered_within_three_rings_rate(18, 20, abandoned_after_three_rings=4).percent == 75.0


def test_no_calls_is_no_data_not_zero_or_hundred():
    assert answered_within_three_rings_rate(0, 0) is None
    assert over_three_minutes_share(0, 0) is None
    assert handling_time_stats([]) is None


def test_over_three_minutes_share():
    # 3 calls over 180 s out of 12: 3/12 = 25 %
    assert over_three_minutes_share(3, 12).percent == 25.0


@pytest.mark.parametrize(
    "call", [lambda: answered_within_three_rings_rate(5, 4), lambda: over_three_minutes_share(-1, 3),
             lambda: over_three_minutes_share(True, 3), lambda: slips_overdue(2, 1)]
)
def test_impossible_counts_are_rejected(call):
    with pytest.raises(ValueError):
        call()


def test_handling_time_stats_nearest_rank():
    durations = [60, 120, 30, 90, 200, 150, 45, 75, 100, 400]
    stats = handling_time_stats(durations)
    # sorted: 30 45 60 75 90 100 120 150 200 400; sum = 1270 → mean 127.0
    assert stats.count == 10
    assert stats.mean_seconds == 127.0
    # median = (90 + 100) / 2 = 95
    assert stats.median_seconds == 95.0
    # p90 nearest rank: ceil(0.9 × 10) = 9 → 9th smallest = 200
    assert stats.p90_seconds == 200
    assert stats.max_seconds == 400
    assert meets_target(KPIS[KpiCode.P90_HANDLING_TIME], stats.p90_seconds) is False


def test_p90_of_a_single_call_is_that_call():
    assert handling_time_stats([42]).p90_seconds == 42


def test_percentile_rank_rounds_up():
    # 11 values, p90: ceil(9.9) = 10 → the 10th smallest
    assert percentile_nearest_rank(list(range(1, 12)), 90) == 10
    with pytest.raises(ValueError):
        percentile_nearest_rank([1], 0)
    with pytest.raises(ValueError):
        handling_time_stats([10, -1])


@given(st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), min_size=1, max_size=60))
def test_p90_is_never_below_the_median(durations):
    stats = handling_time_stats(durations)
    assert stats.p90_seconds >= stats.median_seconds
    assert stats.p90_seconds in durations


counts = st.integers(min_value=0, max_value=10_000)


@given(counts, counts)
def test_shares_are_always_within_zero_and_one(a, b):
    part, whole = min(a, b), max(a, b)
    for fn in (over_three_minutes_share, answered_within_three_rings_rate, valid_complaint_satisfaction,
               callback_coverage, owner_profile_completeness, slips_overdue, incident_reports_on_time):
        rate = fn(part, whole)
        assert rate is None if whole == 0 else 0 <= rate.value <= 1


@given(counts, counts, counts, counts)
def test_complaint_timeliness_overall_lies_between_its_parts(a, b, c, d):
    r = complaint_timeliness(min(a, b), max(a, b), min(c, d), max(c, d))
    if r.overall is None:
        assert r.routine is None and r.major is None
    else:
        assert 0 <= r.overall.value <= 1
        parts = [p.value for p in (r.routine, r.major) if p is not None]
        assert min(parts) <= r.overall.value <= max(parts)


# ---- complaints, callbacks, owners -----------------------------------------------------------------------


def test_complaint_timeliness_is_pooled():
    # routine 9 of 10 in one day, major 1 of 2 in three days → overall (9 + 1) / (10 + 2) = 10/12
    r = complaint_timeliness(9, 10, 1, 2)
    assert r.routine == Rate(9, 10) and r.major == Rate(1, 2)
    assert r.overall == Rate(10, 12)
    assert meets_target(KPIS[KpiCode.COMPLAINT_TIMELINESS], r.overall) is False


def test_complaint_timeliness_with_no_major_complaints():
    r = complaint_timeliness(4, 4, 0, 0)
    assert r.major is None and r.overall == Rate(4, 4)
    assert meets_target(KPIS[KpiCode.COMPLAINT_TIMELINESS], r.overall) is True


def test_valid_complaint_satisfaction_target_is_100_percent():
    # 19 satisfied of 20 answered callbacks = 95 %: short of the 100 % target
    kpi = KPIS[KpiCode.VALID_COMPLAINT_SATISFACTION]
    assert meets_target(kpi, valid_complaint_satisfaction(19, 20)) is False
    assert meets_target(kpi, valid_complaint_satisfaction(20, 20)) is True


def test_callback_coverage():
    # 45 callbacks made of 50 due = 90 %
    assert callback_coverage(45, 50).percent == 90.0


def test_annual_visit_coverage_counts_visits_and_may_exceed_one():
    # 300 visits over 250 households = 1.2 → exactly the 120 % target
    rate = annual_visit_coverage(300, 250)
    assert rate.percent == pytest.approx(120.0)
    assert meets_target(KPIS[KpiCode.ANNUAL_VISIT_COVERAGE], rate) is True
    # 250 visits / 250 households = 100 %: every household visited once is still short of 120 %
    assert meets_target(KPIS[KpiCode.ANNUAL_VISIT_COVERAGE], annual_visit_coverage(250, 250)) is False
    assert annual_visit_coverage(0, 0) is None
    with pytest.raises(ValueError):
        annual_visit_coverage(3, 0)


def test_profile_completeness_fields():
    assert PROFILE_REQUIRED_FIELDS == ("name", "mobile", "unit", "moved_in_on")
    full = {"name": "王芳", "mobile": "13812345678", "unit": "3-2-1201", "moved_in_on": date(2026, 5, 1)}
    assert is_profile_complete(full)
    assert not is_profile_complete({**full, "mobile": "  "})
    assert not is_profile_complete({k: v for k, v in full.items() if k != "moved_in_on"})
    # 97 complete of 100 owners = 97 %, short of 100 %
    rate = owner_profile_completeness(97, 100)
    assert rate.percent == 97.0
    assert meets_target(KPIS[KpiCode.OWNER_PROFILE_COMPLETENESS], rate) is False


def test_all_slips_overdue():
    # 6 of 6 overdue = 100 %, target 0 %
    rate = slips_overdue(6, 6)
    assert rate.value == 1
    assert meets_target(KPIS[KpiCode.SLIPS_OVERDUE], rate) is False


def test_incident_reports_on_time():
    # 3 of 4 incident reports filed within two working days = 75 %
    assert incident_reports_on_time(3, 4).percent == 75.0
    assert incident_reports_on_time(0, 0) is None


def test_rotation_fairness_is_the_spread():
    # 5 - 3 = 2 > 1: not fair
    assert rotation_fairness({"甲": 5, "乙": 4, "丙": 3}) == 2
    assert meets_target(KPIS[KpiCode.ROTATION_FAIRNESS], rotation_fairness({"甲": 4, "乙": 3})) is True
    assert rotation_fairness({}) is None
    with pytest.raises(ValueError):
        rotation_fairness({"甲": -1})


# ---- periods ---------------------------------------------------------------------------------------------


def test_parse_each_form():
    assert parse_period("2026-10") == Period(PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31))
    assert parse_period("2026-10-23") == Period(PeriodKind.DAY, date(2026, 10, 23), date(2026, 10, 23))
    # ISO week 43 of 2026 has Friday 23 October; the reporting week is Saturday 17th .. Friday 23rd
    assert parse_period("2026-W43") == Period(PeriodKind.WEEK, date(2026, 10, 17), date(2026, 10, 23))
    assert parse_period(" 2026-w43 ") == parse_period("2026-W43")


@pytest.mark.parametrize("text", ["2026-10", "2026-W43", "2026-10-23", "2026-02", "2026-W01", "2026-W53"])
def test_labels_round_trip(text):
    assert parse_period(text).label == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-13", "month must be 01..12"),
        ("2026-00", "month must be 01..12"),
        ("2026-02-30", "not a real date"),
        ("2027-W53", "has no ISO week 53"),
        ("2026-W00", "has no ISO week 00"),
        ("October", "expected a period like 2026-10"),
        ("2026/10", "expected a period like"),
        ("0001-01", "the year must be 1900..2999"),
        ("0001-W01", "the year must be 1900..2999"),
        ("9999-12-31", "the year must be 1900..2999"),
        ("", "expected a period like"),
    ],
)
def test_parse_errors_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_period(text)


def test_month_boundary_across_the_shanghai_utc_date_change():
    november = parse_period("2026-11")
    # Shanghai is UTC+8: November starts at 2026-10-31 16:00 UTC and ends before 2026-11-30 16:00 UTC
    assert november.start_utc == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert november.end_utc == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    late_utc = datetime(2026, 10, 31, 17, 30, tzinfo=UTC)  # 2026-11-01 01:30 in Shanghai
    assert november.contains(late_utc)
    assert period_at(PeriodKind.MONTH, late_utc) == november
    assert not november.contains(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))
    assert not november.contains(november.end_utc)


def test_period_for_rejects_datetimes():
    with pytest.raises(TypeError):
        period_for(PeriodKind.DAY, datetime(2026, 10, 1, tzinfo=SHANGHAI))


def test_weekly_report_period_ends_on_the_friday_on_or_before_today():
    friday = date(2026, 11, 20)
    this_week = Period(PeriodKind.WEEK, date(2026, 11, 14), friday)
    assert weekly_report_period(friday) == this_week  # the Friday meeting reviews its own week
    assert weekly_report_period(date(2026, 11, 23)) == this_week  # Monday: last complete week
    assert weekly_report_period(date(2026, 11, 26)) == this_week  # Thursday
    assert weekly_report_period(date(2026, 11, 21)) == this_week  # Saturday after
    assert weekly_report_period(date(2026, 11, 27)).end == date(2026, 11, 27)


def test_a_holiday_week_is_still_seven_days_and_reported_on_the_next_working_day():
    # Friday 2026-10-02 is National Day: the week 26 Sep .. 2 Oct keeps its seven days; the report is
    # read on the first working day after the holiday
    cal = WorkingCalendar()
    week = weekly_report_period(date(2026, 10, 5))
    assert (week.start, week.end, week.days) == (date(2026, 9, 26), date(2026, 10, 2), 7)
    assert not cal.is_working_day(week.end)
    assert weekly_report_day(week, cal) == date(2026, 10, 8)  # holiday 1–7 October
    assert weekly_report_day(weekly_report_period(date(2026, 11, 20)), cal) == date(2026, 11, 20)


def test_supervision_report_month():
    assert supervision_report_period(date(2026, 11, 23)) == parse_period("2026-10")
    assert supervision_report_period(date(2026, 11, 30)) == parse_period("2026-11")  # compiled at month end
    assert supervision_report_period(date(2026, 1, 5)) == parse_period("2025-12")


def test_previous_periods_for_a_trend_chart():
    months = previous_periods(parse_period("2026-02"), 3)
    assert [p.label for p in months] == ["2025-12", "2026-01", "2026-02"]
    assert previous_periods(parse_period("2026-02"), 0) == []
    with pytest.raises(ValueError):
        previous_periods(parse_period("2026-02"), -1)


@given(
    st.sampled_from(list(PeriodKind)),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=1, max_value=30),
)
def test_periods_tile_without_gaps_or_overlaps(kind, day, n):
    periods = previous_periods(period_for(kind, day), n)
    assert len(periods) == n
    assert periods[-1].start <= day <= periods[-1].end
    for a, b in zip(periods, periods[1:], strict=False):
        assert b.start == a.end + timedelta(days=1)
        assert b.start_utc == a.end_utc
    for p in periods:
        assert period_for(kind, p.start) == p == period_for(kind, p.end)
        assert parse_period(p.label) == p
        if kind is PeriodKind.WEEK:
            assert p.days == 7 and p.end.weekday() == 4
