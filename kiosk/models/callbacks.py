"""Callbacks (回访): after a resolved slip (seed 003 §2(1)); periodic owner callbacks (seed 001 制度3 §5)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.property import Owner
from kiosk.models.tasks import TaskSlip
from kiosk.models.types import UTCDateTime


class CallbackKind(StrEnum):
    SLIP = "slip"  # after a resolved slip, to the caller
    PERIODIC = "periodic"  # the owner's monthly/quarterly callback


class CallbackStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    UNREACHABLE = "unreachable"


PENDING_ONLY = text("status = 'pending'")


class Callback(db.Model):
    __tablename__ = "callbacks"
    __table_args__ = (
        # At most one pending callback per slip and one pending periodic callback per owner: the
        # schedulers may run twice at once (cron) and still add one.
        Index("uq_callbacks_pending_slip", "slip_id", unique=True,
              sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY),
        Index("uq_callbacks_pending_owner", "property_owner_id", unique=True,
              sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY),
        Index("ix_callbacks_status_due_at", "status", "due_at"),
        # The KPIs count callbacks due in a period, and callbacks made in one, from these covering indexes.
        Index("ix_callbacks_kpi_due", "due_at", "status", "kind", "agent_id", "done_by_id", "slip_id",
              "property_owner_id"),
        Index("ix_callbacks_kpi_done", "status", "kind", "done_at", "result", "slip_id", "property_owner_id",
              "agent_id", "done_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("task_slips.id", ondelete="CASCADE"))
    property_owner_id: Mapped[int | None] = mapped_column(ForeignKey("owners.id", ondelete="CASCADE"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=CallbackStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    slip: Mapped[TaskSlip | None] = relationship()
    property_owner: Mapped[Owner | None] = relationship()
    agent: Mapped[User | None] = relationship(foreign_keys=[agent_id])

    __mapper_args__ = {"version_id_col": version}
