"""Running the Asterisk connector in a thread against the test AMI server, and waiting on what it did."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

from kiosk.connectors.asterisk import Connector, Settings
from kiosk.extensions import db

#: The recorded streams' time zero (their ``Timestamp``s count from it).
T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
PBX = "asterisk-1"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Clock:
    """The connector's clock, moved by the test."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class RunningConnector:
    def __init__(self, app, url: str, clock: Clock, pbx: str = PBX, **settings) -> None:
        self.connector = Connector(app, Settings(url, pbx, max_backoff=0.2, **settings), clock=clock)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.connector.run())
        finally:
            with self.connector.app.app_context():
                db.session.remove()
            self.loop.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.connector.stop.set)
        self.thread.join(15)


def wait_until(condition, timeout: float = 10.0, what: str = "the connector"):
    """Poll ``condition`` (reading the database afresh each time) until it holds; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not get there within {timeout} s")
        time.sleep(0.02)
