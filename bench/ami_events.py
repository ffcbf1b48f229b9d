"""How many AMI events a second one Asterisk connector handles, end to end.

An AMI server on 127.0.0.1 (the tests' ``tests/cti/ami_server.py``) sends the recorded streams of real call
shapes (direct, queued with a missed agent, abandoned, transferred), each call with ids of its own, as fast
as the connection takes them; one connector (``kiosk.connectors.asterisk``) reads, translates and applies
them to a scratch database built through the migrations (SQLite, or ``--database-url`` PostgreSQL, whose
public schema is DROPPED first). Prints the events and calls per second, and the translator's own rate.

``python bench/ami_events.py [--calls N] [--database-url postgresql://…]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHAPES = ("direct_inbound", "queue_no_answer_then_answer", "abandoned_in_queue", "blind_transfer")
ID_FIELDS = ("Uniqueid", "Linkedid", "DestUniqueid", "DestLinkedid")


def call_streams(calls: int) -> list[dict[str, str]]:
    """``calls`` calls, the shapes in turn, each with its own channel ids."""
    from tests.cti.ami_server import read_stream

    shapes = {name: read_stream(name) for name in SHAPES}
    events = []
    for n in range(calls):
        for event in shapes[SHAPES[n % len(SHAPES)]]:
            events.append({key: f"{value}-{n}" if key in ID_FIELDS else value
                           for key, value in event.items()})
    return events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from datetime import UTC, datetime

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from kiosk import create_app
    from kiosk.config import normalise_database_url
    from kiosk.domain.asterisk import AmiTranslator
    from kiosk.extensions import db
    from kiosk.models.calls import Call, SwitchConnector
    from kiosk.models.people import User
    from tests.cti.ami_server import AmiServer
    from tests.cti.connector_support import PBX, Clock, RunningConnector, at

    events = call_streams(args.calls)
    translator = AmiTranslator()
    started = time.perf_counter()
    for event in events:
        translator.feed(event, datetime.now(UTC))
    pure = len(events) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as scratch:
        url = normalise_database_url(args.database_url or f"sqlite:///{scratch}/ami.sqlite3")
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret"})
        with app.app_context():
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as connection:
                    connection.execute(text("DROP SCHEMA public CASCADE"))
                    connection.execute(text("CREATE SCHEMA public"))
            upgrade()
            for extension in ("8101", "8102"):
                user = User(username=f"agent{extension}", display_name=f"坐席{extension}",
                            extension=extension, created_at=at(0), active=True)
                user.set_password("bench-pass-2026")
                user.set_roles(("agent",))
                db.session.add(user)
            db.session.commit()
            server = AmiServer()
            running = RunningConnector(app, server.url, Clock(at(0)))
            try:
                while not ((row := db.session.get(SwitchConnector, PBX)) and row.connected):
                    db.session.rollback()
                    time.sleep(0.05)
                before = running.connector.total
                started = time.perf_counter()
                server.send(events)
                while running.connector.total < before + len(events):
                    time.sleep(0.01)
                elapsed = time.perf_counter() - started
            finally:
                running.stop()
                server.close()
            db.session.rollback()
            stored = db.session.scalar(select(func.count(Call.id)))
            dialect = db.engine.dialect.name
            db.engine.dispose()
    print(f"database: {dialect}; {args.calls} calls, {len(events)} AMI events ({len(SHAPES)} call shapes)")
    print(f"one connector, end to end: {len(events) / elapsed:8.0f} events/s, "
          f"{args.calls / elapsed:6.1f} calls/s ({elapsed:.2f} s; {stored} calls stored)")
    print(f"the translator alone:      {pure:8.0f} events/s")


if __name__ == "__main__":
    main()
