"""Timed jobs in the database: register, claim a due slot, record the run, alert the admins; the admin
page's reads.

Exactly once per slot across workers on several hosts: a worker claims a job with
``UPDATE job_schedule SET lease_… WHERE name = :n AND next_due_at <= :now AND <no live lease>`` and runs
it only when its update touched the row (SQLite: ``BEGIN IMMEDIATE`` queues the writers; PostgreSQL
re-checks the condition after the row lock, so the second claimant finds the lease and gets 0 rows).
The run's end moves ``next_due_at`` on and clears the lease in one transaction. A worker that dies
mid-run leaves its lease to run out; the next worker to look takes the job over.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from kiosk.clock import local
from kiosk.database import dialect_insert, unit_of_work
from kiosk.extensions import db
from kiosk.models.jobs import JobRun, JobSchedule
from kiosk.models.people import Role
from kiosk.services.notifications import notify

#: The incidents an admin is told of, once each (``JobSchedule.alert``).
LATE = "late"
FAILED = "failed"


@dataclass(frozen=True)
class ScheduleState:
    """A job's row as last read (plain values: no session attached)."""

    name: str
    next_due_at: datetime | None
    lease_holder: str | None
    lease_until: datetime | None
    last_finished_at: datetime | None
    alert: str | None

    def leased(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now

    def due(self, now: datetime) -> bool:
        """Its slot has come and no worker holds it (a claim may still find another worker first)."""
        return self.next_due_at is not None and self.next_due_at <= now and not self.leased(now)


@dataclass(frozen=True)
class Claim:
    """A slot a worker holds: its run's id and the slot's time."""

    run_id: int
    due_at: datetime


def _lease_free(now: datetime):
    return or_(JobSchedule.lease_until.is_(None), JobSchedule.lease_until <= now)


def register_jobs(names: Iterable[str], now: datetime) -> None:
    """Add a row for each job not seen before, due at once; rows already there are left alone."""
    rows = [{"name": name, "next_due_at": now} for name in names]
    with unit_of_work():
        db.session.execute(dialect_insert(JobSchedule).values(rows).on_conflict_do_nothing(index_elements=["name"]))


def schedule_states() -> dict[str, ScheduleState]:
    columns = (JobSchedule.name, JobSchedule.next_due_at, JobSchedule.lease_holder, JobSchedule.lease_until,
               JobSchedule.last_finished_at, JobSchedule.alert)
    states = {row.name: ScheduleState(*row) for row in db.session.execute(select(*columns))}
    db.session.commit()  # end the read: a worker's next look must see what others wrote meanwhile
    return states


def move_due(name: str, *, was: datetime | None, to: datetime | None, now: datetime) -> bool:
    """Re-plan a job whose schedule changed (a setting, a tablet's closing time); only if nobody holds it
    and nobody moved it since it was read."""
    unchanged = JobSchedule.next_due_at.is_(None) if was is None else JobSchedule.next_due_at == was
    with unit_of_work():
        moved = db.session.execute(
            update(JobSchedule).where(JobSchedule.name == name, unchanged, _lease_free(now))
            .values(next_due_at=to).execution_options(synchronize_session=False)
        ).rowcount
    return moved == 1


def claim(name: str, *, worker: str, now: datetime, lease: timedelta) -> Claim | None:
    """Take the job's due slot for ``lease`` and open its run record; None when it is not due or another
    worker holds it."""
    with unit_of_work():
        claimed = db.session.execute(
            update(JobSchedule)
            .where(JobSchedule.name == name, JobSchedule.next_due_at <= now, _lease_free(now))
            .values(lease_holder=worker, lease_until=now + lease).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            return None
        due_at = db.session.scalar(select(JobSchedule.next_due_at).where(JobSchedule.name == name))
        run = JobRun(job=name, worker=worker, due_at=due_at, started_at=now)
        db.session.add(run)
        db.session.flush()
        held = Claim(run.id, due_at)
    return held


def finish(name: str, held: Claim, *, label: str, worker: str, now: datetime, next_due: datetime | None,
           result: str | None = None, error: str | None = None) -> None:
    """Record the run's end; hand the job back due at ``next_due`` (unless another worker took it over
    meanwhile); a failure tells the admins once, a good run closes the incident."""
    with unit_of_work():
        db.session.execute(
            update(JobRun).where(JobRun.id == held.run_id)
            .values(finished_at=now, result=result, error=error).execution_options(synchronize_session=False)
        )
        handed_back = {"next_due_at": next_due, "lease_holder": None, "lease_until": None,
                       "last_finished_at": now}
        if error is None:
            handed_back["alert"] = None
        db.session.execute(
            update(JobSchedule).where(JobSchedule.name == name, JobSchedule.lease_holder == worker)
            .values(**handed_back).execution_options(synchronize_session=False)
        )
        if error is not None:
            _raise_alert(name, FAILED, now=now, title=f"定时任务「{label}」运行失败", body=error)


def flag_late(name: str, *, label: str, due_at: datetime, now: datetime) -> bool:
    """Tell the admins once that a job's slot passed long ago and nobody ran it."""
    with unit_of_work():
        told = _raise_alert(name, LATE, now=now, title=f"定时任务「{label}」未按时运行",
                            body=f"应于 {local(due_at):%Y-%m-%d %H:%M} 运行，至今没有运行。"
                                 "请检查定时任务进程（flask --app kiosk worker）是否在运行。")
    return told


def _raise_alert(name: str, kind: str, *, now: datetime, title: str, body: str) -> bool:
    opened = db.session.execute(
        update(JobSchedule).where(JobSchedule.name == name,
                                  or_(JobSchedule.alert.is_(None), JobSchedule.alert != kind))
        .values(alert=kind).execution_options(synchronize_session=False)
    ).rowcount
    if opened == 1:
        notify(kind=f"job_{kind}", title=title, body=body, link=f"/admin/jobs/{name}", level="urgent",
               role=Role.ADMIN.value, now=now)
    return opened == 1


# ---- the admin page --------------------------------------------------------------------------------


def last_runs(names: Iterable[str]) -> dict[str, JobRun]:
    """The newest run of each job."""
    newest = select(func.max(JobRun.id)).where(JobRun.job.in_(list(names))).group_by(JobRun.job)
    return {run.job: run for run in db.session.scalars(select(JobRun).where(JobRun.id.in_(newest)))}


def runs_of(name: str, limit: int = 50) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.job == name).order_by(JobRun.id.desc())
                                   .limit(limit)))


def purge_runs(older_than_days: int, now: datetime) -> int:
    """Forget the runs started more than ``older_than_days`` ago."""
    with unit_of_work():
        removed = db.session.execute(
            delete(JobRun).where(JobRun.started_at < now - timedelta(days=older_than_days))
            .execution_options(synchronize_session=False)
        ).rowcount
    return removed
