"""Timed jobs: each job's schedule and lease (one row per job), and the record of every run."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.extensions import db
from kiosk.models.types import UTCDateTime


class JobSchedule(db.Model):
    """When a job is next due, and which worker holds it until when.

    A worker claims a due job with a conditional UPDATE (due, and no live lease) and checks the row
    count, so several workers on several hosts run each slot once; a worker that dies leaves its lease
    to run out and another takes the job. ``alert`` is the open incident an admin was told of (late or
    failed), cleared by the next good run, so each incident is told once.
    """

    __tablename__ = "job_schedule"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert: Mapped[str | None] = mapped_column(String(20))


class JobRun(db.Model):
    """One run of a job: who ran it, for which slot, when, and what came of it."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_job_id", "job", "id"), Index("ix_job_runs_started_at", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    worker: Mapped[str] = mapped_column(String(120))  # host:pid
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the slot it ran for
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(Text)  # the job's own summary, e.g. "3 张任务单已升级"
    error: Mapped[str | None] = mapped_column(Text)  # the exception's last line; the traceback is in the log

    @property
    def duration(self) -> timedelta | None:
        return None if self.finished_at is None else self.finished_at - self.started_at
