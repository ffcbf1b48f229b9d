"""The rotation page follows a reception live: the receiver moves to the end without a reload."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import expect

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.demo import DEMO_PASSWORD
from kiosk.services import rotation


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


@pytest.fixture
def ten_oclock(monkeypatch):
    """10:00 today in Shanghai (inside working hours, so the reception takes a rotation turn)."""
    moment = datetime.combine(local(utcnow()).date(), time(10), tzinfo=SHANGHAI).astimezone(UTC)
    monkeypatch.setattr("kiosk.blueprints.rotation.utcnow", lambda: moment)
    return moment


def test_the_supervisor_page_moves_the_receiver_to_the_end_without_reload(page, live_server, demo, sign_in,
                                                                          ten_oclock):
    sign_in(page, "xiaoshouzg", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/rotation/$"))
    names = page.locator(".rotation-order tbody td.person")
    expect(names).to_have_count(4)
    first = names.first.inner_text()
    expect(page.locator(".up-next li").first).to_contain_text(first)
    page.evaluate("document.body.dataset.loadedOnce = 'yes'")

    reception = rotation.receive_customer(rotation.DEFAULT_OFFICE, "e2e-group", now=ten_oclock)

    assert reception.receiver.display_name == first
    expect(names.last).to_have_text(first)
    expect(page.locator(".rotation-log")).to_contain_text("e2e-group")
    assert page.evaluate("document.body.dataset.loadedOnce") == "yes"
