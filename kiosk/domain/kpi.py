"""KPIs and reporting periods for the supervisor board, the weekly report and the monthly report.

The KPIs work on **aggregated inputs**: the web layer counts with SQL ``GROUP BY`` and passes the counts in
(durations for the handling-time statistics). Targets come from seed 004 §2 (服务目标):
"对客户的投诉处理及时率达到常规问题一天内处理,重大问题三天内有回复。对客户有效投诉处理满意率达100%。
对客户年度访问覆盖率达120%。客户动态档案建档率100%。", and from the hotline rules of seed 003.

* A rate with nothing to count is ``None`` ("no data"), never 0 % or 100 %.
* Rates are exact fractions (``Rate``); ``meets_target`` compares exactly, so 6/5 meets 120 %.

Reporting periods (``Period``) are whole **Asia/Shanghai** local days; each also has a half-open UTC range
``[start_utc, end_utc)`` for the SQL filter on stored UTC times.

* day: one local date, ``2026-10-23``.
* month: a calendar month, ``2026-10``.
* week: the **reporting week, Saturday to Friday**. Seed 001 制度3 §4 (周报制度): "每周五下午部门例会,
  技术服务人员必须提交本周客户服务情况" -- the week is reported on Friday, so a week ends on Friday and
  the weekend before belongs to it (the hotline runs all week, seed 004 §5 "全天候", so weekend items must
  fall in some week). It is named after the ISO week of its Friday: ``2026-W43`` is Saturday 2026-10-17 to
  Friday 2026-10-23. A holiday Friday does not move the week; the report is read on the next working day
  (``weekly_report_day``).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from kiosk.domain.call_timer import CALL_LIMIT_SECONDS
from kiosk.domain.callbacks import add_months
from kiosk.domain.working_days import SHANGHAI, WorkingCalendar

# ---- rates ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``numerator / denominator`` as an exact fraction; ``denominator`` is always positive."""

    numerator: int
    denominator: int

    def __post_init__(self) -> None:
        for name in ("numerator", "denominator"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, got {value!r}")
        if self.denominator == 0:
            raise ValueError("a rate needs a positive denominator; no data is None, not a Rate")

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.numerator, self.denominator)

    @property
    def value(self) -> float:
        return self.numerator / self.denominator

    @property
    def percent(self) -> float:
        return 100 * self.numerator / self.denominator

    def __str__(self) -> str:
        return f"{self.percent:.1f}%"


def _count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    return value


def _share(part: int, whole: int, part_name: str, whole_name: str) -> Rate | None:
    """A share (part of a whole, 0..1); None when the whole is 0."""
    _count(part, part_name)
    _count(whole, whole_name)
    if part > whole:
        raise ValueError(f"{part_name} ({part}) cannot exceed {whole_name} ({whole})")
    return Rate(part, whole) if whole else None


# ---- the registry -----------------------------------------------------------------------------------


class KpiCode(StrEnum):
    ANSWERED_WITHIN_THREE_RINGS = "answered_within_three_rings"
    OVER_THREE_MINUTES = "over_three_minutes"
    AVERAGE_HANDLING_TIME = "average_handling_time"
    P90_HANDLING_TIME = "p90_handling_time"
    COMPLAINT_TIMELINESS = "complaint_timeliness"
    VALID_COMPLAINT_SATISFACTION = "valid_complaint_satisfaction"
    CALLBACK_COVERAGE = "callback_coverage"
    ANNUAL_VISIT_COVERAGE = "annual_visit_coverage"
    OWNER_PROFILE_COMPLETENESS = "owner_profile_completeness"
    SLIPS_OVERDUE = "slips_overdue"
    INCIDENT_REPORTS_ON_TIME = "incident_reports_on_time"
    ROTATION_FAIRNESS = "rotation_fairness"


class Unit(StrEnum):
    PERCENT = "percent"  # target is a fraction: 1 = 100 %
    SECONDS = "seconds"
    COUNT = "count"


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


@dataclass(frozen=True)
class Kpi:
    """One KPI: its code, Chinese name, unit, target, which way is better, and where the target comes from.

    ``target`` is exact (a ``Fraction``); for ``Unit.PERCENT`` it is a fraction of 1 (``Fraction(6, 5)``
    = 120 %). A deployment may change a target with ``dataclasses.replace``.
    """

    code: KpiCode
    name_zh: str
    unit: Unit
    target: Fraction
    direction: Direction
    seed: str
    formula: str


def _kpi(code, name_zh, unit, target, direction, seed, formula) -> tuple[KpiCode, Kpi]:
    return code, Kpi(code, name_zh, unit, Fraction(target), direction, seed, formula)


