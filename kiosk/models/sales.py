"""The buyer pipeline of seed 000 篇3 (steps 10–17): a customer file per group received, the steps taken
with who, when, amount and document, the units sealed by a subscription, the payment and mortgage
reminders, and the salesperson's phone register (来电登记)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.property import Unit
from kiosk.models.types import UTCDateTime


class BuyerFile(db.Model):
    """The customer's file (成交档案, 第十三步 4)): one per customer group, kept by its salesperson."""

    __tablename__ = "buyer_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The rotation's customer group ("visit-<id>"); one file per group. None: a customer from the phone.
    group_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    customer_name: Mapped[str] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(11))
    step: Mapped[str] = mapped_column(String(20), index=True)  # sales_pipeline.PipelineStep
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    down_payment_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    down_payment_amount: Mapped[int | None] = mapped_column(Integer)  # yuan
    # When the project manager was told the down payment is missed or will be late (once per file).
    payment_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    salesperson: Mapped[User] = relationship()
    unit: Mapped[Unit | None] = relationship()
    steps: Mapped[list[BuyerStep]] = relationship(
        back_populates="file", order_by="BuyerStep.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class BuyerStep(db.Model):
    """One step taken, with who recorded it and when, and what the seed asks that step to record."""

    __tablename__ = "buyer_steps"
    __table_args__ = (UniqueConstraint("file_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("buyer_files.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The day it happened: deposit taken, signed, paid, the mortgage appointment, handed over.
    on_date: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[int | None] = mapped_column(Integer)  # yuan
    document_no: Mapped[str] = mapped_column(String(40), default="")  # receipt, subscription, contract
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    collected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # deposit: finance or PM
    second_person_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # deposit: the second person
    # Deposit: the PM or 销控 the unit was checked with; subscription: the PM or designee who reviewed it.
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The sign-off of the person the step names (deposit: its collector; subscription: its reviewer), given
    # in their own session; at once when they recorded the step themselves.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    file: Mapped[BuyerFile] = relationship(back_populates="steps")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    unit: Mapped[Unit | None] = relationship()
    collected_by: Mapped[User | None] = relationship(foreign_keys=[collected_by_id])
    second_person: Mapped[User | None] = relationship(foreign_keys=[second_person_id])
    checked_by: Mapped[User | None] = relationship(foreign_keys=[checked_by_id])


class UnitLock(db.Model):
    """A unit sealed by a signed subscription (第十三步 4) "即时销控、封贴该房号"): one row per unit, ever."""

    __tablename__ = "unit_locks"

    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("buyer_files.id", ondelete="CASCADE"), unique=True)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    file: Mapped[BuyerFile] = relationship()


class BuyerReminder(db.Model):
    """A reminder call to make on ``remind_on`` (第十四步, 第十六步), ticked off with its outcome."""

    __tablename__ = "buyer_reminders"
    __table_args__ = (
        UniqueConstraint("file_id", "step", "days_before"),
        Index("ix_buyer_reminders_open", "remind_on", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("buyer_files.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))  # down_payment / mortgage
    days_before: Mapped[int] = mapped_column(Integer)
    remind_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))  # sales_pipeline.ReminderOutcome
    note: Mapped[str] = mapped_column(String(300), default="")

    file: Mapped[BuyerFile] = relationship()


class PhoneEnquiry(db.Model):
    """A line of the 来电客户登记本 (seed 000 篇3 第一步 2)–4))."""

    __tablename__ = "phone_enquiries"
    __table_args__ = (Index("ix_phone_enquiries_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    salesperson_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    caller_name: Mapped[str] = mapped_column(String(40), default="")
    mobile: Mapped[str | None] = mapped_column(String(11))
    question: Mapped[str] = mapped_column(String(300))
    heard_from: Mapped[str] = mapped_column(String(60), default="")
    callback_on: Mapped[date | None] = mapped_column(Date)  # 第二步 电话回访: when to call back

    salesperson: Mapped[User] = relationship()
