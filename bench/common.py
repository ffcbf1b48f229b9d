"""The benchmarks' harness: a freshly migrated database, gunicorn on 127.0.0.1, a signed-in HTTP client and
the measurements (rates, latencies, SQL statements per request). The data comes from ``bench/yeardata.py``.

The scripts (``bench/board.py``, ``bench/kpi.py``, ``bench/load.py``) put the repository root on
``sys.path`` and import this module as ``bench.common``; gunicorn serves ``bench.common:bench_app()``.
"""

from __future__ import annotations

import http.client
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from bench.yeardata import PASSWORD, SUPERVISOR
from tests.html_support import csrf_token

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only

#: (name, path, headers) of one measured request; a poll holds its ETag in ``If-None-Match`` (answer 304).
Target = tuple[str, str, dict]


def bench_app():
    """The app as gunicorn serves it, plus a bare hello-world route to compare against."""
    from kiosk import create_app
    from kiosk.web.access import public

    app = create_app()

    @app.route("/bench/hello")
    @public
    def hello():
        return "hello"

    return app


def env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret",
            "KIOSK_RATELIMIT_ENABLED": "false", "KIOSK_SESSION_IDLE_MINUTES": "600"}


#: Tables of counts that triggers keep up to date at every change of the rows they count.
TRIGGER_KEPT_COUNTS = ("slip_counts", "on_site_counts")


@contextmanager
def fresh_database(url: str) -> Iterator:
    """A connection, in a transaction, to a database freshly built through the migrations (a PostgreSQL
    database's public schema is DROPPED first). Committed on exit, the KPIs' closed days rolled up (as the
    worker keeps them), then ANALYZEd (the planners choose the board's partial indexes from the
    statistics); PostgreSQL's VACUUMed too, as autovacuum would."""
    os.environ.update(env(url))
    from flask_migrate import upgrade
    from sqlalchemy import text

    from kiosk import create_app
    from kiosk.clock import utcnow
    from kiosk.database import analyze
    from kiosk.extensions import db
    from kiosk.services import kpi

    app = create_app()
    logging.disable(logging.INFO)  # the migrations' progress lines
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        with db.engine.begin() as connection:
            yield connection
        # the KPIs' daily rollups, as the worker's kpi-rollups job keeps them on a live database
        kpi.refresh(utcnow(), app.config["THREE_RINGS_SECONDS"])
        db.session.remove()
        if postgres:  # as autovacuum leaves a live database: statistics, and the visibility map that
            # lets the KPIs' covering indexes answer alone (index-only scans); outside a transaction
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                # The counts the triggers keep were updated at each of the year's rows inside the one
                # transaction above, where no old version of theirs could be pruned (slip_counts: 274
                # pages for 63 rows). A live database's stay a few pages: pruning and autovacuum keep up
                # with a few updates a second.
                connection.execute(text(f"VACUUM FULL {', '.join(TRIGGER_KEPT_COUNTS)}"))
                connection.execute(text("VACUUM ANALYZE"))
        else:
            with db.engine.begin() as connection:
                analyze(connection)
        db.engine.dispose()


def expected_status(headers: dict) -> int:
    return 304 if "If-None-Match" in headers else 200


