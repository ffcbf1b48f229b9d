"""Two real ``flask --app kiosk worker`` processes on the test database (file SQLite, or PostgreSQL when
``DATABASE_URL`` is set), every job every second: each slot runs once across both, each run is recorded,
and SIGTERM ends both cleanly with no run left unfinished; on PostgreSQL, a worker killed in the middle of
a job leaves that slot to the other.

The counts are checked against the recorded times, not the wall clock: each run's slot is the first
grid second after the previous run ended (``Every.next_after``), so a slot run twice or skipped shows.
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kiosk.domain.schedules import Every
from kiosk.extensions import db
from kiosk.models.jobs import JobRun
from kiosk.worker.jobs import JOBS
from tests.kiosk_support import scalars
from tests.worker_support import (
    EVERY_SECOND,
    ROOT,
    one_of_two_workers_killed_mid_escalation,
    start_worker,
    wait_for,
)

INTERVAL = Every(timedelta(seconds=1))
RUNS_WANTED = 3  # of every job, before the workers are stopped


def _start_worker(database_url: str, **settings: str) -> subprocess.Popen:
    return start_worker({**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test",
                         "PYTHONPATH": str(ROOT), **EVERY_SECOND, **settings})


def _fewest_finished_runs() -> int:
    counts = dict(db.session.execute(select(JobRun.job, func.count()).where(JobRun.finished_at.is_not(None))
                                     .group_by(JobRun.job)).all())
    return min(counts.get(job.name, 0) for job in JOBS)


def test_two_worker_processes_run_each_slot_once_and_stop_on_sigterm(app, database_url):
    workers = [_start_worker(database_url) for _ in range(2)]
    try:
        wait_for(lambda: _fewest_finished_runs() >= RUNS_WANTED or None, dict(enumerate(workers)))
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        logs = [worker.communicate(timeout=60)[0] for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], logs
    assert all("stopped" in log for log in logs), logs

    for job in JOBS:
        runs = scalars(select(JobRun).where(JobRun.job == job.name).order_by(JobRun.due_at))
        assert len(runs) >= RUNS_WANTED
        assert all(run.finished_at is not None and run.error is None for run in runs), job.name
        assert len({run.due_at for run in runs}) == len(runs), f"{job.name}: a slot ran twice"
        for before, after in zip(runs, runs[1:], strict=False):
            assert after.due_at == INTERVAL.next_after(before.finished_at), f"{job.name}: a slot was skipped"
            assert after.started_at >= after.due_at


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="holds a table lock: PostgreSQL only")
def test_a_worker_killed_mid_run_leaves_the_job_to_the_other(app, database_url):
    """The test locks the slips table, so the first worker to run the escalation hangs inside it; that
    worker is killed (SIGKILL), the lock released, and the other worker runs the same slot once its lease
    (2 s here) has run out."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test", "PYTHONPATH": str(ROOT),
           **EVERY_SECOND}
    with one_of_two_workers_killed_mid_escalation(env) as (hung, workers):
        taken = wait_for(lambda: db.session.scalar(select(JobRun).where(
            JobRun.job == "escalate-overdue", JobRun.due_at == hung.due_at, JobRun.finished_at.is_not(None))),
            workers)
    assert taken.worker != hung.worker and taken.error is None
    assert [w.returncode for w in workers.values()] == [0]
