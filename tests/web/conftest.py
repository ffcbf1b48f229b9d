"""Fixtures the message tests share: the providers' stand-in and every channel pointed at it."""

from __future__ import annotations

import pytest

from tests.messaging_support import BASE_URL, StandIn


@pytest.fixture
def standin():
    server = StandIn()
    yield server
    server.release()
    server.stop()


@pytest.fixture
def channels(app, standin):
    """Every channel pointed at the stand-in; no rate limit unless a test sets one."""
    app.config.update(
        WECOM_API_URL=standin.url,
        WECOM_CORP_ID="corp",
        WECOM_AGENT_ID="1000002",
        WECOM_SECRET="secret",
        SMS_API_URL=f"{standin.url}/sms/",
        SMS_ACCESS_KEY_ID="key-id",
        SMS_ACCESS_KEY_SECRET="key-secret",
        MESSAGE_BASE_URL=BASE_URL,
        MESSAGE_HTTP_TIMEOUT_SECONDS=2,
        MESSAGE_RATE_LIMITS={},
    )
    return app.config
