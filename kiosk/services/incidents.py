"""Office incidents raised by sign-ins: acknowledge, handle, close, report; and the watch list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.orm import joinedload

from kiosk.clock import SHANGHAI
from kiosk.database import unit_of_work
from kiosk.domain.deadlines import incident_report_due
from kiosk.domain.incident_states import IncidentState
from kiosk.domain.working_days import WorkingCalendar
from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.visits import Incident, WatchPerson
from kiosk.services import audit, paging, visits


def acknowledge(incident_id: int, user: User, now: datetime) -> bool:
    """The first named person to acknowledge wins; False when someone already had."""
    with unit_of_work():
        done = db.session.execute(
            update(Incident).where(Incident.id == incident_id, Incident.acknowledged_at.is_(None))
            .values(acknowledged_by_id=user.id, acknowledged_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
    return done == 1


def record_handling(incident: Incident, *, handled_by: str, actions: str, outcome: str, close: bool,
                    user: User, now: datetime, calendar: WorkingCalendar) -> None:
    """Save who handled it, what was done and the outcome; closing sets the report's due date."""
    with unit_of_work():
        incident.handled_by = handled_by
        incident.actions = actions
        incident.outcome = outcome
        if close and incident.closed_at is None:
            incident.closed_at = now
            incident.closed_by_id = user.id
            incident.report_due_at = incident_report_due(now, calendar)


def file_report(incident: Incident, now: datetime) -> None:
    with unit_of_work():
        if incident.closed_at is not None and incident.report_filed_at is None:
            incident.report_filed_at = now


def set_case_study(incident: Incident, value: bool) -> None:
    with unit_of_work():
        if incident.closed_at is not None:
            incident.case_study = value


def overdue_reports(now: datetime) -> list[Incident]:
    return list(db.session.scalars(
        select(Incident).where(Incident.report_due_at < now, Incident.report_filed_at.is_(None))
        .order_by(Incident.report_due_at)
    ).all())


def get_incident(incident_id: int) -> Incident | None:
    return db.session.get(Incident, incident_id)


#: The list's class filter: a class of seed 000 §3, or a watch-list alert (no class).
WATCH_LIST = "watch"


@dataclass(frozen=True)
class IncidentFilter:
    incident_class: str = ""  # "A", "B", "C", WATCH_LIST or "" for all
    state: IncidentState | None = None
    start: date | None = None  # Shanghai days, both included
    end: date | None = None


def _in_state(state: IncidentState, now: datetime):
    """``incident_state`` as a SQL condition (kiosk.domain.incident_states: the later steps win)."""
    closed, filed = Incident.closed_at.is_not(None), Incident.report_filed_at.is_not(None)
    overdue = and_(Incident.report_due_at.is_not(None), Incident.report_due_at < now)
    return {
        IncidentState.AWAITING: and_(Incident.closed_at.is_(None), Incident.acknowledged_at.is_(None)),
        IncidentState.HANDLING: and_(Incident.closed_at.is_(None), Incident.acknowledged_at.is_not(None)),
        IncidentState.REPORT_DUE: and_(closed, ~filed, ~overdue),
        IncidentState.REPORT_OVERDUE: and_(closed, ~filed, overdue),
        IncidentState.DONE: and_(closed, filed),
    }[state]


def incident_page(f: IncidentFilter, viewer: User, now: datetime, page: int = 1) -> paging.Page:
    """One page of the incidents ``viewer`` may see (``visits.may_see_incident``), newest first."""
    where = []
    visible = visits.visible_incidents(viewer)
    if visible is not None:
        where.append(visible)
    if f.incident_class == WATCH_LIST:
        where.append(Incident.incident_class.is_(None))
    elif f.incident_class:
        where.append(Incident.incident_class == f.incident_class)
    if f.state is not None:
        where.append(_in_state(f.state, now))
    if f.start is not None:
        where.append(Incident.opened_at >= datetime.combine(f.start, time(0), SHANGHAI))
    if f.end is not None:
        where.append(Incident.opened_at < datetime.combine(f.end + timedelta(days=1), time(0), SHANGHAI))
    return paging.page_of(
        select(Incident).where(*where)
        .options(joinedload(Incident.visit), joinedload(Incident.acknowledged_by))
        .order_by(Incident.opened_at.desc(), Incident.id.desc()), page)


#: What the audit log keeps of a watch-list entry (the mobile number masked).
_WATCHED = ("name", "mobile", "kind", "alert_role", "note")


def _watched(person: WatchPerson) -> audit.Subject:
    return audit.Subject(audit.ObjectType.WATCH, person.id, person.name)


def watch_people() -> list[WatchPerson]:
    """The watch list, by name."""
    return list(db.session.scalars(select(WatchPerson).order_by(WatchPerson.name)))


def get_watch_person(person_id: int) -> WatchPerson | None:
    return db.session.get(WatchPerson, person_id)


def save_watch_person(person: WatchPerson, *, by: audit.By | None = None, **values) -> WatchPerson:
    with unit_of_work():
        before = audit.fields_of(person, _WATCHED) if person.id else None
        for key, value in values.items():
            setattr(person, key, value)
        db.session.add(person)
        db.session.flush()
        audit.record(by, audit.Action.WATCH_CHANGED if before else audit.Action.WATCH_ADDED, _watched(person),
                     before, audit.fields_of(person, _WATCHED))
    return person


def remove_watch_person(person: WatchPerson, *, by: audit.By | None = None) -> None:
    with unit_of_work():
        audit.record(by, audit.Action.WATCH_REMOVED, _watched(person), audit.fields_of(person, _WATCHED),
                     None)
        db.session.delete(person)
