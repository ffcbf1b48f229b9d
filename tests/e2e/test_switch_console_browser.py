"""A real phone switch's call on the agent's console: the Asterisk connector follows an AMI server on
127.0.0.1; a call ringing at the agent's extension shows on their console within 2 s of the switch's event
(the wait's timeout; the console polls its ringing calls every RINGING_POLL_SECONDS)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kiosk.devtools.demo import DEMO_PASSWORD
from kiosk.extensions import db
from kiosk.models.calls import SwitchConnector
from tests.cti.ami_server import AmiServer, read_stream
from tests.cti.connector_support import PBX, Clock, RunningConnector, at, wait_until


@pytest.fixture
def switch_connected(app, demo):
    server = AmiServer()
    running = RunningConnector(app, server.url, Clock(at(0)))
    try:
        wait_until(lambda: (row := db.session.get(SwitchConnector, PBX)) is not None and row.connected,
                   what="the connector's login")
        yield server, running
    finally:
        running.stop()
        server.close()


def test_a_call_ringing_at_the_agents_extension_shows_on_the_console_within_2_s(
        page, live_server, sign_in, switch_connected):
    server, running = switch_connected
    sign_in(page, "kefu1", DEMO_PASSWORD)  # kefu1's extension is 8101
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    ringing = page.locator("#ringing_calls")
    expect(ringing).not_to_contain_text("13900001234")
    events = read_stream("direct_inbound")[:4]  # the trunk's call dials 8101, which rings
    server.send(events)
    expect(ringing).to_contain_text("13900001234", timeout=2000)
    assert running.connector.total >= len(events)
