"""Task-slip deadlines: "热线所有服务事项，必须在限定时间内办结" (seed 003 §2(6)).

Every hotline item has a deadline (DOMAIN.md §3). The allowances:

* **routine** -- "常规问题一天内处理" (seed 004 §2 / 二): 1 working day.
* **major** -- "重大问题三天内有回复" (seed 004 §2 / 二): 3 working days.
* **complaint** -- "事实清楚、责任部门(人)明确的，要求24小时内给予答复" (seed 003 篇3 §12): 24 hours of
  wall time (the seed says hours, not working days; a complaint does not wait for Monday).
* **emergency** -- "对应急、隐患、疑难问题等及时上报并限时答复" (seed 003 §2(5)): the seed sets a limit
  but names no figure; the default here is **30 minutes** of wall time, a policy setting the admin can
  change.

Working days follow the ``WorkingCalendar`` (public holidays, 调休 make-up workdays, company overrides);
"N working days after T" is defined in ``kiosk.domain.working_days``.

Pauses (waiting on the owner, e.g. the owner is not home for the repair) stop the clock: each pause
that begins before the current deadline extends it by its length -- measured in **working time** for
working-day priorities (a pause over a weekend adds nothing for the weekend), in **wall time** for the
hour/minute priorities. A pause beginning at or after the deadline does not rescue an overdue slip.
Overlapping pauses count once; a pause before the slip was opened is clipped to the opening time. An
ongoing pause is passed with ``now`` as its end by the service.

Nothing here reads the clock or config: ``now``, the policy and the calendar are arguments (ENGINEERING.md,
the CTFd warning).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kiosk.domain.working_days import WorkingCalendar

Pause = tuple[datetime, datetime]


class Priority(StrEnum):
    """How urgent a task slip is; decides its allowance."""

    ROUTINE = "routine"  # 常规问题 (seed 004 §2)
    MAJOR = "major"  # 重大问题 (seed 004 §2)
    EMERGENCY = "emergency"  # 应急/隐患 (seed 003 §2(5))
    COMPLAINT = "complaint"  # 服务质量投诉 (seed 003 篇3 §12)

    @property
    def label_zh(self) -> str:
        return {"routine": "常规", "major": "重大", "emergency": "应急/隐患", "complaint": "投诉"}[self.value]

    @property
    def counts_working_days(self) -> bool:
        """Routine and major allowances are in working days; complaint and emergency in wall time."""
        return self in (Priority.ROUTINE, Priority.MAJOR)


class DeadlineState(StrEnum):
    OK = "ok"
    NEAR_DUE = "near_due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DeadlinePolicy:
    """The allowances, a setting the admin may change; defaults from the seeds.

    * ``routine_working_days`` = 1, ``major_working_days`` = 3 -- seed 004 §2.
    * ``complaint_hours`` = 24 -- seed 003 篇3 §12.
    * ``emergency_minutes`` = 30 -- seed 003 §2(5) "限时答复" names no figure; 30 minutes is our default.
    * ``incident_report_working_days`` = 2 -- seed 000 §5 C5 "在两个工作日内填报《突发事件处理记录表》".
    * near due: a slip is *near due* when the time left is at most ``near_due_fraction`` of its whole
      allowance (wall time, opened → due), or at most ``near_due_minutes`` if that is set -- whichever
      warns earlier. Defaults: 20 %, no minute floor.
    """

    routine_working_days: int = 1
    major_working_days: int = 3
    complaint_hours: int = 24
    emergency_minutes: int = 30
    incident_report_working_days: int = 2
    near_due_fraction: float = 0.2
    near_due_minutes: int | None = None

    def __post_init__(self) -> None:
        for name in (
            "routine_working_days",
            "major_working_days",
            "complaint_hours",
            "emergency_minutes",
            "incident_report_working_days",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if not 0 <= self.near_due_fraction <= 1:
            raise ValueError(f"near_due_fraction must be within 0..1, got {self.near_due_fraction!r}")
        if self.near_due_minutes is not None and self.near_due_minutes < 0:
            raise ValueError(f"near_due_minutes must not be negative, got {self.near_due_minutes!r}")

    def wall_allowance(self, priority: Priority) -> timedelta:
        """The wall-time allowance of an hour/minute priority (complaint, emergency)."""
        if priority is Priority.COMPLAINT:
            return timedelta(hours=self.complaint_hours)
        if priority is Priority.EMERGENCY:
            return timedelta(minutes=self.emergency_minutes)
        raise ValueError(f"{priority} is counted in working days, not wall time")

    def working_days(self, priority: Priority) -> int:
        """The working-day allowance of a routine or major slip."""
        if priority is Priority.ROUTINE:
            return self.routine_working_days
        if priority is Priority.MAJOR:
            return self.major_working_days
        raise ValueError(f"{priority} is counted in wall time, not working days")


def merge_pauses(pauses: Iterable[Pause], *, not_before: datetime | None = None) -> list[Pause]:
    """Pauses sorted, overlapping/touching ones merged, clipped to start at ``not_before``; empty dropped."""
    cleaned: list[Pause] = []
    for start, end in pauses:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("pause bounds must be timezone-aware datetimes")
        if end < start:
            raise ValueError(f"a pause cannot end ({end}) before it starts ({start})")
        if not_before is not None and start < not_before:
            start = not_before
        if end > start:
            cleaned.append((start, end))
    cleaned.sort()
    merged: list[Pause] = []
    for start, end in cleaned:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def due_at(
    opened_at: datetime,
    priority: Priority,
    policy: DeadlinePolicy,
    calendar: WorkingCalendar,
    pauses: Sequence[Pause] = (),
) -> datetime:
    """When a task slip opened at ``opened_at`` falls due (seed 003 §2(6): every item has a time limit).

    * routine / major: ``calendar.add_working_days(opened_at, n)`` (seed 004 §2);
    * complaint: ``opened_at + complaint_hours`` (seed 003 篇3 §12); emergency: ``+ emergency_minutes``
      (seed 003 §2(5));
    * each pause that starts before the running deadline pushes it by the pause's length (working time
      or wall time as above). The result is never before ``opened_at``.
    """
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be a timezone-aware datetime")
    priority = Priority(priority)
    if priority.counts_working_days:
        due = calendar.add_working_days(opened_at, policy.working_days(priority))
    else:
        due = opened_at + policy.wall_allowance(priority)
    for start, end in merge_pauses(pauses, not_before=opened_at):
        if start >= due:
            break  # the deadline had passed before this pause began: no rescue
        if priority.counts_working_days:
            due = calendar.add_working_time(due, calendar.working_time_between(start, end))
        else:
            due = due + (end - start)
    return max(due, opened_at)


def deadline_state(now: datetime, due: datetime, opened: datetime, policy: DeadlinePolicy) -> DeadlineState:
    """``overdue`` once ``now`` is past ``due``; ``near_due`` when little time is left; else ``ok``.

    "Within one day" includes the last instant, so ``now == due`` is still near due, not overdue. Near
    due per ``DeadlinePolicy`` (fraction of the wall-time allowance, or a minute floor). Overdue slips
    escalate to the supervisor (DOMAIN.md §4); that is the caller's move.
    """
    for name, value in (("now", now), ("due", due), ("opened", opened)):
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
    if now > due:
        return DeadlineState.OVERDUE
    return DeadlineState.NEAR_DUE if now >= near_due_from(due, opened, policy) else DeadlineState.OK


def near_due_from(due: datetime, opened: datetime, policy: DeadlinePolicy) -> datetime:
    """The moment a slip becomes near due: its deadline less the warning time (see ``deadline_state``).

    Stored beside the deadline so boards can ask "near due now?" with one indexed comparison.
    """
    warn = max(due - opened, timedelta(0)) * policy.near_due_fraction
    if policy.near_due_minutes is not None:
        warn = max(warn, timedelta(minutes=policy.near_due_minutes))
    return due - warn


def incident_report_due(
    closed_at: datetime, calendar: WorkingCalendar, policy: DeadlinePolicy | None = None
) -> datetime:
    """The incident report (《突发事件处理记录表》) is due two working days after the event closes.

    Seed 000 §5 C5: "突发事件处理完毕后，在两个工作日内填报《突发事件处理记录表》报公司客服中心".
    "Two working days after" per ``WorkingCalendar.add_working_days``.
    """
    days = (policy or DeadlinePolicy()).incident_report_working_days
    return calendar.add_working_days(closed_at, days)
