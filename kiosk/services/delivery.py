"""The outbox's delivery side: claim due messages, hand each to its channel, record what came of it; the
dead-letter list, escalation of unacknowledged alerts, the purge, and the reads pages show.

Exactly one delivery per message across workers, and what "exactly" can honestly mean here:

* A worker claims a batch with ``UPDATE … SET status='claimed', lease_holder=<this claim> WHERE id IN (…)
  AND <pending and due, or claimed with a lapsed lease>`` and keeps only the rows its update touched
  (SQLite: ``BEGIN IMMEDIATE`` queues the claimers; PostgreSQL re-checks the condition after the row lock,
  so the second claimant skips the row).
* Before calling the provider it commits ``status='sending'`` (with ``handed_at``), conditional on still
  holding the claim. A worker killed before that point leaves a claimed row whose lease lapses: another
  worker sends it (nothing went out yet).
* A worker killed after that point (or a provider that took the request and never answered) leaves a row
  whose outcome nobody knows. It is **never sent again by itself**: :func:`recover_in_doubt` marks it
  ``unknown`` and it joins the dead-letter list for an admin to check and, if need be, send again. None of
  our providers can be asked "did you get message X" and the WeCom group robot drops no duplicate, so the
  choice is between a possible duplicate and a possible loss in that narrow window: at most once there,
  because every urgent alert also stays on the bell and climbs the escalation chain until someone
  acknowledges it (nothing is silently lost), while a duplicated SMS to a customer cannot be taken back.
  Everywhere else delivery is at least once with retries (connection refused, 5xx, rate limits): those
  failures are certain the provider did not take the message.
"""

from __future__ import annotations

import json
import secrets
import time as wall
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update

from kiosk.clock import local
from kiosk.database import advisory_lock, dialect_insert, unit_of_work, upsert
from kiosk.domain.messaging import (
    NEEDS_ADMIN,
    ROUTED_CHANNELS,
    ROUTES,
    STAFF_TEMPLATE,
    Channel,
    Status,
    enabled_channels,
    escalation_step,
    rate_wait,
    retry_delay,
)
from kiosk.extensions import db
from kiosk.messaging import PERMANENT, RETRY, UNKNOWN, DeliveryError, Envelope, Sender, senders
from kiosk.models.messaging import (
    AlertEscalation,
    DeliveryAttempt,
    MessageGroup,
    MessageKey,
    MessagePreference,
    MessageRoute,
    OutboxMessage,
    ProviderToken,
    SmsTemplate,
)
from kiosk.models.notifications import Notification, NotificationRead
from kiosk.models.people import Department, Role, User
from kiosk.models.visits import Incident
from kiosk.services import audit, outbox, sales
from kiosk.services.notifications import notify
from kiosk.services.outbox import approved_template

BATCH = 20
#: The kinds whose urgent alerts climb the chain when nobody acknowledges them.
ESCALATING = ("visitor_incident", "hotline_emergency")
INCIDENT_LINK = "/visitors/incidents/"


class DatabaseTokens:
    """The providers' access tokens in ``provider_tokens``: one token for every worker, renewed on expiry."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def get(self, name: str) -> str | None:
        row = db.session.get(ProviderToken, name)
        value = row.value if row is not None and row.expires_at > self.clock() else None
        db.session.commit()
        return value

    def put(self, name: str, value: str, expires_at: datetime) -> None:
        with unit_of_work():
            db.session.execute(upsert(ProviderToken, ("name",),
                                      {"name": name, "value": value, "expires_at": expires_at}))

    def forget(self, name: str) -> None:
        with unit_of_work():
            db.session.execute(delete(ProviderToken).where(ProviderToken.name == name))


@dataclass
class Delivered:
    """What one delivery run did, by outcome."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def summary(self) -> str:
        words = {
            "sent": "已发送",
            "retry": "稍后重试",
            "dead": "失败",
            "unknown": "结果未知",
            "deferred": "限流顺延",
        }
        parts = [f"{words.get(k, k)} {n} 条" for k, n in sorted(self.counts.items())]
        return "，".join(parts) or "没有待发消息"


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == Status.PENDING.value, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == Status.CLAIMED.value, OutboxMessage.lease_until <= now),
    )


