"""Departments, the units of the property register, and the company's calendar overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from kiosk.database import unit_of_work
from kiosk.domain.working_days import WorkingCalendar
from kiosk.extensions import db
from kiosk.models.calendar import CalendarOverride
from kiosk.models.people import Department, Role, User, UserRole
from kiosk.models.property import Unit
from kiosk.services import audit
from kiosk.services.audit import Action, By, ObjectType, Subject


def departments() -> list[Department]:
    """Every department, in use or not, by name (the admin's list and pickers)."""
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def get_department(department_id: int | None) -> Department | None:
    """The department with this id; None for none chosen or a stale id."""
    return db.session.get(Department, department_id) if department_id else None


def get_unit(unit_id: int | None) -> Unit | None:
    """The unit a form names (a caller's home, a unit sold); None for none chosen or a stale id."""
    return db.session.get(Unit, unit_id) if unit_id else None


def department_value_taken(column: str, value: str, except_id: int | None = None) -> bool:
    attribute = getattr(Department, column)
    query = select(Department.id).where(func.lower(attribute) == value.strip().lower())
    if except_id is not None:
        query = query.where(Department.id != except_id)
    return db.session.scalar(query) is not None


def active_departments() -> list[Department]:
    """The departments in use, by name: the choices wherever a department is picked."""
    return list(db.session.scalars(select(Department).where(Department.active.is_(True))
                                   .order_by(Department.name)))


def department_staff() -> list[User]:
    """Active staff who belong to a department (with it), by department and name: whom a slip may go to."""
    statement = (select(User).join(UserRole, UserRole.user_id == User.id)
                 .where(UserRole.role == Role.STAFF.value, User.active, User.department_id.is_not(None))
                 .options(joinedload(User.department)).order_by(User.department_id, User.display_name))
    return list(db.session.scalars(statement).unique())


def save_department(department: Department, *, by: By | None = None, **values) -> Department:
    with unit_of_work():
        new = department.id is None
        before = None if new else audit.fields_of(department, values)
        for key, value in values.items():
            setattr(department, key, value.strip() if isinstance(value, str) else value)
        db.session.add(department)
        db.session.flush()
        audit.record(by, Action.DEPARTMENT_CREATED if new else Action.DEPARTMENT_CHANGED,
                     Subject(ObjectType.DEPARTMENT, department.id, department.name), before,
                     audit.fields_of(department, values))
    return department


_DAY_FIELDS = ("is_working_day", "note")


def _day(day: date) -> Subject:
    return Subject(ObjectType.CALENDAR, day.isoformat(), day.isoformat())


def set_override(day: date, is_working_day: bool, note: str, *, by: By | None = None) -> CalendarOverride:
    """Add or change the company's own arrangement for one day (overrides the public calendar)."""
    with unit_of_work():
        row = db.session.get(CalendarOverride, day)
        before = audit.fields_of(row, _DAY_FIELDS) if row else None
        row = row or CalendarOverride(day=day)
        row.is_working_day = is_working_day
        row.note = note
        db.session.add(row)
        audit.record(by, Action.CALENDAR_SET, _day(day), before, audit.fields_of(row, _DAY_FIELDS))
    return row


def calendar_overrides() -> list[CalendarOverride]:
    """The company's own arrangements, by day."""
    return list(db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))


def remove_override(day: date, *, by: By | None = None) -> None:
    with unit_of_work():
        row = db.session.get(CalendarOverride, day)
        if row is not None:
            audit.record(by, Action.CALENDAR_REMOVED, _day(day), audit.fields_of(row, _DAY_FIELDS), None)
            db.session.delete(row)


def working_calendar() -> WorkingCalendar:
    """The calendar every deadline uses: Chinese public holidays, make-up workdays, company overrides."""
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.is_working_day)).all()
    return WorkingCalendar(overrides={day: working for day, working in rows})
