"""The sales-office rotation (轮值表): one row per office and day, and the day's stored events.

The day's state is never stored: it is always derived by replaying the events through the pure engine
(``kiosk.domain.rotation``). ``RotationDay.last_seq`` is both the version of the day (the live page's
ETag) and, locked with ``FOR UPDATE`` / ``BEGIN IMMEDIATE``, what serialises the writers.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class RotationDay(db.Model):
    """The day's 客户轮值表 for one sales office (seed 001 制度1 第3、6、7条)."""

    __tablename__ = "rotation_days"
    __table_args__ = (UniqueConstraint("office", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    # The opening order: user ids, first is 一接.
    opening_order: Mapped[list[int]] = mapped_column(JSON)
    work_start: Mapped[time] = mapped_column(Time)
    work_end: Mapped[time] = mapped_column(Time)
    on_call_start: Mapped[time | None] = mapped_column(Time)
    on_call_end: Mapped[time | None] = mapped_column(Time)
    on_call_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The sequence number of the newest event: the day's version.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    events: Mapped[list[RotationEvent]] = relationship(
        back_populates="rotation_day", order_by="RotationEvent.seq", cascade="all, delete-orphan"
    )


class RotationEvent(db.Model):
    """One engine event of the day, in order; ``payload`` holds its fields (salespeople as user ids)."""

    __tablename__ = "rotation_events"
    __table_args__ = (UniqueConstraint("day_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("rotation_days.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")

    rotation_day: Mapped[RotationDay] = relationship(back_populates="events")