def claim_batch(worker: str, now: datetime, lease: timedelta, size: int = BATCH) -> tuple[str, list[int]]:
    """Take up to ``size`` due messages (urgent first) for ``lease``: (this claim's holder, their ids)."""
    holder = f"{worker}#{secrets.token_hex(4)}"[:120]
    with unit_of_work():
        candidates = db.session.scalars(
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.urgent.desc(), OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(size)
        ).all()
        if not candidates:
            return holder, []
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates), _due(now))
            .values(status=Status.CLAIMED.value, lease_holder=holder, lease_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        mine = db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.lease_holder == holder, OutboxMessage.status == Status.CLAIMED.value)
            .order_by(OutboxMessage.urgent.desc(), OutboxMessage.next_attempt_at, OutboxMessage.id)
        ).all()
    return holder, list(mine)


def _log(message_id: int, worker: str, now: datetime, outcome: str, detail: str | None) -> None:
    db.session.add(
        DeliveryAttempt(message_id=message_id, worker=worker[:120], at=now, outcome=outcome, detail=detail)
    )


def _defer(message_id: int, holder: str, until: datetime, now: datetime, reason: str) -> bool:
    """Give a claimed message back for later (only while the claim is ours), in the caller's transaction."""
    released = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.lease_holder == holder,
            OutboxMessage.status == Status.CLAIMED.value,
        )
        .values(status=Status.PENDING.value, next_attempt_at=until, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if released:
        _log(message_id, holder, now, "deferred", reason)
    return released == 1


def _rate_limit(settings: Mapping, channel: str) -> tuple[int, timedelta] | None:
    limit = settings.get("MESSAGE_RATE_LIMITS", {}).get(channel)
    return (int(limit[0]), timedelta(seconds=float(limit[1]))) if limit else None


def _hand_over(
    message: OutboxMessage, holder: str, now: datetime, lease: timedelta, limit: tuple[int, timedelta] | None
) -> str:
    """Commit 'sending' while still holding the claim, if the provider's rate allows one more to this
    address: "handed", "deferred" (back to pending until the rate allows) or "lost" (the claim was lost).

    The count of recent hand-overs and this one's ``handed_at`` are one transaction under the address's
    lock (``advisory_lock``; SQLite's write transaction), so two workers can never both take the last
    place in the window."""
    with unit_of_work():
        if limit is not None:
            advisory_lock(f"outbox-rate:{message.channel}:{message.address}")
            recent = db.session.scalars(
                select(OutboxMessage.handed_at).where(
                    OutboxMessage.channel == message.channel,
                    OutboxMessage.address == message.address,
                    OutboxMessage.handed_at > now - limit[1],
                )
            ).all()
            wait = rate_wait(recent, limit=limit[0], window=limit[1], now=now)
            if wait > timedelta(0):
                reason = f"rate limit {limit[0]} per {limit[1].total_seconds():g} s"
                return "deferred" if _defer(message.id, holder, now + wait, now, reason) else "lost"
        moved = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.lease_holder == holder,
                OutboxMessage.status == Status.CLAIMED.value,
            )
            .values(
                status=Status.SENDING.value,
                handed_at=now,
                attempts=OutboxMessage.attempts + 1,
                lease_until=now + lease,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    message.attempts += 1
    return "handed" if moved == 1 else "lost"


def envelope_of(message: OutboxMessage) -> Envelope:
    template = approved_template(message.template) if message.template else None
    db.session.commit()
    return Envelope(
        key=f"kiosk-msg-{message.id}",
        address=message.address,
        subject=message.subject,
        text=message.text,
        markdown=message.markdown,
        html=_html(message),
        template_code=template.template_code if template else None,
        sign_name=template.sign_name if template else None,
        params=json.loads(message.params) if message.params else {},
        mentions=tuple(m for m in (message.mentions or "").split(",") if m),
    )


def _html(message: OutboxMessage) -> str:
    from markupsafe import escape

    lines = "".join(f"<p>{escape(line)}</p>" for line in message.text.splitlines())
    return f"<!doctype html><html><body>{lines}</body></html>"


def _settle(
    message: OutboxMessage,
    holder: str,
    now: datetime,
    settings: Mapping,
    *,
    provider_id: str | None,
    error: DeliveryError | None,
) -> str:
    """Record the outcome (only while the claim is ours); returns sent / retry / dead / unknown."""
    values: dict = {"lease_until": None}
    if error is None:
        outcome = "sent"
        values.update(status=Status.SENT.value, sent_at=now, provider_id=provider_id, last_error=None)
    elif error.outcome == RETRY and message.attempts < int(settings["MESSAGE_MAX_ATTEMPTS"]):
        outcome = "retry"
        wait = retry_delay(
            message.attempts,
            base=timedelta(seconds=float(settings["MESSAGE_RETRY_BASE_SECONDS"])),
            cap=timedelta(seconds=float(settings["MESSAGE_RETRY_MAX_SECONDS"])),
        )
        if error.wait:
            wait = max(wait, timedelta(seconds=error.wait))
        values.update(status=Status.PENDING.value, next_attempt_at=now + wait, last_error=error.reason[:500])
    elif error.outcome == UNKNOWN:
        outcome = "unknown"
        values.update(status=Status.UNKNOWN.value, last_error=error.reason[:500])
    else:
        outcome = "dead"
        values.update(status=Status.DEAD.value, last_error=error.reason[:500])
    with unit_of_work():
        done = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message.id,
                OutboxMessage.lease_holder == holder,
                OutboxMessage.status.in_([Status.SENDING.value, Status.UNKNOWN.value]),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        _log(message.id, holder, now, outcome, error.reason[:500] if error else provider_id)
        if done and outcome in ("dead", "unknown"):
            _tell_admins(message, outcome, now, values["last_error"])
    return outcome


def _tell_admins(message: OutboxMessage, outcome: str, now: datetime, reason: str) -> None:
    if message.kind == "message_undelivered":
        return  # a failed message about a failed message tells nobody again (no loop)
    what = "发送失败" if outcome == "dead" else "发送结果未知（可能已送达）"
    notify(
        kind="message_undelivered",
        title=f"消息{what}：{message.subject[:60]} → {message.recipient}",
        body=reason,
        link="/admin/messages",
        level="info",
        role=Role.ADMIN.value,
        now=now,
    )


def deliver_one(
    message_id: int,
    holder: str,
    *,
    senders: Mapping[Channel, Sender],
    settings: Mapping,
    clock: Callable[[], datetime],
) -> str:
    """Deliver one claimed message: respect the provider's rate, hand it over, record the outcome."""
    lease = timedelta(seconds=float(settings["MESSAGE_LEASE_SECONDS"]))
    message = db.session.get(OutboxMessage, message_id)
    db.session.expunge(message)  # a snapshot as claimed: the rest of the run writes with UPDATEs
    db.session.commit()
    handed = _hand_over(message, holder, clock(), lease, _rate_limit(settings, message.channel))
    if handed != "handed":
        return handed
    sender = senders.get(Channel(message.channel))
    envelope = envelope_of(message)
    try:
        if sender is None:
            raise DeliveryError(PERMANENT, f"channel {message.channel} is not configured")
        provider_id, error = sender.send(envelope), None
    except DeliveryError as failure:
        provider_id, error = None, failure
    return _settle(message, holder, clock(), settings, provider_id=provider_id, error=error)


def recover_in_doubt(now: datetime, worker: str) -> int:
    """Messages handed to a provider by a worker whose lease lapsed (it died, or never heard back): marked
    unknown, never resent by themselves (see the module's note), and shown to admins."""
    stuck = db.session.scalars(
        select(OutboxMessage.id).where(
            OutboxMessage.status == Status.SENDING.value, OutboxMessage.lease_until <= now
        )
    ).all()
    db.session.commit()
    count = 0
    for message_id in stuck:
        with unit_of_work():
            moved = db.session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.status == Status.SENDING.value,
                    OutboxMessage.lease_until <= now,
                )
                .values(status=Status.UNKNOWN.value, last_error="发送中的进程中断，无法确认是否已送达")
                .execution_options(synchronize_session=False)
            ).rowcount
            if moved:
                count += 1
                _log(message_id, worker, now, "unknown", "lease lapsed while sending")
                _tell_admins(
                    db.session.get(OutboxMessage, message_id),
                    "unknown",
                    now,
                    "发送中的进程中断，无法确认是否已送达",
                )
    return count


