"""The owner register (业主档案): find a person, read and correct their file, merge two files of one person.

Every correction of a file keeps its history (who, when, which field, old and new value: ``OwnerChange``);
merging two files of the same person moves the second file's units, numbers, calls, callbacks and history
to the first, which records the merge, and leaves the second pointing at it (``merged_into_id``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from kiosk.database import unit_of_work
from kiosk.domain.kpi import missing_profile_fields
from kiosk.domain.register import (
    LAST_DIGITS,
    PhoneUse,
    Relation,
    building_names,
    parse_unit_query,
    phone_digits,
    prefix_range,
)
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackStatus
from kiosk.models.calls import Call
from kiosk.models.coverage import UnitVisit
from kiosk.models.people import User
from kiosk.models.property import (
    Building,
    Owner,
    OwnerChange,
    OwnerPhone,
    OwnerSearchKey,
    Project,
    Unit,
    UnitMember,
)
from kiosk.services.kpi import stale

#: The most results a search shows (the agent narrows with another word).
SEARCH_LIMIT = 20
#: The most words of a search that are used.
SEARCH_WORDS = 5


class RegisterRefused(Exception):
    """A change the register does not take: ``code`` says why (the web edge words it)."""

    GONE = "gone"  # the file was merged or removed meanwhile
    PHONE_TAKEN = "phone_taken"
    PHONE_GONE = "phone_gone"
    UNIT_TAKEN = "unit_taken"
    MERGE_SELF = "merge_self"
    MERGE_GONE = "merge_gone"

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- finding a person ------------------------------------------------------------------------------


def _keys_in(prefix: str):
    low, high = prefix_range(prefix)
    return select(OwnerSearchKey.owner_id).where(OwnerSearchKey.key >= low, OwnerSearchKey.key < high)


def _members_of_units(unit_filter):
    return (select(UnitMember.owner_id).join(Unit, Unit.id == UnitMember.unit_id)
            .join(Building, Building.id == Unit.building_id).where(*unit_filter))


def _word_matches(word: str):
    """The ids of the people one search word finds (a subquery on indexed columns where it can be)."""
    unit = parse_unit_query(word)
    if unit is not None:
        building, number = unit
        return _members_of_units([Building.name.in_(building_names(building)), Unit.number == number])
    compact = word.replace("-", "")
    if compact.isascii() and compact.isdigit():
        found = _members_of_units([Unit.number == word])
        if len(compact) == LAST_DIGITS:
            found = found.union(select(OwnerSearchKey.owner_id).where(OwnerSearchKey.key == f"t4:{compact}"))
        elif len(compact) > LAST_DIGITS:
            found = found.union(_keys_in(f"tel:{compact}"))
        return found
    if word.isascii() and word.isalpha():
        return _keys_in(f"py:{word.lower()}").union(_keys_in(f"lw:{word.lower()}"))
    projects = select(Project.id).where(Project.name.contains(word, autoescape=True))
    return (select(OwnerSearchKey.owner_id).where(OwnerSearchKey.key == f"nm:{''.join(word.split())}")
            .union(_members_of_units([Building.name == word]),
                   _members_of_units([Building.project_id.in_(projects)])))


def search(query: str, limit: int = SEARCH_LIMIT) -> list[Owner]:
    """The people matching every word of ``query``, by name (then id), files merged away left out.

    A word is a name or part of it ("张", "建华"), pinyin initials ("zjh"; every reading of the surname:
    "zxm" and "cxm" both find 曾小明), a word of a Latin name or its start ("Smith", "smi"), a unit
    ("3栋1201", "3-1201"), a unit number ("1201"), a phone number or its start, the last four digits of a
    number, a building ("3栋") or a project ("湘江").
    """
    words = query.split()[:SEARCH_WORDS]
    if not words:
        return []
    statement = select(Owner).where(Owner.merged_into_id.is_(None))
    for word in words:
        statement = statement.where(Owner.id.in_(_word_matches(word)))
    statement = statement.options(selectinload(Owner.memberships).selectinload(UnitMember.unit)
                                  .selectinload(Unit.building).selectinload(Building.project),
                                  selectinload(Owner.phones))
    return list(db.session.scalars(statement.order_by(Owner.name, Owner.id).limit(limit)))


def caller_profile(number: str) -> Owner | None:
    """The person whose file holds this number (any of their numbers), the oldest file first."""
    digits = phone_digits(number or "")
    if not digits:
        return None
    statement = (select(Owner).join(OwnerPhone, OwnerPhone.owner_id == Owner.id)
                 .where(OwnerPhone.number == digits, Owner.merged_into_id.is_(None)).order_by(Owner.id))
    return db.session.scalar(statement.limit(1))


def get_person(person_id: int) -> Owner | None:
    person = db.session.get(Owner, person_id)
    while person is not None and person.merged_into_id is not None:
        person = db.session.get(Owner, person.merged_into_id)
    return person


def get_unit(unit_id: int) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.id == unit_id).options(
        selectinload(Unit.members).selectinload(UnitMember.owner).selectinload(Owner.phones),
        selectinload(Unit.building).selectinload(Building.project)))


def find_unit(project_id: int | None, text: str) -> Unit | None:
    """The unit ``text`` names ("3栋1201", "3-1201") in the project, or ``None``."""
    parsed = parse_unit_query(text or "")
    if parsed is None or not project_id:
        return None
    building, number = parsed
    return db.session.scalar(select(Unit).join(Building).where(
        Building.project_id == project_id, Building.name.in_(building_names(building)),
        Unit.number == number))


def get_project(project_id: int) -> Project | None:
    return db.session.get(Project, project_id)


def projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.name)))


def history(person: Owner, limit: int = 100) -> list[OwnerChange]:
    return list(db.session.scalars(select(OwnerChange).where(OwnerChange.owner_id == person.id)
                                   .order_by(OwnerChange.at.desc(), OwnerChange.id.desc()).limit(limit)))


# --- the profile and what it lacks ------------------------------------------------------------------


def missing_fields(person: Owner) -> list[str]:
    """The fields of seed 004's complete profile this file lacks (:data:`PROFILE_REQUIRED_FIELDS`)."""
    return missing_profile_fields({"name": person.name, "mobile": person.mobile,
                                   "unit": person.unit_id, "moved_in_on": person.moved_in_on})


