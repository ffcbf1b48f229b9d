"""The outbox's write side: the messages an event causes, added to the event's own transaction.

``notify`` (the in-app bell) calls :func:`route` with the notification it adds, so every alert the
services raise is routed here, and a rolled-back event leaves neither bell nor message. Which channels an
event kind uses is the domain's default route (``kiosk.domain.messaging.ROUTES``) switched by admins
(``message_routes``); a department's WeCom group gets the department's alerts; each person gets the
personal channels they chose, held until their quiet hours end unless the alert is urgent. Customers get
SMS only from an approved template, at their number of record (:func:`queue_customer_sms`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from kiosk.database import dialect_insert
from kiosk.domain.messaging import (
    PERSONAL,
    STAFF_TEMPLATE,
    Alert,
    Channel,
    Status,
    enabled_channels,
    held_until,
    markdown_text,
    route_for,
    urgent_text,
)
from kiosk.extensions import db
from kiosk.messaging import configured_channels
from kiosk.models.messaging import (
    MessageGroup,
    MessageKey,
    MessagePreference,
    MessageRoute,
    OutboxMessage,
    SmsTemplate,
)
from kiosk.models.notifications import Notification
from kiosk.models.people import Department, Role, User, UserRole


def absolute_url(link: str | None, config: Mapping) -> str | None:
    """The record's address as a link in a message read on a phone (``MESSAGE_BASE_URL`` + path)."""
    if not link:
        return None
    base = (config.get("MESSAGE_BASE_URL") or "").rstrip("/")
    return f"{base}{link}" if base else link


def route_overrides(kind: str) -> dict[tuple[str, str], bool]:
    """The admins' switches of ``kind``'s channels, read once per transaction: an event telling several
    people or groups routes each alert by the same switches, and a switch an admin saves counts from the
    next transaction on (whichever worker runs it)."""
    session = db.session()
    transaction = session.get_transaction()
    if transaction is None:
        return _read_overrides(kind)
    read = session.info.get(_ROUTES_READ)
    if read is None or read[0] is not transaction:
        read = (transaction, {})  # holding the transaction: a later one cannot be mistaken for it
        session.info[_ROUTES_READ] = read
    if kind not in read[1]:
        read[1][kind] = _read_overrides(kind)
    return read[1][kind]


_ROUTES_READ = "outbox.route_overrides"


def _read_overrides(kind: str) -> dict[tuple[str, str], bool]:
    rows = db.session.execute(
        select(MessageRoute.kind, MessageRoute.channel, MessageRoute.enabled).where(MessageRoute.kind == kind)
    )
    return {(k, c): enabled for k, c, enabled in rows}


def approved_template(purpose: str) -> SmsTemplate | None:
    template = db.session.get(SmsTemplate, purpose)
    return template if template is not None and template.approved_at is not None else None


def _message(
    note: Notification | None,
    *,
    kind: str,
    urgent: bool,
    channel: Channel,
    recipient: str,
    address: str,
    alert: Alert,
    now: datetime,
    due: datetime | None = None,
    **extra,
) -> OutboxMessage:
    message = OutboxMessage(
        notification=note,
        kind=kind,
        urgent=urgent,
        channel=channel.value,
        recipient=recipient[:80],
        address=address,
        subject=alert.title[:200],
        text=urgent_text(alert),
        markdown=markdown_text(alert),
        link=note.link if note is not None else None,
        status=Status.PENDING.value,
        attempts=0,
        next_attempt_at=due or now,
        created_at=now,
        **extra,
    )
    db.session.add(message)
    return message


def _people(user: User | None, role: str | None, department: Department | None) -> list[User]:
    if user is not None:
        return [user]
    if department is not None:
        return [u for u in department.users if u.active]
    if role is not None:
        return list(db.session.scalars(select(User).join(UserRole).where(UserRole.role == role, User.active)))
    return []


def _supervisor_mobiles(department: Department) -> tuple[str, ...]:
    """The mobiles a group message @mentions when urgent: the department's supervisors who gave one."""
    rows = db.session.scalars(
        select(MessagePreference.mobile)
        .join(User, User.id == MessagePreference.user_id)
        .join(UserRole)
        .where(
            User.department_id == department.id,
            User.active,
            UserRole.role == Role.SUPERVISOR.value,
            MessagePreference.mobile.is_not(None),
        )
    )
    return tuple(sorted(set(rows)))


