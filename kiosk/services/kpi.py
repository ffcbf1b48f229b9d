"""KPIs over the database: the seed's service targets counted with SQL aggregates, per period and per
agent, department, project; the rows behind each number (drill-down); the rotation's fairness.

Formulas, targets, periods and the rule for one item live in ``kiosk.domain.kpi``; this module only
counts. Every count is ``COUNT(*) FILTER (WHERE <rule>)`` over rows filtered by an indexed time column
(covering indexes: the rows themselves are not read): the trend is one aggregate per period joined with
``UNION ALL`` (the periods' UTC bounds; the same SQL on SQLite and PostgreSQL, no date functions), a
breakdown is grouped by agent, department or project. The p90 of talk time is the row at the nearest
rank: ``ORDER BY`` talk time ``OFFSET rank - 1`` for a trend period, ``ROW_NUMBER()`` per group for a
breakdown. No query returns one row per call or slip, except the drill-down, one page at a time.

The rules as SQL (each mirrors a verdict of the domain module; ``tests/web/test_kpi_service.py`` runs
both on the same random rows):

* calls (``three_rings_verdict``, ``three_minutes_verdict``): by ``created_at`` (the first ring); the
  three-ring target is the ``THREE_RINGS_SECONDS`` setting, passed in by the caller like the call screen's;
* slips and complaints (``deadline_verdict``): by their deadline ``due_at``, which already carries the
  pauses that ended; a slip waiting on the owner since before its deadline is not judged yet;
* callbacks due (``callback_verdict``): by ``due_at``; complaint satisfaction (``satisfaction_verdict``):
  by the callback's ``done_at``; annual visit coverage: reached periodic callbacks to owners with a home,
  over ``trailing_year``, per home with an owner;
* incident reports (``deadline_verdict``): by ``report_due_at``;
* owner profiles: the profiles as they are now (no history is kept);
* rotation fairness: each day of the sales office replayed by the engine (event-sourced; a month is at
  most 31 replays), ``day_rotation_spread``.

Breakdowns (``DIMENSIONS``; one ``GROUP BY`` statement per family and dimension, merged by key):

* **per agent** -- calls by the agent who took them; slips and complaint timeliness by the slip's owner
  (首问责任人, ``TaskSlip.owner_id``); complaint satisfaction by the owner of the complaint's slip;
  callbacks by whoever made them (else the agent they were given to); incident reports by the person who
  closed the incident (closing starts the two-working-day clock; the app records no separate filer).
* **per department** -- slips, complaint timeliness and satisfaction by the department the slip was sent
  to (``TaskSlip.department_id``); calls, callbacks and incident reports by the department of the agent
  (or closer) above. Rows without a department are one "no department" row.
* **per project** -- calls by the caller's home; slips, complaints and their satisfaction by the home of
  the caller whose call opened the slip; callbacks by the owner called; visit coverage and profile
  completeness by the owner's home.
* **per incident class** (A/B/C) -- incident reports.

What no breakdown shows, and why (``NOT_BROKEN_DOWN``; the page and the downloads say it too):

* annual visit coverage per agent or department: its denominator is households, and households belong
  to projects; an agent's visits over all households would not be a coverage to hold against 120 %;
* owner-profile completeness per agent or department: a profile records nobody who keeps it;
* rotation fairness per agent: it is the spread *between* salespeople (one person has no spread); each
  salesperson's turns and receptions are in the sales rotation table instead; per department: only the
  sales office's salespeople take turns, so the one department's spread is the KPI itself; per project:
  the rotation is kept per sales office (``RotationDay.office``), which records no project;
* incident reports per project: an incident comes from a visit, which records the place (service
  centre, sales office, model home), not a project.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property

from sqlalchemy import Select, and_, case, func, literal, literal_column, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Float

from kiosk.domain import kpi as rules
from kiosk.domain.call_timer import CALL_LIMIT_SECONDS
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.deadlines import Priority
from kiosk.domain.kpi import KPIS, KpiCode, KpiStatus, Period, PeriodKind, Rate
from kiosk.domain.rotation import reception_counts, replay
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind, CallbackStatus
from kiosk.models.calls import Call
from kiosk.models.people import Department, User
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.rotation import RotationDay
from kiosk.models.tasks import SlipStatus, TaskEvent, TaskSlip
from kiosk.models.visits import Incident, Visit
from kiosk.services import rotation

P90 = 90

# ----------------------------------------------------------------------------------------------------
# SQL building blocks
# ----------------------------------------------------------------------------------------------------


class seconds_between(FunctionElement):  # noqa: N801  (reads like the SQL function it stands for)
    """``later - earlier`` in seconds, as a float, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def _counted(condition) -> ColumnElement:
    return func.count().filter(condition)


