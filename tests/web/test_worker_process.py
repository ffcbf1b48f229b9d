"""Two real ``flask --app kiosk worker`` processes on the test database (file SQLite, or PostgreSQL when
``DATABASE_URL`` is set), every job every second: each slot runs once across both, each run is recorded,
and SIGTERM ends both cleanly with no run left unfinished.

The counts are checked against the recorded times, not the wall clock: each run's slot is the first
grid second after the previous run ended (``Every.next_after``), so a slot run twice or skipped shows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from kiosk.domain.schedules import Every
from kiosk.extensions import db
from kiosk.models.jobs import JobRun
from kiosk.worker.jobs import JOBS
from tests.kiosk_support import scalars

ROOT = Path(__file__).resolve().parents[2]
INTERVAL = Every(timedelta(seconds=1))
RUNS_WANTED = 3  # of every job, before the workers are stopped
STARTUP_LIMIT_SECONDS = 120  # a ceiling for a slow shared machine, not a timing assertion


def _start_worker(database_url: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "worker-test", "PYTHONPATH": str(ROOT),
           "KIOSK_WORKER_INTERVALS": "{" + ", ".join(f'"{job.name}": 1' for job in JOBS) + "}",
           "KIOSK_WORKER_POLL_SECONDS": "0.5"}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen([str(flask), "--app", "kiosk", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _fewest_finished_runs() -> int:
    db.session.rollback()  # see what the workers committed since
    counts = dict(db.session.execute(select(JobRun.job, func.count()).where(JobRun.finished_at.is_not(None))
                                     .group_by(JobRun.job)).all())
    return min(counts.get(job.name, 0) for job in JOBS)


def test_two_worker_processes_run_each_slot_once_and_stop_on_sigterm(app, database_url):
    workers = [_start_worker(database_url) for _ in range(2)]
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while _fewest_finished_runs() < RUNS_WANTED:
            assert all(w.poll() is None for w in workers), "a worker exited early"
            assert time.monotonic() < deadline, "the workers did not run every job in time"
            time.sleep(0.2)
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
