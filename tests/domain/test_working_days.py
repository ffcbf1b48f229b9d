"""The working-day calendar: Chinese public holidays, 调休 make-up workdays and company overrides."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.working_days import SHANGHAI, WorkingCalendar

CAL = WorkingCalendar()


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# ---- which days are working days -------------------------------------------------------------------


def test_an_ordinary_weekday_is_a_working_day():
    assert CAL.is_working_day(date(2026, 11, 23))  # Monday


def test_an_ordinary_weekend_is_not_a_working_day():
    assert not CAL.is_working_day(date(2026, 11, 21))
    assert not CAL.is_working_day(date(2026, 11, 22))


@pytest.mark.parametrize("day", range(1, 8))
def test_national_day_2026_is_off_from_october_1_to_7(day):
    assert not CAL.is_working_day(date(2026, 10, day))


def test_work_resumes_on_october_8_2026():
    assert CAL.is_working_day(date(2026, 10, 8))


@pytest.mark.parametrize(
    "makeup_day",
    [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
)
def test_2026_makeup_workdays_on_weekends_are_working_days(makeup_day):
    assert makeup_day.weekday() >= 5
    assert CAL.is_working_day(makeup_day)


def test_mid_autumn_festival_2026_is_a_day_off():
    assert not CAL.is_working_day(date(2026, 9, 25))


@pytest.mark.parametrize(
    "holiday", [date(2027, 1, 1), date(2027, 2, 8), date(2027, 10, 1), date(2027, 10, 5)]
)
def test_2027_public_holidays_are_known(holiday):
    assert not CAL.is_working_day(holiday)


def test_2027_ordinary_days_work_normally():
    assert CAL.is_working_day(date(2027, 3, 1))
    assert not CAL.is_working_day(date(2027, 3, 6))


def test_a_year_not_preloaded_still_knows_its_makeup_workdays():
    lazy = WorkingCalendar(years=())
    assert lazy.is_working_day(date(2026, 10, 10))
    assert not lazy.is_working_day(date(2026, 10, 1))


def test_company_day_off_override_wins_over_a_working_day():
    cal = WorkingCalendar({date(2026, 11, 23): False})
    assert not cal.is_working_day(date(2026, 11, 23))


def test_company_working_override_wins_over_a_public_holiday_and_a_weekend():
    cal = WorkingCalendar({date(2026, 10, 2): True, date(2026, 11, 21): True})
    assert cal.is_working_day(date(2026, 10, 2))
    assert cal.is_working_day(date(2026, 11, 21))


def test_override_keys_must_be_dates_and_values_bools():
    with pytest.raises(TypeError):
        WorkingCalendar({datetime(2026, 1, 1): True})
    with pytest.raises(TypeError):
        WorkingCalendar({date(2026, 1, 1): 1})


def test_is_working_day_takes_a_date_not_a_datetime():
    with pytest.raises(TypeError):
        CAL.is_working_day(sh(2026, 11, 23, 9))


def test_next_working_day_skips_national_day():
    assert CAL.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)


def test_working_days_in_counts_the_closed_range():
    # Sep 28 – Oct 11 2026: Sep 28, 29, 30, Oct 8, 9, 10 (make-up Saturday)
    assert CAL.working_days_in(date(2026, 9, 28), date(2026, 10, 11)) == 6


def test_days_are_judged_in_shanghai_dates():
    # 2026-09-30 20:00 UTC is 2026-10-01 04:00 in Shanghai: National Day
    assert CAL.local_date(datetime(2026, 9, 30, 20, tzinfo=UTC)) == date(2026, 10, 1)


# ---- N working days after T ------------------------------------------------------------------------


def test_one_working_day_after_friday_is_monday_same_time():
    assert CAL.add_working_days(sh(2026, 11, 20, 15, 30), 1) == sh(2026, 11, 23, 15, 30)


def test_working_days_skip_a_public_holiday():
    # Thursday before Mid-Autumn Festival (Fri 25th) and the weekend
    assert CAL.add_working_days(sh(2026, 9, 24, 10), 1) == sh(2026, 9, 28, 10)


def test_working_days_skip_national_day_week():
    assert CAL.add_working_days(sh(2026, 9, 30, 10), 1) == sh(2026, 10, 8, 10)


def test_working_days_count_a_makeup_saturday():
    assert CAL.add_working_days(sh(2026, 10, 9, 10), 1) == sh(2026, 10, 10, 10)


def test_starting_on_a_non_working_day_counting_starts_next_working_day():
    # Saturday 10:00 + 1 working day = the whole of Monday, i.e. Monday 24:00 (= Tuesday 00:00)
    assert CAL.add_working_days(sh(2026, 11, 21, 10), 1) == sh(2026, 11, 24, 0)


def test_starting_in_the_holiday_ends_at_the_end_of_the_nth_working_day():
    assert CAL.add_working_days(sh(2026, 10, 3, 11), 2) == sh(2026, 10, 10, 0)


def test_end_of_a_working_day_followed_by_a_holiday_is_not_pushed_past_the_holiday():
    # from Sunday Sep 27: Mon 28, Tue 29, Wed 30 are working; 3 days end at Wed 24:00
    assert CAL.add_working_days(sh(2026, 9, 27, 12), 3) == sh(2026, 10, 1, 0)


def test_zero_working_days_is_the_start_itself():
    start = sh(2026, 10, 3, 11)
    assert CAL.add_working_days(start, 0) == start


def test_negative_working_days_are_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_days(sh(2026, 11, 23, 9), -1)


def test_naive_datetimes_are_rejected():
    with pytest.raises(ValueError):
        CAL.add_working_days(datetime(2026, 11, 23, 9), 1)


def test_utc_input_gives_utc_output_counted_on_shanghai_days():
    start = datetime(2026, 9, 30, 20, tzinfo=UTC)  # Oct 1 04:00 Shanghai: holiday
    due = CAL.add_working_days(start, 1)
    assert due.tzinfo is UTC
    assert due == sh(2026, 10, 9, 0)  # end of Oct 8


def test_company_day_off_pushes_the_count():
    cal = WorkingCalendar({date(2026, 11, 23): False})
    assert cal.add_working_days(sh(2026, 11, 20, 15), 1) == sh(2026, 11, 24, 15)


def test_working_time_between_ignores_the_weekend():
    assert CAL.working_time_between(sh(2026, 11, 20, 12), sh(2026, 11, 23, 12)) == timedelta(hours=24)
    assert CAL.working_seconds_between(sh(2026, 11, 20, 12), sh(2026, 11, 23, 12)) == 86400


def test_working_time_between_is_zero_backwards():
    assert CAL.working_time_between(sh(2026, 11, 23, 12), sh(2026, 11, 20, 12)) == timedelta(0)


# ---- properties ------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 11, 30),
    timezones=st.sampled_from([SHANGHAI, UTC]),
)
days = st.integers(min_value=0, max_value=15)


@given(moments, moments, days)
def test_add_working_days_is_monotone_in_the_start(a, b, n):
    a, b = sorted((a, b))
    assert CAL.add_working_days(a, n) <= CAL.add_working_days(b, n)


@given(moments, days, days)
def test_add_working_days_is_monotone_in_n(start, m, n):
    m, n = sorted((m, n))
    assert CAL.add_working_days(start, m) <= CAL.add_working_days(start, n)


@given(moments, days)
def test_add_working_days_is_never_before_the_start(start, n):
    assert CAL.add_working_days(start, n) >= start


@given(moments, days)
def test_n_working_days_after_t_contain_exactly_n_days_of_working_time(start, n):
    assert CAL.working_time_between(start, CAL.add_working_days(start, n)) == timedelta(days=n)


# ---- does the calendar know a year's make-up workdays (flask check-deploy) ---------------------------


def test_the_2026_make_up_workdays_are_known():
    assert CAL.knows_make_up_days(2026)


def test_a_year_before_its_arrangement_is_published_is_not_known():
    assert not CAL.knows_make_up_days(2099)


def test_an_admin_s_worked_weekend_makes_a_year_known():
    saturday = date(2099, 1, 31)
    assert saturday.weekday() == 5
    assert WorkingCalendar({saturday: True}).knows_make_up_days(2099)


def test_a_company_day_off_or_a_worked_weekday_does_not():
    monday, sunday = date(2099, 2, 2), date(2099, 2, 1)
    assert not WorkingCalendar({monday: True, sunday: False}).knows_make_up_days(2099)
