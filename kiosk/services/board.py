"""What the supervisor board shows about task slips, and the cheap version check its panels poll.

Every panel asks ``board_version`` first (one statement over indexed columns): the newest audit event
and how many running slips are near due or overdue right now. Any change to a slip writes an event;
time passing moves the two counts. Same version → the panel answers 304 without rendering.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from kiosk.extensions import db
from kiosk.models.people import Department
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.services.tasks import OPEN_VALUES, RUNNING_VALUES

PANELS = ("unassigned", "near_due", "overdue", "by_department", "activity")
UNASSIGNED = ("new", "rejected")


def _running():
    return TaskSlip.status.in_(RUNNING_VALUES)


def _near_due(now: datetime):
    return _running() & (TaskSlip.warn_at <= now) & (TaskSlip.due_at >= now)


def _overdue(now: datetime):
    return _running() & (TaskSlip.due_at < now)


def board_version(now: datetime) -> str:
    newest = select(func.max(TaskEvent.id)).scalar_subquery()
    near = select(func.count(TaskSlip.id)).where(_near_due(now)).scalar_subquery()
    late = select(func.count(TaskSlip.id)).where(_overdue(now)).scalar_subquery()
    row = db.session.execute(select(newest, near, late)).one()
    return "-".join(str(value or 0) for value in row)


def _slips(condition, order, limit: int) -> list[TaskSlip]:
    statement = (select(TaskSlip).where(condition).order_by(order).limit(limit)
                 .options(joinedload(TaskSlip.department), joinedload(TaskSlip.assignee)))
    return list(db.session.scalars(statement))


def unassigned(limit: int = 30) -> list[TaskSlip]:
    return _slips(TaskSlip.status.in_(UNASSIGNED), TaskSlip.due_at, limit)


def near_due(now: datetime, limit: int = 30) -> list[TaskSlip]:
    return _slips(_near_due(now), TaskSlip.due_at, limit)


def overdue(now: datetime, limit: int = 30) -> list[TaskSlip]:
    return _slips(_overdue(now), TaskSlip.due_at, limit)


def by_department(now: datetime) -> list[tuple[str, int, int, int]]:
    """(department, open slips, near due, overdue) for every department with open slips."""
    near = func.sum(case((_near_due(now), 1), else_=0))
    late = func.sum(case((_overdue(now), 1), else_=0))
    rows = db.session.execute(
        select(Department.name, func.count(TaskSlip.id), near, late)
        .join(TaskSlip, TaskSlip.department_id == Department.id)
        .where(TaskSlip.status.in_(OPEN_VALUES))
        .group_by(Department.name).order_by(late.desc(), func.count(TaskSlip.id).desc())
    ).all()
    return [(name, total, near or 0, late or 0) for name, total, near, late in rows]


def recent_activity(limit: int = 15) -> list[TaskEvent]:
    statement = (select(TaskEvent).order_by(TaskEvent.id.desc()).limit(limit)
                 .options(joinedload(TaskEvent.slip), joinedload(TaskEvent.actor)))
    return list(db.session.scalars(statement))


def panel_data(name: str, now: datetime) -> dict:
    producers = {
        "unassigned": lambda: unassigned(),
        "near_due": lambda: near_due(now),
        "overdue": lambda: overdue(now),
        "by_department": lambda: by_department(now),
        "activity": lambda: recent_activity(),
    }
    return {name: producers[name]()}
