"""When a timed job is next due, and whether it is late.

The centre's procedures depend on work nobody clicks: an overdue slip "escalates to the supervisor"
(《物业热线服务岗位服务流程与规范》, DOMAIN.md §3), a model-home round not done on time is reported to
the supervisor (《样板间管理规范》), visitors still on site at closing are signed out, owners are called
back on their monthly or quarterly dates, a down payment past its date is reported to the project
manager, and visitors' personal data is not kept beyond the retention period. The worker runs each of
these jobs on a schedule; this module holds the rules of that schedule.

* **Every N** -- slots lie on a fixed grid counted from Shanghai midnight of 1 January 2000, so a
  one-minute job is due at every whole minute and a five-minute job at :00, :05 … whoever computes it.
  The grid does not drift with the length of a run.
* **Daily at HH:MM** -- Shanghai wall-clock time (China keeps no daylight-saving time).
* **After closing** -- the first closing time of any kiosk tablet; the auto sign-out runs after each.

The next slot is always the first one *strictly after* the moment the last run ended: a run that
overlaps later slots, or a worker that was down for an hour, makes one run, never a burst that catches
up every missed slot (each job handles everything pending when it runs).

A job is **late** when its slot passed more than a grace period ago and no run holds it.
Nothing here reads the clock, the settings or the database: the moment, the closing times and the grace
come in as arguments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from kiosk.domain.working_days import SHANGHAI

#: The origin of every interval grid: Shanghai midnight, so intervals that divide a day fall on round times.
GRID_ORIGIN = datetime(2000, 1, 1, tzinfo=SHANGHAI)


def next_wall_clock_time(moment: datetime, times: Iterable[time], tz=SHANGHAI) -> datetime | None:
    """The first instant strictly after ``moment`` whose wall-clock time (in ``tz``) is one of ``times``;
    None when ``times`` is empty."""
    local = moment.astimezone(tz)
    candidates = []
    for at in times:
        candidate = datetime.combine(local.date(), at, tz)
        if candidate <= local:
            candidate += timedelta(days=1)
        candidates.append(candidate)
    return min(candidates, default=None)


@dataclass(frozen=True)
class Every:
    """Every ``interval``, on the grid from ``GRID_ORIGIN``."""

    interval: timedelta

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise ValueError("a job's interval must be positive")

    def next_after(self, moment: datetime, closing_times: Iterable[time] = ()) -> datetime:
        slots_done = (moment - GRID_ORIGIN) // self.interval
        return GRID_ORIGIN + (slots_done + 1) * self.interval


@dataclass(frozen=True)
class DailyAt:
    """Once a day at a Shanghai wall-clock time."""

    at: time

    def next_after(self, moment: datetime, closing_times: Iterable[time] = ()) -> datetime:
        return next_wall_clock_time(moment, (self.at,))


@dataclass(frozen=True)
class AfterClosing:
    """After each kiosk tablet's closing time: due at the next of the tablets' closing times (their
    ``closes_at``); None while there is no tablet."""

    def next_after(self, moment: datetime, closing_times: Iterable[time] = ()) -> datetime | None:
        return next_wall_clock_time(moment, set(closing_times))


Schedule = Every | DailyAt | AfterClosing


def is_late(next_due_at: datetime | None, now: datetime, grace: timedelta) -> bool:
    """The slot passed more than ``grace`` ago (a job with no slot is never late)."""
    return next_due_at is not None and next_due_at + grace < now


class JobHealth(StrEnum):
    """What the admin page says of a job, the most pressing first."""

    NEVER_STARTED = "never_started"  # no worker has ever registered the job
    RUNNING = "running"  # a worker holds it now
    LATE = "late"  # its slot passed more than the grace ago and nobody runs it
    FAILED = "failed"  # its last run ended in an error
    OK = "ok"

    @property
    def needs_attention(self) -> bool:
        return self in (JobHealth.NEVER_STARTED, JobHealth.LATE, JobHealth.FAILED)


def job_health(*, registered: bool, next_due_at: datetime | None, lease_until: datetime | None,
               last_failed: bool, now: datetime, grace: timedelta) -> JobHealth:
    """The state of one job: never started, running (a live lease), late, last run failed, or fine."""
    if not registered:
        return JobHealth.NEVER_STARTED
    if lease_until is not None and lease_until > now:
        return JobHealth.RUNNING
    if is_late(next_due_at, now, grace):
        return JobHealth.LATE
    if last_failed:
        return JobHealth.FAILED
    return JobHealth.OK
