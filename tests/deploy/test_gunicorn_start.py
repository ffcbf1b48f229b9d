"""gunicorn's start (kiosk/gunicorn_conf.py) refuses the fatal misconfigurations instead of degrading."""

from __future__ import annotations

import http.client
import subprocess

import pytest

from kiosk.gunicorn_conf import REFUSED
from tests.deploy.servers import HOST, ROOT, free_port, gunicorn, gunicorn_command


def _start(env: dict, workers: int = 2) -> subprocess.CompletedProcess:
    return subprocess.run(gunicorn_command(free_port(), workers), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("unset", "change", "code"), [
    ("SECRET_KEY", {}, "secret-key"),
    ("DATABASE_URL", {}, "database-sqlite"),
    (None, {"KIOSK_RATELIMIT_STORAGE_URI": "memory://"}, "ratelimit-memory"),
])
def test_a_fatal_misconfiguration_stops_the_start_and_is_named(production_env, unset, change, code):
    env = {key: value for key, value in production_env.items() if key != unset} | change
    done = _start(env)
    assert done.returncode == REFUSED, done.stderr[-2000:]
    assert f"[{code}]" in done.stderr
    assert "fatal" in done.stderr


def test_a_correct_production_environment_serves(production_env):
    with gunicorn(production_env, workers=2) as port:
        assert _status(port) == 200


def _status(port: int) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    connection.request("GET", "/auth/login")
    status = connection.getresponse().status
    connection.close()
    return status