# ----------------------------------------------------------------------------------------------------
# The rules, as SQL conditions
# ----------------------------------------------------------------------------------------------------

_INBOUND = Call.direction == "in"
_ANSWERED = Call.answered_at.is_not(None)


def ring_met(target_seconds: float) -> ColumnElement:
    """Answered within the three-ring target (``target_seconds``, inclusive)."""
    return and_(_INBOUND, _ANSWERED, Call.ring_seconds.is_not(None), Call.ring_seconds <= target_seconds)


def ring_late(target_seconds: float) -> ColumnElement:
    return and_(_INBOUND, _ANSWERED, Call.ring_seconds > target_seconds)


def ring_abandoned(target_seconds: float) -> ColumnElement:
    """Not answered, and the caller rang longer than the target before hanging up (rounded to whole
    seconds like ``CallTimes.ring_seconds`` of an answered call)."""
    rang = func.round(seconds_between(Call.ended_at, Call.ringing_at))
    unanswered = and_(_INBOUND, Call.answered_at.is_(None), Call.ended_at.is_not(None))
    return and_(unanswered, Call.ringing_at.is_not(None), rang > target_seconds)


TALKED = Call.talk_seconds.is_not(None)
OVER_THREE_MINUTES = Call.talk_seconds > CALL_LIMIT_SECONDS

_WAITING = SlipStatus.WAITING_ON_OWNER.value


def _paused_since() -> ColumnElement:
    """When the slip's current wait on the owner began (the newest move into waiting)."""
    into_waiting = and_(TaskEvent.slip_id == TaskSlip.id, TaskEvent.to_status == _WAITING,
                        or_(TaskEvent.from_status.is_(None), TaskEvent.from_status != _WAITING))
    return select(func.max(TaskEvent.at)).where(into_waiting).correlate(TaskSlip).scalar_subquery()


SLIP_MET = and_(TaskSlip.resolved_at.is_not(None), TaskSlip.resolved_at <= TaskSlip.due_at)


def slip_missed(now: datetime) -> ColumnElement:
    """``deadline_verdict`` is missed: resolved late, or open past the deadline and not paused in time."""
    late = and_(TaskSlip.resolved_at.is_not(None), TaskSlip.resolved_at > TaskSlip.due_at)
    open_past_due = and_(TaskSlip.resolved_at.is_(None), TaskSlip.due_at < now,
                         or_(TaskSlip.status != _WAITING, _paused_since() > TaskSlip.due_at))
    return or_(late, open_past_due)


COMPLAINT = or_(TaskSlip.category == "complaint", TaskSlip.priority == Priority.COMPLAINT.value)
MAJOR = TaskSlip.priority == Priority.MAJOR.value

CALLBACK_MET = Callback.status == CallbackStatus.DONE.value


def callback_missed(now: datetime) -> ColumnElement:
    pending_past_due = and_(Callback.status == CallbackStatus.PENDING.value, Callback.due_at < now)
    return or_(Callback.status == CallbackStatus.UNREACHABLE.value, pending_past_due)


_SATISFIED = [r.value for r in rules.SATISFIED_RESULTS]
ANSWER_MET = and_(CALLBACK_MET, Callback.result.in_(_SATISFIED))
ANSWER_MISSED = and_(CALLBACK_MET, Callback.result == CallbackResult.UNSATISFIED.value)

REPORT_MET = and_(Incident.report_filed_at.is_not(None), Incident.report_filed_at <= Incident.report_due_at)


def report_missed(now: datetime) -> ColumnElement:
    late = and_(Incident.report_filed_at.is_not(None), Incident.report_filed_at > Incident.report_due_at)
    return or_(late, and_(Incident.report_filed_at.is_(None), Incident.report_due_at < now))


def _filled(column) -> ColumnElement:
    return and_(column.is_not(None), func.trim(column) != "")


# rules.PROFILE_REQUIRED_FIELDS: name, mobile, unit, moved_in_on.
PROFILE_COMPLETE = and_(_filled(Owner.name), _filled(Owner.mobile), Owner.unit_id.is_not(None),
                        Owner.moved_in_on.is_not(None))

# ----------------------------------------------------------------------------------------------------
# Who and where: the groups of a breakdown
# ----------------------------------------------------------------------------------------------------

_SlipCall = aliased(Call, name="slip_call")


def _slip_call(statement: Select, slip=TaskSlip) -> Select:
    """The call a slip was opened from (its caller's home decides the slip's project)."""
    return statement.outerjoin(_SlipCall, and_(slip.source == "call", _SlipCall.id == slip.source_ref))


