"""The bell on a staff page picks up a new notification without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.clock import utcnow
from kiosk.devtools.demo import DEMO_PASSWORD
from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.services.notifications import notify


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


def test_bell_counts_a_new_notification_live_and_the_list_marks_it_read(page, live_server, demo, sign_in):
    sign_in(page, "renli", DEMO_PASSWORD)  # HR staff: no demo slip or visit notifications
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，郑丽")
    bell = page.locator("#bell")
    expect(bell.locator(".badge")).to_have_count(0)

    agent = db.session.query(User).filter_by(username="renli").one()
    notify(kind="test", title="3栋 2 单元电梯停运", now=utcnow(), user=agent, level="urgent")
    db.session.commit()

    expect(bell.locator(".badge")).to_have_text("1", timeout=10_000)
    bell.click()
    expect(page.get_by_text("3栋 2 单元电梯停运")).to_be_visible()
    page.get_by_role("button", name="标为已读：3栋 2 单元电梯停运").click()
    expect(page.locator("li.note.unread")).to_have_count(0)
    expect(bell.locator(".badge")).to_have_count(0, timeout=10_000)