# --- changing a file ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    user: User | None
    now: datetime

    def change(self, person_id: int, field: str, old, new) -> OwnerChange:
        return OwnerChange(owner_id=person_id, at=self.now, by_id=self.user.id if self.user else None,
                           by_name=self.user.display_name if self.user else "", field=field,
                           old=_text(old), new=_text(new))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


#: The fields of a person that the profile form corrects.
PROFILE_FIELDS = ("name", "moved_in_on", "preferred_contact_time", "notes")


def _locked(person_id: int) -> Owner:
    person = db.session.scalar(select(Owner).where(Owner.id == person_id).with_for_update())
    if person is None or person.merged_into_id is not None:
        raise RegisterRefused(RegisterRefused.GONE)
    return person


def update_profile(person_id: int, values: dict, *, actor: Actor) -> Owner:
    """Correct the profile fields; each changed field is one history row (a text left empty is "")."""
    values = {k: ("" if v is None and k != "moved_in_on" else v) for k, v in values.items()}
    with unit_of_work():
        person = _locked(person_id)
        for field in PROFILE_FIELDS:
            if field in values and getattr(person, field) != values[field]:
                db.session.add(actor.change(person.id, field, getattr(person, field), values[field]))
                setattr(person, field, values[field])
    return person


def create_person(values: dict, *, unit: Unit | None, relation: Relation, phone: str | None,
                  actor: Actor) -> Owner:
    """A new file: the person, their first number (preferred) and their first unit."""
    with unit_of_work():
        person = Owner(**{f: values.get(f) for f in PROFILE_FIELDS if f in values}, mobile=phone)
        if phone:
            person.phones.append(OwnerPhone(number=phone, kind=_phone_use(phone), preferred=True, note=""))
        if unit is not None:
            person.unit_id = unit.id
            person.memberships.append(UnitMember(unit_id=unit.id, relation=relation.value,
                                                 moved_in_on=values.get("moved_in_on")))
        db.session.add(person)
        db.session.flush()
        db.session.add(actor.change(person.id, "created", "", person.name))
    return person


def _phone_use(number: str) -> str:
    return PhoneUse.MOBILE.value if len(number) == 11 and number.startswith("1") else PhoneUse.LANDLINE.value


def _numbers(person: Owner) -> str:
    return ", ".join(p.number + ("*" if p.preferred else "") for p in person.phones)


@contextmanager
def _numbers_changed(person_id: int, actor: Actor) -> Iterator[Owner]:
    """Change a person's numbers in one write, kept in the history as the list before and after."""
    with unit_of_work():
        person = _locked(person_id)
        before = _numbers(person)
        yield person
        db.session.flush()
        db.session.add(actor.change(person.id, "phones", before, _numbers(person)))


def _phone_of(person: Owner, phone_id: int) -> OwnerPhone:
    chosen = next((p for p in person.phones if p.id == phone_id), None)
    if chosen is None:
        raise RegisterRefused(RegisterRefused.PHONE_GONE)
    return chosen


