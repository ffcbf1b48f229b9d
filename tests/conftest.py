"""Fixtures shared by every test: the app on a migrated database, clients, users, sign-in.

The database is SQLite in a temporary file unless ``DATABASE_URL`` points elsewhere (CI runs the
suite a second time on PostgreSQL). The schema is built once per run through the Alembic
migrations, and every test starts from empty tables.

The suite runs on two processes (pytest-xdist, ``make test``): each worker has a database of its own
(its own SQLite file; on PostgreSQL ``<database>_gw0``, ``<database>_gw1``, created when missing), and
the tests that share a server-side resource (the Redis store, the deploy test's servers) run on one
worker, one after the other (``SERIAL``). Each worker builds one app per distinct configuration and
lends it to every test asking for that configuration; what a test changes on it is put back after it.
"""

from __future__ import annotations

import os
import secrets
from collections import OrderedDict
from itertools import count

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from kiosk import create_app
from kiosk.clock import utcnow
from kiosk.config import normalise_database_url
from kiosk.database import begin_write
from kiosk.extensions import db, limiter
from kiosk.models.people import Department, User
from tests.support import PASSWORD

#: The Redis database the tests may use (rate limits, the deploy test); each test keeps its keys apart
#: with a key prefix of its own, so nothing else stored there is touched.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
#: A PostgreSQL database the server tests build for themselves when the suite runs on SQLite.
SERVER_TEST_DATABASE = "kiosk_deploy_test"
#: The test apps hash passwords with one PBKDF2 round instead of scrypt: a login then costs microseconds,
#: not a tenth of a second. What the tests check is that passwords are checked; production keeps scrypt.
TEST_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"
#: Tests that must not run at the same time as each other on two workers: those on the one Redis
#: database (``limiter.reset()`` there empties every count in it, the deploy stack's included) and the
#: deploy tests' real servers. xdist (``--dist loadgroup``) sends each group to a single worker.
SERIAL = {"servers": ("tests/deploy/", "tests/web/test_kiosk_rate_limit.py")}
#: How many apps (one per distinct configuration) a worker keeps for reuse.
APPS_KEPT = 8