_HI, _LO = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
#: All KPIs by code (read-only).
KPIS: Mapping[KpiCode, Kpi] = MappingProxyType(
    dict(
        [
            _kpi(KpiCode.ANSWERED_WITHIN_THREE_RINGS, "三声内接听率", Unit.PERCENT, 1, _HI,
                 "seed 003 §2(2)(1)", "answered within 15 s / answered (+ abandoned after 15 s)"),
            _kpi(KpiCode.OVER_THREE_MINUTES, "超三分钟通话占比", Unit.PERCENT, 0, _LO,
                 "seed 003 §2(11)", "answered calls longer than 180 s / answered calls"),
            _kpi(KpiCode.AVERAGE_HANDLING_TIME, "平均通话时长", Unit.SECONDS, CALL_LIMIT_SECONDS, _LO,
                 "seed 003 §2(11)", "mean call duration"),
            _kpi(KpiCode.P90_HANDLING_TIME, "通话时长P90", Unit.SECONDS, CALL_LIMIT_SECONDS, _LO,
                 "seed 003 §2(11)", "nearest-rank 90th percentile of call durations"),
            _kpi(KpiCode.COMPLAINT_TIMELINESS, "投诉处理及时率", Unit.PERCENT, 1, _HI,
                 "seed 004 §2", "(routine in 1 day + major answered in 3 days) / complaints due"),
            _kpi(KpiCode.VALID_COMPLAINT_SATISFACTION, "有效投诉处理满意率", Unit.PERCENT, 1, _HI,
                 "seed 004 §2", "satisfied / valid complaints closed with a satisfaction answer"),
            _kpi(KpiCode.CALLBACK_COVERAGE, "回访率", Unit.PERCENT, 1, _HI,
                 "seed 003 §2(1); seed 001 制度3 §5", "callbacks made / callbacks due"),
            _kpi(KpiCode.ANNUAL_VISIT_COVERAGE, "年度访问覆盖率", Unit.PERCENT, Fraction(6, 5), _HI,
                 "seed 004 §2", "owner visits in the year / households"),
            _kpi(KpiCode.OWNER_PROFILE_COMPLETENESS, "客户动态档案建档率", Unit.PERCENT, 1, _HI,
                 "seed 004 §2", "complete owner profiles / owner profiles"),
            _kpi(KpiCode.SLIPS_OVERDUE, "任务单超时率", Unit.PERCENT, 0, _LO,
                 "seed 003 §2(6)", "slips overdue / slips due"),
            _kpi(KpiCode.INCIDENT_REPORTS_ON_TIME, "突发事件记录表按时率", Unit.PERCENT, 1, _HI,
                 "seed 000 §5 C5", "reports filed within 2 working days / reports due"),
            _kpi(KpiCode.ROTATION_FAIRNESS, "轮值接待差", Unit.COUNT, 1, _LO,
                 "seed 001 制度1 第3、6、27条", "max - min reception count"),
        ]
    )
)


def meets_target(kpi: Kpi, value: Rate | float | int | None) -> bool | None:
    """Does ``value`` meet ``kpi``'s target? ``None`` when there is no value (no data: neither pass nor fail).

    Higher-is-better: ``value >= target``; lower-is-better: ``value <= target``. Compared exactly.
    """
    if value is None:
        return None
    exact = value.fraction if isinstance(value, Rate) else Fraction(value)
    if kpi.direction is Direction.HIGHER_IS_BETTER:
        return exact >= kpi.target
    return exact <= kpi.target


# ---- hotline ------------------------------------------------------------------------------------------


def answered_within_three_rings_rate(
    answered_within: int, answered: int, *, abandoned_after_three_rings: int = 0
) -> Rate | None:
    """三声内接听率 -- seed 003 §2(2)(1) "来电时,应在三声内接听"; target **100 %** (no exception in the seed).

    Formula: ``answered_within / (answered + abandoned_after_three_rings)``. "Within three rings" is
    ``call_timer.answered_within_rings`` (picked up within ``THREE_RINGS_SECONDS`` = 15 s). A call the caller
    gave up on *after* three rings failed the rule and counts in the denominator; one abandoned within three
    rings could not have been answered in time and is left out. ``None`` when there were no such calls.
    """
    _count(abandoned_after_three_rings, "abandoned_after_three_rings")
    _count(answered, "answered")
    if answered_within > answered:
        raise ValueError(f"answered_within ({answered_within}) cannot exceed answered ({answered})")
    return _share(answered_within, answered + abandoned_after_three_rings, "answered_within", "calls")


