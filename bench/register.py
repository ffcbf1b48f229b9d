"""How fast the owner register answers on a year of data: a search by each way an agent asks, a customer
file, the caller's summary, the coverage page's figures, a page of the call log.

    .venv/bin/python bench/register.py [--households 20000] [--calls 100000] [--database-url ...] [--runs 20]

Builds a fresh database through the migrations (a PostgreSQL database's public schema is DROPPED first;
default a temporary SQLite file), loads a year (``bench/yeardata.py``: people, the register with its
search keys, calls from the owners, slips, periodic callbacks, visits to homes), then times each read
in-process ``--runs`` times and prints p50 and max in milliseconds. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, yeardata  # noqa: E402
from kiosk.clock import utcnow  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=20000)
    parser.add_argument("--calls", type=int, default=100000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/register.sqlite3"
    now = utcnow()
    started = time.perf_counter()
    with common.fresh_database(url) as connection:
        from sqlalchemy import select

        from kiosk.models.calls import Call

        people = yeardata.load_people(connection, now=now)
        owners = yeardata.load_owners(connection, args.households)
        yeardata.load_calls(connection, args.calls, now=now, people=people, owner_ids=owners)
        call_ids = connection.scalars(select(Call.id).where(Call.answered_at.is_not(None))).all()
        yeardata.load_slips(connection, args.calls // 2, now=now, people=people, call_ids=call_ids)
        yeardata.load_periodic_callbacks(connection, owners, now=now, people=people)
        visits = yeardata.load_unit_visits(connection, owners, now=now, people=people)
    print(f"loaded {args.households} homes, {args.calls} calls, {visits} visits to homes "
          f"in {time.perf_counter() - started:.0f} s ({url.split(':', 1)[0]})")

    import os

    os.environ.update(common.env(url))
    from kiosk import create_app
    from kiosk.extensions import db
    from kiosk.models.property import Owner
    from kiosk.services import call_log, coverage, customer_file, register

    app = create_app()
    with app.app_context():
        someone = db.session.get(Owner, owners[len(owners) // 2])
        home = someone.memberships[0].unit
        surname_initial = register.search(someone.name)[0].name_initials[:2]
        queries = {
            "name (full)": someone.name,
            "name (given part)": someone.name[1:],
            "pinyin initials": surname_initial,
            "unit 3栋1201 form": f"{home.building.name}{home.number}",
            "unit 3-1201 form": f"{home.building.name.removesuffix('栋')}-{home.number}",
            "mobile number": someone.mobile,
            "last four digits": someone.mobile[-4:],
            "two words": f"{someone.name[0]} {home.number}",
        }
        width = max(len(name) for name in queries) + 2

        def measure(label: str, work) -> None:
            timings, found = [], None
            for _ in range(args.runs):
                db.session.expire_all()
                t = time.perf_counter()
                found = work()
                timings.append((time.perf_counter() - t) * 1000)
                db.session.rollback()
            size = len(found) if hasattr(found, "__len__") else ""
            print(f"  {label:<{width}} p50 {statistics.median(timings):6.1f} ms   max {max(timings):6.1f} ms"
                  f"   {size}")

        print(f"search ({args.runs} runs each; results shown at most {register.SEARCH_LIMIT}):")
        for label, query in queries.items():
            measure(label, lambda q=query: register.search(q))
        print("files:")
        measure("customer file timeline", lambda: customer_file.timeline(register.get_person(someone.id)))
        measure("caller summary", lambda: [customer_file.summary(register.get_person(someone.id), now)])
        measure("coverage by project", lambda: coverage.coverage(now.year))
        measure("call log, 1st page", lambda: call_log.call_page(call_log.CallFilter(), 15).rows)


if __name__ == "__main__":
    main()