# Property tests judge the rules, not the machine: on a busy machine (CI, parallel workers) generating
# examples can take longer than Hypothesis allows by default, which is no failure of the rule.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def _serial_group(nodeid: str) -> str | None:
    path = nodeid.split("::")[0]
    return next((group for group, prefixes in SERIAL.items() if path.startswith(prefixes)), None)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` (``make test``): each test a unit of work for whichever worker is free, but
    each ``SERIAL`` group one unit, run by one worker in a row. (pytest-xdist's own loadgroup marks a
    group by renaming the tests' node ids, which pytest 9 no longer lets it do.)"""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SerialGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _serial_group(nodeid) or nodeid

    return SerialGroups(config, log)


def worker_suffix() -> str:
    """``_gw0``, ``_gw1`` ... under pytest-xdist (one per worker process), nothing in a plain run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return f"_{worker}" if worker else ""


def unavailable(reason: str):
    """Skip a test whose server is missing; under CI (``CI=true``) that is a failure, not a skip."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    from limits.storage import storage_from_string

    if not storage_from_string(REDIS_URL).check():
        unavailable(f"Redis is not answering at {REDIS_URL} (TEST_REDIS_URL)")
    return REDIS_URL


@pytest.fixture
def redis_key_prefix() -> str:
    """A rate-limit key prefix of the test's own, so its counts start at zero in the shared store."""
    return f"kiosk-test-{secrets.token_hex(6)}"


def _create_postgres_database(url: str) -> None:
    """Create the database ``url`` names unless it exists (through the server's ``postgres`` database)."""
    name = make_url(url).database
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        url = normalise_database_url(url)
        if worker_suffix():
            url = make_url(url)
            url = url.set(database=url.database + worker_suffix()).render_as_string(hide_password=False)
            _create_postgres_database(url)
        _reset_postgres(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "kiosk-test.sqlite3")


@pytest.fixture(scope="session")
def server_database_url(request, database_url) -> str:
    """A migrated PostgreSQL database that servers started by the tests (gunicorn) may share: the suite's
    own when it runs on PostgreSQL, else ``kiosk_deploy_test`` (one per worker) on 127.0.0.1:5432, built
    here."""
    if not database_url.startswith("sqlite"):
        request.getfixturevalue("migrated")
        return database_url
    from flask_migrate import upgrade

    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{SERVER_TEST_DATABASE}{worker_suffix()}"
    try:
        _create_postgres_database(url)
    except OperationalError:
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432 (the PostgreSQL run covers these tests)")
    _reset_postgres(url)
    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


def _test_config(database_url: str, overrides: dict) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH_METHOD,
        **overrides,
    }


def make_app(database_url: str, **overrides):
    """A new app of the test configuration (for a test that needs one of its own beside ``app``)."""
    app = create_app(_test_config(database_url, overrides))
    app.test_client_class = KioskClient
    return app


#: This worker's apps, by configuration, the most recently used last.
_apps: OrderedDict[str, object] = OrderedDict()


def _shared_app(database_url: str, overrides: dict):
    """The worker's app of this configuration, built at its first use (building one compiles every
    route and, as pages are rendered, every template: most of a short test's time)."""
    key = repr(sorted(_test_config(database_url, overrides).items()))
    if key in _apps:
        _apps.move_to_end(key)
        return _apps[key]
    app = _apps[key] = make_app(database_url, **overrides)
    while len(_apps) > APPS_KEPT:
        _apps.popitem(last=False)
    return app


@pytest.fixture(scope="session")
def migrated(database_url):
    """Build the schema once, through the migrations (never create_all)."""
    from flask_migrate import upgrade

    app = make_app(database_url)
    with app.app_context():
        upgrade()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        db.engine.dispose()
    return tables


def _empty_tables(tables: list[str]) -> None:
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            # TRUNCATE costs about 2 ms a table even when empty: empty only the tables the test wrote to
            # (one cheap look-up), then start every sequence at 1 again, as RESTART IDENTITY would.
            look = " UNION ALL ".join(f"(SELECT '{t}' FROM {t} LIMIT 1)" for t in tables)
            written = list(connection.scalars(text(look)))
            if written:
                connection.execute(text(f"TRUNCATE {', '.join(written)} CASCADE"))
            connection.execute(text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"))
        else:
            # The append-only triggers refuse DELETE (admin_audit): lift them while emptying, then restore.
            triggers = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
            triggers = triggers.all()
            for name, _sql in triggers:
                connection.execute(text(f"DROP TRIGGER {name}"))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            for _name, sql in triggers:
                connection.execute(text(sql))


@pytest.fixture
def app_config():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(request, database_url, migrated, app_config):
    """The app of the test's configuration (``app_config``), on empty tables. It is the worker's shared
    one unless the test is marked ``own_app`` (it changes the app itself, e.g. adds a route); what a test
    changes in its settings, extensions and template globals is put back afterwards."""
    if request.node.get_closest_marker("own_app"):
        app = make_app(database_url, **app_config)
    else:
        app = _shared_app(database_url, app_config)
    saved = [(mapping, dict(mapping)) for mapping in (app.config, app.extensions, app.jinja_env.globals)]
    limiter.init_app(app)  # one Limiter serves every app: bound again to this one's settings, counts at zero
    try:
        with app.app_context():
            yield app
            db.session.remove()
            _empty_tables(migrated)
            db.engine.dispose()
    finally:
        for mapping, content in saved:
            mapping.clear()
            mapping.update(content)


def _end_test_transaction() -> None:
    """Commit the test's own session around each request: what the test wrote is visible to the
    request, and the test then reads what the request wrote (not an old SQLite WAL snapshot)."""
    if has_app_context():
        db.session.commit()


class KioskClient(FlaskClient):
    """The Flask test client, able to send forms with a valid CSRF token and as htmx would.

    Each request runs in an app context of its own, as it does under a real server, so ``g``,
    the database session and the signed-in user never leak from the test (or an earlier request).
    """

    def open(self, *args, **kwargs):
        _end_test_transaction()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _end_test_transaction()
        return response

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post_form(self, url: str, data: dict | None = None, *, htmx: bool = False, **kwargs):
        payload = {"csrf_token": self.csrf_token(), **(data or {})}
        headers = kwargs.pop("headers", {})
        if htmx:
            headers = {"HX-Request": "true", **headers}
        return self.post(url, data=payload, headers=headers, **kwargs)

    def get_htmx(self, url: str, **kwargs):
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        return self.get(url, headers=headers, **kwargs)


@pytest.fixture
def client(app) -> KioskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_numbers = count(1)


@pytest.fixture
def make_department(app):
    def make(code: str | None = None, name: str | None = None) -> Department:
        begin_write()
        n = next(_numbers)
        department = Department(code=code or f"dept{n}", name=name or f"部门{n}", active=True)
        db.session.add(department)
        db.session.commit()
        return department

    return make


@pytest.fixture
def make_user(app):
    """Factory: ``make_user("agent")`` or ``make_user("supervisor", "sales", username="wang")``."""

    def make(*roles: str, username: str | None = None, password: str = PASSWORD, department=None,
             display_name: str | None = None, active: bool = True) -> User:
        begin_write()
        n = next(_numbers)
        user = User(
            username=username or f"user{n}", display_name=display_name or f"员工{n}",
            department=department, created_at=utcnow(), active=active,
        )
        user.set_password(password)
        user.set_roles(roles or ("agent",))
        db.session.add(user)
        db.session.commit()
        return user

    return make


class AuthActions:
    def __init__(self, client: KioskClient):
        self._client = client

    def login(self, username: str, password: str = PASSWORD, **kwargs):
        return self._client.post_form("/auth/login", {"username": username, "password": password}, **kwargs)

    def logout(self):
        return self._client.post_form("/auth/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def login_as(client, auth, make_user):
    """Create a user with the given roles and sign the test client in as them."""

    def sign_in(*roles: str, **kwargs) -> User:
        user = make_user(*roles, **kwargs)
        response = auth.login(user.username)
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return user

    return sign_in



@pytest.fixture
def make_device(app):
    """Factory: a registered kiosk tablet (not yet paired)."""
    from datetime import time

    from kiosk.services import devices

    def make(place: str = "service_centre", name: str | None = None, closes_at: time = time(18, 0)):
        return devices.register_device(name=name or f"平板{next(_numbers)}", place=place, opens_at=time(8, 0),
                                       closes_at=closes_at, now=utcnow())

    return make


@pytest.fixture
def paired_client(app, make_device):
    """Factory: a new test client paired as a kiosk tablet through /kiosk/pair, as a tablet would be."""
    from kiosk.services import devices

    def make(place: str = "service_centre", device=None) -> KioskClient:
        device = device or make_device(place)
        code = devices.issue_pairing_code(device, utcnow())
        client = app.test_client()
        response = client.post_form("/kiosk/pair", {"code": code})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        client.device_id = device.id
        return client

    return make
