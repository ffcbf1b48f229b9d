"""Login attempts and watched accounts/addresses, kept in the database so every worker and host agrees."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class LoginAttempt(db.Model):
    """One password check (refused, throttled attempts are not recorded); purged after a retention period."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginWatch(db.Model):
    """An account (a typed username) or an address under watch.

    The account's row is the lock its attempts take turns on (so parallel requests cannot all slip
    past the backoff); ``burst_seen_at`` is the last failure at or over the burst threshold, which
    tells a new burst (notify the admins) from one going on.
    """

    __tablename__ = "login_watch"
    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_login_watch_kind_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(64))
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    burst_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