def _groups(department: Department | None, copy_to: Iterable[str]) -> list[tuple[Department, MessageGroup]]:
    departments = [department] if department is not None else []
    if copy_to:
        departments += db.session.scalars(select(Department).where(Department.code.in_(list(copy_to)))).all()
    found, seen = [], set()
    for each in departments:
        if each.id in seen:
            continue
        seen.add(each.id)
        group = db.session.get(MessageGroup, each.id)
        if group is not None:
            found.append((each, group))
    return found


def route(
    note: Notification,
    *,
    user: User | None,
    role: str | None,
    department: Department | None,
    where: str | None,
    first_step: str | None,
    procedure: str | None,
    now: datetime,
) -> None:
    """Queue the messages the notification ``note`` causes, in the caller's transaction."""
    default = route_for(note.kind)
    if default is None:
        return
    config = current_app.config
    available = configured_channels(config)
    channels = [c for c in enabled_channels(note.kind, route_overrides(note.kind)) if c in available]
    if not channels:
        return
    urgent = default.urgent or note.level == "urgent"
    alert = Alert(
        title=note.title,
        body=note.body,
        url=absolute_url(note.link, config),
        urgent=urgent,
        where=where,
        first_step=first_step,
        procedure=procedure,
    )
    if Channel.WECOM_GROUP in channels:
        for each, group in _groups(department, default.copy_to):
            mentions = _supervisor_mobiles(each) if urgent else ()
            _message(
                note,
                kind=note.kind,
                urgent=urgent,
                channel=Channel.WECOM_GROUP,
                recipient=f"{each.name}群",
                address=group.webhook_key,
                alert=alert,
                now=now,
                department_id=each.id,
                mentions=",".join(mentions) or None,
            )
    personal = [c for c in channels if c in PERSONAL]
    if not personal:
        return
    people = _people(user, role, department)
    preferences = {
        p.user_id: p
        for p in db.session.scalars(
            select(MessagePreference).where(MessagePreference.user_id.in_([p.id for p in people]))
        )
    }
    staff_sms = approved_template(STAFF_TEMPLATE) if Channel.SMS in personal else None
    for person in people:
        chosen = preferences.get(person.id)
        if chosen is None:
            continue
        wanted = set(chosen.channels.split(","))
        addresses = {
            Channel.WECOM_APP: chosen.wecom_userid,
            Channel.SMS: chosen.mobile,
            Channel.EMAIL: chosen.email,
        }
        due = held_until(now, urgent=urgent, quiet_from=chosen.quiet_from, quiet_to=chosen.quiet_to)
        for channel in personal:
            address = addresses[channel]
            if channel.value not in wanted or not address or (channel is Channel.SMS and staff_sms is None):
                continue
            extra = {}
            if channel is Channel.SMS:
                extra = {
                    "template": STAFF_TEMPLATE,
                    "params": json.dumps(
                        {"title": note.title[:30], "link": alert.url or ""}, ensure_ascii=False
                    ),
                }
            _message(
                note,
                kind=note.kind,
                urgent=urgent,
                channel=channel,
                recipient=person.display_name,
                address=address,
                alert=alert,
                now=now,
                due=due,
                user_id=person.id,
                **extra,
            )


def customer_sms_possible(mobile: str | None) -> bool:
    """Could an SMS go to ``mobile``: a number, and SMS set up (``queue_customer_sms`` checks the
    template too)?"""
    return bool(mobile) and Channel.SMS in configured_channels(current_app.config)


def queue_customer_sms(
    purpose: str,
    mobile: str | None,
    params: Mapping[str, str],
    *,
    recipient: str,
    now: datetime,
    link: str | None = None,
) -> OutboxMessage | None:
    """An SMS to a customer from the approved template of ``purpose``, at the number the caller read from
    the customer's own record; nothing when SMS is not set up or the template is not approved."""
    if not customer_sms_possible(mobile):
        return None
    if approved_template(purpose) is None:
        return None
    alert = Alert(title=purpose, body=json.dumps(dict(params), ensure_ascii=False))
    message = _message(
        None,
        kind=purpose,
        urgent=False,
        channel=Channel.SMS,
        recipient=recipient,
        address=mobile,
        alert=alert,
        now=now,
        template=purpose,
        params=json.dumps(dict(params), ensure_ascii=False),
    )
    message.link = link
    return message


def first_time(key: str, now: datetime) -> bool:
    """Claim the once-only message ``key`` in the caller's transaction: True for the first claimant only,
    whichever worker (``message_keys``; a second one finds the key taken and sends nothing)."""
    return db.session.execute(
        dialect_insert(MessageKey).values(key=key[:80], created_at=now).on_conflict_do_nothing()
        .returning(MessageKey.key)
    ).first() is not None
