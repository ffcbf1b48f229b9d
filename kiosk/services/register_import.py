"""Importing the register from a property ERP's XLSX or CSV export (业主档案导入).

``read_file`` turns the upload into rows (or refuses the file with a readable reason); ``plan`` says for
each row what importing it would do -- created, updated (which fields), unchanged, or refused and why --
without writing; ``apply`` does the same inside one transaction and writes it all, or nothing. Importing
the same file again finds everything unchanged. ``keep`` stores a dry run's file (in the database, under
a random token only its uploader can use, for :data:`KEEP_UPLOAD`) so that ``apply_kept`` imports it
without asking for the file again -- once: importing it deletes it in the same transaction. Projects and
buildings the register does not know are refused unless the import is told to create them (a new
operator's first load).

The writes are bulk inserts (``INSERT ... RETURNING`` in batches), so ten thousand units take seconds
(``bench/import_owners.py``). Two imports at once run one after the other: the second plans against what
the first wrote.
"""

from __future__ import annotations

import csv
import io
import secrets
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, insert, select

from kiosk.database import advisory_lock, unit_of_work
from kiosk.domain.hotline import pinyin_initials
from kiosk.domain.register import PhoneUse, UnitStatus, search_keys
from kiosk.domain.register_import import (
    HEADERS,
    TEMPLATE_EXAMPLE,
    TEMPLATE_FIELDS,
    Reason,
    RegisterRow,
    map_headers,
    read_row,
)
from kiosk.extensions import db
from kiosk.models.property import (
    Building,
    ImportUpload,
    Owner,
    OwnerChange,
    OwnerPhone,
    OwnerSearchKey,
    Project,
    Unit,
    UnitMember,
)
from kiosk.services.kpi import stale
from kiosk.services.register import Actor

#: The largest file taken (an ERP's export of a large estate is well under this).
MAX_BYTES = 5 * 1024 * 1024
#: The most rows read from one file.
MAX_ROWS = 60000
#: The most columns read from a row.
MAX_COLUMNS = 60
#: Rows per bulk INSERT.
BATCH = 1000
#: How long a dry run's file is kept for its import (the nightly job deletes it after), in hours as the
#: import page tells the supervisor.
KEEP_UPLOAD_HOURS = 2
KEEP_UPLOAD = timedelta(hours=KEEP_UPLOAD_HOURS)


class ImportFileRefused(Exception):
    """The file cannot be read as a register (too large, not a spreadsheet, no header row ...): ``reason``
    says why, as a code the web edge words (``kiosk.web.labels.import_reason``)."""

    def __init__(self, code: str, value: object = ""):
        super().__init__(code)
        self.reason = Reason(code, value=str(value))


class RowsRefused(Exception):
    """Some rows are refused: nothing is imported until the file is corrected (``plan`` says which)."""

    def __init__(self, plan: ImportPlan):
        super().__init__(f"{len(plan.refused)} rows refused")
        self.plan = plan


@dataclass
class RowOutcome:
    line: int
    kind: str  # created / updated / unchanged / refused
    label: str = ""
    details: list[Reason] = field(default_factory=list)


@dataclass
class ImportPlan:
    outcomes: list[RowOutcome] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> Counter:
        return Counter(o.kind for o in self.outcomes)

    @property
    def refused(self) -> list[RowOutcome]:
        return [o for o in self.outcomes if o.kind == "refused"]


# --- reading the file ------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook  # imported by an import (kiosk.web.exports.xlsx_bytes says why)
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise ImportFileRefused("xlsx_unreadable") from error
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise ImportFileRefused("no_sheet")
        rows = []
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            if len(rows) > MAX_ROWS:
                raise ImportFileRefused("too_many_rows", MAX_ROWS)
            rows.append(list(row))
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as error:
        raise ImportFileRefused("xlsx_unreadable") from error
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileRefused("csv_encoding")
    if "\x00" in content:
        raise ImportFileRefused("csv_binary")
    try:
        rows = []
        for row in csv.reader(io.StringIO(content)):
            if len(rows) > MAX_ROWS:
                raise ImportFileRefused("too_many_rows", MAX_ROWS)
            rows.append(row[:MAX_COLUMNS])
        return rows
    except csv.Error as error:
        raise ImportFileRefused("csv_malformed") from error