def _owner_home(statement: Select) -> Select:
    """From an owner to their unit, building and project."""
    return (statement.outerjoin(Unit, Unit.id == Owner.unit_id)
            .outerjoin(Building, Building.id == Unit.building_id)
            .outerjoin(Project, Project.id == Building.project_id))


def _project_of_owner(statement: Select, owner_id) -> Select:
    return _owner_home(statement.outerjoin(Owner, Owner.id == owner_id))


def _callback_owner_id() -> ColumnElement:
    return func.coalesce(Callback.property_owner_id, _SlipCall.owner_id)


def _callback_project(statement: Select) -> Select:
    statement = statement.outerjoin(TaskSlip, TaskSlip.id == Callback.slip_id)
    return _project_of_owner(_slip_call(statement), _callback_owner_id())


Join = Callable[[Select], Select]


def _then(first: Join, second: Join) -> Join:
    return lambda statement: second(first(statement))


@dataclass(frozen=True)
class Dimension:
    """A breakdown key: its id and name columns and the joins that reach them from the family's table."""

    key: ColumnElement
    name: ColumnElement
    join: Callable[[Select], Select]


def _user_dimension(user_id) -> Dimension:
    return Dimension(User.id, User.display_name, lambda s: s.outerjoin(User, User.id == user_id))


def _users_department(user_id) -> Dimension:
    """The department of the user in ``user_id`` (an agent's own department, not a slip's)."""
    return Dimension(Department.id, Department.name, lambda s: s.outerjoin(User, User.id == user_id)
                     .outerjoin(Department, Department.id == User.department_id))


_PROJECT = (Project.id, Project.name)
_CALLBACK_AGENT = func.coalesce(Callback.done_by_id, Callback.agent_id)

DIMENSIONS: dict[str, dict[str, Dimension]] = {
    "calls": {
        "agent": _user_dimension(Call.agent_id),
        "department": _users_department(Call.agent_id),
        "project": Dimension(*_PROJECT, lambda s: _project_of_owner(s, Call.owner_id)),
    },
    "slips": {
        "agent": _user_dimension(TaskSlip.owner_id),
        "department": Dimension(Department.id, Department.name,
                                lambda s: s.outerjoin(Department, Department.id == TaskSlip.department_id)),
        "project": Dimension(*_PROJECT, lambda s: _project_of_owner(_slip_call(s), _SlipCall.owner_id)),
    },
    "callbacks": {
        "agent": _user_dimension(_CALLBACK_AGENT),
        "department": _users_department(_CALLBACK_AGENT),
        "project": Dimension(*_PROJECT, _callback_project),
    },
    "answers": {},
    "visits": {"project": Dimension(*_PROJECT, _owner_home)},
    "owners": {"project": Dimension(*_PROJECT, _owner_home)},
    "incidents": {
        "agent": _user_dimension(Incident.closed_by_id),
        "department": _users_department(Incident.closed_by_id),
        "class": Dimension(Incident.incident_class, Incident.incident_class, lambda s: s),
    },
}
# A complaint's satisfaction answer belongs to its slip: the slip's agent, department and project.
DIMENSIONS["answers"] = dict(DIMENSIONS["slips"])

#: The family of rows behind each KPI (and so its drill-down and its dimensions).
FAMILY = {
    KpiCode.ANSWERED_WITHIN_THREE_RINGS: "calls",
    KpiCode.OVER_THREE_MINUTES: "calls",
    KpiCode.AVERAGE_HANDLING_TIME: "calls",
    KpiCode.P90_HANDLING_TIME: "calls",
    KpiCode.COMPLAINT_TIMELINESS: "slips",
    KpiCode.SLIPS_OVERDUE: "slips",
    KpiCode.VALID_COMPLAINT_SATISFACTION: "answers",
    KpiCode.CALLBACK_COVERAGE: "callbacks",
    KpiCode.ANNUAL_VISIT_COVERAGE: "visits",
    KpiCode.OWNER_PROFILE_COMPLETENESS: "owners",
    KpiCode.INCIDENT_REPORTS_ON_TIME: "incidents",
    KpiCode.ROTATION_FAIRNESS: "rotation",
}

# ----------------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------------


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


def _complaint_split(c: Counts) -> rules.ComplaintTimeliness:
    """Routine and major complaints on time, each and together (``complaint_timeliness``, seed 004 §2)."""
    return rules.complaint_timeliness(c["routine_met"], c["routine_met"] + c["routine_missed"],
                                      c["major_met"], c["major_met"] + c["major_missed"])