def over_three_minutes_share(over_three_minutes: int, answered: int) -> Rate | None:
    """超三分钟通话占比 -- seed 003 §2(11) "将通话时间控制在三分钟之内"; target **0 %**, lower is better.

    Formula: ``calls with duration > CALL_LIMIT_SECONDS (180 s) / answered calls`` (exactly 180 s is within,
    as ``call_timer.is_over_three_minutes``). The seed names no tolerance, so the target is its literal 0 %;
    a deployment may relax it. ``None`` when no calls were answered.
    """
    return _share(over_three_minutes, answered, "over_three_minutes", "answered")


@dataclass(frozen=True)
class HandlingTimeStats:
    count: int
    mean_seconds: float
    median_seconds: float
    p90_seconds: float
    max_seconds: float


def percentile_nearest_rank(values: Sequence[float], p: float) -> float:
    """The nearest-rank ``p``-th percentile: sort ascending, take the value at rank ``ceil(p/100 × n)``.

    Always one of the values; ``p`` in (0, 100]. Example: 10 values, p90 → rank 9 (the 9th smallest).
    """
    if not values:
        raise ValueError("no values")
    if not 0 < p <= 100:
        raise ValueError(f"p must be within (0, 100], got {p!r}")
    ordered = sorted(values)
    rank = max(1, math.ceil(p * len(ordered) / 100))
    return ordered[rank - 1]


def handling_time_stats(durations: Iterable[float]) -> HandlingTimeStats | None:
    """Average and p90 call handling time -- seed 003 §2(11) (three minutes); targets ``CALL_LIMIT_SECONDS``.

    * mean: arithmetic mean; median: ``statistics.median`` (mean of the two middle values for even n);
    * p90: ``percentile_nearest_rank(durations, 90)`` -- so "p90 ≤ 180 s" reads "at least 90 % of calls
      kept within three minutes". Always ``p90 >= median``.

    ``None`` when there are no calls. Negative durations are an error.
    """
    values = [float(d) for d in durations]
    if not values:
        return None
    if any(d < 0 or math.isnan(d) for d in values):
        raise ValueError("durations must be non-negative numbers")
    return HandlingTimeStats(
        count=len(values),
        mean_seconds=statistics.fmean(values),
        median_seconds=statistics.median(values),
        p90_seconds=percentile_nearest_rank(values, 90),
        max_seconds=max(values),
    )


# ---- complaints, callbacks, owners --------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintTimeliness:
    """Routine, major and overall timeliness; each ``None`` when there was nothing of that kind."""

    routine: Rate | None
    major: Rate | None
    overall: Rate | None


def complaint_timeliness(
    routine_on_time: int, routine_total: int, major_on_time: int, major_total: int
) -> ComplaintTimeliness:
    """投诉处理及时率 -- seed 004 §2 "常规问题一天内处理,重大问题三天内有回复"; target **100 %**.

    On time = by ``deadlines.due_at`` (routine 1 working day, major 3 working days). Formula for overall:
    ``(routine_on_time + major_on_time) / (routine_total + major_total)`` -- pooled, not the mean of the two
    rates, so a single major complaint does not weigh as much as fifty routine ones. The total counts
    complaints *due* in the period (deadline inside it), including those still open past their deadline.
    """
    routine = _share(routine_on_time, routine_total, "routine_on_time", "routine_total")
    major = _share(major_on_time, major_total, "major_on_time", "major_total")
    overall = _share(routine_on_time + major_on_time, routine_total + major_total, "on_time", "total")
    return ComplaintTimeliness(routine, major, overall)


def valid_complaint_satisfaction(satisfied: int, answered: int) -> Rate | None:
    """有效投诉处理满意率 -- seed 004 §2 "对客户有效投诉处理满意率达100%"; target **100 %**.

    Formula: ``satisfied / answered`` where ``answered`` = valid complaints closed in the period whose
    callback recorded a satisfaction answer. Owners who could not be reached are not counted either
    way (they show in ``callback_coverage``). ``None`` when there were none.
    """
    return _share(satisfied, answered, "satisfied", "answered")


def callback_coverage(called_back: int, due: int) -> Rate | None:
    """回访率 -- seed 003 §2(1) "结果跟踪回访" and seed 001 制度3 §5 (periodic callbacks); target **100 %**.

    Formula: ``callbacks made / callbacks due`` in the period (resolved slips awaiting a callback plus
    periodic owner callbacks scheduled in it). ``None`` when none were due.
    """
    return _share(called_back, due, "called_back", "due")


