"""The aggregate queries: one per family, grouped by a key (a breakdown row or a trend period)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, literal_column, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from kiosk.clock import SHANGHAI
from kiosk.domain import kpi as rules
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind
from kiosk.models.calls import Call
from kiosk.models.coverage import UnitVisit
from kiosk.models.property import Building, Owner, Project, Unit, UnitMember
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import Incident, Visit
from kiosk.services.kpi.conditions import (
    ANSWER_MET,
    ANSWER_MISSED,
    ANSWERED,
    CALLBACK_MET,
    COMPLAINT,
    INBOUND,
    MAJOR,
    OVER_THREE_MINUTES,
    PROFILE_COMPLETE,
    REPORT_MET,
    SLIP_MET,
    TALKED,
    callback_missed,
    report_missed,
    ring_abandoned,
    ring_late,
    ring_met,
    slip_missed,
)
from kiosk.services.kpi.dimensions import DIMENSIONS, then
from kiosk.services.kpi.sql import counted, within

P90 = 90

Grouping = tuple[ColumnElement | None, ColumnElement | None, Callable[[Select], Select]]
"""(key, name or None, joins) of a GROUP BY; key None: one total, under key 0."""
TOTAL: Grouping = (None, None, lambda s: s)


@dataclass(frozen=True)
class ByPeriods:
    """Group by span: one aggregate per ``[start, end)`` UTC span, ``UNION ALL``-ed, keyed 0, 1, … in order.

    Each part reads its span's rows in index order with no sort; a ``GROUP BY`` over a computed
    bucket would sort the whole range first (several times slower on a year of calls).
    """

    spans: list[tuple[datetime, datetime]]


def grouped_by(family: str, dimension: str) -> Grouping:
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
            .where(*where, *within(moment, start, end)) for i, (start, end) in enumerate(grouping.spans)))
    else:
        key, name, join = grouping
        columns = [(literal_column("0") if key is None else key).label("k")]
        if name is not None:
            columns.append(name.label("n"))
        span = within(moment, start, end) if moment is not None else []
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


def call_counts(grouping: Grouping, start: datetime, end: datetime, ring_target_seconds: float) -> dict:
    target = ring_target_seconds
    measures = {
        "ring_met": counted(ring_met(target)), "ring_late": counted(ring_late(target)),
        "ring_abandoned": counted(ring_abandoned(target)), "talked": counted(TALKED),
        "over": counted(OVER_THREE_MINUTES), "talk_total": func.sum(Call.talk_seconds),
    }
    return _grouped(measures, grouping, Call, [], Call.created_at, start, end)


def talk_counts(grouping: Grouping | ByPeriods, start: datetime | None = None,
                end: datetime | None = None) -> dict:
    """How many answered calls talked each whole number of seconds, per group: ``{key: {"talk": {seconds:
    calls}}}``, from which ``nearest_p90`` takes the p90 of any set of days (talk time is whole seconds,
    so this is every talk time, counted)."""
    if isinstance(grouping, ByPeriods):
        statement = union_all(*(
            select(literal_column(str(i)).label("k"), Call.talk_seconds.label("s"), func.count().label("n"))
            .where(TALKED, *within(Call.created_at, s, e)).group_by(Call.talk_seconds)
            for i, (s, e) in enumerate(grouping.spans)))
    else:
        key, _name, join = grouping
        statement = join(select((literal_column("0") if key is None else key).label("k"),
                                Call.talk_seconds.label("s"), func.count().label("n")).select_from(Call)
                         ).where(TALKED, *within(Call.created_at, start, end)).group_by(literal_column("1"),
                                                                                       literal_column("2"))
    out: dict = {}
    for k, seconds, calls in db.session.execute(statement):
        out.setdefault(k, {"talk": {}})["talk"][seconds] = calls
    return out


def nearest_p90(talk: dict[int, int]) -> int | None:
    """The nearest-rank p90 of the talk times counted in ``talk`` (seconds → calls); None for no calls."""
    total = sum(talk.values())
    if not total:
        return None
    rank, seen = rules.nearest_rank(total, P90), 0
    for seconds in sorted(talk):
        seen += talk[seconds]
        if seen >= rank:
            return seconds
    raise AssertionError("unreachable: the rank is at most the total")


def slip_counts(grouping: Grouping, start: datetime, end: datetime, now: datetime) -> dict:
    missed = slip_missed(now)
    measures = {
        "slip_met": counted(SLIP_MET), "slip_missed": counted(missed),
        "routine_met": counted(and_(COMPLAINT, ~MAJOR, SLIP_MET)),
        "routine_missed": counted(and_(COMPLAINT, ~MAJOR, missed)),
        "major_met": counted(and_(COMPLAINT, MAJOR, SLIP_MET)),
        "major_missed": counted(and_(COMPLAINT, MAJOR, missed)),
    }
    return _grouped(measures, grouping, TaskSlip, [], TaskSlip.due_at, start, end)


def callback_counts(grouping: Grouping, start: datetime, end: datetime, now: datetime) -> dict:
    measures = {"callback_met": counted(CALLBACK_MET), "callback_missed": counted(callback_missed(now))}
    return _grouped(measures, grouping, Callback, [], Callback.due_at, start, end)


def _answers_source():
    return Callback.__table__.join(TaskSlip.__table__, TaskSlip.id == Callback.slip_id)


def answer_counts(grouping: Grouping, start: datetime, end: datetime) -> dict:
    measures = {"answer_met": counted(ANSWER_MET), "answer_missed": counted(ANSWER_MISSED)}
    return _grouped(measures, grouping, _answers_source(), COMPLAINT_ANSWERS, Callback.done_at, start, end)


#: Callbacks made after a complaint slip (counted by ``done_at``): what complaint satisfaction counts.
COMPLAINT_ANSWERS = [CALLBACK_MET, Callback.kind == CallbackKind.SLIP.value, COMPLAINT]


def report_counts(grouping: Grouping, start: datetime, end: datetime, now: datetime) -> dict:
    measures = {"report_met": counted(REPORT_MET), "report_missed": counted(report_missed(now))}
    return _grouped(measures, grouping, Incident, [], Incident.report_due_at, start, end)


def visited_owner(statement: Select) -> Select:
    """From a periodic callback to the owner called."""
    return statement.join(Owner, Owner.id == Callback.property_owner_id)


def owner_visits_where() -> list[ColumnElement]:
    """What annual visit coverage counts: the centre's own visits -- periodic owner callbacks (seed 001
    制度3 §5) that reached an owner with a home. The callback after a slip follows up a request the owner
    made and is not a visit."""
    return [CALLBACK_MET, Callback.kind == CallbackKind.PERIODIC.value, Owner.unit_id.is_not(None)]


def _unit_home(statement: Select) -> Select:
    """From a row keyed by a unit (a member, a visit) to its building and project."""
    return (statement.outerjoin(Building, Building.id == Unit.building_id)
            .outerjoin(Project, Project.id == Building.project_id))


def _local_day(moment: datetime):
    return moment.astimezone(SHANGHAI).date()


def visited_unit(statement: Select) -> Select:
    """From a visit recorded to a unit to the unit's building and project."""
    return _unit_home(statement.join(Unit, Unit.id == UnitVisit.unit_id))


