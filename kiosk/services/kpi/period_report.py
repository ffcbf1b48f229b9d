"""The report: every KPI for a period, its trend and its breakdowns, and what came in during the
period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property

from sqlalchemy import select

from kiosk.clock import SHANGHAI
from kiosk.domain import kpi as rules
from kiosk.domain.kpi import KpiCode, Period, PeriodKind
from kiosk.extensions import db
from kiosk.services.kpi import daily
from kiosk.services.kpi.counts import SLIPS, nearest_p90
from kiosk.services.kpi.dimensions import DIMENSIONS
from kiosk.services.kpi.fairness import SalespersonRow, fairness_of, rotation_days
from kiosk.services.kpi.values import Counts, KpiValue, complaint_split, kpi_values


class NoBreakdown(StrEnum):
    """Why a KPI has no breakdown by a dimension (the page and the downloads say it; see the module doc)."""

    HOUSEHOLDS_BY_PROJECT = "households_by_project"  # its denominator, households, belong to projects
    NO_PROFILE_KEEPER = "no_profile_keeper"  # an owner profile records nobody who keeps it
    SPREAD_BETWEEN_SALESPEOPLE = "spread_between_salespeople"  # a spread is between people, not of one
    ONE_SALES_TEAM = "one_sales_team"  # only the sales office's salespeople take turns
    ROTATION_BY_OFFICE = "rotation_by_office"  # the rotation is kept per sales office, not per project
    VISIT_RECORDS_PLACE = "visit_records_place"  # a visit records the place, not the project


#: The KPIs each breakdown leaves out, and why; every other KPI is in it (``breakdown_codes``).
NOT_BROKEN_DOWN: dict[str, dict[KpiCode, NoBreakdown]] = {
    "agent": {
        KpiCode.ANNUAL_VISIT_COVERAGE: NoBreakdown.HOUSEHOLDS_BY_PROJECT,
        KpiCode.OWNER_PROFILE_COMPLETENESS: NoBreakdown.NO_PROFILE_KEEPER,
        KpiCode.ROTATION_FAIRNESS: NoBreakdown.SPREAD_BETWEEN_SALESPEOPLE,
    },
    "department": {
        KpiCode.ANNUAL_VISIT_COVERAGE: NoBreakdown.HOUSEHOLDS_BY_PROJECT,
        KpiCode.OWNER_PROFILE_COMPLETENESS: NoBreakdown.NO_PROFILE_KEEPER,
        KpiCode.ROTATION_FAIRNESS: NoBreakdown.ONE_SALES_TEAM,
    },
    "project": {
        KpiCode.INCIDENT_REPORTS_ON_TIME: NoBreakdown.VISIT_RECORDS_PLACE,
        KpiCode.ROTATION_FAIRNESS: NoBreakdown.ROTATION_BY_OFFICE,
    },
}


def breakdown_codes(dimension: str) -> tuple[KpiCode, ...]:
    """The KPIs of an agent, department or project breakdown, in ``KpiCode`` order."""
    return tuple(code for code in KpiCode if code not in NOT_BROKEN_DOWN[dimension])


AGENT_CODES = breakdown_codes("agent")
DEPARTMENT_CODES = breakdown_codes("department")
PROJECT_CODES = breakdown_codes("project")
#: Incident classes (A/B/C, seed 000 §3): a fourth breakdown, of the incident reports only.
CLASS_CODES = (KpiCode.INCIDENT_REPORTS_ON_TIME,)


@dataclass(frozen=True)
class BreakdownRow:
    key: int | str | None
    name: str | None
    values: dict[KpiCode, KpiValue]


@dataclass(frozen=True)
class Breakdown:
    dimension: str  # agent / department / project / class
    codes: tuple[KpiCode, ...]
    rows: list[BreakdownRow]
    #: The KPIs this breakdown leaves out, and why (in ``KpiCode`` order).
    not_applicable: dict[KpiCode, NoBreakdown] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    value: KpiValue


@dataclass(frozen=True)
class Volume:
    """How much came in during the period (the weekly report's 客户反映信息)."""

    calls_in: int
    calls_answered: int
    calls_out: int
    slips_opened: dict[str, int]  # category -> count
    callbacks_made: int
    visits: int
    incidents: int

    @property
    def slips_total(self) -> int:
        return sum(self.slips_opened.values())


@dataclass(frozen=True)
class KpiReport:
    period: Period
    now: datetime
    ring_target_seconds: float  # the three-ring target the calls were judged by
    values: dict[KpiCode, KpiValue]
    trend: dict[KpiCode, list[TrendPoint]]
    breakdowns: list[Breakdown]
    salespeople: list[SalespersonRow]
    complaint_split: rules.ComplaintTimeliness

    @cached_property
    def volume(self) -> Volume:
        """Counted when a report or a download reads it; the KPI page does not show it."""
        return volume(self.period, self.now, self.ring_target_seconds)

    @property
    def periods(self) -> list[Period]:
        return [p.period for p in self.trend[KpiCode.SLIPS_OVERDUE]]


def _merge(*parts: dict) -> dict[object, Counts]:
    merged: dict[object, Counts] = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, Counts()).update(values)
    return merged


def _measures(values: dict) -> dict:
    """A group's summed measures, its talk times turned into their p90."""
    out = {k: v for k, v in values.items() if k != "talk"}
    if "talk" in values:
        out["p90"] = nearest_p90(values["talk"])
    return out


def _days(period: Period) -> tuple[date, date]:
    return period.start, period.end


def _year_days(period: Period) -> tuple[date, date]:
    """The days of ``trailing_year(period)``, the window of annual visit coverage."""
    start, _end = rules.trailing_year(period)
    return start.astimezone(SHANGHAI).date(), period.end