def count_statements(url: str, targets: Callable[[Callable], list[Target]]) -> dict[str, int]:
    """SQL statements per request, counted in-process (``before_cursor_execute``) against the same database,
    signed in as the supervisor (so they include loading the session's user). ``targets`` is given the
    in-process client's ``get(path, headers=...)``, to ask for what the targets need (a poll's ETag)."""
    os.environ.update(env(url))
    from sqlalchemy import event

    from kiosk.extensions import db

    app = bench_app()
    app.config.update(WTF_CSRF_ENABLED=False)
    with app.app_context():
        engine = db.engine
    seen = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(1))
    client = app.test_client()
    client.post("/auth/login", data={"username": SUPERVISOR, "password": PASSWORD})
    counts = {}
    for name, path, headers in targets(client.get):
        seen.clear()
        status = client.get(path, headers=headers).status_code
        assert status == expected_status(headers), (name, status)
        counts[name] = len(seen)
    engine.dispose()
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, headers: dict | None = None, body: str | None = None):
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def sign_in(port: int) -> str:
    """The supervisor's session cookie, through the login form (CSRF token and all)."""
    response, html = request(port, "GET", "/auth/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = csrf_token(html.decode())
    form = urlencode({"csrf_token": token, "username": SUPERVISOR, "password": PASSWORD})
    response, _ = request(port, "POST", "/auth/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"http://{HOST}:{port}", "Referer": f"http://{HOST}:{port}/auth/login"}, form)
    assert response.status in (302, 303), response.status
    return response.getheader("Set-Cookie").split(";")[0]


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group; SIGKILL if it has not stopped 30 s later."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def workers_of(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return [int(pid) for pid in children]


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(master: int) -> float:
    """CPU time of gunicorn so far: master and live workers, and the workers it has reaped (killed ones)."""
    total = 0
    for pid in [master, *workers_of(master)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
        total += utime + stime + (cutime + cstime if pid == master else 0)
    return total / os.sysconf("SC_CLK_TCK")


#: The gunicorn master's process id for each port ``gunicorn()`` serves on.
SERVERS: dict[int, int] = {}


@contextmanager
def gunicorn(url: str, workers: int = 2, settings: dict | None = None) -> Iterator[int]:
    """gunicorn serving ``bench_app()`` on 127.0.0.1 and a free port (yielded); stopped on exit.
    ``settings``: more environment for it (``KIOSK_*`` settings)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"{HOST}:{port}", "--timeout", "300",
         "--log-level", "warning", "bench.common:bench_app()"], cwd=ROOT,
        env={**env(url), **(settings or {})}, start_new_session=True)
    SERVERS[port] = server.pid
    try:
        deadline = time.time() + 60
        while True:
            try:
                if request(port, "GET", "/bench/hello")[0].status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        yield port
    finally:
        SERVERS.pop(port, None)
        stop_server(server)


class _Asker:
    """One client on one keep-alive connection asking for one path. A poll (``If-None-Match``) answered 200
    takes the new ETag, as the browser's poll.js does, and is counted in ``changed``."""

    def __init__(self, port: int, path: str, headers: dict):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=300)
        self.path, self.headers = path, dict(headers)
        self.changed = 0

    def ask(self) -> float:
        """Seconds one request took."""
        started = time.perf_counter()
        self.connection.request("GET", self.path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if "If-None-Match" in self.headers and response.status == 200:
            self.headers["If-None-Match"] = response.getheader("ETag")
            self.changed += 1
        elif response.status != expected_status(self.headers):
            raise RuntimeError(f"{self.path}: {response.status}")
        return elapsed


def measure(port: int, path: str, headers: dict, requests: int, threads: int) -> tuple[float, float, int]:
    """(requests/s, p95 ms, polls answered 200) with ``threads`` clients in parallel, after a warm-up."""
    local = threading.local()
    askers = []

    def one(_) -> float:
        if not hasattr(local, "asker"):
            local.asker = _Asker(port, path, headers)
            askers.append(local.asker)
        return local.asker.ask()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(threads * 3)))  # warm up
        for asker in askers:
            asker.changed = 0
        started = time.perf_counter()
        latencies = list(pool.map(one, range(requests)))
        elapsed = time.perf_counter() - started
    return (requests / elapsed, statistics.quantiles(latencies, n=20)[18] * 1000,
            sum(asker.changed for asker in askers))


def latency(port: int, path: str, headers: dict, requests: int) -> tuple[float, float]:
    """p50 and p95 (ms) of one client asking ``requests`` times in a row (after one warm-up request)."""
    asker = _Asker(port, path, headers)
    asker.ask()
    times = sorted(asker.ask() * 1000 for _ in range(requests))
    quantiles = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), quantiles[18]
