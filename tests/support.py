"""Helpers for tests (import as ``from tests.support import ...``; fixtures live in conftest.py)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from threading import Barrier

from sqlalchemy import event

PASSWORD = "correct-horse-9"
#: The smallest file the photo checks take for a PNG (its signature, then anything).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


#: The message beside a date field given a date outside the years the app keeps (2000-2099).
OUT_OF_YEARS = "请填写 2000 年至 2099 年之间的日期。"


def field_error(html: str, field_id: str) -> str | None:
    """The message shown beside a field, if any."""
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    return match.group(1) if match else None


def freeze_clock(monkeypatch, moment: datetime) -> None:
    """Stop the app's one clock (``kiosk.clock.utcnow``) at ``moment`` for every module that reads it.

    A test whose world is built "today" and then read a second later sees the same day even when it runs
    across midnight in Shanghai."""
    import kiosk.clock

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz)

    monkeypatch.setattr(kiosk.clock, "datetime", Frozen)


@contextmanager
def statements_sent(engine, keep: Callable[[str], bool] = lambda _statement: True) -> Iterator[list[str]]:
    """The SQL statements ``engine`` hands its driver while the block runs (those ``keep`` accepts), in
    order. While anything listens, ``kiosk.database``'s driver paths go through SQLAlchemy, so they show
    too."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if keep(statement):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def in_threads(app, work, threads: int) -> list:
    """Run ``work(n)`` for n in range(threads) at once, each thread in its own app context (its own
    database session), lined up on a barrier so they really race; returns the results in order."""
    from kiosk.extensions import db

    barrier = Barrier(threads)

    def run(n):
        with app.app_context():
            try:
                barrier.wait()
                return work(n)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, range(threads)))


# ---- screen sizes the faces are used at (browser tests) ----------------------------------------------------

#: Kiosk tablets: held upright, lying down, and the two sizes the front desks use most.
PORTRAIT = {"width": 820, "height": 1180}
LANDSCAPE = {"width": 1180, "height": 820}
TABLET_LANDSCAPE = {"width": 1280, "height": 800}
TABLET_PORTRAIT = {"width": 768, "height": 1024}
#: Staff screens.
DESKTOP = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