def annual_visit_coverage(visits: int, households: int) -> Rate | None:
    """年度访问覆盖率 -- seed 004 §2 "对客户年度访问覆盖率达120%"; target **120 %**.

    Formula: ``visits / households`` where ``visits`` counts owner visits/callbacks made in the year (every
    visit, not distinct households -- a target above 100 % only makes sense that way: 1.2 visits per
    household per year). May exceed 1. ``None`` when there are no households.
    """
    _count(visits, "visits")
    _count(households, "households")
    if households == 0:
        if visits:
            raise ValueError(f"{visits} visits but no households")
        return None
    return Rate(visits, households)


#: Fields that must be filled for an owner profile to count as complete (客户动态档案, seed 004 §2).
PROFILE_REQUIRED_FIELDS: tuple[str, ...] = ("name", "mobile", "unit", "moved_in_on")


def is_profile_complete(profile: Mapping[str, object]) -> bool:
    """Every field of ``PROFILE_REQUIRED_FIELDS`` present and not blank (None or whitespace is missing)."""
    for name in PROFILE_REQUIRED_FIELDS:
        value = profile.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return False
    return True


def owner_profile_completeness(complete: int, total: int) -> Rate | None:
    """客户动态档案建档率 -- seed 004 §2 "客户动态档案建档率100%"; target **100 %**.

    Formula: ``profiles complete per PROFILE_REQUIRED_FIELDS / owner profiles``. ``None`` with no owners.
    """
    return _share(complete, total, "complete", "total")


# ---- slips, incidents, rotation ------------------------------------------------------------------------


def slips_overdue(overdue: int, due: int) -> Rate | None:
    """任务单超时率 -- seed 003 §2(6) "必须在限定时间内办结"; target **0 %**, lower is better.

    Formula: ``slips finished after their deadline or still open past it / slips due in the period``.
    """
    return _share(overdue, due, "overdue", "due")


def incident_reports_on_time(on_time: int, due: int) -> Rate | None:
    """突发事件记录表按时率 -- seed 000 §5 C5 "在两个工作日内填报"; target **100 %**.

    Formula: ``reports filed by deadlines.incident_report_due / reports due in the period``.
    """
    return _share(on_time, due, "on_time", "due")


def rotation_fairness(counts: Mapping[str, int]) -> int | None:
    """轮值接待差 -- seed 001 制度1 第3、6、27条 (serve in table order); target **≤ 1**, lower is better.

    Formula: ``max(counts) - min(counts)`` over the salespeople given (pass only those present all day:
    leave forfeits turns, 第9条). ``None`` for nobody.
    """
    if not counts:
        return None
    for person, n in counts.items():
        _count(n, f"count of {person}")
    return max(counts.values()) - min(counts.values())


# ---- periods ------------------------------------------------------------------------------------------

ONE_DAY = timedelta(days=1)
#: Seed 001 制度3 §4: the weekly report is made on Friday.
REPORT_WEEKDAY = 4  # Friday (date.weekday())


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"  # reporting week, Saturday..Friday
    MONTH = "month"


