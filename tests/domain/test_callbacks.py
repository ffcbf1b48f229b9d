"""Seed 001 制度3 §5: owners of projects delivered within a year are called back monthly, after that
quarterly; unreachable owners are retried a limited number of times."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.callbacks import (
    CallbackInterval,
    CallbackRetryPolicy,
    add_months,
    callback_interval,
    first_anniversary,
    is_periodic_callback_overdue,
    next_callback_attempt,
    next_periodic_callback,
    scheduled_periodic_callback,
)

DELIVERED = date(2026, 3, 15)


def test_project_within_its_first_year_is_called_back_monthly():
    assert callback_interval(DELIVERED, date(2026, 3, 15)) is CallbackInterval.MONTHLY
    assert callback_interval(DELIVERED, date(2027, 3, 14)) is CallbackInterval.MONTHLY


def test_project_from_its_first_anniversary_is_called_back_quarterly():
    assert callback_interval(DELIVERED, date(2027, 3, 15)) is CallbackInterval.QUARTERLY
    assert callback_interval(DELIVERED, date(2029, 1, 1)) is CallbackInterval.QUARTERLY


def test_leap_day_delivery_reaches_its_anniversary_on_february_28():
    assert first_anniversary(date(2028, 2, 29)) == date(2029, 2, 28)


def test_first_periodic_callback_is_a_month_after_delivery():
    assert next_periodic_callback(DELIVERED, None, today=date(2026, 3, 20)) == date(2026, 4, 15)


def test_next_monthly_callback_is_a_month_after_the_last_one():
    assert next_periodic_callback(DELIVERED, date(2026, 7, 10), today=date(2026, 7, 10)) == date(2026, 8, 10)


def test_next_quarterly_callback_is_three_months_after_the_last_one():
    assert next_periodic_callback(DELIVERED, date(2027, 4, 2), today=date(2027, 4, 2)) == date(2027, 7, 2)


def test_callback_in_the_twelfth_month_schedules_one_more_monthly_callback():
    assert next_periodic_callback(DELIVERED, date(2027, 3, 1), today=date(2027, 3, 1)) == date(2027, 4, 1)


def test_month_end_falls_back_to_the_last_day_of_a_shorter_month():
    assert next_periodic_callback(date(2026, 1, 31), None, today=date(2026, 2, 1)) == date(2026, 2, 28)


def test_a_missed_callback_is_due_today_and_flagged_overdue():
    today = date(2026, 9, 1)
    assert scheduled_periodic_callback(DELIVERED, date(2026, 6, 1)) == date(2026, 7, 1)
    assert next_periodic_callback(DELIVERED, date(2026, 6, 1), today) == today
    assert is_periodic_callback_overdue(DELIVERED, date(2026, 6, 1), today)


def test_a_callback_on_its_scheduled_day_is_not_overdue():
    assert not is_periodic_callback_overdue(DELIVERED, date(2026, 6, 1), date(2026, 7, 1))


def test_old_project_without_any_callback_on_record_is_due_at_once():
    assert next_periodic_callback(date(2020, 5, 1), None, today=date(2026, 11, 23)) == date(2026, 11, 23)


def test_a_callback_recorded_before_delivery_is_ignored():
    assert scheduled_periodic_callback(DELIVERED, date(2026, 1, 1)) == date(2026, 4, 15)


def test_add_months_crosses_years():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


@given(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.dates(date(2020, 1, 1), date(2031, 1, 1)))
def test_next_callback_is_one_to_three_months_after_the_last_and_never_in_the_past(delivered, last):
    today = max(delivered, last)
    nxt = next_periodic_callback(delivered, last, today)
    assert nxt >= today
    assert timedelta(days=28) <= scheduled_periodic_callback(delivered, last) - today <= timedelta(days=92)


# ---- unreachable owners ----------------------------------------------------------------------------

LAST_TRY = datetime(2026, 11, 23, 2, tzinfo=UTC)


def test_unreachable_owner_is_tried_again_after_the_retry_gap():
    assert next_callback_attempt(1, LAST_TRY) == LAST_TRY + timedelta(hours=2)
    assert next_callback_attempt(2, LAST_TRY) == LAST_TRY + timedelta(hours=2)


def test_after_the_maximum_attempts_the_callback_is_given_up():
    assert next_callback_attempt(3, LAST_TRY) is None


def test_maximum_attempts_and_gap_are_parameters():
    policy = CallbackRetryPolicy(max_attempts=5, retry_after=timedelta(days=1))
    assert next_callback_attempt(4, LAST_TRY, policy) == LAST_TRY + timedelta(days=1)
    assert next_callback_attempt(5, LAST_TRY, policy) is None


def test_retry_policy_and_inputs_are_validated():
    with pytest.raises(ValueError):
        CallbackRetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        next_callback_attempt(0, LAST_TRY)
    with pytest.raises(ValueError):
        next_callback_attempt(1, datetime(2026, 11, 23, 10))


def test_the_days_callbacks_are_those_due_before_it_ends_and_earlier_days_ones_are_overdue():
    from kiosk.domain.callbacks import due_today

    starts, ends = datetime(2026, 12, 3, 16, 0, tzinfo=UTC), datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    due = [starts - timedelta(days=2), starts - timedelta(seconds=1), starts, ends - timedelta(seconds=1),
           ends]

    digest = due_today(due, starts, ends)

    assert (digest.total, digest.overdue) == (4, 2)
    assert digest.title_zh == "今日待回访 4 个，其中逾期 2 个"


def test_a_day_with_no_callback_due_says_nothing_and_one_with_none_overdue_says_so_plainly():
    from kiosk.domain.callbacks import DueToday

    assert not DueToday(0, 0).worth_telling
    assert DueToday(5, 0).title_zh == "今日待回访 5 个"