def add_phone(person_id: int, number: str, *, preferred: bool, note: str, actor: Actor) -> Owner:
    with _numbers_changed(person_id, actor) as person:
        if any(p.number == number for p in person.phones):
            raise RegisterRefused(RegisterRefused.PHONE_TAKEN)
        first = not person.phones
        if preferred or first:
            for phone in person.phones:
                phone.preferred = False
            person.mobile = number
        person.phones.append(OwnerPhone(number=number, kind=_phone_use(number), preferred=preferred or first,
                                        note=note))
    return person


def prefer_phone(person_id: int, phone_id: int, *, actor: Actor) -> Owner:
    """Make this number the one to call."""
    with _numbers_changed(person_id, actor) as person:
        chosen = _phone_of(person, phone_id)
        for phone in person.phones:
            phone.preferred = phone is chosen
        person.mobile = chosen.number
    return person


def remove_phone(person_id: int, phone_id: int, *, actor: Actor) -> Owner:
    """Drop a number; when it was the one to call, the next one becomes it."""
    with _numbers_changed(person_id, actor) as person:
        chosen = _phone_of(person, phone_id)
        person.phones.remove(chosen)
        if chosen.preferred and person.phones:
            person.phones[0].preferred = True
        person.mobile = next((p.number for p in person.phones if p.preferred), None)
    return person


def _units(person: Owner) -> str:
    return ", ".join(f"{m.unit.label}（{m.relation}）" for m in person.memberships)


def add_membership(person_id: int, unit: Unit, relation: Relation, moved_in_on: date | None, *,
                   actor: Actor) -> Owner:
    """The person belongs to one more unit (a person may hold several)."""
    with unit_of_work():
        person = _locked(person_id)
        if any(m.unit_id == unit.id for m in person.memberships):
            raise RegisterRefused(RegisterRefused.UNIT_TAKEN)
        before = _units(person)
        person.memberships.append(UnitMember(unit=unit, relation=relation.value, moved_in_on=moved_in_on))
        if person.unit_id is None:
            person.unit_id = unit.id
            if person.moved_in_on is None and moved_in_on is not None:
                person.moved_in_on = moved_in_on
        db.session.flush()
        db.session.add(actor.change(person.id, "units", before, _units(person)))
    return person


def merge(keep_id: int, drop_id: int, *, actor: Actor) -> Owner:
    """File ``drop_id`` is the same person as ``keep_id``: everything of it moves to ``keep_id``, both
    histories stay (the dropped file's rows now belong to the kept one), the dropped file points at it."""
    if keep_id == drop_id:
        raise RegisterRefused(RegisterRefused.MERGE_SELF)
    with unit_of_work():
        first, second = sorted((keep_id, drop_id))
        locked = {o.id: o for o in db.session.scalars(
            select(Owner).where(Owner.id.in_((first, second))).order_by(Owner.id).with_for_update())}
        keep, drop = locked.get(keep_id), locked.get(drop_id)
        if keep is None or drop is None or keep.merged_into_id or drop.merged_into_id:
            raise RegisterRefused(RegisterRefused.MERGE_GONE)
        units = {m.unit_id for m in keep.memberships}
        for member in list(drop.memberships):
            if member.unit_id not in units:
                keep.memberships.append(UnitMember(unit_id=member.unit_id, relation=member.relation,
                                                   moved_in_on=member.moved_in_on))
        numbers = {p.number for p in keep.phones}
        for phone in list(drop.phones):
            if phone.number not in numbers:
                keep.phones.append(OwnerPhone(number=phone.number, kind=phone.kind, preferred=False,
                                              note=phone.note))
        for field in ("moved_in_on", "unit_id", "mobile"):
            if getattr(keep, field) is None and getattr(drop, field) is not None:
                setattr(keep, field, getattr(drop, field))
        drop.memberships.clear()
        drop.phones.clear()
        drop.mobile, drop.unit_id, drop.merged_into_id = None, None, keep.id
        db.session.flush()
        # One pending periodic callback per person (the scheduler makes the next one from the merged history).
        db.session.execute(delete(Callback).where(Callback.property_owner_id == drop.id,
                                                  Callback.status == CallbackStatus.PENDING.value))
        stale.mark_since(db.session, date.min)  # the calls, callbacks and visits below change owner in bulk
        for model, column in ((OwnerChange, OwnerChange.owner_id), (Call, Call.owner_id),
                              (Callback, Callback.property_owner_id), (UnitVisit, UnitVisit.owner_id)):
            db.session.execute(update(model).where(column == drop.id).values({column.key: keep.id}))
        db.session.add(actor.change(keep.id, "merged", f"#{drop.id} {drop.name}", f"#{keep.id} {keep.name}"))
    return keep


def people_count() -> int:
    return db.session.scalar(select(func.count(Owner.id)).where(Owner.merged_into_id.is_(None))) or 0
