"""A slip's whole journey in real browsers: it appears on the supervisor's board without a reload, is
dispatched from there, accepted and resolved on the department's queue, and closed by the agent's callback."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.database import begin_write
from kiosk.demo import DEMO_PASSWORD
from kiosk.domain.deadlines import Priority
from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.tasks import SlipSource
from kiosk.services.directory import working_calendar
from kiosk.services.tasks import open_slip


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


def test_new_slip_to_board_to_queue_to_callback_to_closed(browser, live_server, demo, sign_in):
    boss = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    sign_in(boss, "zhuguan", DEMO_PASSWORD)
    expect(boss.get_by_role("heading", name="主管看板")).to_be_visible()

    begin_write()
    slip = open_slip(source=SlipSource.CALL, category="repair", priority=Priority.ROUTINE,
                     description="5栋 101 阳台地漏堵塞", location="湘江壹号 5栋 101",
                     owner=db.session.scalar(select(User).where(User.username == "kefu1")),
                     now=utcnow(), calendar=working_calendar())
    db.session.commit()
    number = slip.number

    row = boss.locator("#panel_unassigned tr", has_text=number)
    expect(row).to_be_visible()  # arrived by polling: no reload
    row.get_by_label("派往部门").select_option(label="工程部")
    row.get_by_role("button", name="派单").click()
    expect(boss.locator("#panel_unassigned")).not_to_contain_text(number)

    staff = browser.new_context().new_page()
    sign_in(staff, "gongcheng", DEMO_PASSWORD)
    staff.get_by_role("link", name="本部门任务单").click()
    item = staff.get_by_role("article", name=number)
    item.get_by_role("button", name="签收").click()
    item = staff.get_by_role("article", name=number)
    expect(item).to_contain_text("已签收")
    item.get_by_text("办结", exact=True).click()
    item.get_by_label("处理结果").fill("已疏通地漏")
    item.get_by_role("button", name="提交：办结").click()
    expect(staff.get_by_role("article", name=number)).to_have_count(0)

    agent = browser.new_context().new_page()
    sign_in(agent, "kefu1", DEMO_PASSWORD)
    agent.get_by_role("link", name="我的回访").click()
    callback = agent.locator("article.callback", has_text=number)
    callback.get_by_label("回访结果").select_option(label="满意")
    callback.get_by_role("button", name="记录回访").click()
    expect(agent.locator("article.callback", has_text=number)).to_have_count(0)

    agent.goto(f"{live_server}/tasks/{slip.id}")
    expect(agent.locator(".card-head .status")).to_have_text("已关闭")
    expect(agent.locator(".timeline")).to_contain_text("已疏通地漏")
    expect(boss.locator("#panel_activity")).to_contain_text(re.compile(f"{number} · 关闭"))
