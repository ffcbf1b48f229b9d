"""Marking the daily rollups stale: every flush that changes what a closed day counted adds a
``KpiStaleDays`` row in the same transaction, so no committed change is ever hidden by a rollup.

A changed row marks the days from the earliest day it may count on (its own moments, old and new: a
call's first ring, a slip's opening and deadline …; everything that hangs off it -- a slip's callbacks, the
slips opened from a call -- comes later) up to yesterday; a change to who belongs where (an agent's
department, an owner's home, a unit's building, a building's project) re-groups every day, so it marks
them all. Days after yesterday have no rollup yet (``daily.GRACE``). A change to what the standing
figures count (households on file, owner profiles: ``daily.STANDING``) adds a ``KpiStandingMark``. The
services' few bulk statements call ``mark_since`` and ``mark_standing`` themselves (ORM flushes do not see
them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from kiosk.clock import SHANGHAI, utcnow
from kiosk.models.callbacks import Callback
from kiosk.models.calls import Call
from kiosk.models.coverage import UnitVisit
from kiosk.models.kpi import KpiStaleDays, KpiStandingMark
from kiosk.models.people import User
from kiosk.models.property import Building, Owner, Project, Unit, UnitMember
from kiosk.models.rotation import RotationDay, RotationEvent
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident, Visit

#: Per model: (the columns the KPIs read, the moments whose days the row counts on or after).
COUNTED: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Call: (("direction", "ringing_at", "answered_at", "ended_at", "ring_seconds", "talk_seconds", "agent_id",
            "owner_id", "created_at"), ("created_at",)),
    TaskSlip: (("opened_at", "due_at", "resolved_at", "status", "category", "priority", "owner_id",
                "department_id", "source", "source_ref"), ("opened_at", "due_at")),
    Callback: (("kind", "status", "result", "due_at", "done_at", "slip_id", "property_owner_id", "agent_id",
                "done_by_id"), ("due_at", "done_at")),
    Incident: (("opened_at", "incident_class", "closed_by_id", "report_due_at", "report_filed_at"),
               ("opened_at", "report_due_at")),
    Visit: (("signed_in_at",), ("signed_in_at",)),
    UnitVisit: (("unit_id", "owner_id", "on_date"), ("on_date",)),
    RotationDay: (("office", "day", "opening_order", "work_start", "work_end", "on_call_start", "on_call_end",
                   "on_call_user_id", "last_seq"), ("day",)),
}
#: Per model: the columns that decide a row's department or project (a change re-groups every day).
GROUPING: dict[type, tuple[str, ...]] = {
    User: ("department_id",),
    Owner: ("unit_id",),
    Unit: ("building_id",),
    Building: ("project_id",),
}

#: Per model: the columns the standing figures read (a new or deleted row counts as a change too).
STANDING: dict[type, tuple[str, ...]] = {
    Owner: ("name", "mobile", "unit_id", "moved_in_on", "merged_into_id"),
    UnitMember: ("unit_id",),
    Unit: ("building_id",),
    Building: ("project_id",),
    Project: (),
}


def _day(value: date | datetime) -> date:
    return value.astimezone(SHANGHAI).date() if isinstance(value, datetime) else value


def _values(obj, name: str) -> list:
    """The attribute's value now and before this flush's changes."""
    history = inspect(obj).attrs[name].history
    return [v for v in (getattr(obj, name), *history.deleted) if v is not None]


def _changed(obj, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _first_day(session: Session) -> date | None:
    """The earliest day this flush's changes count on (``date.min``: every day), or None."""
    days: list[date] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        model = type(obj)
        is_new, is_deleted = obj in session.new, obj in session.deleted
        if model in GROUPING and not is_new and (is_deleted or _changed(obj, GROUPING[model])):
            return date.min
        if isinstance(obj, TaskEvent) and is_new:
            slip = obj.slip if obj.slip is not None else session.get(TaskSlip, obj.slip_id)
            if slip is not None and slip.opened_at is not None:
                days.append(_day(slip.opened_at))
            continue
        if isinstance(obj, RotationEvent) and is_new:
            held = obj.rotation_day if obj.rotation_day is not None else session.get(RotationDay, obj.day_id)
            if held is not None:
                days.append(held.day)
            continue
        if model not in COUNTED:
            continue
        columns, moments = COUNTED[model]
        if is_new or is_deleted or _changed(obj, columns):
            days.extend(_day(v) for name in moments for v in _values(obj, name))
    return min(days, default=None)


def _changes_standing(session: Session) -> bool:
    return any(obj in session.new or obj in session.deleted or _changed(obj, STANDING[type(obj)])
               for obj in (*session.new, *session.dirty, *session.deleted) if type(obj) in STANDING)


def mark_standing(session: Session) -> None:
    """Mark the standing figures stale: counted from the rows until the refresh counts them again."""
    session.add(KpiStandingMark())


def mark_since(session: Session, first: date) -> None:
    """Mark the closed days from ``first`` on stale (nothing when ``first`` is today or later)."""
    yesterday = utcnow().astimezone(SHANGHAI).date() - timedelta(days=1)
    if first <= yesterday:
        session.add(KpiStaleDays(first_day=first, last_day=yesterday))


@event.listens_for(Session, "before_flush")
def _mark_stale_days(session: Session, _context, _instances) -> None:
    with session.no_autoflush:
        first = _first_day(session)
        standing = _changes_standing(session)
    if first is not None:
        mark_since(session, first)
    if standing:
        mark_standing(session)
