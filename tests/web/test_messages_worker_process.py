"""A real ``flask --app kiosk worker`` killed (SIGKILL) while the WeCom stand-in holds its request: the
message it was handing over is never sent a second time (it turns "unknown" for an admin to check), and a
second real worker delivers everything else once."""

from __future__ import annotations

import os
import signal

from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.database import unit_of_work
from kiosk.domain.messaging import Status
from kiosk.extensions import db
from kiosk.models.messaging import OutboxMessage
from kiosk.services import delivery
from kiosk.services.notifications import notify
from tests.messaging_support import StandIn
from tests.worker_support import ROOT, STARTUP_LIMIT_SECONDS, start_worker, wait_for

MESSAGES = 4


def _env(database_url: str, standin: StandIn) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "worker-test",
        "PYTHONPATH": str(ROOT),
        "KIOSK_WECOM_API_URL": standin.url,
        "KIOSK_MESSAGE_LEASE_SECONDS": "2",
        "KIOSK_WORKER_INTERVALS": '{"deliver-messages": 1}',
        "KIOSK_WORKER_POLL_SECONDS": "0.5",
        "KIOSK_WORKER_LEASE_SECONDS": '{"deliver-messages": 2}',
        "KIOSK_MESSAGE_RATE_LIMITS": "{}",
    }


def _statuses() -> dict[str, str]:
    db.session.rollback()
    return dict(db.session.execute(select(OutboxMessage.subject, OutboxMessage.status)).all())


def test_a_worker_killed_mid_delivery_does_not_send_that_message_twice(app, database_url, make_department):
    standin = StandIn()
    department = make_department("engineering", "工程部")
    delivery.set_group(department.id, "eng-robot")
    app.config["WECOM_API_URL"] = standin.url
    with unit_of_work():
        for i in range(MESSAGES):
            notify(kind="slip_dispatched", title=f"派单 {i}", now=utcnow(), department=department)
    workers = {}
    try:
        standin.hang()
        first = start_worker(_env(database_url, standin))
        workers[first.pid] = first
        assert standin.arrived.wait(STARTUP_LIMIT_SECONDS), "the worker never called the stand-in"
        first.kill()  # in the middle of the hand-over: the stand-in has the request, no answer went back
        workers.pop(first.pid).wait(timeout=60)
        standin.release()

        second = start_worker(_env(database_url, standin))
        workers[second.pid] = second
        final = {Status.SENT.value, Status.UNKNOWN.value}
        wait_for(
            lambda: (s := _statuses()) and set(s.values()) <= final and len(s) == MESSAGES or None, workers
        )
    finally:
        standin.release()
        for worker in workers.values():
            worker.send_signal(signal.SIGTERM)
            worker.communicate(timeout=60)
        standin.stop()

    statuses = _statuses()
    [in_doubt] = [subject for subject, status in statuses.items() if status == Status.UNKNOWN]
    received = [r.body["markdown"]["content"] for r in standin.messages("/cgi-bin/webhook/send")]
    assert sorted(received) == sorted(f"**派单 {i}**" for i in range(MESSAGES))  # each once, none twice
    assert sum(in_doubt in text for text in received) == 1
