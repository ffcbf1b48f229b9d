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

Counting one item (``Verdict``): the SQL in ``kiosk.services.kpi`` counts rows by the rules written here
one item at a time (``deadline_verdict``, ``three_rings_verdict`` ...); a service test runs both on the
same random rows and expects the same counts. An item is *met*, *missed*, or *not counted* (not judged
yet, or it cannot be judged) -- an item that is not counted is in neither the numerator nor the
denominator.
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

from kiosk.domain.call_timer import CALL_LIMIT_SECONDS, THREE_RINGS_SECONDS, is_over_three_minutes
from kiosk.domain.callbacks import CallbackResult, add_months
from kiosk.domain.deadlines import Priority
from kiosk.domain.rotation import (
    AwayOnCompanyBusiness,
    BusyWithOtherWork,
    DayState,
    OnLeave,
    Outcome,
    SalespersonLeft,
)
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


class KpiStatus(StrEnum):
    """The colour a KPI shows against its target: met (green), missed (red), no data (grey)."""

    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data"


def status_of(kpi: Kpi, value: Rate | float | int | None) -> KpiStatus:
    met = meets_target(kpi, value)
    if met is None:
        return KpiStatus.NO_DATA
    return KpiStatus.MET if met else KpiStatus.MISSED


# ---- judging one item ---------------------------------------------------------------------------------


class Verdict(StrEnum):
    """How one call, slip, callback or report counts in its KPI."""

    MET = "met"
    MISSED = "missed"
    NOT_COUNTED = "not_counted"  # not judged yet, or cannot be judged: in neither part of the rate


def tally(verdicts: Iterable[Verdict]) -> tuple[int, int]:
    """``(met, counted)`` where ``counted`` = met + missed; items not counted are left out."""
    met = missed = 0
    for verdict in verdicts:
        met += verdict is Verdict.MET
        missed += verdict is Verdict.MISSED
    return met, met + missed


def three_rings_verdict(*, inbound: bool, answered: bool, ended: bool, ring_seconds: float | None,
                        target_seconds: float = THREE_RINGS_SECONDS) -> Verdict:
    """One call against "来电时，应在三声内接听" (seed 003 §2(2)(1)) for the three-rings rate.

    ``ring_seconds`` runs from the first ring to the pick-up (answered) or to the caller's hang-up (not
    answered); ``target_seconds`` is the three-ring target (the ``THREE_RINGS_SECONDS`` setting, 15 s).

    * outbound calls are not counted (we rang; nobody waited for us);
    * answered with a known ring time: met within the target (inclusive), else missed;
    * answered with no ring time (taken by hand, no switchboard): not counted -- it cannot be judged;
    * not answered and ended: missed when the caller rang longer than the target; a caller who gave up
      within three rings could not have been answered in time and is not counted;
    * still ringing: not counted yet.
    """
    if not inbound:
        return Verdict.NOT_COUNTED
    if answered:
        if ring_seconds is None:
            return Verdict.NOT_COUNTED
        return Verdict.MET if ring_seconds <= target_seconds else Verdict.MISSED
    if ended and ring_seconds is not None and ring_seconds > target_seconds:
        return Verdict.MISSED
    return Verdict.NOT_COUNTED


def three_minutes_verdict(talk_seconds: float | None) -> Verdict:
    """One answered, finished call against "通话时间控制在三分钟之内" (seed 003 §2(11)).

    Met within ``CALL_LIMIT_SECONDS`` (exactly 180 s is within), missed beyond; a call not answered or
    still going has no talk time and is not counted. The *missed* calls are the numerator of
    ``over_three_minutes_share``; their talk times are the durations of ``handling_time_stats``.
    """
    if talk_seconds is None:
        return Verdict.NOT_COUNTED
    return Verdict.MISSED if is_over_three_minutes(talk_seconds) else Verdict.MET


