"""The model home (样板间, seed 002): its tablet's settings, the checklists an admin edits, the butler's
rounds with each check's result, and the asset loss and damage record (《样板间资产丢失损坏备案表》)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.people import Department, User
from kiosk.models.tasks import TaskSlip
from kiosk.models.types import UTCDateTime
from kiosk.models.visits import KioskDevice


class ModelHome(db.Model):
    """A model-home tablet's settings: the supervisor (主管/大管家) who hears of missed rounds and failed
    checks."""

    __tablename__ = "model_homes"

    device_id: Mapped[int] = mapped_column(ForeignKey("kiosk_devices.id", ondelete="CASCADE"),
                                           primary_key=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    device: Mapped[KioskDevice] = relationship()
    supervisor: Mapped[User | None] = relationship()


class ModelHomeCheck(db.Model):
    """One item of a round's checklist (model_home.RoundKind); retired items stay for old rounds."""

    __tablename__ = "model_home_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    text: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department | None] = relationship()


class ModelHomeRound(db.Model):
    """A round of one tablet's day: stored when done, or when its miss was reported (once)."""

    __tablename__ = "model_home_rounds"
    __table_args__ = (UniqueConstraint("device_id", "kind", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("kiosk_devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    butler_name: Mapped[str] = mapped_column(String(40), default="")
    missed_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    checks: Mapped[list[RoundCheck]] = relationship(
        back_populates="round", order_by="RoundCheck.id", cascade="all, delete-orphan"
    )


class RoundCheck(db.Model):
    """The result of one check in a round; a failed check carries the task slip it opened."""

    __tablename__ = "model_home_round_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("model_home_rounds.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("model_home_checks.id"))
    text: Mapped[str] = mapped_column(String(200))  # as it read that day
    ok: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(300), default="")
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("task_slips.id"))

    round: Mapped[ModelHomeRound] = relationship(back_populates="checks")
    slip: Mapped[TaskSlip | None] = relationship()


class AssetRecord(db.Model):
    """《样板间资产丢失损坏备案表》 (seed 002 二 2), 4))."""

    __tablename__ = "model_home_asset_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_devices.id", ondelete="SET NULL"),
                                                  index=True)
    item: Mapped[str] = mapped_column(String(100))
    event: Mapped[str] = mapped_column(String(10))  # model_home.AssetEvent
    happened: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    cause: Mapped[str | None] = mapped_column(String(20))  # model_home.DamageCause; None for a loss
    person: Mapped[str] = mapped_column(String(60), default="")  # who caused it
    compensation: Mapped[int | None] = mapped_column(Integer)  # yuan, paid by that person
    management_fault: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The photos, in order, each as its storage's reference (kiosk.services.photos): {"photo": <asset_photos
    # id>, "type": ...} in the database, {"file": "<random>.jpg", "type": ...} in ASSET_PHOTO_DIR.
    photos: Mapped[list] = mapped_column(JSON, default=list)

    device: Mapped[KioskDevice | None] = relationship()


class AssetPhoto(db.Model):
    """A photo of an asset record, kept in the database (``ASSET_PHOTO_STORAGE = "database"``) so every host
    serves it: at most 3 × 5 MB per record, a few a month."""

    __tablename__ = "asset_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("model_home_asset_records.id", ondelete="CASCADE"),
                                           index=True)
    mime: Mapped[str] = mapped_column(String(30))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
