"""Polled fragments in a real browser: kept by no cache (no-store), still answered 304 when unchanged.

The browser keeps no copy of a no-store answer, so it sends no ETag of its own; app.js sends the ETag of
the last answer, the server answers 304, and htmx leaves the panel as it was.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.devtools.demo import DEMO_PASSWORD


def _polled(response) -> bool:
    return "/panels/" in response.url or "/bell" in response.url


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


def test_an_unchanged_board_is_answered_304_and_stays_on_screen(page, live_server, demo, sign_in):
    polls = []
    page.on("response", lambda r: polls.append(r) if _polled(r) else None)
    sign_in(page, "zhuguan", DEMO_PASSWORD)  # supervisors land on the board
    expect(page).to_have_url(f"{live_server}/supervisor/")
    heading = page.locator("#panel_unassigned h2")
    expect(heading).to_be_visible()
    page.wait_for_event("response", lambda r: _polled(r) and r.status == 304)  # an unchanged panel's poll
    statuses = {r.status for r in polls}
    assert 304 in statuses, statuses
    assert all(r.request.headers.get("if-none-match") for r in polls if r.status == 304)
    assert {r.headers.get("cache-control") for r in polls} == {"no-store"}
    expect(heading).to_be_visible()