def _values(counts: Counts, codes: Iterable[KpiCode]) -> dict[KpiCode, KpiValue]:
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
            out[code] = KpiValue(code, _complaint_split(c).overall, due, c["routine_met"] + c["major_met"])
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


# ----------------------------------------------------------------------------------------------------
# The aggregate queries: one per family, grouped by a key
# ----------------------------------------------------------------------------------------------------

Grouping = tuple[ColumnElement | None, ColumnElement | None, Callable[[Select], Select]]
"""(key, name or None, joins) of a GROUP BY; key None: one total, under key 0."""
TOTAL: Grouping = (None, None, lambda s: s)


@dataclass(frozen=True)
class ByPeriods:
    """Group by trend period: one aggregate per period, ``UNION ALL``-ed, keyed 0, 1, … (oldest first).

    Each part reads its period's rows in index order with no sort; a ``GROUP BY`` over a computed
    bucket would sort the whole span first (several times slower on a year of calls).
    """

    periods: list[Period]


def _by(family: str, dimension: str) -> Grouping:
    d = DIMENSIONS[family][dimension]
    return d.key, d.name, d.join


def _grouped(measures: dict[str, ColumnElement], grouping: Grouping | ByPeriods, source, where,
             moment=None, start: datetime | None = None, end: datetime | None = None) -> dict:
    """``{key: {measure: value, "name": name}}`` of one aggregate statement over the rows of ``source``
    matching ``where`` whose ``moment`` is in ``[start, end)`` (or in each period of a ``ByPeriods``).

    Grouped by position (``GROUP BY 1``), which both databases read the same way whatever the key is.
    """
    labelled = [m.label(label) for label, m in measures.items()]
    name = None
    if isinstance(grouping, ByPeriods):
        statement = union_all(*(
            select(literal_column(str(i)).label("k"), *labelled).select_from(source)
            .where(*where, *_span(moment, p.start_utc, p.end_utc)) for i, p in enumerate(grouping.periods)))
    else:
        key, name, join = grouping
        columns = [(literal_column("0") if key is None else key).label("k")]
        if name is not None:
            columns.append(name.label("n"))
        span = _span(moment, start, end) if moment is not None else []
        statement = join(select(*columns, *labelled).select_from(source)).where(*where, *span)
        if key is not None:
            positions = range(1, 2 + (name is not None))
            statement = statement.group_by(*(literal_column(str(i)) for i in positions))
    out = {}
    for row in db.session.execute(statement).mappings():
        values = {label: row[label] for label in measures}
        if name is not None:
            values["name"] = row["n"]
        out[row["k"]] = values
    return out


def _span(column, start: datetime, end: datetime) -> list[ColumnElement]:
    return [column >= start, column < end]


def call_counts(grouping: Grouping, start: datetime, end: datetime, ring_target_seconds: float) -> dict:
    target = ring_target_seconds
    measures = {
        "ring_met": _counted(ring_met(target)), "ring_late": _counted(ring_late(target)),
        "ring_abandoned": _counted(ring_abandoned(target)), "talked": _counted(TALKED),
        "over": _counted(OVER_THREE_MINUTES), "talk_total": func.sum(Call.talk_seconds),
    }
    return _grouped(measures, grouping, Call, [], Call.created_at, start, end)


def p90_talk(grouping: Grouping, start: datetime, end: datetime) -> dict:
    """The nearest-rank p90 of talk time per group (an agent, a project) in one period: in each group the
    row whose ``ROW_NUMBER()`` over the talk time is ``ceil(0.9 × n)``."""
    key, _name, join = grouping
    window = {} if key is None else {"partition_by": key}
    inner = join(select(
        (literal_column("0") if key is None else key).label("k"), Call.talk_seconds.label("s"),
        func.row_number().over(order_by=Call.talk_seconds, **window).label("rank"),
        func.count().over(**window).label("total"),
    ).select_from(Call)).where(TALKED, *_span(Call.created_at, start, end)).subquery()
    # rules.nearest_rank(n, 90) = ceil(90 n / 100), in integers
    wanted = (inner.c.total * P90 + 99) // 100
    rows = db.session.execute(select(inner.c.k, inner.c.s).where(inner.c.rank == wanted)).all()
    return {k: {"p90": s} for k, s in rows}


def p90_of_period(period: Period, talked: int) -> int | None:
    """The nearest-rank p90 of one period's ``talked`` calls: ``ORDER BY`` talk time, ``OFFSET`` rank − 1.

    One period's calls come from the covering index (``ix_calls_kpi``) and only they are sorted, which on a
    year of trend beats one window over the whole year.
    """
    if not talked:
        return None
    in_period = _span(Call.created_at, period.start_utc, period.end_utc)
    return db.session.scalar(select(Call.talk_seconds).where(TALKED, *in_period).order_by(Call.talk_seconds)
                             .offset(rules.nearest_rank(talked, P90) - 1).limit(1))


