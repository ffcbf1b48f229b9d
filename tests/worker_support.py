"""Real ``flask --app kiosk worker`` processes for the tests, and a wait for what they commit."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import select, text

from kiosk.extensions import db
from kiosk.models.jobs import JobRun
from kiosk.worker.jobs import JOBS

ROOT = Path(__file__).resolve().parents[1]
#: A ceiling for a slow shared machine, not a timing assertion.
STARTUP_LIMIT_SECONDS = 120
#: Every job every second, checked every half second.
EVERY_SECOND = {
    "KIOSK_WORKER_INTERVALS": "{" + ", ".join(f'"{job.name}": 1' for job in JOBS) + "}",
    "KIOSK_WORKER_POLL_SECONDS": "0.5",
}


def start_worker(env: dict) -> subprocess.Popen:
    """``flask --app kiosk worker`` as deploy/kiosk-worker.service runs it, in the environment ``env``."""
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen([str(flask), "--app", "kiosk", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(find, workers: dict):
    """What ``find()`` finds once the workers have committed it (polled in the current app context's
    session; every worker must stay up meanwhile)."""
    deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
    while True:
        db.session.rollback()
        found = find()
        if found is not None:
            return found
        assert all(w.poll() is None for w in workers.values()), "a worker exited early"
        assert time.monotonic() < deadline, "the workers did not get there in time"
        time.sleep(0.2)


@contextmanager
def one_of_two_workers_killed_mid_escalation(env: dict) -> Iterator[tuple[JobRun, dict]]:
    """Two workers in ``env`` (PostgreSQL) with a 2 s lease on the escalation. The slips table is locked, so
    the first worker to run the escalation hangs inside it; that worker is killed (SIGKILL) there and the
    lock released. Yields the hung run and the surviving workers (by pid); SIGTERM ends them at the exit."""
    lock = db.engine.connect()
    lock.begin()
    lock.execute(text("LOCK TABLE task_slips IN ACCESS EXCLUSIVE MODE"))
    workers = {}
    try:
        for _ in range(2):
            worker = start_worker({**env, "KIOSK_WORKER_LEASE_SECONDS": '{"escalate-overdue": 2}'})
            workers[worker.pid] = worker
        first_run = select(JobRun).where(JobRun.job == "escalate-overdue").order_by(JobRun.id)
        hung = wait_for(lambda: db.session.scalar(first_run), workers)
        pid = int(hung.worker.rsplit(":", 1)[1])
        assert pid in workers and hung.finished_at is None
        workers[pid].kill()
        workers.pop(pid).wait(timeout=60)
        lock.rollback()
        yield hung, workers
    finally:
        lock.close()
        for worker in workers.values():
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=60)
