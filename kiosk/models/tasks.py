"""Task slips (任务单) and their audit trail.

A slip carries a hotline item, a visit or a staff report to the department that handles it. The
first-contact owner (首问责任人, seed 003 §2(3)) stays on it until it is closed. Every change of
state is a ``TaskEvent`` (who, when, from → to, note); the lifecycle itself lives in the tasks service.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kiosk.domain import slip_lifecycle as lifecycle
from kiosk.domain.slip_lifecycle import Status as SlipStatus
from kiosk.extensions import db
from kiosk.models.people import Department, User
from kiosk.models.types import UTCDateTime, literal_in, partial_index


class SlipSource(StrEnum):
    CALL = "call"
    VISIT = "visit"
    STAFF = "staff"


#: The statuses the board's panels filter by, each list in one order (the partial indexes' and the queries').
OPEN_VALUES = tuple(sorted(s.value for s in lifecycle.OPEN))
RUNNING_VALUES = tuple(sorted(s.value for s in lifecycle.CLOCK_RUNNING))
UNASSIGNED_VALUES = tuple(sorted((SlipStatus.NEW.value, SlipStatus.REJECTED.value)))


class TaskSlip(db.Model):
    __tablename__ = "task_slips"
    __table_args__ = (
        # The board reads only the slips still open, from these (bounded however many the years close):
        # unassigned and running ones by deadline, open ones by department and deadline (covering, for the
        # counts of those not yet due; ``status`` last, for SQLite to read it alone).
        partial_index("ix_task_slips_unassigned_due", "status", UNASSIGNED_VALUES, "due_at"),
        partial_index("ix_task_slips_running_due", "status", RUNNING_VALUES, "due_at", "warn_at"),
        partial_index("ix_task_slips_open_department", "status", OPEN_VALUES,
                      "department_id", "due_at", "warn_at", "status"),
        Index("ix_task_slips_status_due_at", "status", "due_at"),
        Index("ix_task_slips_department_status", "department_id", "status"),
        # A caller's slips, for their file and the call screen (kiosk.services.customer_file).
        Index("ix_task_slips_caller_phone", "caller_phone"),
        # KPIs count slips by the period their deadline falls in, from this covering index alone.
        Index("ix_task_slips_kpi", "due_at", "status", "resolved_at", "priority", "category", "owner_id",
              "department_id", "source", "source_ref"),
        Index("ix_task_slips_opened_at", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    source: Mapped[str] = mapped_column(String(10))
    source_ref: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=SlipStatus.NEW.value, index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    caller_name: Mapped[str] = mapped_column(String(60), default="")
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When it turns near due (deadlines.near_due_from), kept beside due_at for the board's queries.
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # A supervisor set the deadline by hand: pauses extend it by their length; the policy no longer applies.
    deadline_set_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    near_due_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    events: Mapped[list[TaskEvent]] = relationship(
        back_populates="slip", order_by="TaskEvent.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


def status_among(values: tuple[str, ...]) -> ColumnElement[bool]:
    """``status IN (…)`` as the board's partial indexes read it (one of the lists above)."""
    return literal_in(TaskSlip.status, values)


class TaskEvent(db.Model):
    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slip_id: Mapped[int] = mapped_column(ForeignKey("task_slips.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the board's activity feed, newest first
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    slip: Mapped[TaskSlip] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class SlipCounter(db.Model):
    """Per-day sequence behind readable slip numbers (RW20261123-0007), bumped atomically."""

    __tablename__ = "slip_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class SlipCount(db.Model):
    """How many slips a department has in each status, kept by the database itself: triggers on
    ``task_slips`` follow every insert, delete and change of status or department (migration
    ``b7c41d2e9a10``), whoever writes. The board's by-department panel reads these instead of counting
    every open slip, whose number grows with the backlog."""

    __tablename__ = "slip_counts"

    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"),
                                               primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    slips: Mapped[int] = mapped_column(Integer)
