"""The lines of ``bench/kpi.py`` on the data ``bench/speed.py`` caches, on SQLite or PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/kpi_cached.py [--database-url postgresql://…/NAME] [--requests 15]

For a year (100k calls and the rest, ``bench/yeardata.py``) and a tenth of it, it takes a working copy of
the cached data (``bench/speed.py``'s ``prepared_database``: built the first time, minutes on PostgreSQL,
then cloned in seconds), serves it with gunicorn (2 sync workers) on 127.0.0.1 and asks each page of
``bench/kpi.py`` ``--requests`` times in a row from one signed-in client: p50, p95 and SQL statements per
request, as ``bench/kpi.py`` prints them (which builds a fresh SQLite file every run instead).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, kpi, speed  # noqa: E402  (the repository root is on the path only from here)
from kiosk.clock import utcnow  # noqa: E402


def agent_id(url: str) -> int:
    """``agent1`` of the generated data (the drill-down by agent asks for one)."""
    import os

    os.environ.update(common.env(url))
    from sqlalchemy import select

    from kiosk import create_app
    from kiosk.extensions import db
    from kiosk.models.people import User

    app = create_app()
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.username == "agent1")
                                  .order_by(User.id).limit(1))
        db.engine.dispose()
    return found


def run_size(base_url: str | None, calls: int, requests: int, workdir: Path) -> list[tuple]:
    url, _built = speed.prepared_database(base_url, calls, workdir)
    return kpi.measured(url, kpi._targets(utcnow(), agent_id(url)), requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL database whose name prefixes the cached copies")
    parser.add_argument("--calls", type=int, default=speed.FULL_CALLS)
    parser.add_argument("--requests", type=int, default=15, help="requests per page, one after the other")
    args = parser.parse_args()
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"KPI benchmark on cached data: gunicorn, 2 sync workers, {database}, 127.0.0.1, one client.")
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        for calls in (args.calls, args.calls // 10):
            rows = run_size(args.database_url, calls, args.requests, Path(tmp))
            print(f"\n{calls} calls (a year)" if calls == args.calls else f"\n{calls} calls (a tenth)")
            print(f"  {'request':<24} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8}", flush=True)
            for name, p50, p95, count in rows:
                print(f"  {name:<24} {p50:>8.1f} {p95:>8.1f} {count:>8}", flush=True)


if __name__ == "__main__":
    main()
