"""When a timed job is next due: every N on a fixed grid, daily at a Shanghai time, after each tablet's
closing time; one run after downtime, never a burst; late after the grace."""

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.schedules import (
    AfterClosing,
    DailyAt,
    Every,
    JobHealth,
    is_late,
    job_health,
    next_wall_clock_time,
)
from kiosk.domain.working_days import SHANGHAI

MINUTE = timedelta(minutes=1)


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# ---- every N ---------------------------------------------------------------------------------------


def test_a_one_minute_job_is_due_at_the_next_whole_minute():
    assert Every(MINUTE).next_after(sh(2026, 12, 4, 9, 15, 42)) == sh(2026, 12, 4, 9, 16)


def test_a_run_ending_exactly_on_a_slot_is_next_due_at_the_following_slot():
    assert Every(MINUTE).next_after(sh(2026, 12, 4, 9, 16)) == sh(2026, 12, 4, 9, 17)


def test_five_minute_slots_fall_on_round_shanghai_times_whatever_the_utc_offset():
    five = Every(timedelta(minutes=5))
    assert five.next_after(datetime(2026, 12, 4, 1, 2, tzinfo=UTC)) == sh(2026, 12, 4, 9, 5)


def test_after_an_hour_of_downtime_the_job_runs_once_then_keeps_to_the_grid():
    every = Every(MINUTE)
    finished = sh(2026, 12, 4, 10, 30, 3)  # the worker came back at 10:30 and ran the 9:16 slot's job
    assert every.next_after(finished) == sh(2026, 12, 4, 10, 31)


def test_the_grid_crosses_shanghai_midnight():
    assert Every(timedelta(hours=1)).next_after(sh(2026, 12, 31, 23, 59, 59)) == sh(2027, 1, 1, 0, 0)


def test_a_short_test_interval_keeps_its_own_grid():
    every = Every(timedelta(seconds=2))
    first = every.next_after(sh(2026, 12, 4, 9, 0, 0, 500000))
    assert first == sh(2026, 12, 4, 9, 0, 2) and every.next_after(first) == sh(2026, 12, 4, 9, 0, 4)


def test_an_interval_must_be_positive():
    with pytest.raises(ValueError):
        Every(timedelta(0))


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
       st.integers(min_value=1, max_value=86400))
def test_the_next_slot_is_after_the_moment_within_one_interval_and_on_the_grid(moment, seconds):
    every = Every(timedelta(seconds=seconds))
    slot = every.next_after(moment)
    assert moment < slot <= moment + every.interval
    assert every.next_after(slot - timedelta(microseconds=1)) == slot


# ---- daily at a Shanghai time ---------------------------------------------------------------------


def test_a_daily_job_is_due_later_today_or_tomorrow_in_shanghai():
    six = DailyAt(time(6, 0))
    assert six.next_after(sh(2026, 12, 4, 5, 59)) == sh(2026, 12, 4, 6, 0)
    assert six.next_after(sh(2026, 12, 4, 6, 0)) == sh(2026, 12, 5, 6, 0)
    assert six.next_after(sh(2026, 12, 4, 23, 0)) == sh(2026, 12, 5, 6, 0)


def test_a_daily_job_counts_the_shanghai_day_not_the_utc_day():
    # 23:30 UTC on 3 December is 7:30 on 4 December in Shanghai: the 3:00 run of the 4th has passed.
    assert DailyAt(time(3, 0)).next_after(datetime(2026, 12, 3, 23, 30, tzinfo=UTC)) == sh(2026, 12, 5, 3, 0)
    # 18:30 UTC on 3 December is 2:30 on the 4th in Shanghai: 3:00 of the 4th is still to come.
    assert DailyAt(time(3, 0)).next_after(datetime(2026, 12, 3, 18, 30, tzinfo=UTC)) == sh(2026, 12, 4, 3, 0)


def test_a_job_at_midnight_runs_at_the_start_of_the_next_shanghai_day():
    assert DailyAt(time(0, 0)).next_after(sh(2026, 12, 31, 0, 0)) == sh(2027, 1, 1, 0, 0)


# ---- after each tablet's closing time ---------------------------------------------------------------


def test_auto_sign_out_is_due_at_the_next_closing_of_any_tablet():
    closings = [time(18, 0), time(19, 0), time(18, 0)]
    after = AfterClosing()
    assert after.next_after(sh(2026, 12, 4, 12, 0), closings) == sh(2026, 12, 4, 18, 0)
    assert after.next_after(sh(2026, 12, 4, 18, 0, 1), closings) == sh(2026, 12, 4, 19, 0)
    assert after.next_after(sh(2026, 12, 4, 19, 0, 1), closings) == sh(2026, 12, 5, 18, 0)


def test_without_tablets_auto_sign_out_has_no_slot():
    assert AfterClosing().next_after(sh(2026, 12, 4, 12, 0), []) is None


def test_next_wall_clock_time_is_strictly_after_the_moment():
    assert next_wall_clock_time(sh(2026, 12, 4, 18, 0), [time(18, 0)]) == sh(2026, 12, 5, 18, 0)


# ---- late and health -------------------------------------------------------------------------------


def test_a_job_is_late_only_when_its_slot_passed_more_than_the_grace_ago():
    due = sh(2026, 12, 4, 9, 0)
    grace = timedelta(minutes=10)
    assert not is_late(due, due + grace, grace)
    assert is_late(due, due + grace + timedelta(seconds=1), grace)
    assert not is_late(None, due + timedelta(days=9), grace)


def _health(**kwargs):
    defaults = {"registered": True, "next_due_at": sh(2026, 12, 4, 9, 0), "lease_until": None,
                "last_failed": False, "now": sh(2026, 12, 4, 9, 1), "grace": timedelta(minutes=10)}
    return job_health(**{**defaults, **kwargs})


def test_health_names_the_most_pressing_state():
    assert _health() is JobHealth.OK
    assert _health(registered=False) is JobHealth.NEVER_STARTED
    assert _health(last_failed=True) is JobHealth.FAILED
    assert _health(now=sh(2026, 12, 4, 9, 11)) is JobHealth.LATE
    assert _health(now=sh(2026, 12, 4, 9, 11), lease_until=sh(2026, 12, 4, 9, 12)) is JobHealth.RUNNING
    # A worker that died mid-run: its lease ran out, the slot is long past.
    assert _health(now=sh(2026, 12, 4, 9, 30), lease_until=sh(2026, 12, 4, 9, 12)) is JobHealth.LATE
    assert {h for h in JobHealth if h.needs_attention} == {JobHealth.NEVER_STARTED, JobHealth.LATE,
                                                           JobHealth.FAILED}