def _trend(periods: list[Period], now: datetime, ring_target_seconds: float) -> list[Counts]:
    """Each period's counts (``daily.sums``: rolled-up days and the rest counted live), its p90 and its
    year of visits."""
    n = len(periods)
    totals = daily.sums("total", list(map(_days, periods)), now, ring_target_seconds)
    visits = daily.sums("visits", list(map(_year_days, periods)), now, ring_target_seconds)
    talk = daily.sums("talk", list(map(_days, periods)), now, ring_target_seconds)
    standing = daily.standing("total").get(0, {})
    households = {"households": standing.get("households", 0)}
    profiles = {k: standing[k] for k in ("complete", "owners") if k in standing}
    out = []
    for i in range(n):
        counts = Counts(_measures({**totals[i].get(0, {}), "talk": talk[i].get(0, {}).get("talk", {})}))
        counts.update({**households, "visits": visits[i].get(0, {}).get("visits", 0)})
        if i == n - 1:  # profiles are as they are now: no history to chart
            counts.update(profiles)
        out.append(counts)
    return out


def _breakdown(dimension: str, codes: tuple[KpiCode, ...], merged: dict[object, Counts]) -> Breakdown:
    """One row per key that has a value for at least one of ``codes`` (a row of dashes says nothing)."""
    rows = []
    for key, counts in merged.items():
        values = kpi_values(counts, codes)
        if any(v.value is not None for v in values.values()):
            rows.append(BreakdownRow(key, counts.values.get("name"), values))
    rows.sort(key=lambda r: (r.key is None, r.name or "", str(r.key)))
    return Breakdown(dimension, codes, rows, dict(NOT_BROKEN_DOWN.get(dimension, {})))


#: The family whose dimension names each breakdown's keys (a user, a department, a project, a class).
_NAMED_BY = {"agent": "calls", "department": "slips", "project": "calls", "class": "incidents"}


def _named(dimension: str, keyed: dict) -> dict[object, dict]:
    """``keyed``'s groups' measures, each with its key's name as it is now."""
    d = DIMENSIONS[_NAMED_BY[dimension]][dimension]
    known = [k for k in keyed if k is not None]
    if d.key is d.name:
        names = {k: k for k in known}
    else:
        names = dict(db.session.execute(select(d.key, d.name).where(d.key.in_(known))).all()) if known else {}
    return {key: _measures({**values, "name": names.get(key)}) for key, values in keyed.items()}


def breakdowns(period: Period, now: datetime, *, ring_target_seconds: float) -> list[Breakdown]:
    days = [_days(period)]

    def summed(scope: str, unit: list[tuple[date, date]] = days) -> dict:
        return daily.sums(scope, unit, now, ring_target_seconds)[0]

    projects = _merge(_named("project", daily.merged(
        summed("project"), summed("project_visits", [_year_days(period)]), daily.standing("project"))))
    return [_breakdown("agent", AGENT_CODES, _merge(_named("agent", summed("agent")))),
            _breakdown("department", DEPARTMENT_CODES, _merge(_named("department", summed("department")))),
            _breakdown("project", PROJECT_CODES, projects),
            _breakdown("class", CLASS_CODES, _merge(_named("class", summed("class"))))]


def volume(period: Period, now: datetime, ring_target_seconds: float) -> Volume:
    """What came in during ``period``: its days' ``counts.volume_counts`` summed (``daily.sums``)."""
    v = daily.sums("volume", [_days(period)], now, ring_target_seconds)[0].get(0, {})
    slips = {category or None: n for name, n in v.items() if name.startswith(SLIPS)
             for category in [name.removeprefix(SLIPS)]}
    return Volume(v.get("calls_in", 0), v.get("calls_answered", 0), v.get("calls_out", 0), slips,
                  v.get("callbacks_made", 0), v.get("visits_in", 0), v.get("incidents", 0))


def rotation_window(period: Period) -> list[Period]:
    """The days the rotation chart shows: the trend's days for a day, else every day of the period."""
    if period.kind is PeriodKind.DAY:
        return rules.trend_periods(period)
    return [rules.period_for(PeriodKind.DAY, period.start + timedelta(days=i)) for i in range(period.days)]


def report(period: Period, now: datetime, *, ring_target_seconds: float) -> KpiReport:
    """Every KPI for ``period`` with its trend (``trend_periods``) and its breakdowns, judged at ``now``;
    calls against the three-ring target ``ring_target_seconds`` (the ``THREE_RINGS_SECONDS`` setting)."""
    periods = rules.trend_periods(period)
    counts = _trend(periods, now, ring_target_seconds)
    codes = [c for c in KpiCode if c is not KpiCode.ROTATION_FAIRNESS]
    trend = {code: [] for code in KpiCode}
    for p, group in zip(periods, counts, strict=True):
        for code, value in kpi_values(group, codes).items():
            trend[code].append(TrendPoint(p, value))
    days = rotation_window(period)
    rotation_data = rotation_days(daily.rotation(days[0].start, days[-1].end, now, ring_target_seconds),
                                  people_from=period.start)
    trend[KpiCode.ROTATION_FAIRNESS] = [
        TrendPoint(d, fairness_of([rotation_data.spreads.get(d.start)])) for d in days]
    in_period = [s for d, s in rotation_data.spreads.items() if period.start <= d <= period.end]
    values = {code: points[-1].value for code, points in trend.items()}
    values[KpiCode.ROTATION_FAIRNESS] = fairness_of(in_period)
    return KpiReport(period, now, ring_target_seconds, values, trend,
                     breakdowns(period, now, ring_target_seconds=ring_target_seconds), rotation_data.people,
                     complaint_split(counts[-1]))
