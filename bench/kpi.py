"""Benchmark of the KPI page and the reports over a year of data, at full size and at one tenth.

Run from the repository root:  .venv/bin/python bench/kpi.py [--calls 100000] [--requests 15]

For each size it builds a fresh SQLite file through the migrations and bulk-loads a year: calls (100k),
task slips (50k, a third of them opened from an answered call) with their audit events, a callback for
every resolved slip and quarterly callbacks for every owner, owners in five projects (four calls in five
from one of them), kiosk visits (100k) with a few hundred incidents, and a year of the sales office's
rotation (every day replayable). Then gunicorn (2 sync workers) serves it on 127.0.0.1 and one signed-in
client asks each page ``--requests`` times in a row; it prints p50 and p95 latency and the SQL statements
per request (counted in-process with SQLAlchemy's ``before_cursor_execute`` on the same file). Data:
``bench/yeardata.py``; harness: ``bench/common.py``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, yeardata  # noqa: E402  (the repository root is on the path only from here)
from kiosk.clock import utcnow  # noqa: E402


def build_database(url: str, calls: int, now: datetime) -> tuple[dict, int]:
    """A year of everything the KPIs count, ``calls`` calls and the rest in proportion. Returns the counts
    and an agent's id (for the drill-down by agent)."""
    from sqlalchemy import func, select

    from kiosk.models.callbacks import Callback
    from kiosk.models.calls import Call

    with common.fresh_database(url) as connection:
        people = yeardata.load_people(connection, now=now)
        owners = yeardata.load_owners(connection, max(1, round(5000 * calls / 100_000)))
        yeardata.load_calls(connection, calls, now=now, people=people, owner_ids=owners)
        call_ids = connection.scalars(select(Call.id).where(Call.answered_at.is_not(None))).all()
        yeardata.load_slips(connection, calls // 2, now=now, people=people, call_ids=call_ids)
        yeardata.load_periodic_callbacks(connection, owners, now=now, people=people)
        yeardata.load_unit_visits(connection, owners, now=now, people=people)
        yeardata.load_visits(connection, calls, now=now, people=people)
        rotation = yeardata.load_sales_office(connection, now=now, people=people)
        callbacks = connection.scalar(select(func.count()).select_from(Callback))
    counts = {"calls": calls, "slips": calls // 2, "callbacks": callbacks, "visits": calls,
              "owners": len(owners), "rotation events": rotation}
    return counts, people.agent_ids[0]


def _targets(now: datetime, agent: int) -> list[common.Target]:
    from kiosk.clock import local
    from kiosk.domain.kpi import PeriodKind, period_for, supervision_report_period

    today = local(now).date()
    month = supervision_report_period(today).label
    week = period_for(PeriodKind.WEEK, today - timedelta(days=7)).label
    day = (today - timedelta(days=1)).isoformat()
    return [
        ("hello", "/bench/hello", {}),
        ("KPI page, month", f"/kpi/?period={month}", {}),
        ("KPI page, week", f"/kpi/?period={week}", {}),
        ("KPI page, day", f"/kpi/?period={day}", {}),
        ("KPI fragment, month", f"/kpi/?period={month}", {"HX-Request": "true"}),
        ("monthly report page", f"/kpi/reports/{month}", {}),
        ("monthly report XLSX", f"/kpi/reports/{month}.xlsx", {}),
        ("drill-down, 1st page", f"/kpi/drill/slips_overdue?period={month}", {}),
        ("drill-down, agent", f"/kpi/drill/p90_handling_time?period={month}&dim=agent&key={agent}", {}),
    ]


def run_size(calls: int, requests: int) -> tuple[dict, list[tuple]]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        now = utcnow()
        loaded, agent = build_database(url, calls, now)
        return loaded, measured(url, _targets(now, agent), requests)


def measured(url: str, targets: list[tuple], requests: int) -> list[tuple]:
    """(name, p50, p95, statements) of each target, one client asking ``requests`` times in a row."""
    statements = common.count_statements(url, lambda get: targets)
    with common.gunicorn(url) as port:
        cookie = common.sign_in(port)
        rows = []
        for name, path, headers in targets:
            p50, p95 = common.latency(port, path, {"Cookie": cookie, **headers}, requests)
            rows.append((name, p50, p95, statements[name]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=15, help="requests per page, one after the other")
    args = parser.parse_args()
    print("KPI benchmark: gunicorn, 2 sync workers, SQLite, 127.0.0.1, one client.")
    results = []
    for calls in (args.calls, args.calls // 10):
        print(f"… loading a year with {calls} calls and measuring", flush=True)
        results.append(run_size(calls, args.requests))
    for loaded, rows in results:
        print()
        print(", ".join(f"{n} {name}" for name, n in loaded.items()))
        print(f"  {'request':<24} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>8}")
        for name, p50, p95, statements in rows:
            print(f"  {name:<24} {p50:>8.1f} {p95:>8.1f} {statements:>8}")


if __name__ == "__main__":
    main()
