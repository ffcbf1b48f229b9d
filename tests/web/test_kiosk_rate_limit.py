"""Kiosk POSTs are rate-limited per device (the rest of the suite runs with the limiter off)."""

from __future__ import annotations

import pytest

from kiosk.extensions import limiter


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "KIOSK_POST_RATE_LIMIT": "3 per minute"}


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