def deliver_due(
    *,
    senders: Mapping[Channel, Sender],
    settings: Mapping,
    worker: str,
    clock: Callable[[], datetime],
    budget_seconds: float | None = None,
) -> Delivered:
    """Deliver what is due, batch after batch, until nothing is due or the time budget is spent."""
    done = Delivered()
    recovered = recover_in_doubt(clock(), worker)
    for _ in range(recovered):
        done.add("unknown")
    lease = timedelta(seconds=float(settings["MESSAGE_LEASE_SECONDS"]))
    budget = float(settings["MESSAGE_RUN_SECONDS"] if budget_seconds is None else budget_seconds)
    started = wall.monotonic()
    while wall.monotonic() - started < budget:
        holder, batch = claim_batch(worker, clock(), lease)
        if not batch:
            break
        for message_id in batch:
            done.add(deliver_one(message_id, holder, senders=senders, settings=settings, clock=clock))
    return done


# ---- escalation ---------------------------------------------------------------------------------------


def _acknowledged(note: Notification) -> bool:
    if db.session.scalar(
        select(NotificationRead.id).where(NotificationRead.notification_id == note.id).limit(1)
    ):
        return True
    if note.link and note.link.startswith(INCIDENT_LINK):
        incident = db.session.get(Incident, int(note.link.removeprefix(INCIDENT_LINK).split("/")[0]))
        return incident is not None and incident.acknowledged_at is not None
    return False


