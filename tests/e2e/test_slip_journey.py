"""A slip's whole journey in real browsers: it appears on the supervisor's board without a reload, is
dispatched from there, appears on the department's queue without a reload, is accepted and resolved
there, and closed by the agent's callback (started from "my callbacks" as an outbound call, its result
recorded on the call). And a ringing call shows on the wallboard by itself, its waiting clock ticking in the
browser, and moves to the live calls when an agent answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.database import begin_write
from kiosk.devtools.demo import DEMO_PASSWORD
from kiosk.domain.deadlines import Priority
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.people import User
from kiosk.models.tasks import SlipSource
from kiosk.services.directory import working_calendar
from kiosk.services.hotline import answer_call
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

    staff = browser.new_context().new_page()
    sign_in(staff, "gongcheng", DEMO_PASSWORD)
    staff.get_by_role("link", name="本部门任务单").click()
    expect(staff.get_by_role("heading", name="本部门任务单")).to_be_visible()
    expect(staff.get_by_role("article", name=number)).to_have_count(0)

    row = boss.locator("#panel_unassigned tr", has_text=number)
    expect(row).to_be_visible()  # arrived by polling: no reload
    row.get_by_role("link", name="派单").click()  # the dispatch form opens beside the panels
    actions = boss.locator("#board_actions")
    actions.get_by_label("部门", exact=True).select_option(label="工程部")
    actions.get_by_role("button", name="派单").click()
    expect(boss.locator("#panel_unassigned")).not_to_contain_text(number)

    item = staff.get_by_role("article", name=number)
    expect(item).to_be_visible()  # the queue polled it in: no reload
    item.get_by_role("button", name="签收").click()
    item = staff.get_by_role("article", name=number)
    expect(item).to_contain_text("已签收")
    item.get_by_text("办结", exact=True).click()
    item.get_by_label("处理结果").fill("已疏通地漏")
    item.get_by_role("button", name="提交：办结").click()
    staff.wait_for_load_state("domcontentloaded")  # a count of 0 on a half-parsed page proves nothing
    expect(staff.get_by_role("article", name=number)).to_have_count(0)

    agent = browser.new_context().new_page()
    sign_in(agent, "kefu1", DEMO_PASSWORD)
    agent.get_by_role("link", name="我的回访").click()
    callback = agent.locator("article.callback", has_text=number)
    callback.get_by_role("button", name="开始回访（外呼）").click()  # an outbound call: timer, phrases
    expect(agent.locator("#call-timer")).to_be_visible()
    agent.get_by_label("回访结果").select_option(label="满意")
    agent.get_by_role("button", name="记录回访结果并结束通话").click()
    # The form's own options say "满意" too: wait until the form has gone and the result is on the call.
    expect(agent.locator("#call_callback")).to_have_count(0)
    expect(agent.locator(".outcome-card .pre")).to_have_text("满意")
    agent.get_by_role("link", name="我的回访").click()
    agent.wait_for_load_state("domcontentloaded")
    expect(agent.locator("article.callback", has_text=number)).to_have_count(0)

    agent.goto(f"{live_server}/tasks/{slip.id}")
    expect(agent.locator(".card-head .status")).to_have_text("已关闭")
    expect(agent.locator(".timeline")).to_contain_text("已疏通地漏")
    expect(boss.locator("#panel_activity")).to_contain_text(re.compile(f"{number} · 关闭"))


def test_a_ringing_call_appears_on_the_wallboard_and_its_clock_ticks(browser, live_server, demo, sign_in):
    wall = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    sign_in(wall, "zhuguan", DEMO_PASSWORD)
    expect(wall.get_by_role("heading", name="主管看板")).to_be_visible()
    wall.get_by_role("link", name="大屏模式").click()
    ringing = wall.locator("#panel_ringing")
    expect(ringing).to_contain_text("刘洋")  # the demo's call ringing at kefu3's extension
    expect(ringing).not_to_contain_text("137****0000")

    agent = db.session.scalar(select(User).where(User.username == "kefu1"))
    call = Call(direction="in", caller_number="13711110000", state="ringing", ringing_at=utcnow(),
                created_at=utcnow())
    db.session.add(call)
    db.session.commit()
    row = ringing.locator("tr", has_text="137****0000")
    expect(row).to_be_visible()  # arrived by polling: no reload
    expect(row).to_contain_text("全部坐席")
    clock = row.get_by_role("timer")
    first = clock.inner_text()
    expect(clock).not_to_have_text(first)  # ticking in the browser, no request needed
    expect(clock).to_have_class(re.compile(r"\btimer-(amber|red)\b"), timeout=20000)

    assert answer_call(call.id, agent, utcnow()) is not None
    expect(wall.locator("#panel_ringing")).not_to_contain_text("137****0000")
    live = wall.locator("#panel_live_calls tr", has_text="137****0000")
    expect(live).to_contain_text("李娜")
    expect(wall.locator("#panel_agents tr", has_text="李娜")).to_contain_text("通话中")
    assert wall.evaluate("document.documentElement.scrollHeight") <= 1080  # the wall never scrolls