def read_file(filename: str, data: bytes) -> tuple[dict[str, int], list[tuple[int, list[object]]]]:
    """(``{field: column}``, ``[(line, cells), ...]``) of an upload; raises ``ImportFileRefused``."""
    if len(data) > MAX_BYTES:
        raise ImportFileRefused("too_large", MAX_BYTES // (1024 * 1024))
    if not data:
        raise ImportFileRefused("empty")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        rows = _csv_rows(data)
    else:
        raise ImportFileRefused("wrong_type")
    header_at = next((i for i, row in enumerate(rows[:10]) if not map_headers(list(row))[1]), None)
    if header_at is None:
        raise ImportFileRefused("no_header")
    columns, _ = map_headers(list(rows[header_at]))
    body = [(i + 1, row) for i, row in enumerate(rows) if i > header_at
            and any(cell not in (None, "") for cell in row)]
    return columns, body


def template() -> bytes:
    """The downloadable template: our headers and one example row."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("业主档案")
    sheet.append([HEADERS[name][0] for name in TEMPLATE_FIELDS])
    sheet.append(list(TEMPLATE_EXAMPLE))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- planning -----------------------------------------------------------------------------------------


@dataclass
class _Person:
    """A person as the plan sees them: in the register (``id``) or new in this file."""

    name: str
    id: int | None = None
    phones: list[str] = field(default_factory=list)
    contact_time: str = ""
    notes: str = ""
    moved_in_on: date | None = None
    units: set = field(default_factory=set)  # unit keys
    new_phones: list[str] = field(default_factory=list)
    new_units: list[tuple] = field(default_factory=list)  # (unit key, relation, moved in)
    changes: dict[str, tuple] = field(default_factory=dict)  # field -> (old, new)


@dataclass
class _Unit:
    key: tuple  # (project, building, number)
    id: int | None = None
    area: Decimal | None = None
    layout: str = ""
    status: str = UnitStatus.DELIVERED.value
    changed: bool = False


class _Register:
    """What the register holds of the projects a file names, loaded in a few queries."""

    def __init__(self, rows: list[RegisterRow]):
        names = {row.project for row in rows}
        self.projects = dict(db.session.execute(
            select(Project.name, Project.id).where(Project.name.in_(names))).all()) if names else {}
        ids = list(self.projects.values())
        self.buildings = {(project, name): building_id for project, name, building_id in db.session.execute(
            select(Project.name, Building.name, Building.id).select_from(Building)
            .join(Project, Project.id == Building.project_id).where(Project.id.in_(ids)))}
        self.units: dict[tuple, _Unit] = {}
        for project, building, unit in db.session.execute(
                select(Project.name, Building.name, Unit).select_from(Unit)
                .join(Building, Unit.building_id == Building.id)
                .join(Project, Project.id == Building.project_id).where(Project.id.in_(ids))).tuples():
            key = (project, building, unit.number)
            self.units[key] = _Unit(key, unit.id, unit.area, unit.layout, unit.status)
        unit_keys = {u.id: k for k, u in self.units.items()}
        self.people: dict[int, _Person] = {}
        self.members: dict[tuple, tuple[int, str, date | None]] = {}  # (unit key, name) -> person, relation
        members = db.session.execute(
            select(UnitMember.unit_id, UnitMember.relation, UnitMember.moved_in_on, Owner)
            .join(Owner, Owner.id == UnitMember.owner_id)
            .where(UnitMember.unit_id.in_(select(Unit.id).join(Building).where(Building.project_id.in_(ids))))
        ).tuples().all()
        for unit_id, relation, moved_in, owner in members:
            person = self._person(owner)
            person.units.add(unit_keys[unit_id])
            self.members[(unit_keys[unit_id], owner.name)] = (owner.id, relation, moved_in)
        numbers = {n for row in rows for n in row.phones}
        self.by_phone: dict[str, int] = {}
        for number, owner in db.session.execute(
                select(OwnerPhone.number, Owner).join(Owner).where(OwnerPhone.number.in_(numbers),
                                                                   Owner.merged_into_id.is_(None))
                .order_by(Owner.id)).tuples():
            self.by_phone.setdefault((number, owner.name), self._person(owner).id)
        phone_rows = db.session.execute(select(OwnerPhone.owner_id, OwnerPhone.number)
                                        .where(OwnerPhone.owner_id.in_(list(self.people)))
                                        .order_by(OwnerPhone.id)).all() if self.people else []
        for owner_id, number in phone_rows:
            self.people[owner_id].phones.append(number)

    def _person(self, owner: Owner) -> _Person:
        if owner.id not in self.people:
            self.people[owner.id] = _Person(owner.name, owner.id, [], owner.preferred_contact_time,
                                            owner.notes, owner.moved_in_on)
        return self.people[owner.id]


def _compare_unit(unit: _Unit, row: RegisterRow) -> list[Reason]:
    changed = []
    if row.area is not None and unit.area != row.area:
        unit.area = row.area
        changed.append(Reason("changed", "area"))
    if row.layout and unit.layout != row.layout:
        unit.layout = row.layout
        changed.append(Reason("changed", "layout"))
    if row.status is not None and unit.status != row.status.value:
        unit.status = row.status.value
        changed.append(Reason("changed", "status"))
    unit.changed = unit.changed or bool(changed)
    return changed


def _compare_person(person: _Person, row: RegisterRow) -> list[Reason]:
    changed = []
    added = [n for n in row.phones if n not in person.phones and n not in person.new_phones]
    if added:
        person.new_phones += added
        changed.append(Reason("changed", "phones"))
    for name, value in (("contact_time", row.contact_time), ("notes", row.notes)):
        if value and getattr(person, name) != value:
            person.changes[name] = (getattr(person, name), value)
            setattr(person, name, value)
            changed.append(Reason("changed", name))
    return changed


def plan(columns: dict[str, int], body: list[tuple[int, list[object]]], *,
         create_buildings: bool = False) -> tuple[ImportPlan, _Register, dict, list[_Person]]:
    """What importing these rows would do, row by row (reads only)."""
    outcome = ImportPlan(columns=columns)
    rows: list[RegisterRow] = []
    for line, cells in body:
        read = read_row(line, list(cells), columns)
        if isinstance(read, list):
            outcome.outcomes.append(RowOutcome(line, "refused", "", read))
        else:
            rows.append(read)
    register = _Register(rows)
    seen: dict[tuple, int] = {}
    new_people: dict[tuple, _Person] = {}
    new_units: dict[tuple, _Unit] = {}
    for row in rows:
        key = (row.project, row.building, row.number)
        label = f"{row.project} {row.building} {row.number} {row.name}"
        if (key, row.name) in seen:
            outcome.outcomes.append(RowOutcome(row.line, "refused", label,
                                               [Reason("duplicate", value=str(seen[(key, row.name)]))]))
            continue
        unknown = None
        if row.project not in register.projects:
            unknown = Reason("project_unknown", value=row.project)
        elif (row.project, row.building) not in register.buildings:
            unknown = Reason("building_unknown", value=row.building)
        if unknown and not create_buildings:
            outcome.outcomes.append(RowOutcome(row.line, "refused", label, [unknown]))
            continue
        seen[(key, row.name)] = row.line
        unit = register.units.get(key) or new_units.get(key)
        created_unit = unit is None
        if unit is None:
            unit = new_units[key] = _Unit(key, None, row.area, row.layout,
                                          (row.status or UnitStatus.DELIVERED).value)
        details = [] if created_unit else _compare_unit(unit, row)
        member = register.members.get((key, row.name))
        if member is not None:
            person = register.people[member[0]]
            details += _compare_person(person, row)
            kind = "updated" if details else "unchanged"
            outcome.outcomes.append(RowOutcome(row.line, kind, label, details))
            continue
        found = next((register.by_phone[(n, row.name)] for n in row.phones
                      if (n, row.name) in register.by_phone), None)
        person = register.people.get(found) if found else None
        if person is None:
            person = next((new_people[(row.name, n)] for n in row.phones
                           if (row.name, n) in new_people), None)
        kind = "updated" if person is not None and person.id is not None else "created"
        if person is None:
            person = _Person(row.name, None, [], row.contact_time, row.notes, row.handed_over_on)
            person.new_phones = list(row.phones)
            for number in row.phones:
                new_people[(row.name, number)] = person
            new_people.setdefault((row.name, f"#{row.line}"), person)
        else:
            _compare_person(person, row)
        person.new_units.append((key, row.relation, row.handed_over_on))
        person.units.add(key)
        details.append(Reason("unit_created" if created_unit else "unit_joined"))
        outcome.outcomes.append(RowOutcome(row.line, kind, label, details))
    outcome.outcomes.sort(key=lambda o: o.line)
    people = list({id(p): p for p in new_people.values()}.values())
    return outcome, register, new_units, people


# --- applying -------------------------------------------------------------------------------------------


def _insert_returning(model, values: list[dict]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(values), BATCH):
        chunk = values[start:start + BATCH]
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        ids += db.session.scalars(statement, chunk).all()
    return ids


def _insert(model, values: list[dict]) -> None:
    for start in range(0, len(values), BATCH):
        db.session.execute(insert(model), values[start:start + BATCH])


def _write(register: _Register, new_units: dict, new_people: list[_Person], actor: Actor) -> None:
    rows_dates: dict[str, list[date]] = {}
    for person in [*new_people, *register.people.values()]:
        for (project, _, _), _relation, moved_in in person.new_units:
            if moved_in:
                rows_dates.setdefault(project, []).append(moved_in)
    for project in sorted({k[0] for k in new_units} - set(register.projects)):
        dates = rows_dates.get(project)
        item = Project(name=project, address="", delivered_on=min(dates) if dates else None)
        db.session.add(item)
        db.session.flush()
        register.projects[project] = item.id
    for project, building in sorted({k[:2] for k in new_units} - set(register.buildings)):
        item = Building(project_id=register.projects[project], name=building)
        db.session.add(item)
        db.session.flush()
        register.buildings[(project, building)] = item.id
    stale.mark_standing(db.session)  # the owners, units and households below are inserted in bulk
    units = list(new_units.values())
    unit_ids = _insert_returning(Unit, [{"building_id": register.buildings[u.key[:2]], "number": u.key[2],
                                         "area": u.area, "layout": u.layout, "status": u.status}
                                        for u in units])
    for unit, unit_id in zip(units, unit_ids, strict=True):
        unit.id = unit_id
    for unit in register.units.values():
        if unit.changed:
            db.session.execute(Unit.__table__.update().where(Unit.id == unit.id).values(
                area=unit.area, layout=unit.layout, status=unit.status))
    all_units = {**register.units, **new_units}

    people_ids = _insert_returning(Owner, [{
        "name": p.name, "name_initials": pinyin_initials(p.name),
        "mobile": p.new_phones[0] if p.new_phones else None,
        "unit_id": all_units[p.new_units[0][0]].id, "moved_in_on": p.moved_in_on,
        "preferred_contact_time": p.contact_time, "notes": p.notes} for p in new_people])
    for person, person_id in zip(new_people, people_ids, strict=True):
        person.id = person_id
    phones, members, keys, changes = [], [], [], []
    for person in new_people:
        phones += [{"owner_id": person.id, "number": n, "kind": _use(n), "preferred": i == 0, "note": ""}
                   for i, n in enumerate(person.new_phones)]
        keys += [{"owner_id": person.id, "key": key}
                 for key in sorted(search_keys(person.name, person.new_phones))]
        changes.append(_change(actor, person.id, "imported", "", person.name))
    for person in [*new_people, *register.people.values()]:
        members += [{"unit_id": all_units[key].id, "owner_id": person.id, "relation": relation.value,
                     "moved_in_on": moved_in} for key, relation, moved_in in person.new_units]
    _insert(UnitMember, members)
    _insert(OwnerPhone, phones)
    _insert(OwnerSearchKey, keys)
    for person in register.people.values():
        if person.new_phones or person.changes or person.new_units:
            _update_person(person, actor, all_units, changes)
    _insert(OwnerChange, changes)


def _use(number: str) -> str:
    return PhoneUse.MOBILE.value if len(number) == 11 and number.startswith("1") else PhoneUse.LANDLINE.value


def _change(actor: Actor, person_id: int, name: str, old, new) -> dict:
    row = actor.change(person_id, name, old, new)
    return {"owner_id": person_id, "at": row.at, "by_id": row.by_id, "by_name": row.by_name, "field": name,
            "old": row.old, "new": row.new}


def _update_person(person: _Person, actor: Actor, units: dict, changes: list[dict]) -> None:
    """A person already in the register: new numbers and changed fields through the model (its flush hook
    rewrites the search keys), each change in the history."""
    owner = db.session.get(Owner, person.id)
    if person.new_phones:
        before = ", ".join(p.number for p in owner.phones)
        for number in person.new_phones:
            owner.phones.append(OwnerPhone(number=number, kind=_use(number), preferred=not owner.phones,
                                           note=""))
        owner.mobile = owner.mobile or person.new_phones[0]
        changes.append(_change(actor, owner.id, "phones", before, ", ".join(p.number for p in owner.phones)))
    for name, (old, new) in person.changes.items():
        setattr(owner, {"contact_time": "preferred_contact_time"}.get(name, name), new)
        changes.append(_change(actor, owner.id, name, old, new))
    if person.new_units:
        changes.append(_change(actor, owner.id, "units", "", "、".join(
            " ".join(key) for key, _, _ in person.new_units)))
        if owner.unit_id is None:
            owner.unit_id = units[person.new_units[0][0]].id
    db.session.flush()


def dry_run(columns, body, *, create_buildings: bool = False) -> ImportPlan:
    """The plan of an import, nothing written."""
    try:
        return plan(columns, body, create_buildings=create_buildings)[0]
    finally:
        db.session.rollback()


def apply(columns, body, *, actor: Actor, create_buildings: bool = False) -> ImportPlan:
    """Import the rows, all in one transaction, or nothing: a file with a refused row raises ``RowsRefused``
    and writes nothing (the person corrects the file and imports it again)."""
    with unit_of_work():
        advisory_lock("register-import")  # one import at a time
        outcome, register, new_units, new_people = plan(columns, body, create_buildings=create_buildings)
        if outcome.refused:
            raise RowsRefused(outcome)
        _write(register, new_units, new_people, actor)
    return outcome


# --- a dry run's file, kept for its import ------------------------------------------------------------


def keep(filename: str, data: bytes, *, create_buildings: bool, user_id: int, now: datetime) -> str:
    """Keep a dry run's file for its import; the token that finds it again (only for ``user_id``)."""
    token = secrets.token_urlsafe(32)
    with unit_of_work():
        db.session.add(ImportUpload(token=token, user_id=user_id, filename=filename[:200], data=data,
                                    create_buildings=create_buildings, created_at=now,
                                    expires_at=now + KEEP_UPLOAD))
    return token


def apply_kept(token: str, *, actor: Actor, user_id: int, now: datetime) -> ImportPlan:
    """Import the file a dry run kept, and forget it, in one transaction: two imports of one dry run at once
    import it once (the second finds it gone: ``ImportFileRefused("upload_gone")``). Rows refused now (the
    register changed since) raise ``RowsRefused`` and keep the file."""
    with unit_of_work():
        advisory_lock("register-import")  # one import at a time
        upload = db.session.scalar(select(ImportUpload).where(
            ImportUpload.token == token, ImportUpload.user_id == user_id, ImportUpload.expires_at > now))
        if upload is None:
            raise ImportFileRefused("upload_gone")
        columns, body = read_file(upload.filename, upload.data)
        create_buildings = upload.create_buildings
        db.session.delete(upload)
        outcome, register, new_units, new_people = plan(columns, body, create_buildings=create_buildings)
        if outcome.refused:
            raise RowsRefused(outcome)
        _write(register, new_units, new_people, actor)
    return outcome


def purge_uploads(now: datetime) -> int:
    """Delete the kept files whose time is up; how many."""
    with unit_of_work():
        return db.session.execute(delete(ImportUpload).where(ImportUpload.expires_at <= now)).rowcount