def slip_counts(grouping: Grouping, start: datetime, end: datetime, now: datetime) -> dict:
    missed = slip_missed(now)
    measures = {
        "slip_met": _counted(SLIP_MET), "slip_missed": _counted(missed),
        "routine_met": _counted(and_(COMPLAINT, ~MAJOR, SLIP_MET)),
        "routine_missed": _counted(and_(COMPLAINT, ~MAJOR, missed)),
        "major_met": _counted(and_(COMPLAINT, MAJOR, SLIP_MET)),
        "major_missed": _counted(and_(COMPLAINT, MAJOR, missed)),
    }
    return _grouped(measures, grouping, TaskSlip, [], TaskSlip.due_at, start, end)


def callback_counts(grouping: Grouping, start: datetime, end: datetime, now: datetime) -> dict:
    measures = {"callback_met": _counted(CALLBACK_MET), "callback_missed": _counted(callback_missed(now))}
    return _grouped(measures, grouping, Callback, [], Callback.due_at, start, end)


def _answers_source():
    return Callback.__table__.join(TaskSlip.__table__, TaskSlip.id == Callback.slip_id)


def answer_counts(grouping: Grouping, start: datetime, end: datetime) -> dict:
    measures = {"answer_met": _counted(ANSWER_MET), "answer_missed": _counted(ANSWER_MISSED)}
    return _grouped(measures, grouping, _answers_source(), COMPLAINT_ANSWERS, Callback.done_at, start, end)


#: Callbacks made after a complaint slip (counted by ``done_at``): what complaint satisfaction counts.
COMPLAINT_ANSWERS = [CALLBACK_MET, Callback.kind == CallbackKind.SLIP.value, COMPLAINT]


def report_counts(grouping: Grouping, start: datetime, end: datetime, now: datetime) -> dict:
    measures = {"report_met": _counted(REPORT_MET), "report_missed": _counted(report_missed(now))}
    return _grouped(measures, grouping, Incident, [], Incident.report_due_at, start, end)


def _visited_owner(statement: Select) -> Select:
    """From a periodic callback to the owner called."""
    return statement.join(Owner, Owner.id == Callback.property_owner_id)


def _owner_visits_where() -> list[ColumnElement]:
    """What annual visit coverage counts: the centre's own visits -- periodic owner callbacks (seed 001
    制度3 §5) that reached an owner with a home. The callback after a slip follows up a request the owner
    made and is not a visit."""
    return [CALLBACK_MET, Callback.kind == CallbackKind.PERIODIC.value, Owner.unit_id.is_not(None)]


def visit_counts(windows: list[tuple[datetime, datetime]], grouping: Grouping = TOTAL) -> list[dict]:
    """Reached owner callbacks in each (possibly overlapping) window: ``[{key: {"visits": n}}, ...]``."""
    measures = {f"w{i}": _counted(and_(Callback.done_at >= s, Callback.done_at < e))
                for i, (s, e) in enumerate(windows)}
    span = _span(Callback.done_at, min(s for s, _ in windows), max(e for _, e in windows))
    key, name, join = grouping
    visited = _then(_visited_owner, join)
    found = _grouped(measures, (key, name, visited), Callback, [*_owner_visits_where(), *span])
    return [{k: {"visits": values[f"w{i}"], **({"name": values["name"]} if "name" in values else {})}
             for k, values in found.items()} for i in range(len(windows))]


def household_counts(grouping: Grouping = TOTAL) -> dict:
    """Homes with an owner on file, in total (key 0) or per project."""
    key, name, _ = grouping
    return _grouped({"households": func.count(func.distinct(Owner.unit_id))}, (key, name, lambda s: s.join(
        Unit, Unit.id == Owner.unit_id).join(Building, Building.id == Unit.building_id).outerjoin(
        Project, Project.id == Building.project_id)), Owner, [])


def profile_counts(grouping: Grouping) -> dict:
    measures = {"complete": _counted(PROFILE_COMPLETE), "owners": func.count(Owner.id)}
    return _grouped(measures, grouping, Owner, [])


# ----------------------------------------------------------------------------------------------------
# Rotation fairness: each day replayed
# ----------------------------------------------------------------------------------------------------


@dataclass
class SalespersonRow:
    user_id: int
    name: str
    days: int = 0  # days on the table
    days_present: int = 0  # days at the desk all day
    turns: int = 0  # rotation turns taken (took_turn)
    receptions: int = 0  # receptions that count (接待次数, 制度1 第六章)


