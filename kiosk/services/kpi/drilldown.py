"""Drill-down: the rows behind a number, one page at a time, each with its verdict."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from kiosk.domain import kpi as rules
from kiosk.domain.kpi import KpiCode, Period
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.calls import Call
from kiosk.models.coverage import UnitVisit
from kiosk.models.people import Department, User
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import Incident
from kiosk.services.kpi.conditions import (
    ANSWER_MET,
    ANSWER_MISSED,
    CALLBACK_MET,
    COMPLAINT,
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
from kiosk.services.kpi.counts import (
    COMPLAINT_ANSWERS,
    owner_visits_where,
    recorded_visits_within,
    visited_owner,
    visited_unit,
)
from kiosk.services.kpi.dimensions import DIMENSIONS, FAMILY, then
from kiosk.services.kpi.sql import within

PER_PAGE = 50


@dataclass(frozen=True)
class DrillPage:
    family: str
    items: list[tuple[object, rules.Verdict]]
    total: int
    page: int
    pages: int


def _page_of(total: int, page: int) -> tuple[int, int]:
    """(the page asked for, kept within the pages, how many pages) of ``total`` rows."""
    pages = max(1, math.ceil(total / PER_PAGE))
    return min(max(1, page), pages), pages


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
                [or_(met, missed), *within(Call.created_at, start, end)], lambda s: s,
                [Call.created_at.desc()])
    if code in (KpiCode.OVER_THREE_MINUTES, KpiCode.AVERAGE_HANDLING_TIME, KpiCode.P90_HANDLING_TIME):
        return (Call, _verdict_column(~OVER_THREE_MINUTES, OVER_THREE_MINUTES),
                [TALKED, *within(Call.created_at, start, end)], lambda s: s,
                [Call.talk_seconds.desc(), Call.id])
    if code in (KpiCode.COMPLAINT_TIMELINESS, KpiCode.SLIPS_OVERDUE):
        missed = slip_missed(now)
        where = [or_(SLIP_MET, missed), *within(TaskSlip.due_at, start, end)]
        if code is KpiCode.COMPLAINT_TIMELINESS:
            where.append(COMPLAINT)
        return TaskSlip, _verdict_column(SLIP_MET, missed), where, lambda s: s, [TaskSlip.due_at.desc()]
    if code is KpiCode.VALID_COMPLAINT_SATISFACTION:
        where = [*COMPLAINT_ANSWERS, or_(ANSWER_MET, ANSWER_MISSED), *within(Callback.done_at, start, end)]
        return (Callback, _verdict_column(ANSWER_MET, ANSWER_MISSED), where,
                lambda s: s.join(TaskSlip, TaskSlip.id == Callback.slip_id), [Callback.done_at.desc()])
    if code is KpiCode.CALLBACK_COVERAGE:
        missed = callback_missed(now)
        return (Callback, _verdict_column(CALLBACK_MET, missed),
                [or_(CALLBACK_MET, missed), *within(Callback.due_at, start, end)], lambda s: s,
                [Callback.due_at.desc()])
    if code is KpiCode.OWNER_PROFILE_COMPLETENESS:
        return (Owner, _verdict_column(PROFILE_COMPLETE, ~PROFILE_COMPLETE), [], lambda s: s,
                [Owner.name, Owner.id])
    if code is KpiCode.INCIDENT_REPORTS_ON_TIME:
        missed = report_missed(now)
        return (Incident, _verdict_column(REPORT_MET, missed),
                [or_(REPORT_MET, missed), *within(Incident.report_due_at, start, end)], lambda s: s,
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
    UnitVisit: lambda: [
        selectinload(UnitVisit.unit).selectinload(Unit.building).selectinload(Building.project),
        selectinload(UnitVisit.by), selectinload(UnitVisit.owner)],
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
    if code is KpiCode.ANNUAL_VISIT_COVERAGE:
        return _visits_page(period, dimension, key, only_missed, page)
    model, verdict, where, join, order = _drill_query(code, period, now, ring_target_seconds)
    if dimension is not None:
        d = DIMENSIONS[family][dimension]
        join = then(join, d.join)
        where = [*where, d.key.is_(None) if key is None else d.key == key]
    if only_missed:
        where = [*where, verdict == rules.Verdict.MISSED.value]
    total = db.session.scalar(join(select(func.count()).select_from(model)).where(*where)) or 0
    page, pages = _page_of(total, page)
    statement = (join(select(model, verdict.label("verdict")).select_from(model)).where(*where)
                 .order_by(*order).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
                 .options(*_DRILL_LOADS[model]()))
    items = [(row, rules.Verdict(v)) for row, v in db.session.execute(statement).all()]
    return DrillPage(family, items, total, page, pages)


def _visits_page(period: Period, dimension: str | None, key, only_missed: bool, page: int) -> DrillPage:
    """Annual visit coverage's rows, as it counts them (``counts.visit_counts``): the reached periodic
    callbacks and the visits recorded to units (上门走访 / 电话回访 / 座谈) of the trailing year, newest
    first, each a visit made (none counts against the target)."""
    start, end = rules.trailing_year(period)
    callbacks = (visited_owner(select(literal("callback").label("kind"), Callback.id.label("id"),
                                      Callback.done_at.label("at")).select_from(Callback))
                 .where(*owner_visits_where(), *within(Callback.done_at, start, end)))
    visits = (visited_unit(select(literal("visit").label("kind"), UnitVisit.id.label("id"),
                                  UnitVisit.on_date.label("at")).select_from(UnitVisit))
              .where(*recorded_visits_within(start, end)))
    if dimension is not None:
        d = DIMENSIONS["visits"][dimension]
        callbacks = d.join(callbacks).where(d.key.is_(None) if key is None else d.key == key)
        visits = visits.where(Project.id.is_(None) if key is None else Project.id == key)
    if only_missed:
        return DrillPage("visits", [], 0, 1, 1)
    both = union_all(callbacks, visits).subquery()
    total = db.session.scalar(select(func.count()).select_from(both)) or 0
    page, pages = _page_of(total, page)
    rows = db.session.execute(select(both.c.kind, both.c.id)
                              .order_by(both.c.at.desc(), both.c.kind, both.c.id)
                              .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    loaded = {}
    for model, kind in ((Callback, "callback"), (UnitVisit, "visit")):
        ids = [i for k, i in rows if k == kind]
        if ids:
            loaded.update({(kind, item.id): item for item in db.session.scalars(
                select(model).where(model.id.in_(ids)).options(*_DRILL_LOADS[model]()))})
    return DrillPage("visits", [(loaded[(k, i)], rules.Verdict.MET) for k, i in rows], total, page, pages)
