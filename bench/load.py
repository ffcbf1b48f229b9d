"""Load and fault run: nothing acknowledged is lost, nothing is half-written, the app comes back by itself.

Run from the repository root (loopback only; it starts and stops everything itself):

    .venv/bin/python bench/load.py                       # SQLite, then PostgreSQL, 60 s each
    .venv/bin/python bench/load.py --database postgresql --faults
    .venv/bin/python bench/load.py --database postgresql --faults --restart-postgres
    .venv/bin/python bench/load.py --database sqlite --seconds 20 --kiosks 10 --agents 10 --boards 2

For each database it builds a fresh one through the migrations (SQLite: a temporary file; PostgreSQL: the
empty database ``--database-url`` names, or a new ``kiosk_load_<pid>`` on 127.0.0.1 that is dropped at the
end), loads the demo data, adds the load's people, tablets and switchboard, and starts gunicorn (4 sync
workers, as ``make serve-prod``) on 127.0.0.1 and a free port. Then, for ``--seconds``:

* ``--kiosks`` paired tablets sign visitors in (a purpose picked from the start screen, the form filled as
  its fields ask) and sign earlier visitors out by mobile number;
* ``--agents`` agents sign in; the switchboard (HMAC-signed events, ``kiosk.devtools.cti_simulator``) rings
  each one's extension, the agent answers on the console, records, reads back, and dispatches a task slip to a
  department (now and then answers an inquiry on the spot); the switchboard repeats an event now and then;
* ``--boards`` supervisors open the board and poll every panel the page polls, as htmx would (with the
  ETag of the last answer).

Every simulated person pauses ``--think`` seconds (on average) between steps. A write counts as
*acknowledged* only when its answer said so (303 to the next page, the switchboard's ``stored``). After
the run the server is stopped and the database audited: every acknowledged sign-in, sign-out, call and
slip is there exactly once; nothing is half-written (slips without deadline or audit trail, calls
dispatched without their slip, incidents without their visit, rotation days with gaps); no rotation group
went to two people; no log line holds a full mobile number. It prints requests, errors and p50/p95/p99
per action, and the resident memory of gunicorn's master and workers (from /proc) at the end.

``--faults``: the same load while one worker is killed with SIGKILL every ``--kill-every`` seconds, and
once, half-way, the database is cut off for ``--cut-seconds``. PostgreSQL: the database is closed to new
connections (``ALTER DATABASE … ALLOW_CONNECTIONS false``, which binds superusers too) and every open
connection to it is terminated (``pg_terminate_backend``), then opened again; only this run's database is
touched, never the server. ``--restart-postgres`` instead stops the local server and starts it again
(``pg_ctlcluster``; every database on it is gone meanwhile: not while anything else uses it). SQLite
has no server to cut: its cut is the worker kills, which drop connections in the middle of transactions.
Afterwards the same audit, plus a check that every face serves again without anyone restarting anything.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import logging
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import HOST, cpu_seconds, free_port, rss_kib, stop_server, workers_of  # noqa: E402
from bench.yeardata import SURNAMES  # noqa: E402
from tests.html_support import csrf_token, read_page  # noqa: E402

PASSWORD = "load-pass-2026"
PBX = "load-pbx"
SECRET_KEY = "load-" + secrets.token_hex(16)
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
KIOSK_PURPOSES = ("owner_business", "repair", "visiting_person", "delivery_promotion", "complaint", "other")
#: Where the tablets stand: one in five at the sales office (walk-in customers for the rotation).
PLACES = ("service_centre", "service_centre", "management_office", "service_centre", "sales_office")
OPEN_ALL_DAY = (datetime.min.time(), datetime.max.time().replace(microsecond=0))
ISSUES = ("楼道灯不亮，请派人维修", "厨房水管漏水", "电梯异响", "地下车库积水", "门禁卡失灵", "楼上噪音扰民")


# ----------------------------------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------------------------------


class Stats:
    """Latencies per action and what went wrong, shared by every simulated person."""

    def __init__(self, max_requests: int):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.errors: Counter = Counter()
        self.examples: dict[str, str] = {}
        self.max_requests = max_requests
        self.requests = 0

    def budget_left(self) -> bool:
        return self.requests < self.max_requests

    def record(self, action: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.requests += 1
            self.latencies[action].append(seconds * 1000)
            self.statuses[action][status] += 1
            if isinstance(status, str) or status >= 500:
                kind = f"{action}: {status}"
                self.errors[kind] += 1

    def unexpected(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            self.examples.setdefault(kind, detail[:300])

    def table(self) -> list[str]:
        lines = [f"{'action':<34} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses"]
        for action in sorted(self.latencies):
            values = sorted(self.latencies[action])
            p50, p95, p99 = (_percentile(values, q) for q in (50, 95, 99))
            statuses = " ".join(f"{k}×{v}" for k, v in sorted(self.statuses[action].items(), key=str))
            lines.append(f"{action:<34} {len(values):>8} {p50:>8.0f} {p95:>8.0f} {p99:>8.0f}  {statuses}")
        return lines


def _percentile(values: list[float], q: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Ledger:
    """What the server acknowledged, as the clients saw it (the audit's expectations)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    signed_in: set[str] = field(default_factory=set)  # visitors' mobiles
    signed_out: set[str] = field(default_factory=set)
    calls: dict[str, int] = field(default_factory=dict)  # switchboard call id -> call row id
    answered: dict[str, str] = field(default_factory=dict)  # call id -> agent's username
    slips: set[str] = field(default_factory=set)  # call ids whose slip was dispatched
    on_spot: set[str] = field(default_factory=set)  # call ids answered on the spot
    duplicates_refused: int = 0

    def add(self, name: str, value, key=None) -> None:
        with self.lock:
            target = getattr(self, name)
            if isinstance(target, dict):
                target[key] = value
            else:
                target.add(value)


_numbers = itertools.count(1)
_numbers_lock = threading.Lock()


#: This run's visitors' and callers' numbers start so (valid mainland mobiles nobody else in the data has).
VISITORS = f"137{os.getpid() % 100:02d}"
CALLERS = f"186{os.getpid() % 100:02d}"


def unique_mobile(prefix: str) -> str:
    """A valid mainland mobile number no other simulated person uses."""
    with _numbers_lock:
        n = next(_numbers)
    return f"{prefix}{n:06d}"


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


# ----------------------------------------------------------------------------------------------------
# A browser: cookies, the CSRF token, timing
# ----------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return urlsplit(self.headers.get("location", "")).path


class Browser:
    def __init__(self, port: int, stats: Stats, stop: threading.Event):
        self.port, self.stats, self.stop = port, stats, stop
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.etags: dict[str, str] = {}

    def request(self, action: str, method: str, path: str, form: list[tuple[str, str]] | None = None,
                headers: dict | None = None) -> Answer | None:
        """One request; ``None`` when no answer came (connection refused or reset, timeout)."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read().decode("utf-8", "replace")
            connection.close()
        except (OSError, http.client.HTTPException) as error:
            self.stats.record(action, time.perf_counter() - started, f"no answer ({type(error).__name__})")
            return None
        self.stats.record(action, time.perf_counter() - started, response.status)
        for line in response.msg.get_all("Set-Cookie") or []:
            pair = line.split(";")[0]
            name, _, value = pair.partition("=")
            if "max-age=0" in line.lower() or "expires=thu, 01 jan 1970" in line.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        token = csrf_token(data) if "csrf_token" in data or "X-CSRFToken" in data else None
        if token:
            self.token = token
        return answer

    def get(self, action: str, path: str, **kwargs) -> Answer | None:
        return self.request(action, "GET", path, **kwargs)

    def post(self, action: str, path: str, form: list[tuple[str, str]], **kwargs) -> Answer | None:
        return self.request(action, "POST", path, form=[("csrf_token", self.token or ""), *form], **kwargs)

    def poll(self, action: str, path: str) -> Answer | None:
        """As app.js does: the fragment, with the ETag of the last answer."""
        headers = {"HX-Request": "true"}
        if path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        answer = self.get(action, path, headers=headers)
        if answer is not None and answer.headers.get("etag"):
            self.etags[path] = answer.headers["etag"]
        return answer

    def sign_in(self, username: str) -> bool:
        self.get("staff: login page", "/auth/login")
        form = [("username", username), ("password", PASSWORD)]
        answer = self.post("staff: sign in (POST)", "/auth/login", form)
        return answer is not None and answer.status == 303


# ----------------------------------------------------------------------------------------------------
# The simulated people
# ----------------------------------------------------------------------------------------------------


class Actor(threading.Thread):
    def __init__(self, name: str, browser: Browser, ledger: Ledger, think: float, seed: int):
        super().__init__(name=name, daemon=True)
        self.browser, self.ledger, self.think_mean = browser, ledger, think
        self.rng = random.Random(seed)

    @property
    def running(self) -> bool:
        return not self.browser.stop.is_set() and self.browser.stats.budget_left()

    def think(self) -> None:
        self.browser.stop.wait(self.rng.uniform(0, 2 * self.think_mean))

    def arrive(self) -> None:
        """What happens before the timed run (staff sign in: password hashing is slow by design)."""

    def present(self) -> bool:
        """Whether ``arrive`` has done its part."""
        return True

    def ready(self) -> bool:
        """Present, arriving (again) first if not."""
        if not self.present():
            self.arrive()
        return self.present()

    def run(self) -> None:
        while self.running:
            try:
                self.step()
            except Exception as error:  # a bug in the simulation must not stop the others silently
                self.browser.stats.unexpected(f"{type(self).__name__} crashed", repr(error))
                self.think()


class Kiosk(Actor):
    """A paired tablet: visitors sign in, and earlier ones sign out by mobile."""

    def __init__(self, *args, cookie: str, place: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.browser.cookies["kiosk_device"] = cookie
        self.place = place
        self.on_site: list[str] = []

    def step(self) -> None:
        b = self.browser
        start = b.get("kiosk: start screen", "/kiosk/")
        if start is None or start.status != 200:
            return self.think()
        purposes = [u.rsplit("/", 1)[1] for u in read_page(start.body).urls if u.startswith("/kiosk/visit/")]
        wanted = ["viewing"] if self.place in ("sales_office", "model_home") else list(KIOSK_PURPOSES)
        purpose = self.rng.choice([p for p in purposes if p in wanted] or purposes)
        self.think()
        page = b.get("kiosk: visit form", f"/kiosk/visit/{purpose}")
        if page is None or page.status != 200:
            return self.think()
        form = next(f for f in read_page(page.body).forms if f.action.startswith("/kiosk/visit/"))
        mobile = unique_mobile(VISITORS)
        self.think()
        answer = b.post("kiosk: sign in (POST)", form.action, self.fill(form, mobile))
        if answer is not None and answer.status == 303 and answer.location == "/kiosk/done":
            self.ledger.add("signed_in", mobile)
            self.on_site.append(mobile)
            b.get("kiosk: badge", "/kiosk/done")
        elif answer is not None and answer.status < 500 and answer.status != 429:
            b.stats.unexpected("kiosk sign-in refused", f"{answer.status} {answer.body[:200]}")
        if len(self.on_site) > 2 or (self.on_site and self.rng.random() < 0.5):
            self.think()
            self.sign_out(self.on_site.pop(0))
        self.think()

    def fill(self, form, mobile: str) -> list[tuple[str, str]]:
        """What a visitor types: every field the purpose asks for, the rest as the page set it."""
        typed = {"name": chinese_name(self.rng), "mobile": mobile, "party_size": str(self.rng.randint(1, 4)),
                 "organisation": "湘江物流有限公司", "host_name": chinese_name(self.rng),
                 "relation": self.rng.choice(["other", "other", "owner"])}
        pairs = []
        for f in form.fields.values():
            if f.name == "csrf_token" or f.kind in ("submit", "button"):
                continue
            if f.name in typed:
                pairs.append((f.name, typed[f.name]))
            elif f.kind == "checkbox":
                pairs.append((f.name, f.values[0]))
            elif f.kind == "select":
                chosen = [v for v in f.values if v not in ("", "0")]
                pairs.append((f.name, self.rng.choice(chosen) if chosen else f.values[0]))
            elif f.kind == "radio":
                pairs.append((f.name, self.rng.choice(f.values)))
            else:
                pairs += [(f.name, v) for v in f.chosen]
        return pairs

    def sign_out(self, mobile: str) -> None:
        b = self.browser
        if b.get("kiosk: sign-out form", "/kiosk/sign-out") is None:
            return
        answer = b.post("kiosk: sign out (POST)", "/kiosk/sign-out", [("code", mobile)])
        if answer is not None and answer.status == 303 and answer.location == "/kiosk/goodbye":
            self.ledger.add("signed_out", mobile)
            b.get("kiosk: goodbye", "/kiosk/goodbye")


class Switchboard:
    """The PBX's side: signed events, and a repeat now and then (switchboards repeat themselves)."""

    def __init__(self, port: int, secret: str, stats: Stats):
        self.url, self.secret, self.stats = f"http://{HOST}:{port}", secret, stats

    def send(self, kind: str, call_id: str, caller: str, extension: str) -> dict | None:
        from kiosk.devtools.cti_simulator import pbx_event, post_event

        event = pbx_event(kind, call_id, datetime.now(UTC), caller, extension)
        started = time.perf_counter()
        try:
            status, answer = post_event(self.url, PBX, self.secret, event)
        except OSError as error:
            self.stats.record(f"switchboard: {kind}", time.perf_counter() - started,
                              f"no answer ({type(error).__name__})")
            return None
        self.stats.record(f"switchboard: {kind}", time.perf_counter() - started, status)
        return answer if status == 200 else None


class Agent(Actor):
    """A hotline agent: the call rings at their extension; answer, record, read back, dispatch a slip."""

    def __init__(self, *args, username: str, extension: str, switchboard: Switchboard, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.username, self.extension = username, extension
        self.switchboard, self.departments = switchboard, departments
        self.signed_in = False

    def arrive(self) -> None:
        self.signed_in = self.browser.sign_in(self.username)
        if self.signed_in:
            self.browser.get("agent: console", "/hotline/")

    def present(self) -> bool:
        return self.signed_in

    def step(self) -> None:
        b = self.browser
        if not self.ready():
            return self.think()
        caller = unique_mobile(CALLERS)
        call_id = f"load-{caller}"
        stored = self.switchboard.send("ringing", call_id, caller, self.extension)
        if stored is None:
            return self.think()
        if stored.get("status") == "stored":
            self.ledger.add("calls", stored["call"], call_id)
        if self.rng.random() < 0.1 and self.switchboard.send("ringing", call_id, caller, self.extension) == {
                "status": "duplicate"}:
            with self.ledger.lock:
                self.ledger.duplicates_refused += 1
        row = stored.get("call") or self.ledger.calls.get(call_id)
        b.poll("agent: ringing poll", "/hotline/ringing")
        self.think()
        answer = b.post("agent: answer (POST)", f"/hotline/calls/{row}/answer", [])
        if answer is None or answer.location != f"/hotline/calls/{row}":
            return self.think()
        self.ledger.add("answered", self.username, call_id)
        self.switchboard.send("answered", call_id, caller, self.extension)
        page = b.get("agent: call screen", f"/hotline/calls/{row}")
        if page is None or page.status != 200:
            return self.think()
        self.think()
        inquiry = self.rng.random() < 0.2
        place = f"{self.rng.randint(1, 12)}栋 {self.rng.randint(1, 30)}0{self.rng.randint(1, 4)}"
        record = [("category", "inquiry" if inquiry else "service_request"), ("caller_surname", "王"),
                  ("location", place), ("description", self.rng.choice(ISSUES)), ("notes", "")]
        if not self._done(b.post("agent: record (POST)", f"/hotline/calls/{row}/record", record), row):
            return self.think()
        confirm = b.post("agent: read back (POST)", f"/hotline/calls/{row}/confirm", [("read_back", "y")])
        if not self._done(confirm, row):
            return self.think()
        self.think()
        if inquiry:
            outcome = [("disposition", "answered_on_spot"), ("answer_text", "可在管理处或小程序缴纳。"),
                       ("department_id", "0")]
        else:
            outcome = [("disposition", "slip"), ("answer_text", ""),
                       ("department_id", str(self.rng.choice(self.departments)))]
        if self._done(b.post("agent: dispatch (POST)", f"/hotline/calls/{row}/outcome", outcome), row):
            self.ledger.add("on_spot" if inquiry else "slips", call_id)
        self.switchboard.send("hangup", call_id, caller, self.extension)
        self.think()

    def _done(self, answer: Answer | None, row: int) -> bool:
        if answer is None or answer.status >= 500:
            return False
        if answer.status == 303 and answer.location == f"/hotline/calls/{row}":
            return True
        self.browser.stats.unexpected("agent step refused", f"{answer.status} {answer.body[:200]}")
        return False


POLLED = re.compile(r'hx-get="([^"]+)"[^>]*hx-trigger="every (\d+)s"')


class Board(Actor):
    """A supervisor's board: every element the page polls, at its interval, with the last ETag."""

    def __init__(self, *args, username: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.username = username
        self.targets: list[tuple[str, int]] = []

    def arrive(self) -> None:
        b = self.browser
        if not b.sign_in(self.username):
            return
        page = b.get("board: page", "/supervisor/")
        if page is not None and page.status == 200:
            self.targets = [(path.replace("&amp;", "&"), int(s)) for path, s in POLLED.findall(page.body)]

    def present(self) -> bool:
        return bool(self.targets)

    def step(self) -> None:
        b = self.browser
        if not self.ready():
            return self.think()
        interval = min(s for _, s in self.targets)
        for path, _ in self.targets:
            answer = b.poll("board: poll", path)
            if answer is not None and answer.status in (401, 302, 303):
                self.targets = []  # signed out (a restarted session): open the board again
                return
        b.stop.wait(interval)


# ----------------------------------------------------------------------------------------------------
# The database and the server
# ----------------------------------------------------------------------------------------------------


@dataclass
class Setup:
    agents: list[tuple[str, str]]
    supervisors: list[str]
    kiosks: list[tuple[str, str]]
    departments: list[int]
    pbx_secret: str


def libpq(url: str) -> str:
    """The URL as psycopg (libpq) takes it, whichever of the usual spellings it came in."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url.removeprefix(prefix)
    return url


def fresh_database(kind: str, url: str | None) -> tuple[str, callable]:
    """A URL of an empty database and a function that removes it afterwards (if this run created it)."""
    if kind == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="kiosk-load-")
        return f"sqlite:///{folder.name}/load.sqlite3", folder.cleanup
    import psycopg

    if url:
        url = libpq(url)
        with psycopg.connect(url) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()[0]
        if tables:
            raise SystemExit(f"{url} is not empty: give an empty database (or none: a fresh one is made)")
        return url, lambda: None
    name = f"kiosk_load_{os.getpid()}"
    admin = f"postgresql://postgres@{HOST}:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgresql://postgres@{HOST}:5432/{name}", drop


def server_env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "KIOSK_SESSION_IDLE_MINUTES": "600"}


def prepare(url: str, kiosks: int, agents: int, boards: int) -> Setup:
    """Migrate, load the demo data, add the load's people, paired tablets and switchboard."""
    os.environ.update(server_env(url))
    from flask_migrate import upgrade
    from sqlalchemy import select

    from kiosk import create_app
    from kiosk.clock import local, utcnow
    from kiosk.devtools.demo import seed_demo
    from kiosk.domain.rotation import HoursSet
    from kiosk.extensions import db
    from kiosk.models.calls import PbxSecret
    from kiosk.models.people import Department, User
    from kiosk.services import devices, rotation

    app = create_app()
    logging.disable(logging.INFO)  # the migrations' progress lines
    with app.app_context():
        upgrade()
        now = utcnow()
        seed_demo(now)
        template = User(username="template", display_name="x", created_at=now)
        template.set_password(PASSWORD)

        def person(username: str, role: str, extension: str | None = None) -> str:
            user = User(username=username, display_name=chinese_name(random.Random(username)), created_at=now,
                        active=True, extension=extension, password_hash=template.password_hash)
            user.set_roles([role])
            db.session.add(user)
            return username

        agent_rows = [(person(f"load-agent{n}", "agent", f"7{n:03d}"), f"7{n:03d}") for n in range(agents)]
        supervisors = [person(f"load-boss{n}", "supervisor") for n in range(boards)]
        secret = secrets.token_urlsafe(24)
        db.session.add(PbxSecret(name=PBX, secret=secret))
        db.session.commit()
        tablets = []
        for n in range(kiosks):
            place = PLACES[n % len(PLACES)]
            device = devices.register_device(name=f"load-tablet-{n}", place=place, opens_at=OPEN_ALL_DAY[0],
                                             closes_at=OPEN_ALL_DAY[1], now=now)
            paired, credential = devices.pair(devices.issue_pairing_code(device, now), now)
            tablets.append((devices.credential_cookie(SECRET_KEY, paired, credential), place))
        departments = list(db.session.scalars(select(Department.id).where(Department.active.is_(True))))
        # The sales office open round the clock for the run, so walk-ins meet the rotation whatever the hour.
        boss = db.session.scalar(select(User).where(User.username == supervisors[0])) if supervisors else None
        rotation.record(rotation.DEFAULT_OFFICE, HoursSet(local(now), OPEN_ALL_DAY), actor=boss, now=now)
        db.engine.dispose()
    logging.disable(logging.NOTSET)
    return Setup(agent_rows, supervisors, tablets, departments, secret)


#: gunicorn's access log with each request's time (microseconds) and the worker that served it.
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(D)s pid=%(p)s'


def start_server(url: str, workers: int, logs: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind", f"{HOST}:{port}",
         "--access-logfile", str(logs / "access.log"), "--error-logfile", str(logs / "error.log"),
         "--access-logformat", ACCESS_LOG_FORMAT, "--timeout", "30", "--graceful-timeout", "5", "wsgi:app"],
        cwd=ROOT, env=server_env(url), start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=(logs / "app.log").open("w"))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", "/auth/login")
            if connection.getresponse().status == 200 and len(workers_of(server.pid)) == workers:
                return server, port
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError("gunicorn did not start; see " + str(logs / "error.log"))


# ----------------------------------------------------------------------------------------------------
# Faults
# ----------------------------------------------------------------------------------------------------


class Faults(threading.Thread):
    """Kill one worker every ``every`` seconds; once, half-way, cut the database off for a while."""

    def __init__(self, master: int, url: str, every: float, cut_at: float, cut_seconds: float,
                 stop: threading.Event, restart: bool = False):
        super().__init__(name="faults", daemon=True)
        self.master, self.url, self.every, self.stop = master, url, every, stop
        self.cut_at, self.cut_seconds, self.restart = cut_at, cut_seconds, restart
        self.log: list[str] = []
        self.rng = random.Random(7)

    def run(self) -> None:
        started = time.monotonic()
        next_kill, cut_done = started + self.every, False
        while not self.stop.is_set():
            now = time.monotonic()
            if not cut_done and now - started >= self.cut_at:
                cut_done = True
                self.cut()
            if now >= next_kill:
                next_kill += self.every
                pids = workers_of(self.master)
                if pids:
                    victim = self.rng.choice(pids)
                    os.kill(victim, signal.SIGKILL)
                    self.log.append(f"{now - started:5.1f}s  SIGKILL worker {victim}")
            self.stop.wait(0.2)

    def cut(self) -> None:
        if not self.url.startswith("postgres"):
            self.log.append("database cut: not applicable to SQLite (a file, no server; the kills cut it)")
            return
        if self.restart:
            return self.restart_server()
        import psycopg

        name = urlsplit(self.url).path.lstrip("/")
        admin = libpq(self.url).rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            try:
                ended = connection.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchone()[0]
                self.log.append(f"database cut: {ended} connections terminated, new ones refused "
                                f"for {self.cut_seconds:.0f}s")
                self.stop.wait(self.cut_seconds)
            finally:
                connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        self.log.append("database open again")

    def restart_server(self) -> None:
        """Stop the local PostgreSQL server (every connection of every database closes), start it again."""
        version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
        ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
        subprocess.run([*ctl, "stop"], check=True, capture_output=True)
        self.log.append(f"PostgreSQL {version} stopped; started again in {self.cut_seconds:.0f}s")
        try:
            self.stop.wait(self.cut_seconds)
        finally:
            subprocess.run([*ctl, "start"], check=True, capture_output=True)
        self.log.append("PostgreSQL running again")


# ----------------------------------------------------------------------------------------------------
# The audit
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    name: str
    problems: int
    total: int
    promise: bool = True  # False: a figure worth knowing, not a broken promise

    @property
    def kept(self) -> bool:
        return self.problems == 0 or not self.promise


def audit(url: str, ledger: Ledger, logs: Path) -> list[Check]:
    """One check per promise; a clean run has no problems in any of them."""
    os.environ.update(server_env(url))
    from sqlalchemy import func, select

    from kiosk import create_app
    from kiosk.domain.rotation import Outcome
    from kiosk.extensions import db
    from kiosk.models.calls import Call, CallEvent
    from kiosk.models.people import User
    from kiosk.models.rotation import RotationDay
    from kiosk.models.tasks import TaskEvent, TaskSlip
    from kiosk.models.visits import Incident, Visit
    from kiosk.services.rotation import replay_day

    app = create_app()
    checks = []
    with app.app_context():
        s = db.session
        visits = Counter(s.scalars(select(Visit.mobile).where(Visit.mobile.like(f"{VISITORS}%"))))
        out = set(s.scalars(select(Visit.mobile).where(Visit.mobile.like(f"{VISITORS}%"),
                                                        Visit.signed_out_at.is_not(None))))
        checks.append(Check("acknowledged sign-ins stored exactly once",
                            sum(visits[m] != 1 for m in ledger.signed_in), len(ledger.signed_in)))
        checks.append(Check("acknowledged sign-outs recorded", len(ledger.signed_out - out),
                            len(ledger.signed_out)))
        checks.append(Check("sign-ins stored whose answer was lost (not a fault: never acknowledged)",
                            len(set(visits) - ledger.signed_in), len(visits), promise=False))
        incident_visits = set(s.scalars(select(Incident.visit_id)))
        classed = list(s.scalars(select(Visit.id).where(Visit.incident_class.is_not(None))))
        checks.append(Check("incident-class visits without their incident",
                       sum(v not in incident_visits for v in classed), len(classed)))

        calls = {c.pbx_call_id: c for c in s.scalars(select(Call).where(Call.pbx_call_id.like("load-%")))}
        checks.append(Check("acknowledged calls stored (once: unique key)",
                            sum(c not in calls or calls[c].id != row for c, row in ledger.calls.items()),
                            len(ledger.calls)))
        agents = {u.username: u.id for u in s.scalars(select(User).where(User.username.like("load-agent%")))}
        checks.append(Check("acknowledged answers kept their agent",
                       sum(calls[c].agent_id != agents[u] for c, u in ledger.answered.items() if c in calls),
                       len(ledger.answered)))
        slips_by_call = Counter(s.scalars(select(TaskSlip.source_ref).where(TaskSlip.source == "call")))
        checks.append(Check("acknowledged dispatches: call has exactly one slip",
                       sum(c not in calls or calls[c].slip_id is None or slips_by_call[calls[c].id] != 1
                           for c in ledger.slips), len(ledger.slips)))
        checks.append(Check("acknowledged on-the-spot answers recorded",
                            sum(c not in calls or calls[c].disposition != "answered_on_spot"
                                for c in ledger.on_spot),
                       len(ledger.on_spot)))
        dispatched = [c for c in calls.values() if c.disposition in ("slip", "transferred", "complaint",
                                                                      "emergency")]
        checks.append(Check("settled calls without their slip (half-written)",
                       sum(c.slip_id is None for c in dispatched), len(dispatched)))
        no_events = s.scalar(select(func.count(Call.id)).where(
            Call.pbx_call_id.like("load-%"), ~Call.pbx_call_id.in_(select(CallEvent.pbx_call_id))))
        checks.append(Check("switchboard calls without their events", no_events, len(calls)))

        slips = s.scalars(select(TaskSlip)).all()
        opened = set(s.scalars(select(TaskEvent.slip_id).where(TaskEvent.kind == "opened")))
        checks.append(Check("slips without a deadline (or due before opening)",
                       sum(t.due_at is None or t.due_at <= t.opened_at for t in slips), len(slips)))
        checks.append(Check("slips without their audit trail ('opened' event)",
                       sum(t.id not in opened for t in slips), len(slips)))

        days = s.scalars(select(RotationDay)).all()
        gaps, twice, groups = 0, 0, 0
        for day in days:
            gaps += [e.seq for e in day.events] != list(range(1, day.last_seq + 1))
            receivers = defaultdict(set)
            for a in replay_day(day).assignments:
                if a.outcome is Outcome.RECEIVED:
                    receivers[a.group_id].add(a.receiver)
            groups += len(receivers)
            twice += sum(len(r) > 1 for r in receivers.values())
        checks.append(Check("rotation days with a gap in their events", gaps, len(days)))
        checks.append(Check("rotation groups given to two people", twice, groups))
        db.engine.dispose()
    lines = sum(1 for _ in _log_lines(logs))
    leaks = sum(1 for line in _log_lines(logs) if MOBILE.search(line))
    checks.append(Check("log lines with a full mobile number", leaks, lines))
    return checks


#: How an unhandled error starts in the logs: ours (kiosk.web.errors), Flask's own (an error inside an error
#: handler), gunicorn's (an error outside Flask).
UNHANDLED_MARKERS = ("unhandled error on", "Exception on", "Error handling request")
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception)\b")


def server_errors(logs: Path) -> Counter:
    """What the app logged as unhandled (a 500), by request and exception: each should have a reason."""
    found: Counter = Counter()
    lines = list(_log_lines(logs, "app.log", "error.log"))
    for n, line in enumerate(lines):
        marker = next((m for m in UNHANDLED_MARKERS if m in line), None)
        if marker:
            where = line.split(marker, 1)[1].strip()
            where = re.sub(r"/\d+", "/<id>", where)
            last = next((later for later in lines[n + 1:] if EXCEPTION_LINE.match(later)), "?")
            found[f"{where}: {last[:160]}"] += 1
    return found


def _log_lines(logs: Path, *names: str):
    for name in names or ("access.log", "error.log", "app.log"):
        path = logs / name
        if path.exists():
            yield from path.read_text(errors="replace").splitlines()


def recovery_check(port: int, setup: Setup, stats: Stats, ledger: Ledger) -> list[str]:
    """After the run (and any faults): each face serves again, with nobody restarting anything."""
    stop = threading.Event()
    failures = []
    deadline = time.time() + 30
    while time.time() < deadline:
        failures = []
        kiosk = Kiosk("check-kiosk", Browser(port, stats, stop), ledger, 0, 1, cookie=setup.kiosks[0][0],
                      place="service_centre")
        before = len(ledger.signed_in)
        kiosk.step()
        if len(ledger.signed_in) == before:
            failures.append("kiosk sign-in")
        board = Browser(port, stats, stop)
        page = board.get("board: page", "/supervisor/") if board.sign_in(setup.supervisors[0]) else None
        if page is None or page.status != 200:
            failures.append("supervisor board")
        agent = Agent("check-agent", Browser(port, stats, stop), ledger, 0, 1, username=setup.agents[0][0],
                      extension=setup.agents[0][1], switchboard=Switchboard(port, setup.pbx_secret, stats),
                      departments=setup.departments)
        before = len(ledger.slips) + len(ledger.on_spot)
        agent.step()
        if len(ledger.slips) + len(ledger.on_spot) == before:
            failures.append("agent call to slip")
        if not failures:
            return []
        time.sleep(2)
    return failures


# ----------------------------------------------------------------------------------------------------
# One run
# ----------------------------------------------------------------------------------------------------


def run(kind: str, args) -> bool:
    url, remove = fresh_database(kind, args.database_url if kind == "postgresql" else None)
    logs = Path(tempfile.mkdtemp(prefix="kiosk-load-logs-"))
    try:
        print(f"\n=== {kind}: preparing (migrations, demo data, {args.kiosks} tablets, {args.agents} agents, "
              f"{args.boards} supervisors)", flush=True)
        setup = prepare(url, args.kiosks, args.agents, args.boards)
        server, port = start_server(url, args.workers, logs)
        stats, ledger, stop = Stats(args.max_requests), Ledger(), threading.Event()
        arrivals = Stats(args.max_requests)
        switchboard = Switchboard(port, setup.pbx_secret, stats)
        actors: list[Actor] = []
        for n, (cookie, place) in enumerate(setup.kiosks):
            actors.append(Kiosk(f"kiosk{n}", Browser(port, arrivals, stop), ledger, args.think, n,
                                cookie=cookie, place=place))
        for n, (username, extension) in enumerate(setup.agents):
            actors.append(Agent(username, Browser(port, arrivals, stop), ledger, args.think, 1000 + n,
                                username=username, extension=extension, switchboard=switchboard,
                                departments=setup.departments))
        for n, username in enumerate(setup.supervisors):
            actors.append(Board(username, Browser(port, arrivals, stop), ledger, args.think, 2000 + n,
                                username=username))
        faults = None
        try:
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda actor: actor.arrive(), actors))
            each = _percentile(sorted(arrivals.latencies["staff: sign in (POST)"]), 50)
            took = time.monotonic() - started
            print(f"=== {kind}: {args.agents + args.boards} staff signed in in {took:.0f}s "
                  f"(p50 {each:.0f} ms each: password hashing is slow by design)", flush=True)
            for actor in actors:
                actor.browser.stats = stats
            cpu_before, clients_before = cpu_seconds(server.pid), sum(os.times()[:2])
            with_faults = " with faults" if args.faults else ""
            print(f"=== {kind}: load for {args.seconds:.0f}s on gunicorn ({args.workers} workers, "
                  f"port {port}){with_faults}", flush=True)
            started = time.monotonic()
            if args.faults:
                faults = Faults(server.pid, url, args.kill_every, args.seconds / 2, args.cut_seconds, stop,
                                restart=args.restart_postgres)
                faults.start()
            for actor in actors:
                actor.start()
            while time.monotonic() - started < args.seconds and stats.budget_left():
                time.sleep(0.2)
            stop.set()
            for actor in actors:
                actor.join(timeout=90)
            elapsed = time.monotonic() - started
            cpu = cpu_seconds(server.pid) - cpu_before
            clients_cpu = sum(os.times()[:2]) - clients_before
            if faults:
                faults.join(timeout=30)
            time.sleep(1)
            failures = recovery_check(port, setup, stats, ledger)
            memory = {pid: rss_kib(pid) for pid in [server.pid, *workers_of(server.pid)]}
        finally:
            stop.set()
            stop_server(server)
        checks = audit(url, ledger, logs)
        report(kind, args, stats, ledger, elapsed, (cpu, clients_cpu), memory, faults, failures, checks, logs)
        return not failures and all(check.kept for check in checks)
    finally:
        remove()
        if args.keep_logs:
            print(f"  gunicorn's logs: {logs}")
        else:
            shutil.rmtree(logs, ignore_errors=True)


