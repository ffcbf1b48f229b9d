"""Behind a reverse proxy: the app believes X-Forwarded-* for exactly the configured number of proxies."""

from __future__ import annotations

import pytest
from flask import request
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models.security import LoginAttempt
from kiosk.models.settings import Setting
from kiosk.services.deployment import UNTRUSTED_FORWARDING_KEY
from kiosk.web.access import public
from tests.support import statements_sent

PROXY = "10.0.0.2"  # the address the app's socket sees: the proxy's
FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
          "X-Forwarded-Host": "kiosk.example.com"}


@pytest.fixture
def app_config(request):
    return {"TRUSTED_PROXIES": getattr(request, "param", 0)}


def _failed_login_address(client, headers: dict) -> str:
    client.post_form("/auth/login", {"username": "nobody", "password": "wrong-password"},
                     headers=headers, environ_base={"REMOTE_ADDR": PROXY})
    return db.session.scalar(select(LoginAttempt.address))


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_one_trusted_proxy_gives_throttling_the_client_s_address(client):
    assert _failed_login_address(client, {"X-Forwarded-For": "198.51.100.7"}) == "198.51.100.7"


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_only_the_last_hop_is_believed(client):
    """The client's own forged X-Forwarded-For comes first; nginx appends the address it saw."""
    assert _failed_login_address(client, {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}) == "198.51.100.7"


def test_without_trusted_proxies_a_forged_header_never_reaches_throttling(client):
    assert _failed_login_address(client, FORGED) == PROXY


@pytest.mark.own_app
@pytest.mark.parametrize(("app_config", "seen"), [(0, ("http", "localhost", PROXY)),
                                                  (1, ("https", "kiosk.example.com", "203.0.113.9"))],
                         indirect=["app_config"])
def test_scheme_host_and_address_follow_the_setting(app, client, seen):
    @app.route("/_probe")
    @public
    def probe():
        return f"{request.scheme} {request.host} {request.remote_addr}"

    answer = client.get("/_probe", headers=FORGED, environ_base={"REMOTE_ADDR": PROXY})
    assert tuple(answer.get_data(as_text=True).split()) == seen


def _settings_inserts(app, client, requests: list[dict]) -> int:
    def inserting(statement: str) -> bool:
        return statement.lstrip().upper().startswith("INSERT INTO SETTINGS")

    with statements_sent(db.engine, inserting) as inserts:
        for headers in requests:
            client.get("/auth/login", headers=headers)
    return len(inserts)


def test_a_forwarded_request_while_no_proxy_is_trusted_is_written_down_once(app, client):
    assert _settings_inserts(app, client, [{}, {}]) == 0
    assert db.session.get(Setting, UNTRUSTED_FORWARDING_KEY) is None
    assert _settings_inserts(app, client, [FORGED, FORGED, FORGED]) == 1
    assert db.session.get(Setting, UNTRUSTED_FORWARDING_KEY) is not None


def test_another_worker_finds_it_written_and_adds_no_second_row(app, client, database_url):
    from tests.conftest import make_app

    client.get("/auth/login", headers=FORGED)
    other = make_app(database_url).test_client()
    with other.application.app_context():
        other.get("/auth/login", headers=FORGED)
        rows = db.session.scalars(select(Setting).where(Setting.key == UNTRUSTED_FORWARDING_KEY)).all()
    assert len(rows) == 1


@pytest.mark.parametrize("app_config", [1], indirect=True)
def test_with_a_trusted_proxy_nothing_is_written(app, client):
    assert _settings_inserts(app, client, [FORGED]) == 0
