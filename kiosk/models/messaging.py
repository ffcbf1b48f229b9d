"""Messages away from the screen: the outbox and its delivery log, routes, people's choices, department
groups, SMS templates, the providers' cached tokens and the escalations of unacknowledged alerts."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.types import UTCDateTime


class OutboxMessage(db.Model):
    """One message to one address on one channel, written in the transaction of the event that causes it.

    A worker claims it with a conditional UPDATE (pending and due, or claimed with a lapsed lease) and
    checks the row count; ``sending`` is committed before the provider is called, so a worker that dies
    after handing it over leaves a row another worker turns into ``unknown`` instead of sending it again.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
        Index("ix_outbox_messages_rate", "channel", "address", "handed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(80))  # who, as people read it: 人力资源部群, 张三, 访客
    address: Mapped[str] = mapped_column(String(200))  # e-mail, mobile, WeCom user id or group key
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    markdown: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(40))  # SMS: our template purpose
    params: Mapped[str | None] = mapped_column(Text)  # SMS: the template's parameters (JSON)
    mentions: Mapped[str | None] = mapped_column(String(300))  # WeCom group: mobiles to @ (comma-separated)
    link: Mapped[str | None] = mapped_column(String(300), index=True)  # the record's path, for its page
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    handed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last handed to the provider
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)

    notification: Mapped[Notification | None] = relationship()


class DeliveryAttempt(db.Model):
    """The delivery log: each try, by which worker, and what came of it."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    worker: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(12))  # sent / retry / dead / unknown / deferred
    detail: Mapped[str | None] = mapped_column(Text)


class MessageRoute(db.Model):
    """An admin's switch of one channel for one event kind (no row: the default route decides)."""

    __tablename__ = "message_routes"
    __table_args__ = (UniqueConstraint("kind", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean)


class MessagePreference(db.Model):
    """One person's addresses, the personal channels they take, and their quiet hours (Shanghai time)."""

    __tablename__ = "message_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    wecom_userid: Mapped[str | None] = mapped_column(String(64))
    channels: Mapped[str] = mapped_column(String(60), default="")  # comma-separated Channel values
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_to: Mapped[time | None] = mapped_column(Time)


class MessageGroup(db.Model):
    """A department's WeCom group robot (its webhook key)."""

    __tablename__ = "message_groups"

    department_id: Mapped[int] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )
    webhook_key: Mapped[str] = mapped_column(String(100))


class SmsTemplate(db.Model):
    """An SMS template registered with the provider, usable once an admin approved its wording."""

    __tablename__ = "sms_templates"

    purpose: Mapped[str] = mapped_column(String(40), primary_key=True)
    template_code: Mapped[str] = mapped_column(String(40))
    sign_name: Mapped[str] = mapped_column(String(40))
    wording: Mapped[str] = mapped_column(Text)  # the approved text with ${param} placeholders
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProviderToken(db.Model):
    """A provider's access token shared by every worker (WeCom's lasts two hours)."""

    __tablename__ = "provider_tokens"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(600))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AlertEscalation(db.Model):
    """An unacknowledged urgent alert passed one step up (once per level, whichever worker is first)."""

    __tablename__ = "alert_escalations"
    __table_args__ = (UniqueConstraint("notification_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    level: Mapped[int] = mapped_column(Integer)
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MessageKey(db.Model):
    """A message that goes once only (a customer's reminder): the first worker to insert its key sends it."""

    __tablename__ = "message_keys"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
