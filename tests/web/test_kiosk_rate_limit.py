"""Kiosk POSTs are rate-limited per device (the rest of the suite runs with the limiter off).

Each test runs with the per-process store (``memory://``) and with the real Redis production uses
(``TEST_REDIS_URL``): only a shared store keeps one budget across several workers.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk.extensions import limiter


@pytest.fixture(params=["memory", "redis"])
def storage_uri(request) -> str:
    return "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")


@pytest.fixture
def app_config(storage_uri, redis_key_prefix):
    return {"RATELIMIT_ENABLED": True, "KIOSK_POST_RATE_LIMIT": "3 per minute",
            "RATELIMIT_STORAGE_URI": storage_uri, "RATELIMIT_KEY_PREFIX": redis_key_prefix}


@pytest.fixture(autouse=True)
def clean_limits(app):
    limiter.reset()
    yield
    limiter.reset()


def test_each_device_has_its_own_budget(paired_client):
    first, second = paired_client(), paired_client()
    answers = [first.post_form("/kiosk/sign-out", {"code": "ZZZZZZ"}).status_code for _ in range(4)]
    assert answers == [422, 422, 422, 429]
    assert first.get("/kiosk/").status_code == 200  # reading is not limited
    assert second.post_form("/kiosk/sign-out", {"code": "ZZZZZZ"}).status_code == 422


#: One worker: its own app in its own process, posting a wrong pairing code (limited per address).
WORKER = """
import json, sys
from kiosk import create_app
config, posts = json.loads(sys.argv[1]), int(sys.argv[2])
client = create_app(config).test_client()
print(json.dumps([client.post("/kiosk/pair", data={"code": "ZZZZZZ"}).status_code for _ in range(posts)]))
"""


def _worker_posts(app, posts: int) -> list[int]:
    keys = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX",
            "KIOSK_POST_RATE_LIMIT")
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, **{key: app.config[key] for key in keys}}
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(config), str(posts)],
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_worker_processes_share_one_budget_only_in_a_shared_store(app, storage_uri):
    first, second = _worker_posts(app, 2), _worker_posts(app, 2)
    assert first == [422, 422]
    if storage_uri == "memory://":
        assert second == [422, 422]  # each process counts alone: 4 wrong codes passed a limit of 3
    else:
        assert second == [422, 429]