def _next_people(level: int) -> tuple[str, list[dict]]:
    step = escalation_step(level)
    if step is None:
        return "", []
    code, title = step
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        return title, [{"role": Role.SUPERVISOR.value}]
    heads = [u for u in department.users if u.active and u.has_role(Role.SUPERVISOR)]
    return title, [{"user": u} for u in heads] or [{"department": department}]


def escalate_unacknowledged(now: datetime, after: timedelta) -> int:
    """Each urgent alert nobody acknowledged ``after`` minutes (per step) goes one step up the chain."""
    recent = db.session.scalars(
        select(Notification)
        .where(
            Notification.kind.in_(ESCALATING),
            Notification.level == "urgent",
            Notification.created_at <= now - after,
            Notification.created_at > now - timedelta(days=1),
        )
        .order_by(Notification.id)
    ).all()
    levels = dict(
        db.session.execute(
            select(AlertEscalation.notification_id, func.max(AlertEscalation.level))
            .where(AlertEscalation.notification_id.in_([n.id for n in recent]))
            .group_by(AlertEscalation.notification_id)
        ).all()
    )
    due = [
        (n.id, levels.get(n.id, 0) + 1)
        for n in recent
        if n.created_at + after * (levels.get(n.id, 0) + 1) <= now and not _acknowledged(n)
    ]
    db.session.commit()
    escalated = 0
    for note_id, level in due:
        with unit_of_work():
            # RETURNING, not the row count: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING.
            taken = db.session.execute(
                dialect_insert(AlertEscalation)
                .values(notification_id=note_id, level=level, escalated_at=now)
                .on_conflict_do_nothing()
                .returning(AlertEscalation.id)
            ).first()
            if taken is None:
                continue
            note = db.session.get(Notification, note_id)
            title, targets = _next_people(level)
            minutes = int(after.total_seconds() // 60) * level
            for target in targets:
                notify(
                    kind="alert_escalated",
                    title=f"{minutes} 分钟无人确认，上报{title}：{note.title}",
                    body=note.body,
                    link=note.link,
                    level="urgent",
                    now=now,
                    **target,
                )
            escalated += bool(targets)
    return escalated


# ---- the sales reminders' messages ----------------------------------------------------------------------

#: Seed 000 篇3 第十四步 2) "提前五天第一次通知客户，提前两天第二次通知客户", 第十六步 1) "提前七天…提前三天…
#: 提前一天": the salesperson tells the customer on these days; the customer also gets the approved SMS.
_REMINDER_SMS = {"down_payment": ("down_payment_due", "交首期款"), "mortgage": ("mortgage_due", "办理按揭")}


def remind_buyers(now: datetime) -> int:
    """On a reminder's day, tell the salesperson (their own channels) and send the customer the approved
    SMS at the file's number, once per reminder whichever worker runs it (``message_keys``)."""
    told = 0
    for item in sales.reminders_falling_on(local(now).date()):
        reminder, file = item.reminder, item.file
        purpose, what = _REMINDER_SMS[reminder.step]
        with unit_of_work():
            if not outbox.first_time(f"buyer-reminder-{reminder.id}", now):
                continue
            link = sales.file_link(file.id)
            notify(
                kind="sales_payment",
                title=f"今天请提醒客户 {file.customer_name}{what}（{reminder.due_on:%m-%d} 到期）",
                body=item.brief.phrase,
                link=link,
                user=file.salesperson,
                now=now,
            )
            outbox.queue_customer_sms(
                purpose,
                file.mobile,
                {"name": file.customer_name, "date": f"{reminder.due_on:%m月%d日}"},
                recipient=f"客户 {file.customer_name}",
                now=now,
                link=link,
            )
            told += 1
    return told


# ---- the admin's pages and the records' status -------------------------------------------------------


def messages_page(status: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status == "attention":
        query = query.where(OutboxMessage.status.in_([s.value for s in NEEDS_ADMIN]))
    elif status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def status_counts() -> dict[str, int]:
    return dict(
        db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )


def attempts_of(message_id: int) -> list[DeliveryAttempt]:
    return list(
        db.session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.message_id == message_id)
            .order_by(DeliveryAttempt.id)
        )
    )


