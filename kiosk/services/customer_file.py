"""The customer file (客户动态档案): every contact with a person in one timeline, and its summary for the
agent who takes their call.

A person's contacts are found by what links them: calls linked to their file, task slips and kiosk visits
and sales files under one of their numbers, callbacks to them or after their slips, visits to their units.
Each source is one bounded query (``LIMIT``), by an indexed column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kiosk.clock import SHANGHAI
from kiosk.domain.callbacks import next_periodic_callback
from kiosk.domain.hotline import CallCategory
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind, CallbackStatus
from kiosk.models.calls import Call
from kiosk.models.coverage import UnitVisit
from kiosk.models.property import Building, Owner, Unit, UnitMember
from kiosk.models.sales import BuyerFile
from kiosk.models.tasks import SlipStatus, TaskSlip
from kiosk.models.visits import Incident, Visit
from kiosk.services.register import missing_fields

#: The most entries of each kind a file shows (the call log and the slip list have the rest).
PER_KIND = 50


@dataclass(frozen=True)
class Entry:
    """One contact: ``kind`` (call, slip, callback, visit, incident, sale, unit_visit), the record's id."""

    at: datetime
    kind: str
    ref: int
    title: str
    detail: str = ""
    state: str = ""
    complaint: bool = False
    phrases: tuple[str, ...] = ()  # a call's standard phrases used, by stage, in the order used


@dataclass
class FileSummary:
    """What the agent sees beside a call: open slips, last contact, complaints, next periodic callback."""

    person: Owner
    open_slips: list[TaskSlip] = field(default_factory=list)
    last_contact: Entry | None = None
    complaints: list[TaskSlip] = field(default_factory=list)
    next_callback: datetime | None = None
    missing: list[str] = field(default_factory=list)


def numbers_of(person: Owner) -> list[str]:
    return sorted({p.number for p in person.phones} | ({person.mobile} if person.mobile else set()))


def _calls(person: Owner) -> list[Entry]:
    calls = db.session.scalars(select(Call).where(Call.owner_id == person.id)
                               .options(selectinload(Call.phrase_uses), selectinload(Call.agent))
                               .order_by(Call.id.desc()).limit(PER_KIND))
    return [Entry(call.answered_at or call.ringing_at or call.created_at, "call", call.id,
                  call.category or "", call.description[:120],
                  call.disposition or call.state, call.category == CallCategory.COMPLAINT.value,
                  _stages(call)) for call in calls]


def _stages(call: Call) -> tuple[str, ...]:
    return tuple(dict.fromkeys(use.stage for use in sorted(call.phrase_uses, key=lambda u: u.used_at)))


def _slips(numbers: list[str]) -> list[TaskSlip]:
    if not numbers:
        return []
    return list(db.session.scalars(select(TaskSlip).where(TaskSlip.caller_phone.in_(numbers))
                                   .order_by(TaskSlip.id.desc()).limit(PER_KIND)))


def _callbacks(person: Owner, slips: list[TaskSlip]) -> list[Callback]:
    slip_ids = [s.id for s in slips]
    condition = Callback.property_owner_id == person.id
    if slip_ids:
        condition = or_(condition, Callback.slip_id.in_(slip_ids))
    return list(db.session.scalars(select(Callback).where(condition).order_by(Callback.id.desc())
                                   .limit(PER_KIND)))


def _visits(numbers: list[str]) -> list[Entry]:
    mobiles = [n for n in numbers if len(n) == 11]
    if not mobiles:
        return []
    rows = db.session.execute(select(Visit, Incident).outerjoin(Incident, Incident.visit_id == Visit.id)
                              .where(Visit.mobile.in_(mobiles)).order_by(Visit.id.desc()).limit(PER_KIND)).all()
    entries = []
    for visit, incident in rows:
        entries.append(Entry(visit.signed_in_at, "visit", visit.id, visit.purpose, visit.place,
                             "out" if visit.signed_out_at else "in", visit.purpose == "complaint"))
        if incident is not None:
            entries.append(Entry(incident.opened_at, "incident", incident.id, incident.incident_class or "",
                                 incident.reason))
    return entries


def _sales(person: Owner, numbers: list[str]) -> list[Entry]:
    units = [m.unit_id for m in person.memberships]
    conditions = []
    if numbers:
        conditions.append(BuyerFile.mobile.in_(numbers))
    if units:
        conditions.append(BuyerFile.unit_id.in_(units))
    if not conditions:
        return []
    files = db.session.scalars(select(BuyerFile).where(or_(*conditions))
                               .options(selectinload(BuyerFile.steps))
                               .order_by(BuyerFile.id.desc()).limit(PER_KIND))
    entries = []
    for file in files:
        for step in file.steps:
            detail = f"¥{step.amount:,}" if step.amount else step.document_no
            entries.append(Entry(step.recorded_at, "sale", file.id, step.step, detail))
    return entries