def recorded_visits_within(start: datetime, end: datetime) -> list[ColumnElement]:
    """The visits recorded to units in ``[start, end)``: by their day, in Shanghai."""
    return [UnitVisit.on_date >= _local_day(start), UnitVisit.on_date < _local_day(end)]


def visit_counts(windows: list[tuple[datetime, datetime]], grouping: Grouping = TOTAL) -> list[dict]:
    """Visits in each (possibly overlapping) window: ``[{key: {"visits": n}}, ...]``. A visit is a reached
    periodic owner callback or a visit to a unit recorded in the register (上门走访 / 电话回访 / 座谈)."""
    measures = {f"w{i}": counted(and_(Callback.done_at >= s, Callback.done_at < e))
                for i, (s, e) in enumerate(windows)}
    span = within(Callback.done_at, min(s for s, _ in windows), max(e for _, e in windows))
    key, name, join = grouping
    visited = then(visited_owner, join)
    found = _grouped(measures, (key, name, visited), Callback, [*owner_visits_where(), *span])
    recorded = _grouped({f"w{i}": counted(and_(*recorded_visits_within(s, e)))
                         for i, (s, e) in enumerate(windows)},
                        (key, name, visited_unit), UnitVisit,
                        recorded_visits_within(min(s for s, _ in windows), max(e for _, e in windows)))
    out = []
    for i in range(len(windows)):
        window = {}
        for part in (found, recorded):
            for k, values in part.items():
                entry = window.setdefault(k, {"visits": 0, **({"name": values["name"]} if "name" in values
                                                                 else {})})
                entry["visits"] += values[f"w{i}"] or 0
        out.append(window)
    return out


def household_counts(grouping: Grouping = TOTAL) -> dict:
    """Homes with somebody on file in the register (owner, co-owner, tenant or household member), in total
    (key 0) or per project."""
    key, name, _ = grouping
    return _grouped({"households": func.count(func.distinct(UnitMember.unit_id))},
                    (key, name, lambda s: _unit_home(s.join(Unit, Unit.id == UnitMember.unit_id))),
                    UnitMember, [])


def profile_counts(grouping: Grouping) -> dict:
    measures = {"complete": counted(PROFILE_COMPLETE), "owners": func.count(Owner.id)}
    return _grouped(measures, grouping, Owner, [Owner.merged_into_id.is_(None)])


#: The prefix of a volume measure counting the slips opened in one category (``slips:repair``).
SLIPS = "slips:"


def volume_counts(spans: list[tuple[datetime, datetime]]) -> list[dict]:
    """What came in during each span (the weekly report's 客户反映信息): ``[{0: {measure: n}}, …]`` --
    calls in, answered and out by their first ring, slips opened per category, callbacks made, visitors
    signed in, incidents opened."""
    by = ByPeriods(spans)
    parts = [
        _grouped({"calls_in": counted(INBOUND), "calls_answered": counted(and_(INBOUND, ANSWERED)),
                  "calls_out": counted(Call.direction == "out")}, by, Call, [], Call.created_at),
        _grouped({"callbacks_made": func.count()}, by, Callback, [CALLBACK_MET], Callback.done_at),
        _grouped({"visits_in": func.count()}, by, Visit, [], Visit.signed_in_at),
        _grouped({"incidents": func.count()}, by, Incident, [], Incident.opened_at),
    ]
    out = [{0: {}} for _ in spans]
    for part in parts:
        for i, values in part.items():
            out[i][0].update(values)
    opened = union_all(*(
        select(literal_column(str(i)).label("k"), TaskSlip.category, func.count())
        .where(*within(TaskSlip.opened_at, start, end)).group_by(TaskSlip.category)
        for i, (start, end) in enumerate(spans)))
    for i, category, n in db.session.execute(opened):
        out[i][0][SLIPS + (category or "")] = n
    return out
