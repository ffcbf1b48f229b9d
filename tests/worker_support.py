"""Real ``flask --app kiosk worker`` processes for the tests, and a wait for what they commit."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from kiosk.extensions import db
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