def report(kind, args, stats, ledger, elapsed, cpu, memory, faults, failures, checks, logs) -> None:
    print(f"\n--- {kind}{' with faults' if args.faults else ''}: {stats.requests} requests in {elapsed:.0f}s "
          f"({stats.requests / elapsed:.0f}/s), {sum(stats.errors.values())} errors "
          f"(5xx or no answer or a refused step)")
    cpu, clients_cpu = cpu
    print(f"  server CPU: {cpu:.0f} s for them, {1000 * cpu / max(stats.requests, 1):.0f} ms per request "
          f"(about {stats.requests / max(cpu, 0.001):.0f} requests per second per fully free core); "
          f"the simulated people used {clients_cpu:.0f} s of CPU themselves")
    for line in stats.table():
        print("  " + line)
    if stats.errors:
        print("  errors:")
        for kind_, n in stats.errors.most_common():
            example = stats.examples.get(kind_)
            print(f"    {n:>5}  {kind_}" + (f"  e.g. {example}" if example else ""))
    print(f"  acknowledged: {len(ledger.signed_in)} sign-ins, {len(ledger.signed_out)} sign-outs, "
          f"{len(ledger.calls)} calls, {len(ledger.answered)} answered, "
          f"{len(ledger.slips)} slips dispatched, {len(ledger.on_spot)} answered on the spot; "
          f"{ledger.duplicates_refused} repeated events refused")
    errors = server_errors(logs)
    if errors:
        print("  unhandled errors in the server's log (each a 500):")
        for what, n in errors.most_common():
            print(f"    {n:>5}  {what}")
    if faults:
        print("  faults:")
        for line in faults.log:
            print("    " + line)
    serves = "yes" if not failures else "NO: " + ", ".join(failures)
    print(f"  serves again without a manual step: {serves}")
    print("  audit:")
    for check in checks:
        mark = "ok " if check.problems == 0 else ("-- " if check.kept else "BAD")
        print(f"    {mark} {check.name}: {check.problems} of {check.total}")
    total = sum(memory.values())
    print(f"  memory (RSS) at the end: {total / 1024:.0f} MiB in {len(memory)} processes ("
          + ", ".join(f"{kib / 1024:.0f}" for kib in memory.values()) + " MiB; master first)")
    print(f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} "
          "(the simulated people run on the same cores as the server)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--database-url",
                        help="an empty PostgreSQL database (default: a new one on 127.0.0.1)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--boards", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a person's steps (s)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop early after this many")
    parser.add_argument("--faults", action="store_true", help="kill workers and cut the database meanwhile")
    parser.add_argument("--kill-every", type=float, default=10)
    parser.add_argument("--cut-seconds", type=float, default=5)
    parser.add_argument("--restart-postgres", action="store_true",
                        help="the cut stops and starts the local PostgreSQL server itself (pg_ctlcluster; "
                             "every database on it goes away meanwhile) instead of closing only this run's")
    parser.add_argument("--keep-logs", action="store_true", help="keep gunicorn's access and error logs")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    ok = all([run(kind, args) for kind in kinds])
    print("\nall promises kept" if ok else "\nSOME PROMISES BROKEN (see above)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