def deadline_verdict(due: datetime, done_at: datetime | None, now: datetime, *,
                     paused_since: datetime | None = None) -> Verdict:
    """Anything with a deadline -- a slip, a complaint, an incident report -- judged at ``now``.

    * done at or before ``due``: met ("within one day" includes its last instant, as
      ``deadlines.deadline_state``); done after it: missed;
    * not done and ``now`` past ``due``: missed -- unless it is waiting on the owner since before the
      deadline (``paused_since <= due``): its clock stopped, and it is judged once the wait ends, against
      the deadline the pause extends (``deadlines.due_at``); a pause that began after the deadline rescues
      nothing;
    * not done and not yet due: not counted yet.

    Periods count items by their deadline: an item is in the period its (final) deadline falls in.
    """
    for name, value in (("due", due), ("done_at", done_at), ("now", now), ("paused_since", paused_since)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
    if done_at is not None:
        return Verdict.MET if done_at <= due else Verdict.MISSED
    if now <= due or (paused_since is not None and paused_since <= due):
        return Verdict.NOT_COUNTED
    return Verdict.MISSED


def is_complaint(category: str | None, priority: str) -> bool:
    """A complaint (投诉): recorded as one, or running on the complaint deadline (seed 003 篇3 §12)."""
    return category == "complaint" or priority == Priority.COMPLAINT


def is_major(priority: str) -> bool:
    """A major issue (重大问题, seed 004 §2): answered within three working days; all else is routine.

    "Answered" is judged by the slip's resolved time (see ``complaint_timeliness``)."""
    return priority == Priority.MAJOR


#: Answers that count as satisfied for 满意率: 满意 and 基本满意 (the usual reading of a satisfaction rate).
SATISFIED_RESULTS = frozenset({CallbackResult.SATISFIED, CallbackResult.BASICALLY_SATISFIED})


def satisfaction_verdict(result: str | None) -> Verdict:
    """One complaint callback's answer: satisfied or basically satisfied → met, unsatisfied → missed.

    Owners not reached (or a callback not made yet) give no answer and are not counted here; they show
    in ``callback_coverage``. Each answered callback counts: a complaint reopened after "unsatisfied"
    and later closed "satisfied" counts once each way -- the first handling did not satisfy.
    """
    if result is None or result == CallbackResult.UNREACHABLE:
        return Verdict.NOT_COUNTED
    return Verdict.MET if CallbackResult(result) in SATISFIED_RESULTS else Verdict.MISSED


def callback_verdict(reached: bool | None, due: datetime, now: datetime) -> Verdict:
    """One callback due (回访, seed 003 §2(1), seed 001 制度3 §5) for ``callback_coverage``.

    ``reached``: True when it was made and the caller reached, False when it was given up as unreachable
    after the last attempt, None while it is pending. Made → met; given up → missed; pending past its
    due time → missed (due and not made); pending and not yet due → not counted.
    """
    if reached is not None:
        return Verdict.MET if reached else Verdict.MISSED
    return Verdict.MISSED if now > due else Verdict.NOT_COUNTED


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
    return sorted(values)[nearest_rank(len(values), p) - 1]


def nearest_rank(n: int, p: float) -> int:
    """The 1-based rank of the nearest-rank ``p``-th percentile of ``n`` values: ``ceil(p/100 × n)``, ≥ 1.

    Exact (no float rounding): p90 of 10 values is rank 9, of 11 values rank 10. The services count the
    calls per whole second of talk and walk up to this rank (``kiosk.services.kpi.counts.nearest_p90``).
    """
    if not 0 < p <= 100:
        raise ValueError(f"p must be within (0, 100], got {p!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    return max(1, math.ceil(Fraction(p) * n / 100))


def average_handling_time(total_seconds: float, calls: int) -> float | None:
    """平均通话时长 from a database sum: ``total_seconds / calls`` (seed 003 §2(11)); ``None`` with no calls.

    The same mean as ``handling_time_stats(durations).mean_seconds``, for callers that sum in SQL.
    """
    _count(calls, "calls")
    if total_seconds < 0:
        raise ValueError(f"total_seconds must not be negative, got {total_seconds!r}")
    if calls == 0:
        if total_seconds:
            raise ValueError(f"{total_seconds} seconds but no calls")
        return None
    return total_seconds / calls


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

    **Both are judged by when the complaint's task slip was resolved** (``TaskSlip.resolved_at``, the
    slip's ``deadline_verdict``): the app records no separate first reply to the owner, so "major issues
    answered within three days" (重大问题三天内有回复) is read as "the slip resolved -- the owner given the
    result -- within three working days". Notes, acceptance or a progress call before the deadline do not
    make a major complaint on time; resolving it after the deadline makes it late.
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

    Counted (``kiosk.services.kpi``): the periodic owner callbacks that reached the owner (the centre's
    own visits, seed 001 制度3 §5) and the visits recorded to units in the register (上门走访 / 电话回访 /
    座谈) over the year ending with the period (``trailing_year``), per home with somebody on file in the
    register. The callback after a slip answers the owner's own request and is not a visit.
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


def missing_profile_fields(profile: Mapping[str, object]) -> list[str]:
    """The fields of ``PROFILE_REQUIRED_FIELDS`` absent or blank (None or whitespace), in that order: what a
    file still needs before it counts towards 客户动态档案建档率 (seed 004 §2)."""
    return [name for name in PROFILE_REQUIRED_FIELDS
            if (value := profile.get(name)) is None or (isinstance(value, str) and not value.strip())]


def is_profile_complete(profile: Mapping[str, object]) -> bool:
    """Every field of ``PROFILE_REQUIRED_FIELDS`` present and not blank (None or whitespace is missing)."""
    return not missing_profile_fields(profile)


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


_ABSENCES = (SalespersonLeft, OnLeave, AwayOnCompanyBusiness, BusyWithOtherWork)


def present_all_day(state: DayState, events: Iterable[object]) -> frozenset[str]:
    """Salespeople at the desk when the day opened who never left it: no personal absence, leave, company
    business or other work recorded for them that day (制度1 第9条, 制度2 第7条)."""
    roster = state.roster
    opening = set(roster.order if roster.present_at_opening is None else roster.present_at_opening)
    away = {e.salesperson for e in events if isinstance(e, _ABSENCES)}
    return frozenset(opening - away)


def rotation_turns(state: DayState) -> dict[str, int]:
    """Rotation turns taken per salesperson that day: receptions that used the receiver's turn and sent
    them to the end of the queue (``Assignment.took_turn``, 制度1 第27条)."""
    turns: dict[str, int] = {}
    for a in state.assignments:
        if a.outcome is Outcome.RECEIVED and a.took_turn and a.receiver is not None:
            turns[a.receiver] = turns.get(a.receiver, 0) + 1
    return turns


def day_rotation_spread(state: DayState, events: Iterable[object]) -> int | None:
    """轮值接待差 of one day: ``rotation_fairness`` over the turns of those present all day.

    The rotation is fair when everyone who stood at the desk all day took turns within one of each other
    (DOMAIN.md §2, 制度1 第3、6、27条). Turns forfeited by absence (第9条) and receptions that do not use a
    turn -- a named salesperson (第11、12条), visits handled by the last in rotation (第29条) -- are the
    rules at work, not unfairness, so only those present all day and only turns are compared. ``None``
    when nobody was at the desk all day.

    A week or a month is as fair as its worst day (``rotation_fairness`` of a period = the largest daily
    spread): each day's table starts afresh from the day before (第7条).
    """
    present = present_all_day(state, events)
    turns = rotation_turns(state)
    return rotation_fairness({p: turns.get(p, 0) for p in present})


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


PARSED_YEARS = range(1900, 3000)
_YEAR = re.compile(r"(\d{4})-")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-[Ww](\d{2})")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FORMATS = "2026-10 (month), 2026-W43 (week) or 2026-10-23 (day)"


def parse_period(text: str) -> Period:
    """Parse ``2026-10`` (month), ``2026-W43`` (the week whose Friday is in ISO week 43), ``2026-10-23``.

    Surrounding whitespace is ignored and ``w`` may be lower case; anything else raises ``ValueError``
    with a message naming the accepted forms. So does a year outside ``PARSED_YEARS``: near the ends of
    the calendar (year 1, year 9999) a period's UTC bounds cannot be computed.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected a period like {_FORMATS}, got {text!r}")
    s = text.strip()
    if (m := _YEAR.match(s)) and int(m[1]) not in PARSED_YEARS:
        raise ValueError(f"{s!r}: the year must be {PARSED_YEARS.start}..{PARSED_YEARS.stop - 1}")
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


#: How many periods a trend chart shows: two weeks of days, a quarter of weeks, a year of months.
TREND_LENGTH: Mapping[PeriodKind, int] = MappingProxyType(
    {PeriodKind.DAY: 14, PeriodKind.WEEK: 12, PeriodKind.MONTH: 12}
)


def trend_periods(period: Period) -> list[Period]:
    """The periods of ``period``'s trend chart, oldest first, ending with ``period`` (``TREND_LENGTH``)."""
    return previous_periods(period, TREND_LENGTH[period.kind])


def trailing_year(period: Period) -> tuple[datetime, datetime]:
    """The year ending with ``period``, as a half-open UTC range: the window of ``annual_visit_coverage``.

    The seed's coverage is annual (对客户年度访问覆盖率, seed 004 §2), so every period -- a day, a week, a
    month -- is judged on the twelve months up to its last day: October 2026 on 1 Nov 2025 .. 31 Oct 2026.
    """
    start = add_months(period.end + ONE_DAY, -12)
    start_utc = datetime.combine(start, time(0), tzinfo=SHANGHAI).astimezone(UTC)
    return start_utc, period.end_utc


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
    "SATISFIED_RESULTS",
    "TREND_LENGTH",
    "KpiStatus",
    "Verdict",
    "callback_verdict",
    "day_rotation_spread",
    "deadline_verdict",
    "is_complaint",
    "is_major",
    "nearest_rank",
    "present_all_day",
    "rotation_turns",
    "satisfaction_verdict",
    "status_of",
    "tally",
    "three_minutes_verdict",
    "three_rings_verdict",
    "trailing_year",
    "trend_periods",
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
    "average_handling_time",
    "answered_within_three_rings_rate",
    "callback_coverage",
    "complaint_timeliness",
    "handling_time_stats",
    "incident_reports_on_time",
    "is_profile_complete",
    "missing_profile_fields",
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