@dataclass(frozen=True)
class RotationDays:
    spreads: dict[date, int | None]
    people: list[SalespersonRow]


def rotation_days(start: date, end: date, office: str = rotation.DEFAULT_OFFICE, *,
                  people_from: date | None = None) -> RotationDays:
    """Every stored day of the office between two dates (inclusive), replayed once each.

    ``people`` sums the days from ``people_from`` on (default: all of them): a day's report charts the
    fortnight before it but tables the salespeople of that day only.
    """
    rows = db.session.scalars(
        select(RotationDay).where(RotationDay.office == office, RotationDay.day.between(start, end))
        .order_by(RotationDay.day).options(selectinload(RotationDay.events))
    ).all()
    spreads: dict[date, int | None] = {}
    people: dict[str, SalespersonRow] = {}
    for row in rows:
        events = [rotation.decode(e) for e in row.events]
        state = replay(rotation.roster_of(row), events)
        spreads[row.day] = rules.day_rotation_spread(state, events)
        if people_from is not None and row.day < people_from:
            continue
        present = rules.present_all_day(state, events)
        turns, counted = rules.rotation_turns(state), reception_counts(state)
        for person in state.queue:
            entry = people.setdefault(person, SalespersonRow(rotation.uid(person), ""))
            entry.days += 1
            entry.days_present += person in present
            entry.turns += turns.get(person, 0)
            entry.receptions += counted.get(person, 0)
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_([p.user_id for p in people.values()]))).all()) if people else {}
    for entry in people.values():
        entry.name = names.get(entry.user_id, str(entry.user_id))
    return RotationDays(spreads, sorted(people.values(), key=lambda p: (-p.turns, p.name)))


def _fairness(spreads: Iterable[int | None]) -> KpiValue:
    known = [s for s in spreads if s is not None]
    return KpiValue(KpiCode.ROTATION_FAIRNESS, max(known) if known else None, len(known))


# ----------------------------------------------------------------------------------------------------
# The report: a period, its trend and its breakdowns
# ----------------------------------------------------------------------------------------------------

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
        return volume(self.period)

    @property
    def periods(self) -> list[Period]:
        return [p.period for p in self.trend[KpiCode.SLIPS_OVERDUE]]


def _merge(*parts: dict) -> dict[object, Counts]:
    merged: dict[object, Counts] = {}
    for part in parts:
        for key, values in part.items():
            merged.setdefault(key, Counts()).update(values)
    return merged


def _trend(periods: list[Period], now: datetime, ring_target_seconds: float) -> list[Counts]:
    start, end = periods[0].start_utc, periods[-1].end_utc
    by = ByPeriods(periods)
    merged = _merge(call_counts(by, start, end, ring_target_seconds), slip_counts(by, start, end, now),
                    callback_counts(by, start, end, now), answer_counts(by, start, end),
                    report_counts(by, start, end, now))
    visits = visit_counts([rules.trailing_year(p) for p in periods])
    households = household_counts().get(0, {"households": 0})
    profiles = profile_counts(TOTAL).get(0, {})
    out = []
    for i, period in enumerate(periods):
        counts = merged.get(i, Counts())
        counts.update({"p90": p90_of_period(period, counts["talked"])})
        counts.update({**households, "visits": visits[i].get(0, {}).get("visits", 0)})
        if i == len(periods) - 1:  # profiles are as they are now: no history to chart
            counts.update(profiles)
        out.append(counts)
    return out


def _breakdown(dimension: str, codes: tuple[KpiCode, ...], merged: dict[object, Counts]) -> Breakdown:
    """One row per key that has a value for at least one of ``codes`` (a row of dashes says nothing)."""
    rows = []
    for key, counts in merged.items():
        values = _values(counts, codes)
        if any(v.value is not None for v in values.values()):
            rows.append(BreakdownRow(key, counts.values.get("name"), values))
    rows.sort(key=lambda r: (r.key is None, r.name or "", str(r.key)))
    return Breakdown(dimension, codes, rows, dict(NOT_BROKEN_DOWN.get(dimension, {})))


def _work_counts(dimension: str, start: datetime, end: datetime, now: datetime,
                 ring_target_seconds: float) -> list[dict]:
    """What every agent, department and project breakdown counts: calls, talk-time p90, slips and
    complaints, complaint answers, callbacks -- one ``GROUP BY`` statement each."""
    return [call_counts(_by("calls", dimension), start, end, ring_target_seconds),
            p90_talk(_by("calls", dimension), start, end),
            slip_counts(_by("slips", dimension), start, end, now),
            answer_counts(_by("answers", dimension), start, end),
            callback_counts(_by("callbacks", dimension), start, end, now)]


