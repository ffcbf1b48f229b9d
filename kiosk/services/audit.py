"""The administration audit log: one row for each administrative change, written in the change's own
transaction (a change rolled back leaves no row; a row without its change cannot exist).

Every verb that changes users, departments, tablets, the calendar, the deadline policy, the phrase book,
the answer book, the "114" directory, a model home's checklist or the watch list takes ``by`` (who, from
which address, when) and calls :func:`record` before its commit. ``by=None`` is for seeding and tests only:
every view passes one. The app only ever inserts here; the database refuses updates and deletes
(migration ``5e1a7c3b9d42``).

What is kept of a change: the fields that changed, before and after. Never a password or its hash (a reset
is its own action with no values); phone numbers and ID numbers masked (``kiosk.domain.masking``), compared
before masking so that a changed number still shows as changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import select

from kiosk.clock import SHANGHAI
from kiosk.domain.masking import mask_id, mask_phone
from kiosk.extensions import db
from kiosk.models.audit import AdminAudit
from kiosk.models.people import User
from kiosk.services import paging


class Action(StrEnum):
    USER_CREATED = "user.created"
    USER_CHANGED = "user.changed"
    USER_ROLES = "user.roles"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_PASSWORD_RESET = "user.password_reset"
    DEPARTMENT_CREATED = "department.created"
    DEPARTMENT_CHANGED = "department.changed"
    DEVICE_REGISTERED = "device.registered"
    DEVICE_PAIRING_CODE = "device.pairing_code"
    DEVICE_PAIRED = "device.paired"
    DEVICE_REVOKED = "device.revoked"
    CALENDAR_SET = "calendar.set"
    CALENDAR_REMOVED = "calendar.removed"
    DEADLINE_POLICY = "policy.deadlines"
    CALLBACK_RETRY_POLICY = "policy.callback_retries"
    ENTRY_CREATED = "entry.created"
    ENTRY_CHANGED = "entry.changed"
    ENTRY_DELETED = "entry.deleted"
    CHECK_CREATED = "check.created"
    CHECK_CHANGED = "check.changed"
    MODEL_HOME_SUPERVISOR = "model_home.supervisor"
    WATCH_ADDED = "watch.added"
    WATCH_CHANGED = "watch.changed"
    WATCH_REMOVED = "watch.removed"
    MESSAGE_ROUTE = "message.route"
    MESSAGE_GROUP = "message.group"
    SMS_TEMPLATE = "message.sms_template"
    WEBHOOK_TOKEN = "switchboard.webhook_token"


class ObjectType(StrEnum):
    USER = "user"
    DEPARTMENT = "department"
    DEVICE = "device"
    CALENDAR = "calendar"
    POLICY = "policy"
    PHRASE = "phrase"
    ANSWER = "answer"
    DIRECTORY = "directory"
    CHECK = "check"
    MODEL_HOME = "model_home"
    WATCH = "watch"
    MESSAGING = "messaging"
    SWITCHBOARD = "switchboard"


#: Fields holding a phone number or an ID number: stored masked.
PHONE_FIELDS = frozenset({"phone", "mobile"})
ID_FIELDS = frozenset({"id_number"})


@dataclass(frozen=True)
class By:
    """Who makes an administrative change (None: a tablet pairing itself, or a ``flask`` command on the
    server, whose address is empty), from which address (the client's, ``request.remote_addr`` behind the
    proxy fix), and when."""

    user: User | None
    address: str
    now: datetime


@dataclass(frozen=True)
class Subject:
    """What was changed: its type, its id and a label a person recognises (a name, a day)."""

    type: ObjectType
    id: object
    label: str


def plain(value):
    """A value as the JSON columns keep it: dates and times as ISO text, sets as sorted lists."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value // timedelta(minutes=1)
    if isinstance(value, set | frozenset | tuple | list):
        return sorted(plain(v) for v in value)
    return value


def fields_of(obj, names) -> dict:
    return {name: plain(getattr(obj, name)) for name in names}


def changed(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the fields whose value differs (all of them for a creation or a deletion)."""
    if before is None or after is None:
        return before, after
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _masked(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: (mask_phone(v) if k in PHONE_FIELDS else mask_id(v) if k in ID_FIELDS else v)
            if isinstance(v, str) and v else v for k, v in values.items()}


def record_admin_change(actor: User | None, address: str, action: Action, obj: Subject, before: dict | None,
                        after: dict | None, now: datetime) -> AdminAudit | None:
    """Add the audit row of one change to the session's open transaction (the caller commits it with the
    change). Only changed fields are kept; an edit that changed nothing is not a change and leaves no row."""
    before, after = changed(before, after)
    if before == after == {}:
        return None
    row = AdminAudit(
        at=now, actor_id=actor.id if actor is not None else None,
        actor_username=actor.username if actor is not None else "", address=(address or "")[:64],
        action=Action(action).value, object_type=ObjectType(obj.type).value,
        object_id=str(obj.id if obj.id is not None else "")[:40], object_label=(obj.label or "")[:120],
        before=_masked(before), after=_masked(after),
    )
    db.session.add(row)
    return row


def record(by: By | None, action: Action, obj: Subject, before: dict | None, after: dict | None) -> None:
    """:func:`record_admin_change` for a verb given ``by`` (nothing when it was not: seeding, tests)."""
    if by is not None:
        record_admin_change(by.user, by.address, action, obj, before, after, by.now)


# ---- reading the log (admins) --------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    object_type: str = ""
    action: str = ""
    start: date | None = None  # Shanghai days, both included
    end: date | None = None


def _where(f: AuditFilter) -> list:
    where = []
    if f.actor_id is not None:
        where.append(AdminAudit.actor_id == f.actor_id)
    if f.object_type:
        where.append(AdminAudit.object_type == f.object_type)
    if f.action:
        where.append(AdminAudit.action == f.action)
    if f.start is not None:
        where.append(AdminAudit.at >= datetime.combine(f.start, time(0), SHANGHAI))
    if f.end is not None:
        where.append(AdminAudit.at < datetime.combine(f.end + timedelta(days=1), time(0), SHANGHAI))
    return where


def audit_page(f: AuditFilter, page: int = 1) -> paging.Page:
    """One page of the log, newest first."""
    return paging.page_of(select(AdminAudit).where(*_where(f))
                          .order_by(AdminAudit.at.desc(), AdminAudit.id.desc()), page)


def actors() -> list[User]:
    """Everyone who appears in the log, for the filter's picker (also deactivated people)."""
    ids = select(AdminAudit.actor_id).where(AdminAudit.actor_id.is_not(None)).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.username)))
