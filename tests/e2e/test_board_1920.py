"""The supervisor's faces at 1920×1080: the laptop board uses the whole width without scrolling; the
wallboard's headline numbers read from 5 m, coloured by threshold, and its long lists page through by
themselves (no mouse); the activity feed dates what is not today; a toast says where a slip went."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.database import begin_write
from kiosk.devtools.demo import DEMO_PASSWORD
from kiosk.domain.deadlines import Priority
from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.tasks import SlipSource, TaskEvent
from kiosk.services import tasks
from kiosk.services.directory import working_calendar
from tests.e2e.screens import FULL_HD, full_hd_page, keep, serious_violations


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


@pytest.fixture
def supervisor(browser, live_server, sign_in, demo):
    with full_hd_page(browser, sign_in, "zhuguan", DEMO_PASSWORD, r"/supervisor/$") as page:
        yield page


def overdue_slips(count: int) -> None:
    """``count`` slips opened a week ago, overdue now: more than the overdue panel can show at once."""
    agent = db.session.query(User).filter_by(username="kefu1").one()
    begin_write()
    for n in range(count):
        tasks.open_slip(source=SlipSource.CALL, category="repair", priority=Priority.ROUTINE,
                        description=f"逾期测试 {n + 1}", owner=agent, now=utcnow() - timedelta(days=7),
                        calendar=working_calendar(), location=f"湘江壹号 {n + 1}栋")
    db.session.commit()


@pytest.fixture
def events_of_yesterday(demo):
    """The demo's slip events a day older, before the board is first drawn: the feed's newest are then
    none of today at any hour (by evening the demo's own events of today fill the whole feed)."""
    begin_write()
    for event in db.session.scalars(select(TaskEvent)):
        event.at -= timedelta(days=1)
    db.session.commit()


def test_the_laptop_board_fills_the_screen_and_tells_where_a_slip_went(events_of_yesterday, supervisor,
                                                                       live_server):
    page = supervisor
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]
    assert page.evaluate("document.documentElement.scrollHeight") <= FULL_HD["height"]
    board = page.locator(".board").bounding_box()
    assert board["width"] >= FULL_HD["width"] - 64  # the whole width, not a 1,200 px column
    feed = page.locator("#panel_activity time")
    expect(feed.first).to_be_visible()
    assert all(re.fullmatch(r"\d\d-\d\d \d\d:\d\d", text) for text in feed.all_inner_texts())
    keep(page, "board-1920")

    row = page.locator("#panel_unassigned tr.slip-row").first
    number = row.locator("td").first.inner_text()
    row.get_by_role("link", name="派单").click()  # the dispatch form opens beside the panels
    actions = page.locator("#board_actions")
    actions.get_by_label("部门", exact=True).select_option(label="工程部")
    actions.get_by_role("button", name="派单").click()
    expect(page.locator("#flash")).to_contain_text(f"任务单 {number} 已派单至工程部")
    keep(page, "board-1920-dispatched")
    assert serious_violations(page) == []


def test_the_wall_reads_from_afar_and_pages_through_long_lists(supervisor, live_server):
    overdue_slips(40)
    page = supervisor
    page.clock.install()  # the page turns on the browser's clock, moved on below
    page.goto(f"{live_server}/supervisor/wall")
    expect(page.locator("html")).to_have_attribute("data-wall-ready", "true")
    assert page.evaluate("document.documentElement.scrollHeight") <= FULL_HD["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]

    headlines = page.locator(".headline")
    expect(headlines).to_have_count(7)
    for label in ("等待接听", "最长等待", "今日三声内接听", "今日超三分钟通话", "超时任务单",
                  "未关闭突发事件", "在场访客（人）"):
        expect(page.locator(".headlines")).to_contain_text(label)
    value = page.locator(".headline-value").first
    value_size = value.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert value_size >= 80  # about 6 cm tall on a 55-inch wall screen: read from 5 m
    overdue = page.locator(".headline-slips_overdue")
    expect(overdue).to_have_class(re.compile(r"\blevel-red\b"))
    expect(overdue.locator(".headline-value")).to_have_text("42")  # the demo's 2 and these 40

    panel = page.locator("#panel_overdue")
    expect(panel).to_have_attribute("data-page", "1")
    pages = int(panel.get_attribute("data-pages"))
    assert pages >= 2
    assert panel.evaluate("p => p.scrollHeight <= p.clientHeight")  # nothing cut
    first_page = panel.locator("tbody tr:not([hidden])").first.inner_text()
    keep(page, "wall-1920")
    page.clock.run_for(9000)  # the page turns by itself
    expect(panel).to_have_attribute("data-page", "2")
    # waited for, not read once: a poll answered in between swaps the panel in, and wall.js pages it again
    expect(panel.locator("tbody tr:not([hidden])").first).not_to_have_text(first_page)
    expect(panel.locator(".page-of")).to_have_text(f"第 2/{pages} 页")
    keep(page, "wall-1920-page-2")
    assert serious_violations(page) == []