def breakdowns(period: Period, now: datetime, *, ring_target_seconds: float) -> list[Breakdown]:
    start, end = period.start_utc, period.end_utc

    def work(dimension: str) -> list[dict]:
        return _work_counts(dimension, start, end, now, ring_target_seconds)

    agents = _merge(*work("agent"), report_counts(_by("incidents", "agent"), start, end, now))
    departments = _merge(*work("department"), report_counts(_by("incidents", "department"), start, end, now))
    window = rules.trailing_year(period)
    projects = _merge(*work("project"),
                      visit_counts([window], _by("visits", "project"))[0],
                      household_counts(_by("visits", "project")),
                      profile_counts(_by("owners", "project")))
    classes = _merge(report_counts(_by("incidents", "class"), start, end, now))
    return [_breakdown("agent", AGENT_CODES, agents), _breakdown("department", DEPARTMENT_CODES, departments),
            _breakdown("project", PROJECT_CODES, projects), _breakdown("class", CLASS_CODES, classes)]


def volume(period: Period) -> Volume:
    start, end = period.start_utc, period.end_utc
    calls = db.session.execute(select(
        _counted(_INBOUND), _counted(and_(_INBOUND, _ANSWERED)), _counted(Call.direction == "out"),
    ).select_from(Call).where(*_span(Call.created_at, start, end))).one()
    slips = dict(db.session.execute(select(TaskSlip.category, func.count()).where(
        *_span(TaskSlip.opened_at, start, end)).group_by(TaskSlip.category)).all())
    callbacks = db.session.scalar(select(func.count()).select_from(Callback).where(
        CALLBACK_MET, *_span(Callback.done_at, start, end)))
    visits = db.session.scalar(select(func.count()).select_from(Visit).where(
        *_span(Visit.signed_in_at, start, end)))
    incidents = db.session.scalar(select(func.count()).select_from(Incident).where(
        *_span(Incident.opened_at, start, end)))
    return Volume(calls[0], calls[1], calls[2], slips, callbacks, visits, incidents)


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
        for code, value in _values(group, codes).items():
            trend[code].append(TrendPoint(p, value))
    days = rotation_window(period)
    rotation_data = rotation_days(days[0].start, days[-1].end, people_from=period.start)
    trend[KpiCode.ROTATION_FAIRNESS] = [
        TrendPoint(d, _fairness([rotation_data.spreads.get(d.start)])) for d in days]
    in_period = [s for d, s in rotation_data.spreads.items() if period.start <= d <= period.end]
    values = {code: points[-1].value for code, points in trend.items()}
    values[KpiCode.ROTATION_FAIRNESS] = _fairness(in_period)
    return KpiReport(period, now, ring_target_seconds, values, trend,
                     breakdowns(period, now, ring_target_seconds=ring_target_seconds), rotation_data.people,
                     _complaint_split(counts[-1]))


# ----------------------------------------------------------------------------------------------------
# Drill-down: the rows behind a number
# ----------------------------------------------------------------------------------------------------

PER_PAGE = 50


@dataclass(frozen=True)
class DrillPage:
    family: str
    items: list[tuple[object, rules.Verdict]]
    total: int
    page: int
    pages: int


def _verdict_column(met, missed) -> ColumnElement:
    return case((met, rules.Verdict.MET.value), (missed, rules.Verdict.MISSED.value),
                else_=rules.Verdict.NOT_COUNTED.value)


