"""Values: one KPI's value from one group's counts (the formulas are the domain module's)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kiosk.domain import kpi as rules
from kiosk.domain.kpi import KPIS, KpiCode, KpiStatus, Rate


@dataclass(frozen=True)
class KpiValue:
    """One KPI's value with what it was counted from.

    Rates: ``numerator / basis``. Seconds: ``basis`` calls. Rotation: ``basis`` days.
    """

    code: KpiCode
    value: Rate | float | int | None
    basis: int = 0
    numerator: int | None = None

    @property
    def kpi(self) -> rules.Kpi:
        return KPIS[self.code]

    @property
    def status(self) -> KpiStatus:
        return rules.status_of(self.kpi, self.value)

    @property
    def number(self) -> float | None:
        """The value as a plain number: a rate in percent, seconds, or a count."""
        if self.value is None:
            return None
        return self.value.percent if isinstance(self.value, Rate) else float(self.value)


@dataclass
class Counts:
    """What one group's aggregate queries counted (names as the measures below)."""

    values: dict[str, int | float] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.values.get(name) or 0

    def update(self, row: dict) -> None:
        self.values.update(row)


def _rate(code: KpiCode, function, met: int, missed: int, *, numerator_is_missed=False) -> KpiValue:
    counted = met + missed
    numerator = missed if numerator_is_missed else met
    return KpiValue(code, function(numerator, counted), counted, numerator)


def complaint_split(c: Counts) -> rules.ComplaintTimeliness:
    """Routine and major complaints on time, each and together (``complaint_timeliness``, seed 004 §2)."""
    return rules.complaint_timeliness(c["routine_met"], c["routine_met"] + c["routine_missed"],
                                      c["major_met"], c["major_met"] + c["major_missed"])


def kpi_values(counts: Counts, codes: Iterable[KpiCode]) -> dict[KpiCode, KpiValue]:
    """The KPIs of ``codes`` from one group's counts (formulas: the domain module)."""
    c = counts
    out: dict[KpiCode, KpiValue] = {}
    for code in codes:
        if code is KpiCode.ANSWERED_WITHIN_THREE_RINGS:
            answered = c["ring_met"] + c["ring_late"]
            value = rules.answered_within_three_rings_rate(
                c["ring_met"], answered, abandoned_after_three_rings=c["ring_abandoned"])
            out[code] = KpiValue(code, value, answered + c["ring_abandoned"], c["ring_met"])
        elif code is KpiCode.OVER_THREE_MINUTES:
            out[code] = KpiValue(code, rules.over_three_minutes_share(c["over"], c["talked"]), c["talked"],
                                 c["over"])
        elif code is KpiCode.AVERAGE_HANDLING_TIME:
            out[code] = KpiValue(code, rules.average_handling_time(c["talk_total"], c["talked"]), c["talked"])
        elif code is KpiCode.P90_HANDLING_TIME:
            p90 = c.values.get("p90")
            out[code] = KpiValue(code, None if p90 is None else int(p90), c["talked"])
        elif code is KpiCode.COMPLAINT_TIMELINESS:
            due = sum(c[k] for k in ("routine_met", "routine_missed", "major_met", "major_missed"))
            out[code] = KpiValue(code, complaint_split(c).overall, due, c["routine_met"] + c["major_met"])
        elif code is KpiCode.SLIPS_OVERDUE:
            out[code] = _rate(code, rules.slips_overdue, c["slip_met"], c["slip_missed"],
                              numerator_is_missed=True)
        elif code is KpiCode.VALID_COMPLAINT_SATISFACTION:
            out[code] = _rate(code, rules.valid_complaint_satisfaction, c["answer_met"], c["answer_missed"])
        elif code is KpiCode.CALLBACK_COVERAGE:
            out[code] = _rate(code, rules.callback_coverage, c["callback_met"], c["callback_missed"])
        elif code is KpiCode.ANNUAL_VISIT_COVERAGE:
            value = rules.annual_visit_coverage(c["visits"], c["households"])
            out[code] = KpiValue(code, value, c["households"], c["visits"])
        elif code is KpiCode.OWNER_PROFILE_COMPLETENESS:
            value = rules.owner_profile_completeness(c["complete"], c["owners"])
            out[code] = KpiValue(code, value, c["owners"], c["complete"])
        elif code is KpiCode.INCIDENT_REPORTS_ON_TIME:
            out[code] = _rate(code, rules.incident_reports_on_time, c["report_met"], c["report_missed"])
    return out
