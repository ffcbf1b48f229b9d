"""The administration audit log: who changed users, tablets, calendars, policies, books, checklists and the
watch list, when, from which address, and what the change was (before and after).

Append-only: the app has no path that updates or deletes a row, and the migration adds a database trigger
that refuses ``UPDATE`` and ``DELETE`` on ``admin_audit`` (PostgreSQL and SQLite), so neither a bug nor a
hand-made statement through the app's connection rewrites history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class AdminAudit(db.Model):
    __tablename__ = "admin_audit"
    __table_args__ = (
        Index("ix_admin_audit_at", "at"),
        Index("ix_admin_audit_actor_at", "actor_id", "at"),
        Index("ix_admin_audit_object_type_at", "object_type", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Users are deactivated, never deleted; the username is kept as it was then. None: a kiosk tablet
    # pairing itself, or the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_username: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)  # kiosk.services.audit.Action
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(40), default="")
    object_label: Mapped[str] = mapped_column(String(120), default="")
    # The changed fields only; phone and ID numbers masked, never a password or its hash.
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