def _unit_visits(unit_ids: list[int]) -> list[UnitVisit]:
    if not unit_ids:
        return []
    return list(db.session.scalars(select(UnitVisit).where(UnitVisit.unit_id.in_(unit_ids))
                                   .options(selectinload(UnitVisit.by)).order_by(UnitVisit.on_date.desc())
                                   .limit(PER_KIND)))


def _slip_entries(slips: list[TaskSlip]) -> list[Entry]:
    return [Entry(s.opened_at, "slip", s.id, s.number, s.description[:120], s.status,
                  s.category == CallCategory.COMPLAINT.value) for s in slips]


def _callback_entries(callbacks: list[Callback]) -> list[Entry]:
    return [Entry(c.done_at or c.due_at, "callback", c.id, c.kind, c.note[:120], c.result or c.status)
            for c in callbacks]


def _unit_visit_entries(visits: list[UnitVisit]) -> list[Entry]:
    return [Entry(v.created_at, "unit_visit", v.id, v.kind, v.note[:120],
                  v.by.display_name if v.by else "") for v in visits]


def timeline(person: Owner) -> list[Entry]:
    """Every contact with the person, newest first."""
    numbers = numbers_of(person)
    slips = _slips(numbers)
    entries = [*_calls(person), *_slip_entries(slips), *_callback_entries(_callbacks(person, slips)),
               *_visits(numbers), *_sales(person, numbers),
               *_unit_visit_entries(_unit_visits([m.unit_id for m in person.memberships]))]
    return sorted(entries, key=lambda e: (e.at, e.kind, e.ref), reverse=True)


def next_periodic(person: Owner, today) -> datetime | None:
    """When the next periodic callback is due: the one pending, else the schedule's next day (seed 001
    制度3 §5, monthly in the project's first year after delivery, quarterly after)."""
    pending = db.session.scalar(select(Callback.due_at).where(
        Callback.property_owner_id == person.id, Callback.kind == CallbackKind.PERIODIC.value,
        Callback.status == CallbackStatus.PENDING.value))
    if pending is not None:
        return pending
    delivered = person.unit.building.project.delivered_on if person.unit else None
    if delivered is None:
        return None
    last = db.session.scalar(select(Callback.done_at).where(
        Callback.property_owner_id == person.id, Callback.kind == CallbackKind.PERIODIC.value,
        Callback.done_at.is_not(None)).order_by(Callback.done_at.desc()).limit(1))
    day = next_periodic_callback(delivered, last.astimezone(SHANGHAI).date() if last else None, today)
    return datetime.combine(day, datetime.min.time(), tzinfo=SHANGHAI)


def summary(person: Owner, now: datetime) -> FileSummary:
    """The caller's file in brief, for the call screen (one function, one partial template)."""
    numbers = numbers_of(person)
    slips = _slips(numbers)
    open_slips = [s for s in slips if s.status != SlipStatus.CLOSED.value]
    complaints = [s for s in slips if s.category == CallCategory.COMPLAINT.value]
    last = db.session.scalar(select(Call).where(Call.owner_id == person.id, Call.answered_at.is_not(None),
                                                Call.ended_at.is_not(None))
                             .order_by(Call.answered_at.desc()).limit(1))
    last_entry = Entry(last.answered_at, "call", last.id, last.category or "", last.description[:80]) \
        if last else None
    if slips and (last_entry is None or slips[0].opened_at > last_entry.at):
        last_entry = _slip_entries(slips[:1])[0]
    return FileSummary(person, open_slips, last_entry, complaints,
                       next_periodic(person, now.astimezone(SHANGHAI).date()), missing_fields(person))


def units_of(person: Owner) -> list[UnitMember]:
    return list(db.session.scalars(select(UnitMember).where(UnitMember.owner_id == person.id).options(
        selectinload(UnitMember.unit).selectinload(Unit.building).selectinload(Building.project))
        .order_by(UnitMember.id)))


def unit_timeline(unit: Unit) -> list[Entry]:
    """Every contact with the unit's people and the unit itself, newest first (each entry once)."""
    seen: set[tuple[str, int]] = set()
    entries = []
    for member in unit.members:
        for entry in timeline(member.owner):
            if (entry.kind, entry.ref) not in seen:
                seen.add((entry.kind, entry.ref))
                entries.append(entry)
    for entry in _unit_visit_entries(_unit_visits([unit.id])):
        if (entry.kind, entry.ref) not in seen:
            seen.add((entry.kind, entry.ref))
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.at, e.kind, e.ref), reverse=True)
