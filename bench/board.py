"""Benchmark of the supervisor board: how much one poll costs, and how that grows with the data.

Run from the repository root:  .venv/bin/python bench/board.py [--slips 50000] [--requests 1500]

For each data size (the full year and one tenth of it) it builds a fresh SQLite file through the
migrations, loads a year of task slips with their audit events, starts gunicorn (2 sync workers) on
127.0.0.1 and a free port, signs a supervisor in and measures with a small threaded HTTP client:

* ``hello``          -- a bare Flask route in the same app (the floor: WSGI, middleware, security headers);
* ``poll 304``       -- a board panel polled with the ETag it already holds (the version check only);
* ``fragment 200``   -- the same panel without the ETag (version check + queries + rendering);
* ``board page``     -- the whole board page.

SQL statements per request are counted in-process (SQLAlchemy ``before_cursor_execute``) on the same file.
Everything stops by itself; nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-pass-2026"
PANEL = "/supervisor/panels/unassigned"
SOURCES = ["call", "visit", "staff"]
PRIORITIES = ["routine"] * 6 + ["major", "complaint", "emergency"]
HEAVY_PANEL = "/supervisor/panels/by_department"


def bench_app():
    """The app as gunicorn serves it, plus a bare hello-world route to compare against."""
    from kiosk import create_app
    from kiosk.access import public

    app = create_app()

    @app.route("/bench/hello")
    @public
    def hello():
        return "hello"

    return app


def _env(database: Path) -> dict:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench-secret",
            "KIOSK_RATELIMIT_ENABLED": "false", "KIOSK_SESSION_IDLE_MINUTES": "600"}


def build_database(database: Path, slips: int) -> dict:
    """A migrated SQLite file with a year of slips (and ~4 audit events each), bulk-loaded."""
    os.environ.update(_env(database))
    from flask_migrate import upgrade
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from kiosk import create_app
    from kiosk.domain.deadlines import DeadlinePolicy, near_due_from
    from kiosk.extensions import db
    from kiosk.models.people import Department, User, UserRole
    from kiosk.models.tasks import TaskEvent, TaskSlip

    app = create_app()
    logging.disable(logging.INFO)  # the migrations' progress lines
    rng = random.Random(2026)
    now = datetime.now(UTC)
    policy = DeadlinePolicy()
    with app.app_context():
        upgrade()
        db.session.execute(insert(Department), [
            {"id": i, "code": f"dept{i}", "name": f"部门{i}", "active": True} for i in range(1, 10)])
        password = generate_password_hash(PASSWORD)
        users = [{"id": 1, "username": "boss", "display_name": "主管", "password_hash": password,
                  "department_id": 1, "active": True, "session_token": "t1", "created_at": now, "version": 1}]
        users += [{"id": i, "username": f"staff{i}", "display_name": f"员工{i}", "password_hash": password,
                   "department_id": 1 + i % 9, "active": True, "session_token": f"t{i}", "created_at": now,
                   "version": 1} for i in range(2, 40)]
        db.session.execute(insert(User), users)
        db.session.execute(insert(UserRole), [{"user_id": 1, "role": "supervisor"}] + [
            {"user_id": u["id"], "role": "staff" if u["id"] % 3 else "agent"} for u in users[1:]])
        slip_rows, event_rows = [], []
        for n in range(1, slips + 1):
            opened = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            due = opened + timedelta(days=1)
            age = now - opened
            if age < timedelta(days=2):
                status = rng.choice(["new", "dispatched", "accepted", "in_progress", "waiting_on_owner"])
            else:
                status = rng.choice(["closed"] * 30 + ["resolved", "dispatched", "in_progress"])
            slip_rows.append({
                "id": n, "number": f"RW{opened:%Y%m%d}-{n:06d}", "source": rng.choice(SOURCES),
                "category": "repair", "priority": rng.choice(PRIORITIES), "status": status,
                "department_id": None if status == "new" else 1 + n % 9,
                "assignee_id": 2 + n % 38 if status not in ("new", "dispatched") else None,
                "owner_id": 2 + n % 38, "caller_name": "业主", "location": f"{n % 12}栋 {n % 30}0{n % 4}",
                "description": "报修事项描述", "opened_at": opened, "due_at": due,
                "warn_at": near_due_from(due, opened, policy), "deadline_set_by_hand": False, "result": "",
                "version": 1,
            })
            steps = ["opened", "accept", "resolve", "close"] if status == "closed" else ["opened", "accept"]
            for k, kind in enumerate(steps):
                event_rows.append({"slip_id": n, "at": opened + timedelta(hours=k), "actor_id": 2 + n % 38,
                                   "kind": kind, "from_status": None, "to_status": status, "note": ""})
            if len(slip_rows) >= 5000:
                db.session.execute(insert(TaskSlip), slip_rows)
                db.session.execute(insert(TaskEvent), event_rows)
                slip_rows, event_rows = [], []
        if slip_rows:
            db.session.execute(insert(TaskSlip), slip_rows)
            db.session.execute(insert(TaskEvent), event_rows)
        db.session.commit()
        events = db.session.query(TaskEvent).count()
        db.engine.dispose()
    return {"slips": slips, "events": events}


def count_statements(database: Path) -> dict[str, int]:
    """SQL statements per request, counted in-process against the same file."""
    os.environ.update(_env(database))
    from sqlalchemy import event

    from kiosk.extensions import db

    app = bench_app()
    app.config.update(WTF_CSRF_ENABLED=False)
    counts: dict[str, int] = {}
    with app.app_context():
        engine = db.engine
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(1))
    client = app.test_client()
    client.post("/auth/login", data={"username": "boss", "password": PASSWORD})
    etag = client.get(PANEL, headers={"HX-Request": "true"}).headers["ETag"]
    for name, path, headers in _targets(etag):
        seen.clear()
        client.get(path, headers=headers)
        counts[name] = len(seen)
    return counts


def _targets(etag: str) -> list[tuple[str, str, dict]]:
    htmx = {"HX-Request": "true"}
    return [
        ("hello", "/bench/hello", {}),
        ("poll 304", PANEL, {**htmx, "If-None-Match": etag}),
        ("fragment 200", PANEL, htmx),
        ("heavy fragment 200", HEAVY_PANEL, htmx),
        ("board page", "/supervisor/", {}),
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def _sign_in(port: int) -> str:
    response, html = _request(port, "GET", "/auth/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()
    form = urlencode({"csrf_token": token, "username": "boss", "password": PASSWORD})
    response, _ = _request(port, "POST", "/auth/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://127.0.0.1:{port}", "Referer": f"http://127.0.0.1:{port}/auth/login"}, form)
    assert response.status in (302, 303), response.status
    return response.getheader("Set-Cookie").split(";")[0]


def _measure(port: int, path: str, headers: dict, requests: int, threads: int, expect: int):
    local = threading.local()

    def one(_):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        local.conn.request("GET", path, headers=headers)
        response = local.conn.getresponse()
        response.read()
        if response.status != expect:
            raise RuntimeError(f"{path}: expected {expect}, got {response.status}")
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(threads * 5)))  # warm up
        started = time.perf_counter()
        latencies = list(pool.map(one, range(requests)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, statistics.quantiles(latencies, n=20)[18] * 1000


def run_size(slips: int, requests: int, threads: int) -> list[tuple]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        database = Path(tmp) / "bench.sqlite3"
        loaded = build_database(database, slips)
        statements = count_statements(database)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
             "bench.board:bench_app()"], cwd=ROOT, env=_env(database), start_new_session=True)
        try:
            deadline = time.time() + 30
            while True:
                try:
                    if _request(port, "GET", "/bench/hello")[0].status == 200:
                        break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("gunicorn did not start")
                time.sleep(0.2)
            cookie = _sign_in(port)
            etag = _request(port, "GET", PANEL, {"Cookie": cookie, "HX-Request": "true"})[0].getheader("ETag")
            rows = []
            for name, path, headers in _targets(etag):
                expect = 304 if "If-None-Match" in headers else 200
                rate, p95 = _measure(port, path, {"Cookie": cookie, **headers}, requests, threads, expect)
                rows.append((loaded["slips"], loaded["events"], name, rate, p95, statements[name]))
            return rows
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slips", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=1500, help="requests per measurement")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print("Supervisor board benchmark: gunicorn, 2 sync workers, SQLite, 127.0.0.1.")
    print("Data: a year of task slips with their audit events. Calls and visits are not in the schema yet")
    print("(the hotline and kiosk are built on other branches), so the 100k calls and 100k visits of the")
    print("issue are not loaded and the board has no call or visitor panels to measure.")
    rows = []
    for slips in (args.slips, args.slips // 10):
        print(f"… loading {slips} slips and measuring", flush=True)
        rows += run_size(slips, args.requests, args.threads)
    print()
    print(f"{'slips':>7} {'events':>8}  {'request':<20} {'req/s':>8} {'p95 ms':>8} {'SQL/req':>8}")
    for slips, events, name, rate, p95, statements in rows:
        print(f"{slips:>7} {events:>8}  {name:<20} {rate:>8.0f} {p95:>8.1f} {statements:>8}")


if __name__ == "__main__":
    main()
