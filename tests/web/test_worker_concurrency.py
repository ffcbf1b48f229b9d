"""Several workers at once (threads, each with its own app context and identity, on the file SQLite
database or PostgreSQL): each due slot of each job is claimed and run by exactly one of them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kiosk.models.jobs import JobRun
from kiosk.services import jobs as job_records
from kiosk.worker.jobs import JOBS
from kiosk.worker.loop import Worker
from tests.kiosk_support import scalars
from tests.support import in_threads
from tests.web.test_worker import EVERY_MINUTE

THREADS = 6
T = datetime(2026, 12, 4, 1, 0, 20, tzinfo=UTC)


def _in_threads(app, work):
    return in_threads(app, work, THREADS)


def test_workers_racing_for_one_slot_claim_it_once(app):
    job_records.register_jobs(["escalate-overdue"], T)
    claims = _in_threads(app, lambda n: job_records.claim("escalate-overdue", worker=f"host-{n}:1", now=T,
                                                          lease=timedelta(minutes=10)))
    assert sum(claim is not None for claim in claims) == 1
    runs = scalars(select(JobRun))
    assert len(runs) == 1 and runs[0].due_at == T


def test_workers_starting_together_run_each_job_once_per_slot(app):
    """Six workers start at once, then look again at the next minute: every job runs once on the first
    start, the one-minute jobs once more at 9:01, and no slot twice."""
    workers = [Worker(app, clock=lambda: T, identity=f"host-{n}:1") for n in range(THREADS)]
    _in_threads(app, lambda n: workers[n].run_pending())
    assert Counter(run.job for run in scalars(select(JobRun))) == Counter(job.name for job in JOBS)

    nine_oh_one = datetime(2026, 12, 4, 1, 1, tzinfo=UTC)
    for worker in workers:
        worker.clock = lambda: nine_oh_one
    _in_threads(app, lambda n: workers[n].run_pending())
    runs = scalars(select(JobRun))
    assert Counter((run.job, run.due_at) for run in runs).most_common(1)[0][1] == 1
    assert sorted(run.job for run in runs if run.due_at == nine_oh_one) == sorted(EVERY_MINUTE)
    assert all(run.finished_at is not None and run.error is None for run in runs)
