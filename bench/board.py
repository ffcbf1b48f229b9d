"""Benchmark of the supervisor board: how much one poll costs, and how that grows with the data.

Run from the repository root:  .venv/bin/python bench/board.py [--requests 600] [--database-url URL]

For each data size -- a year (100k calls, 50k task slips, 100k visits, loaded by ``bench/yeardata.py``)
and one tenth of it -- it builds a fresh database through the migrations (a SQLite file by default;
with ``--database-url postgresql://...`` that database's public schema is DROPPED and rebuilt), starts
gunicorn (2 sync workers) on 127.0.0.1 and a free port, signs a supervisor in and measures with a small
threaded HTTP client:

* ``hello``               -- a bare Flask route in the same app (the floor: WSGI, middleware, headers);
* ``poll 304 <panel>``    -- a board panel polled with the ETag it holds (the version check only); when
                             the data does change under the poll (a slip turning overdue), the client
                             takes the new ETag as the browser does, and the 200s are counted;
* ``fragment <panel>``    -- the same panel without an ETag: what a changed panel costs (version check,
                             queries, rendering);
* ``board page``, ``wallboard`` -- the whole pages.

SQL statements per request are counted in-process (SQLAlchemy ``before_cursor_execute``) on the same
database, signed in, so they include loading the session's user. Harness: ``bench/common.py``. Nothing
here runs in the test suite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402  (the repository root is on the path only from here)
from bench.yeardata import load_year  # noqa: E402
from kiosk.clock import utcnow  # noqa: E402
from kiosk.services.board import PANELS  # noqa: E402


def build_database(url: str, *, calls: int, slips: int, visits: int) -> dict:
    """A freshly migrated database holding a year of data (or a fraction of one)."""
    with common.fresh_database(url) as connection:
        started = time.perf_counter()
        loaded = load_year(connection, calls=calls, slips=slips, visits=visits, now=utcnow())
    loaded["seconds"] = time.perf_counter() - started
    return loaded


def _targets(etag_of: Callable[[str], str]) -> list[common.Target]:
    """Every panel polled with the ETag it holds (``etag_of(path)``) and rendered, and the whole pages."""
    htmx = {"HX-Request": "true"}
    targets = [("hello", "/bench/hello", {})]
    for name in PANELS:
        path = f"/supervisor/panels/{name}"
        targets += [(f"poll 304 {name}", path, {**htmx, "If-None-Match": etag_of(path)}),
                    (f"fragment {name}", path, htmx)]
    return targets + [("board page", "/supervisor/", {}), ("wallboard", "/supervisor/wall", {})]


def run_size(url: str, sizes: dict, requests: int, threads: int) -> tuple[dict, list[tuple]]:
    loaded = build_database(url, **sizes)
    statements = common.count_statements(
        url, lambda get: _targets(lambda path: get(path, headers={"HX-Request": "true"}).headers["ETag"]))
    with common.gunicorn(url) as port:
        cookie = common.sign_in(port)
        polling = {"Cookie": cookie, "HX-Request": "true"}
        targets = _targets(lambda path: common.request(port, "GET", path, polling)[0].getheader("ETag"))
        rows = []
        for name, path, headers in targets:
            rate, p95, changed = common.measure(port, path, {"Cookie": cookie, **headers}, requests, threads)
            rows.append((name, rate, p95, statements[name], changed))
            print(f"  {name:<26} {rate:>7.0f}/s  p95 {p95:>7.1f} ms  {statements[name]:>3} SQL", flush=True)
    return loaded, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--slips", type=int, default=50_000)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=600, help="requests per measurement")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (its public schema is "
                                               "dropped!); default: a SQLite file in a temporary directory")
    args = parser.parse_args()
    full = {"calls": args.calls, "slips": args.slips, "visits": args.visits}
    results = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        for divisor in (1, 10):
            sizes = {kind: count // divisor for kind, count in full.items()}
            url = args.database_url or f"sqlite:///{Path(tmp) / f'bench-{divisor}.sqlite3'}"
            print(f"… loading {sizes} and measuring", flush=True)
            results.append(run_size(url, sizes, args.requests, args.threads))
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nSupervisor board, gunicorn 2 sync workers, {engine}, {args.threads} client threads, "
          f"{args.requests} requests per line, 127.0.0.1 on {os.cpu_count()} cores.")
    for loaded, rows in results:
        print(f"\n{loaded['calls']} calls, {loaded['slips']} slips ({loaded['events']} events), "
              f"{loaded['visits']} visits ({loaded['incidents']} incidents); "
              f"loaded in {loaded['seconds']:.0f} s")
        print(f"  {'request':<26} {'req/s':>7} {'p95 ms':>8} {'SQL/req':>8}  {'× hello':>7}")
        hello = rows[0][1]
        for name, rate, p95, statements, changed in rows:
            note = f"  ({changed} answered 200: the data changed)" if changed else ""
            print(f"  {name:<26} {rate:>7.0f} {p95:>8.1f} {statements:>8}  {hello / rate:>7.1f}{note}")


if __name__ == "__main__":
    main()
