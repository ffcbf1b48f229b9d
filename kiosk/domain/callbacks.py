"""Owner callbacks (回访).

Periodic callbacks -- seed 001 制度3 §5 (客户回访制度): "客服部对交付使用的项目建立回访档案，进行定期的
电话回访，即一年内项目每月回访一次；一年以上的项目每季回访一次".

* A project is "within a year" (一年内) from its delivery date up to the day before its first
  anniversary; from the anniversary on it is "over a year" (一年以上).
* The interval is decided by the project's age on the day the interval starts (the last callback, or
  delivery if none): a callback made in the twelfth month schedules the next one a month later even if
  that lands after the anniversary; from the first callback on or after the anniversary, quarterly.
* Months are calendar months; a day that does not exist in the target month falls back to its last day
  (Jan 31 + 1 month = Feb 28/29).
* The first periodic callback is one interval after delivery (the seed asks for "每月一次", not a
  callback on the delivery day itself).

Unreachable owners -- the seeds set no retry count ("回访" must happen, seed 003 §2(1) "结果跟踪回访";
seed 001 制度3 §2.7 "不应让客户打第二次电话"), so the retry rule is a policy with documented defaults:
try again after ``retry_after`` (default 2 hours), at most ``max_attempts`` (default 3) attempts, then
the callback is marked unreachable and handed to the supervisor.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class CallbackResult(StrEnum):
    """What a callback found (seed 004 §2 KPI: satisfaction of valid complaints)."""

    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意: the slip is reopened
    UNREACHABLE = "unreachable"  # 未接通: tried again per CallbackRetryPolicy

    @property
    def reached(self) -> bool:
        return self is not CallbackResult.UNREACHABLE

    @property
    def reopens(self) -> bool:
        return self is CallbackResult.UNSATISFIED

    @property
    def label_zh(self) -> str:
        """The result as a slip's history and the call's answer record it (stored text, not translated)."""
        return {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意",
                "unreachable": "未接通"}[self.value]


class CallbackInterval(StrEnum):
    MONTHLY = "monthly"  # 一年内项目每月回访一次
    QUARTERLY = "quarterly"  # 一年以上的项目每季回访一次

    @property
    def months(self) -> int:
        return 1 if self is CallbackInterval.MONTHLY else 3

    @property
    def label_zh(self) -> str:
        return "每月一次" if self is CallbackInterval.MONTHLY else "每季一次"


def add_months(d: date, months: int) -> date:
    """``d`` moved by whole calendar months; a missing day falls back to the month's last day."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def first_anniversary(delivered_on: date) -> date:
    """The day a project stops being "within a year" (a 29 February delivery: 28 February next year)."""
    return add_months(delivered_on, 12)


def callback_interval(delivered_on: date, on_day: date) -> CallbackInterval:
    """Monthly while the project is within a year of delivery, quarterly from the first anniversary.

    Seed 001 制度3 §5: "一年内项目每月回访一次；一年以上的项目每季回访一次". A day before delivery (a
    project not yet handed over) is treated as within the first year.
    """
    if on_day < first_anniversary(delivered_on):
        return CallbackInterval.MONTHLY
    return CallbackInterval.QUARTERLY


def scheduled_periodic_callback(delivered_on: date, last_callback_on: date | None) -> date:
    """The date the next periodic callback is scheduled for, which may already be in the past.

    One interval (monthly/quarterly per ``callback_interval`` on the anchor day) after the last callback,
    or after delivery when there has been none (seed 001 制度3 §5). A last callback recorded before the
    delivery date is ignored (the anchor is never before delivery).
    """
    anchor = delivered_on if last_callback_on is None else max(last_callback_on, delivered_on)
    return add_months(anchor, callback_interval(delivered_on, anchor).months)


def next_periodic_callback(delivered_on: date, last_callback_on: date | None, today: date) -> date:
    """The next periodic owner callback to make, never before ``today`` (seed 001 制度3 §5).

    The scheduled date (``scheduled_periodic_callback``); if that has already passed, the callback is
    due today (it is overdue -- see ``is_periodic_callback_overdue`` -- and should be made now, not
    scheduled in the past).
    """
    return max(scheduled_periodic_callback(delivered_on, last_callback_on), today)


def is_periodic_callback_overdue(delivered_on: date, last_callback_on: date | None, today: date) -> bool:
    """Has the scheduled periodic callback's day passed without a callback (seed 001 制度3 §5)?"""
    return scheduled_periodic_callback(delivered_on, last_callback_on) < today


@dataclass(frozen=True)
class CallbackRetryPolicy:
    """How to retry a callback when the owner cannot be reached (no seed figure; our defaults).

    ``max_attempts`` counts all attempts including the first; ``retry_after`` is the wall-time gap
    between attempts.
    """

    max_attempts: int = 3
    retry_after: timedelta = timedelta(hours=2)

    def __post_init__(self) -> None:
        attempts = self.max_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValueError(f"max_attempts must be an int of at least 1, got {self.max_attempts!r}")
        if self.retry_after < timedelta(0):
            raise ValueError(f"retry_after must not be negative, got {self.retry_after!r}")


def next_callback_attempt(
    attempts_made: int, last_attempt_at: datetime, policy: CallbackRetryPolicy | None = None
) -> datetime | None:
    """When to try an unreachable owner again, or ``None`` when the attempts are used up.

    ``attempts_made`` unanswered attempts so far, the last at ``last_attempt_at``. ``None`` means the
    callback is given up as unreachable and goes to the supervisor; the slip is not closed silently
    (first-contact responsibility, seed 003 §2(3), seed 001 制度3 §2).
    """
    policy = policy or CallbackRetryPolicy()
    if last_attempt_at.tzinfo is None:
        raise ValueError("last_attempt_at must be a timezone-aware datetime")
    if attempts_made < 1:
        raise ValueError(f"attempts_made must be at least 1 for a retry, got {attempts_made}")
    if attempts_made >= policy.max_attempts:
        return None
    return last_attempt_at + policy.retry_after


@dataclass(frozen=True)
class DueToday:
    """An agent's callbacks for the day: how many are due by the day's end, how many of them are overdue.

    Seed 001 制度3 §5 asks for callbacks on their schedule ("定期的电话回访") and seed 003 §2(1) for the
    follow-up call after a resolved slip ("结果跟踪回访"); an agent is told once a morning what the day holds
    instead of once per callback, so a day of 40 periodic callbacks is one message, not 40.
    """

    total: int
    overdue: int

    @property
    def worth_telling(self) -> bool:
        return self.total > 0

    @property
    def title_zh(self) -> str:
        """The digest's line: 今日待回访 12 个，其中逾期 3 个 (stored text, as every alert's title)."""
        if self.overdue:
            return f"今日待回访 {self.total} 个，其中逾期 {self.overdue} 个"
        return f"今日待回访 {self.total} 个"


def due_today(due_times: Iterable[datetime], day_starts: datetime, day_ends: datetime) -> DueToday:
    """Count the pending callbacks due before ``day_ends`` (the end of the local day); those due before
    ``day_starts`` (an earlier day) are overdue: their day passed without the call."""
    total = overdue = 0
    for due in due_times:
        if due < day_ends:
            total += 1
            overdue += due < day_starts
    return DueToday(total, overdue)
