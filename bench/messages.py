"""Messages delivered per second by one worker: N WeCom group messages queued, then one delivery run against
a stand-in WeCom server on 127.0.0.1 (the tests' recording server), timed; also the cost of queueing them.

Runs in-process on a scratch SQLite database built through the migrations, or on PostgreSQL with
``--database-url`` (its public schema is DROPPED first). The provider's rate limit is off, so the figure is
the worker's own ceiling (claim, hand-over commit, HTTP call, settle commit per message).
``python bench/messages.py [--messages N] [--database-url postgresql://…]``
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from bench.common import fresh_database
    from kiosk import create_app
    from kiosk.clock import utcnow
    from kiosk.database import unit_of_work
    from kiosk.extensions import db
    from kiosk.messaging import senders
    from kiosk.models.people import Department
    from kiosk.services import delivery
    from kiosk.services.notifications import notify
    from tests.messaging_support import StandIn

    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{scratch}/messages.sqlite3"
        with fresh_database(url):
            pass
        standin = StandIn()
        os.environ.update({"KIOSK_WECOM_API_URL": standin.url, "KIOSK_MESSAGE_RATE_LIMITS": "{}"})
        app = create_app()
        with app.app_context():
            with unit_of_work():
                department = Department(code="engineering", name="工程部", active=True)
                db.session.add(department)
            delivery.set_group(department.id, "bench-robot")
            started = time.perf_counter()
            with unit_of_work():
                for i in range(args.messages):
                    notify(kind="slip_dispatched", title=f"派单 {i}", now=utcnow(), department=department,
                           link=f"/tasks/{i}")
            queued = time.perf_counter() - started
            started = time.perf_counter()
            done = delivery.deliver_due(senders=senders(app.config, delivery.DatabaseTokens(utcnow)),
                                        settings=app.config, worker="bench", clock=utcnow,
                                        budget_seconds=3600)
            took = time.perf_counter() - started
            db.engine.dispose()
        standin.stop()
    received = len(standin.messages("/cgi-bin/webhook/send"))
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{database}: {args.messages} messages queued in {queued:.2f} s "
          f"({args.messages / queued:.0f}/s, in the event's transaction)")
    print(f"{database}: one worker delivered {done.counts.get('sent', 0)} in {took:.2f} s: "
          f"{done.counts.get('sent', 0) / took:.0f} messages/s (stand-in received {received})")


if __name__ == "__main__":
    main()