def retry(message_id: int, now: datetime) -> bool:
    """Send a dead or unknown message again (an admin checked it did not arrive); False if it is not one."""
    with unit_of_work():
        done = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status.in_([s.value for s in NEEDS_ADMIN]))
            .values(
                status=Status.PENDING.value,
                attempts=0,
                next_attempt_at=now,
                lease_holder=None,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    return done == 1


@dataclass(frozen=True)
class DeliveryLine:
    """One line of a record's delivery status: "人力资源部群 · 企业微信群 · 已发送 12:03:41 · 已读 12:04"."""

    recipient: str
    channel: str
    status: str
    sent_at: datetime | None
    read_at: datetime | None
    error: str | None


def deliveries_for(link: str) -> list[DeliveryLine]:
    """Every message about the record at ``link``, with when it went and when the alert was first read."""
    return deliveries_by_link([link]).get(link, [])


def deliveries_by_link(links: Iterable[str]) -> dict[str, list[DeliveryLine]]:
    """The messages about each of several records (a list page's rows), by the record's link, in one read."""
    wanted = sorted(set(links))
    if not wanted:
        return {}
    first_read = (
        select(func.min(NotificationRead.read_at))
        .where(NotificationRead.notification_id == OutboxMessage.notification_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(OutboxMessage, first_read).where(OutboxMessage.link.in_(wanted)).order_by(OutboxMessage.id)
    ).all()
    found: dict[str, list[DeliveryLine]] = {}
    for m, read in rows:
        found.setdefault(m.link, []).append(
            DeliveryLine(m.recipient, m.channel, m.status, m.sent_at, read, m.last_error)
        )
    return found


def purge(older_than_days: int, now: datetime) -> int:
    """Forget messages (and their delivery log) older than the retention period."""
    cutoff = now - timedelta(days=older_than_days)
    with unit_of_work():
        old = select(OutboxMessage.id).where(OutboxMessage.created_at < cutoff)
        db.session.execute(
            delete(DeliveryAttempt)
            .where(DeliveryAttempt.message_id.in_(old))
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(MessageKey).where(MessageKey.created_at < cutoff))
        removed = db.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.created_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
    return removed


# ---- settings admins and people edit ------------------------------------------------------------------


def routing_table() -> dict[str, tuple[Channel, ...]]:
    """Every event kind with the channels switched on for it (defaults and admins' switches)."""
    switches = {(r.kind, r.channel): r.enabled for r in db.session.scalars(select(MessageRoute))}
    return {kind: enabled_channels(kind, switches) for kind in ROUTES}


def set_routes(enabled: set[tuple[str, str]], *, by: audit.By | None = None) -> None:
    """Switch every (event kind, channel) of the routing table: on when in ``enabled``, off otherwise; a
    switch left as the default keeps no row."""
    with unit_of_work():
        for kind, route in ROUTES.items():
            for channel in ROUTED_CHANNELS:
                wanted = (kind, channel.value) in enabled
                row = db.session.scalar(
                    select(MessageRoute).where(
                        MessageRoute.kind == kind, MessageRoute.channel == channel.value
                    )
                )
                was = row.enabled if row is not None else channel in route.channels
                if row is None and wanted != was:
                    db.session.add(MessageRoute(kind=kind, channel=channel.value, enabled=wanted))
                elif row is not None:
                    row.enabled = wanted
                if wanted != was:
                    subject = audit.Subject(audit.ObjectType.MESSAGING, f"{kind}:{channel.value}", kind)
                    audit.record(
                        by, audit.Action.MESSAGE_ROUTE, subject, {"enabled": was}, {"enabled": wanted}
                    )


def groups() -> dict[int, str]:
    return {g.department_id: g.webhook_key for g in db.session.scalars(select(MessageGroup))}


def set_group(department_id: int, webhook_key: str | None, *, by: audit.By | None = None) -> None:
    """Set (or, empty, remove) a department's WeCom group robot key."""
    with unit_of_work():
        row = db.session.get(MessageGroup, department_id)
        before = {"webhook_key": _hidden(row.webhook_key)} if row is not None else None
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        if webhook_key:
            db.session.add(MessageGroup(department_id=department_id, webhook_key=webhook_key))
        department = db.session.get(Department, department_id)
        subject = audit.Subject(
            audit.ObjectType.MESSAGING, department_id, department.name if department else ""
        )
        after = {"webhook_key": _hidden(webhook_key)} if webhook_key else None
        audit.record(by, audit.Action.MESSAGE_GROUP, subject, before, after)


def _hidden(key: str) -> str:
    """A robot key is a secret (whoever has it posts to the group): the audit log keeps its last 4."""
    return f"…{key[-4:]}"


def preference_of(user: User) -> MessagePreference | None:
    return db.session.get(MessagePreference, user.id)


def save_preference(
    user: User,
    *,
    mobile: str | None,
    email: str | None,
    wecom_userid: str | None,
    channels: list[str],
    quiet_from,
    quiet_to,
) -> None:
    with unit_of_work():
        row = db.session.get(MessagePreference, user.id) or MessagePreference(user_id=user.id)
        row.mobile, row.email, row.wecom_userid = mobile or None, email or None, wecom_userid or None
        row.channels = ",".join(sorted(Channel(c).value for c in channels))
        row.quiet_from, row.quiet_to = quiet_from, quiet_to
        db.session.add(row)


def templates() -> dict[str, SmsTemplate]:
    return {t.purpose: t for t in db.session.scalars(select(SmsTemplate))}


def save_template(purpose: str, *, template_code: str, sign_name: str, wording: str, by: audit.By) -> None:
    """Record a template and its reviewed wording; saving it is the admin's approval."""
    fields = ("template_code", "sign_name", "wording")
    with unit_of_work():
        row = db.session.get(SmsTemplate, purpose)
        before = audit.fields_of(row, fields) if row is not None else None
        row = row or SmsTemplate(purpose=purpose)
        row.template_code, row.sign_name, row.wording = template_code, sign_name, wording
        row.approved_by_id, row.approved_at = by.user.id if by.user else None, by.now
        db.session.add(row)
        subject = audit.Subject(audit.ObjectType.MESSAGING, purpose, purpose)
        audit.record(by, audit.Action.SMS_TEMPLATE, subject, before, audit.fields_of(row, fields))


def send_test(channel: Channel, target: str, *, settings: Mapping, now: datetime) -> str | None:
    """Send one test message straight to ``target`` (not through the outbox); the provider's id, or the
    ``DeliveryError`` with the provider's reason. SMS uses the approved staff template."""
    sender = senders(settings, DatabaseTokens(lambda: now)).get(channel)
    if sender is None:
        raise DeliveryError(PERMANENT, f"channel {channel.value} is not configured")
    template = approved_template(STAFF_TEMPLATE) if channel is Channel.SMS else None
    db.session.commit()
    if channel is Channel.SMS and template is None:
        raise DeliveryError(PERMANENT, "no approved SMS template for staff messages (staff_alert)")
    text = f"客服中心测试消息（{now:%Y-%m-%d %H:%M:%S} UTC）：收到此消息说明该渠道配置正确。"
    envelope = Envelope(
        key=f"kiosk-test-{secrets.token_hex(6)}",
        address=target,
        subject="客服中心测试消息",
        text=text,
        markdown=f"**客服中心测试消息**\n> {text}",
        html=f"<p>{text}</p>",
        template_code=template.template_code if template else None,
        sign_name=template.sign_name if template else None,
        params={"title": "测试消息", "link": ""},
    )
    return sender.send(envelope)
