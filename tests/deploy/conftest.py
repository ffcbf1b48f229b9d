"""The deploy tests start real servers (gunicorn, nginx) on PostgreSQL and Redis, as production runs them.

The stack: nginx (``deploy/nginx/kiosk.conf``, TLS) in front of two gunicorn instances standing in for two
hosts, two workers each, one PostgreSQL database, one Redis, one SECRET_KEY, ``KIOSK_TRUSTED_PROXIES=1``.
Tests talk to nginx through ``Browser`` and may read the database through ``stack.app_context()``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from sqlalchemy import text

from kiosk.clock import utcnow
from kiosk.deploy_checks import calendar_years
from kiosk.extensions import db
from tests.conftest import make_app, unavailable
from tests.deploy.servers import Browser, Nginx, gunicorn, nginx, nginx_binary, server_env


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/deploy" in str(item.fspath):
            item.add_marker(pytest.mark.deploy)


@pytest.fixture(scope="module")
def production_env(server_database_url, redis_url) -> dict:
    """A correct production environment (README "Production") on the test database and Redis."""
    return server_env(
        DATABASE_URL=server_database_url.replace("postgresql+psycopg://", "postgresql://"),
        SECRET_KEY=secrets.token_hex(32),
        KIOSK_RATELIMIT_STORAGE_URI=redis_url,
        KIOSK_RATELIMIT_KEY_PREFIX=f"kiosk-deploy-{secrets.token_hex(6)}",
        KIOSK_SESSION_COOKIE_SECURE="true",
        KIOSK_TRUSTED_PROXIES="1",
    )


@dataclass
class Stack:
    database_url: str
    env: dict
    upstreams: list[int]
    nginx: Nginx

    def browser(self, address: str = "127.0.0.1") -> Browser:
        return Browser(self.nginx.https_port, address)

    @contextmanager
    def app_context(self) -> Iterator:
        """The app on the stack's database, to set up data and read what the servers wrote."""
        app = make_app(self.database_url)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()

    @property
    def instances(self) -> set[str]:
        """The app instances as nginx names them in ``X-Upstream``."""
        return {f"127.0.0.1:{port}" for port in self.upstreams}


def _empty_tables() -> None:
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _know_the_calendar_years() -> None:
    """What an admin does every November: enter the coming year's make-up workdays (one Saturday here)."""
    from kiosk.services.directory import set_override, working_calendar

    calendar = working_calendar()
    for year in calendar_years(date.today()):
        if not calendar.knows_make_up_days(year):
            first = date(year, 1, 1)
            set_override(first + timedelta(days=(5 - first.weekday()) % 7), True, "调休上班")


@pytest.fixture(scope="module")
def stack(production_env, server_database_url, tmp_path_factory) -> Iterator[Stack]:
    if nginx_binary() is None:
        unavailable("nginx is not installed (make test installs Debian's nginx)")
    env = {**production_env, "KIOSK_KIOSK_POST_RATE_LIMIT": "10 per hour"}
    with gunicorn(env) as first, gunicorn(env) as second, \
            nginx(tmp_path_factory.mktemp("nginx"), [first, second]) as proxy:
        deployed = Stack(server_database_url, env, [first, second], proxy)
        with deployed.app_context():
            _know_the_calendar_years()
        try:
            yield deployed
        finally:
            with deployed.app_context():
                _empty_tables()


def _make_person(stack, role: str) -> str:
    from kiosk.services import accounts

    username = f"{role[:2]}{secrets.token_hex(3)}"
    with stack.app_context():
        accounts.create_user(username=username, display_name="值班人员", password="deploy-pass-2026",
                             roles=[role], department=None, now=utcnow())
    return username


@pytest.fixture
def make_supervisor(stack):
    return lambda: _make_person(stack, "supervisor")


@pytest.fixture
def make_admin(stack):
    return lambda: _make_person(stack, "admin")


def _pairing_code(stack, place: str) -> str:
    """A new tablet's one-time pairing code, as an admin issues it."""
    from kiosk.services import devices

    with stack.app_context():
        device = devices.register_device(name=f"平板{secrets.token_hex(2)}", place=place,
                                         opens_at=time(0, 0), closes_at=time(23, 59), now=utcnow())
        return devices.issue_pairing_code(device, utcnow())


@pytest.fixture
def pairing_code(stack):
    return _pairing_code(stack, "service_centre")


@pytest.fixture
def model_home_pairing_code(stack):
    return _pairing_code(stack, "model_home")
