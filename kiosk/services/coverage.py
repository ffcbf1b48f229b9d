"""Annual visit coverage (年度访问覆盖率, seed 004 §2: "对客户年度访问覆盖率达120%"): visits recorded to
units, the year's plan per project and staff member, coverage to date per project and building, the units not
yet visited.

A visit is a visit recorded to a unit (上门走访 / 电话回访 / 座谈) or a reached periodic callback to one of
its people (seed 001 制度3 §5); a household is a unit with somebody on file. The KPI page counts the same
(:func:`kiosk.services.kpi.counts.visit_counts`, :func:`~kiosk.services.kpi.counts.household_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from fractions import Fraction

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import contains_eager

from kiosk.clock import SHANGHAI
from kiosk.database import unit_of_work, upsert
from kiosk.domain.kpi import KPIS, KpiCode
from kiosk.domain.register import VisitKind
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind
from kiosk.models.coverage import UnitVisit, VisitPlan
from kiosk.models.people import Role, User, UserRole
from kiosk.models.property import Building, Project, Unit, UnitMember
from kiosk.services.kpi.conditions import CALLBACK_MET

#: The target: 1.2 visits per household a year.
TARGET: Fraction = KPIS[KpiCode.ANNUAL_VISIT_COVERAGE].target
#: Units listed per page of "not yet visited".
PAGE = 100


def record_visit(unit_id: int, kind: VisitKind, on_date: date, note: str, *, owner_id: int | None,
                 by: User, now: datetime) -> UnitVisit:
    with unit_of_work():
        visit = UnitVisit(unit_id=unit_id, owner_id=owner_id, kind=kind.value, on_date=on_date, note=note,
                          by_id=by.id, created_at=now)
        db.session.add(visit)
    return visit


def set_plan(year: int, project_id: int, user_id: int, planned: int) -> None:
    """The number of homes a staff member is to visit in a project this year: one row per pair, written
    with ``INSERT ... ON CONFLICT DO UPDATE`` so two supervisors saving at once leave one row (the last
    one's number)."""
    with unit_of_work():
        db.session.execute(upsert(VisitPlan, ("year", "project_id", "user_id"),
                                  {"year": year, "project_id": project_id, "user_id": user_id,
                                   "planned": planned}))


def _year_span(year: int) -> tuple[date, date, datetime, datetime]:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return (start, end, datetime.combine(start, time(), tzinfo=SHANGHAI).astimezone(UTC),
            datetime.combine(end, time(), tzinfo=SHANGHAI).astimezone(UTC))


@dataclass(frozen=True)
class CoverageRow:
    key: int
    name: str
    households: int
    visits: int
    planned: int | None = None

    @property
    def target(self) -> int:
        """Visits the year's target asks for (1.2 per household), rounded up."""
        return -(-self.households * TARGET.numerator // TARGET.denominator)

    @property
    def rate(self) -> float | None:
        return self.visits / self.households if self.households else None

    @property
    def met(self) -> bool:
        return self.households > 0 and self.visits >= self.target


def _visits_per_unit(year: int):
    """(unit id, visits) in the year: recorded unit visits plus reached periodic callbacks to its people."""
    start, end, start_utc, end_utc = _year_span(year)
    recorded = (select(UnitVisit.unit_id.label("unit_id"))
                .where(UnitVisit.on_date >= start, UnitVisit.on_date < end))
    called = (select(UnitMember.unit_id.label("unit_id"))
              .join(Callback, Callback.property_owner_id == UnitMember.owner_id)
              .where(Callback.kind == CallbackKind.PERIODIC.value, CALLBACK_MET,
                     Callback.done_at >= start_utc, Callback.done_at < end_utc))
    both = recorded.union_all(called).subquery()
    return select(both.c.unit_id, func.count().label("visits")).group_by(both.c.unit_id).subquery()


def _households():
    return select(UnitMember.unit_id).distinct().subquery()


def coverage(year: int, project_id: int | None = None) -> list[CoverageRow]:
    """Coverage to date per project (or, for one project, per building), with the year's plan."""
    visits, homes = _visits_per_unit(year), _households()
    if project_id is None:
        key, name = Project.id, Project.name
    else:
        key, name = Building.id, Building.name
    counts = func.count(homes.c.unit_id), func.coalesce(func.sum(visits.c.visits), 0)
    statement = (select(key, name, *counts).select_from(homes).join(Unit, Unit.id == homes.c.unit_id)
                 .join(Building, Building.id == Unit.building_id)
                 .join(Project, Project.id == Building.project_id)
                 .outerjoin(visits, visits.c.unit_id == homes.c.unit_id).group_by(key, name).order_by(name))
    if project_id is not None:
        statement = statement.where(Project.id == project_id)
    plans = {}
    if project_id is None:
        plans = dict(db.session.execute(select(VisitPlan.project_id, func.sum(VisitPlan.planned))
                                        .where(VisitPlan.year == year).group_by(VisitPlan.project_id)).all())
    return [CoverageRow(k, n, h, int(v), plans.get(k)) for k, n, h, v in db.session.execute(statement)]


def plans(year: int) -> list[tuple[VisitPlan, int]]:
    """The year's plan rows with the visits each staff member recorded in that project so far."""
    start, end, _, _ = _year_span(year)
    done = (select(func.count(UnitVisit.id)).join(Unit, Unit.id == UnitVisit.unit_id)
            .join(Building, Building.id == Unit.building_id)
            .where(UnitVisit.by_id == VisitPlan.user_id, Building.project_id == VisitPlan.project_id,
                   UnitVisit.on_date >= start, UnitVisit.on_date < end).scalar_subquery())
    rows = db.session.execute(select(VisitPlan, done).where(VisitPlan.year == year)
                              .join(Project, Project.id == VisitPlan.project_id)
                              .order_by(Project.name, VisitPlan.user_id)).all()
    return [(plan, count) for plan, count in rows]


def unvisited(year: int, project_id: int, page: int = 1) -> tuple[list[Unit], int]:
    """The project's homes with nobody on file visited this year, by building and number, a page at a time;
    and how many there are."""
    visits = _visits_per_unit(year)
    condition = and_(Building.project_id == project_id,
                     exists().where(UnitMember.unit_id == Unit.id),
                     ~exists().where(visits.c.unit_id == Unit.id))
    total = db.session.scalar(select(func.count(Unit.id)).join(Building).where(condition)) or 0
    units = list(db.session.scalars(select(Unit).join(Building).where(condition)
                                    .options(contains_eager(Unit.building))
                                    .order_by(Building.name, Unit.number)
                                    .offset((max(page, 1) - 1) * PAGE).limit(PAGE)))
    return units, total


def visit_staff() -> list[User]:
    """Who may be planned to visit: active agents, supervisors and department staff."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role.in_([Role.AGENT.value, Role.SUPERVISOR.value, Role.STAFF.value]))
        .order_by(User.display_name).distinct()))
