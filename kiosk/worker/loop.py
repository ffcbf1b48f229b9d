"""The timed-job worker: ``flask --app kiosk worker`` runs every job of ``JOBS`` at its time.

Each look (a *pass*) reads the jobs' rows, re-plans a job whose schedule changed (a setting, a tablet's
closing time), tells the admins of a job late beyond the grace, then claims and runs each due job in
turn (``kiosk.services.jobs``: several workers on several hosts run each slot once). The loop then
sleeps until the next slot, at most ``WORKER_POLL_SECONDS``. SIGTERM or SIGINT lets the running job
finish and stops the loop before the next one. A database outage does not end the process: it logs,
waits longer after each failed look (up to a minute) and tries again. ``--once`` is one pass.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from kiosk.clock import utcnow
from kiosk.domain.schedules import AfterClosing, is_late
from kiosk.extensions import db
from kiosk.services import devices
from kiosk.services import jobs as job_records
from kiosk.worker.jobs import JOBS, Job, late_grace

log = logging.getLogger("kiosk.worker")

MAX_BACKOFF_SECONDS = 60
#: The shortest sleep between passes, so a slot that is due but held elsewhere never spins the loop.
MIN_PAUSE_SECONDS = 0.05
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    job: str
    due_at: datetime
    result: str | None
    error: str | None


@dataclass(frozen=True)
class Pass:
    outcomes: list[Outcome]
    wake_at: datetime | None  # the next slot or lease end of any job; None when no job has one

    @property
    def failed(self) -> bool:
        return any(outcome.error is not None for outcome in self.outcomes)


def error_line(error: BaseException) -> str:
    """The exception's type and first line (a database error's DETAIL line, which may quote values, is
    left to the log)."""
    lines = str(error).splitlines()
    return (f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__)[:ERROR_LENGTH]


class Worker:
    def __init__(self, app: Flask, *, jobs: tuple[Job, ...] = JOBS, clock: Callable[[], datetime] = utcnow,
                 identity: str | None = None) -> None:
        self.app = app
        self.jobs = jobs
        self.clock = clock
        self.identity = identity or f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = threading.Event()
        self._registered = False

    # ---- one pass ------------------------------------------------------------------------------------

    def run_pending(self) -> Pass:
        """Run every job that is due now (each claimed first), and say when the next one is."""
        with self.app.app_context():
            settings = self.app.config
            if not self._registered:
                job_records.register_jobs([job.name for job in self.jobs], self.clock())
                self._registered = True
            states = self._plan(settings, job_records.schedule_states())
            outcomes = []
            for job in self.jobs:
                if self.stopping.is_set():
                    break
                state = states.get(job.name)
                if state is not None and state.due(self.clock()):
                    outcome = self._run(job, settings)
                    if outcome is not None:
                        outcomes.append(outcome)
            return Pass(outcomes, self._wake_at(job_records.schedule_states()))

    def _plan(self, settings: Mapping, states: dict[str, job_records.ScheduleState]):
        """Re-plan jobs whose schedule changed since their last run; tell the admins of late ones."""
        now = self.clock()
        grace = late_grace(settings)
        planned = {}
        for job in self.jobs:
            state = states.get(job.name)
            if state is None:
                continue
            if state.last_finished_at is not None and not state.leased(now):
                wanted = self._next_due(job, settings, state.last_finished_at)
                if wanted != state.next_due_at and job_records.move_due(job.name, was=state.next_due_at,
                                                                         to=wanted, now=now):
                    state = replace(state, next_due_at=wanted)
            if (state.alert != job_records.LATE and not state.leased(now)
                    and is_late(state.next_due_at, now, grace)):
                job_records.flag_late(job.name, label=str(job.label), due_at=state.next_due_at, now=now)
            planned[job.name] = state
        return planned

    def _next_due(self, job: Job, settings: Mapping, after: datetime) -> datetime | None:
        schedule = job.schedule_in(settings)
        closing_times = devices.closing_times() if isinstance(schedule, AfterClosing) else ()
        return schedule.next_after(after, closing_times)

    def _run(self, job: Job, settings: Mapping) -> Outcome | None:
        started = self.clock()
        held = job_records.claim(job.name, worker=self.identity, now=started, lease=job.lease_in(settings))
        if held is None:
            return None  # another worker was first
        log.info("%s: started for the %s slot", job.name, held.due_at.isoformat(timespec="seconds"))
        try:
            result, error = job.run(started, settings), None
        except Exception as failure:  # any failure of the job is recorded and told; the worker goes on
            db.session.rollback()
            log.exception("%s: failed", job.name)
            result, error = None, error_line(failure)
        finished = self.clock()
        job_records.finish(job.name, held, label=str(job.label), worker=self.identity, now=finished,
                           next_due=self._next_due(job, settings, finished), result=result, error=error)
        log.info("%s: %s (%.2f s)", job.name, error or result, (finished - started).total_seconds())
        return Outcome(job.name, held.due_at, result, error)

    def _wake_at(self, states: dict[str, job_records.ScheduleState]) -> datetime | None:
        now = self.clock()
        ours = (states[job.name] for job in self.jobs if job.name in states)
        moments = (state.lease_until if state.leased(now) else state.next_due_at for state in ours)
        return min((moment for moment in moments if moment is not None), default=None)

    # ---- the long-running loop -------------------------------------------------------------------------

    def stop(self, *_signal_args) -> None:
        """Finish the running job, then leave the loop (a SIGTERM/SIGINT handler)."""
        if not self.stopping.is_set():
            log.info("worker %s stopping after the current job", self.identity)
        self.stopping.set()

    def run_forever(self, wait: Callable[[float], object] | None = None) -> None:
        """Pass after pass until stopped; ``wait(seconds)`` sleeps between passes (woken by ``stop``)."""
        wait = wait or self.stopping.wait
        poll = float(self.app.config["WORKER_POLL_SECONDS"])
        failures = 0
        log.info("worker %s started: %s", self.identity, ", ".join(job.name for job in self.jobs))
        while not self.stopping.is_set():
            try:
                done = self.run_pending()
            except SQLAlchemyError as error:
                failures += 1
                pause = min(poll * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
                log.warning("worker %s: database unavailable (%s); next try in %.0f s", self.identity,
                            type(error).__name__, pause)
            else:
                failures = 0
                pause = poll
                if done.wake_at is not None:
                    until = (done.wake_at - self.clock()).total_seconds()
                    pause = min(max(until, MIN_PAUSE_SECONDS), poll)
            if not self.stopping.is_set():
                wait(pause)
        log.info("worker %s stopped", self.identity)