@dataclass(frozen=True)
class Period:
    """A reporting period: local dates ``start..end`` (inclusive) in Asia/Shanghai."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def start_utc(self) -> datetime:
        """Shanghai midnight at the start, in UTC (inclusive)."""
        return datetime.combine(self.start, time(0), tzinfo=SHANGHAI).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """Shanghai midnight after the last day, in UTC (exclusive: ``start_utc <= t < end_utc``)."""
        return datetime.combine(self.end + ONE_DAY, time(0), tzinfo=SHANGHAI).astimezone(UTC)

    @property
    def label(self) -> str:
        if self.kind is PeriodKind.DAY:
            return self.start.isoformat()
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year:04d}-{self.start.month:02d}"
        iso = self.end.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, moment: datetime) -> bool:
        if moment.tzinfo is None:
            raise ValueError("moment must be a timezone-aware datetime")
        return self.start_utc <= moment < self.end_utc

    def next(self) -> Period:
        return period_for(self.kind, self.end + ONE_DAY)

    def previous(self) -> Period:
        return period_for(self.kind, self.start - ONE_DAY)

    def __str__(self) -> str:
        return self.label


def _plain_date(day: date) -> date:
    if isinstance(day, datetime):
        raise TypeError("pass a Shanghai-local date; convert datetimes with period_at() or local_date()")
    return day


def period_for(kind: PeriodKind | str, day: date) -> Period:
    """The period of ``kind`` containing the Shanghai-local date ``day``."""
    kind = PeriodKind(kind)
    day = _plain_date(day)
    if kind is PeriodKind.DAY:
        return Period(kind, day, day)
    if kind is PeriodKind.MONTH:
        first = day.replace(day=1)
        return Period(kind, first, add_months(first, 1) - ONE_DAY)
    friday = day + timedelta(days=(REPORT_WEEKDAY - day.weekday()) % 7)
    return Period(kind, friday - timedelta(days=6), friday)


def period_at(kind: PeriodKind | str, moment: datetime) -> Period:
    """The period containing an aware ``moment``, judged by its Shanghai-local date."""
    if moment.tzinfo is None:
        raise ValueError("moment must be a timezone-aware datetime")
    return period_for(kind, moment.astimezone(SHANGHAI).date())


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FORMATS = "2026-10 (month), 2026-W43 (week) or 2026-10-23 (day)"


def parse_period(text: str) -> Period:
    """Parse ``2026-10`` (month), ``2026-W43`` (the week whose Friday is in ISO week 43), ``2026-10-23``.

    Surrounding whitespace is ignored and ``w`` may be lower case; anything else raises ``ValueError``
    with a message naming the accepted forms.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a period like {_FORMATS}, got {text!r}")
    s = text.strip()
    if m := _DAY.fullmatch(s):
        try:
            return period_for(PeriodKind.DAY, date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError as exc:
            raise ValueError(f"{s!r} is not a real date: {exc}") from None
    if m := _MONTH.fullmatch(s):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"{s!r}: month must be 01..12, got {month:02d}")
        return period_for(PeriodKind.MONTH, date(int(m[1]), month, 1))
    if m := _WEEK.fullmatch(s):
        year, week = int(m[1]), int(m[2])
        try:
            friday = date.fromisocalendar(year, week, REPORT_WEEKDAY + 1)
        except ValueError:
            raise ValueError(f"{s!r}: {year} has no ISO week {week:02d}") from None
        return period_for(PeriodKind.WEEK, friday)
    raise ValueError(f"expected a period like {_FORMATS}, got {text!r}")


def weekly_report_period(today: date) -> Period:
    """The week the weekly report covers -- seed 001 制度3 §4 "每周五下午部门例会,…提交本周客户服务情况".

    The reporting week (Saturday..Friday) ending on the **Friday on or before** ``today``: on a Friday it is
    the week ending that day (the Friday-afternoon meeting reviews its own week); Saturday to Thursday it
    is the last complete week.
    """
    today = _plain_date(today)
    friday = today - timedelta(days=(today.weekday() - REPORT_WEEKDAY) % 7)
    return period_for(PeriodKind.WEEK, friday)


def weekly_report_day(period: Period, calendar: WorkingCalendar) -> date:
    """The day the weekly report is made: its Friday, or the next working day if that Friday is a day off."""
    if period.kind is not PeriodKind.WEEK:
        raise ValueError(f"not a week: {period}")
    return period.end if calendar.is_working_day(period.end) else calendar.next_working_day(period.end)


def supervision_report_period(today: date) -> Period:
    """The month the 《服务监督报告》 covers -- seed 001 制度3 §1 "月底编制《服务监督报告》".

    The month ending on or before ``today``: on a month's last day, that month (compiled at month end);
    on any other day, the previous month (the last complete one).
    """
    today = _plain_date(today)
    month = period_for(PeriodKind.MONTH, today)
    return month if today == month.end else month.previous()


def previous_periods(period: Period, n: int) -> list[Period]:
    """The ``n`` periods of ``period``'s kind ending with ``period`` itself, oldest first (for trend charts).

    ``n == 0`` gives ``[]``; negative ``n`` is an error. Consecutive periods tile: no gaps, no overlaps.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    out: list[Period] = []
    current = period
    for _ in range(n):
        out.append(current)
        current = current.previous()
    return out[::-1]


__all__ = [
    "KPIS",
    "PROFILE_REQUIRED_FIELDS",
    "ComplaintTimeliness",
    "Direction",
    "HandlingTimeStats",
    "Kpi",
    "KpiCode",
    "Period",
    "PeriodKind",
    "Rate",
    "Unit",
    "annual_visit_coverage",
    "answered_within_three_rings_rate",
    "callback_coverage",
    "complaint_timeliness",
    "handling_time_stats",
    "incident_reports_on_time",
    "is_profile_complete",
    "meets_target",
    "over_three_minutes_share",
    "owner_profile_completeness",
    "parse_period",
    "percentile_nearest_rank",
    "period_at",
    "period_for",
    "previous_periods",
    "rotation_fairness",
    "slips_overdue",
    "supervision_report_period",
    "valid_complaint_satisfaction",
    "weekly_report_day",
    "weekly_report_period",
]