def _drill_query(code: KpiCode, period: Period, now: datetime, ring_target_seconds: float):
    """(model, the verdict column, the WHERE, the joins, the order) of the rows behind ``code``."""
    start, end = period.start_utc, period.end_utc
    if code is KpiCode.ANSWERED_WITHIN_THREE_RINGS:
        met = ring_met(ring_target_seconds)
        missed = or_(ring_late(ring_target_seconds), ring_abandoned(ring_target_seconds))
        return (Call, _verdict_column(met, missed),
                [or_(met, missed), *_span(Call.created_at, start, end)], lambda s: s,
                [Call.created_at.desc()])
    if code in (KpiCode.OVER_THREE_MINUTES, KpiCode.AVERAGE_HANDLING_TIME, KpiCode.P90_HANDLING_TIME):
        return (Call, _verdict_column(~OVER_THREE_MINUTES, OVER_THREE_MINUTES),
                [TALKED, *_span(Call.created_at, start, end)], lambda s: s,
                [Call.talk_seconds.desc(), Call.id])
    if code in (KpiCode.COMPLAINT_TIMELINESS, KpiCode.SLIPS_OVERDUE):
        missed = slip_missed(now)
        where = [or_(SLIP_MET, missed), *_span(TaskSlip.due_at, start, end)]
        if code is KpiCode.COMPLAINT_TIMELINESS:
            where.append(COMPLAINT)
        return TaskSlip, _verdict_column(SLIP_MET, missed), where, lambda s: s, [TaskSlip.due_at.desc()]
    if code is KpiCode.VALID_COMPLAINT_SATISFACTION:
        where = [*COMPLAINT_ANSWERS, or_(ANSWER_MET, ANSWER_MISSED), *_span(Callback.done_at, start, end)]
        return (Callback, _verdict_column(ANSWER_MET, ANSWER_MISSED), where,
                lambda s: s.join(TaskSlip, TaskSlip.id == Callback.slip_id), [Callback.done_at.desc()])
    if code is KpiCode.CALLBACK_COVERAGE:
        missed = callback_missed(now)
        return (Callback, _verdict_column(CALLBACK_MET, missed),
                [or_(CALLBACK_MET, missed), *_span(Callback.due_at, start, end)], lambda s: s,
                [Callback.due_at.desc()])
    if code is KpiCode.ANNUAL_VISIT_COVERAGE:
        window = rules.trailing_year(period)
        return (Callback, literal(rules.Verdict.MET.value),
                [*_owner_visits_where(), *_span(Callback.done_at, *window)], _visited_owner,
                [Callback.done_at.desc()])
    if code is KpiCode.OWNER_PROFILE_COMPLETENESS:
        return (Owner, _verdict_column(PROFILE_COMPLETE, ~PROFILE_COMPLETE), [], lambda s: s,
                [Owner.name, Owner.id])
    if code is KpiCode.INCIDENT_REPORTS_ON_TIME:
        missed = report_missed(now)
        return (Incident, _verdict_column(REPORT_MET, missed),
                [or_(REPORT_MET, missed), *_span(Incident.report_due_at, start, end)], lambda s: s,
                [Incident.report_due_at.desc()])
    raise LookupError(f"{code} has no rows to list")


#: What each drill-down table shows beside the row, loaded with the page (no query per row).
_DRILL_LOADS = {
    Call: lambda: [selectinload(Call.agent)],
    TaskSlip: lambda: [selectinload(TaskSlip.department), selectinload(TaskSlip.owner)],
    Callback: lambda: [selectinload(Callback.slip), selectinload(Callback.agent),
                       selectinload(Callback.property_owner)],
    Incident: lambda: [],
    Owner: lambda: [selectinload(Owner.unit).selectinload(Unit.building).selectinload(Building.project)],
}

_NAMES = {"agent": User.display_name, "department": Department.name, "project": Project.name}


def dimension_name(dimension: str, key) -> str | None:
    """The name of one breakdown row (an agent, a department, a project); a class is its own name."""
    if key is None or dimension not in _NAMES:
        return None if key is None else str(key)
    column = _NAMES[dimension]
    return db.session.scalar(select(column).where(column.class_.id == key))


def drillable(code: KpiCode, dimension: str | None = None) -> bool:
    family = FAMILY[code]
    return family != "rotation" and (dimension is None or dimension in DIMENSIONS[family])


def drill(code: KpiCode, period: Period, now: datetime, *, ring_target_seconds: float,
          dimension: str | None = None, key=None, only_missed: bool = False, page: int = 1) -> DrillPage:
    """One page of the rows behind ``code`` in ``period``, each with its verdict, newest (or worst) first;
    calls judged by the three-ring target ``ring_target_seconds``.

    ``dimension``/``key`` narrow it to one row of a breakdown (``key`` None: the "nobody"/"no project"
    row); ``only_missed`` keeps the rows that count against the target.
    """
    if not drillable(code, dimension):
        raise LookupError(f"{code} cannot be listed by {dimension}")
    family = FAMILY[code]
    model, verdict, where, join, order = _drill_query(code, period, now, ring_target_seconds)
    if dimension is not None:
        d = DIMENSIONS[family][dimension]
        join = _then(join, d.join)
        where = [*where, d.key.is_(None) if key is None else d.key == key]
    if only_missed:
        where = [*where, verdict == rules.Verdict.MISSED.value]
    total = db.session.scalar(join(select(func.count()).select_from(model)).where(*where)) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    statement = (join(select(model, verdict.label("verdict")).select_from(model)).where(*where)
                 .order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
                 .options(*_DRILL_LOADS[model]()))
    items = [(row, rules.Verdict(v)) for row, v in db.session.execute(statement).all()]
    return DrillPage(family, items, total, page, pages)
