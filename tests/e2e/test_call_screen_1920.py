"""The agent's faces at 1920×1080: the call screen fits one screen during a call, its outcome is a set
of large choices that show the dispatch fields only when they apply, a dispatched call tells the agent
what to read to the caller; a ringing call is heard, seen in the tab and answered from the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.devtools.demo import DEMO_PASSWORD, DEMO_PBX
from kiosk.domain.hotline import CtiEvent
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.services import hotline
from tests.e2e.screens import FULL_HD, full_hd_page, keep, serious_violations

CALLER = "13900000000"  # the first demo owner, 张建华 of 湘江壹号 1栋 101


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


@pytest.fixture
def ring(demo):
    """``ring(call_id, answered=False)``: a switchboard call for kefu1 (extension 8101), as its events
    would leave it; returns the call's row id."""

    def make(pbx_call_id: str, answered: bool = False, extension: str = "8101") -> int:
        now = utcnow()
        events = [CtiEvent.RINGING] + ([CtiEvent.ANSWERED] if answered else [])
        for event in events:
            hotline.receive_event(hotline.CtiPayload(event=event, call_id=pbx_call_id, at=now, caller=CALLER,
                                                     called="4008001234", extension=extension), DEMO_PBX, now)
        return db.session.scalar(select(Call.id).where(Call.pbx_call_id == pbx_call_id))

    return make


@pytest.fixture
def agent(browser, live_server, sign_in, demo):
    with full_hd_page(browser, sign_in, "kefu1", DEMO_PASSWORD, r"/hotline/$") as page:
        yield page


def fits_one_screen(page) -> None:
    expect(page.locator("html")).to_have_attribute("data-app-ready", "true")  # styles applied, scripts run
    assert page.evaluate("document.documentElement.scrollHeight") <= FULL_HD["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= FULL_HD["width"]
    settle = page.get_by_role("button", name="处理并结束")
    expect(settle).to_be_in_viewport()


def test_the_call_screen_fits_one_screen_and_dispatches_with_words_to_read(agent, live_server, ring):
    call_id = ring("fit-1", answered=True)
    agent.goto(f"{live_server}/hotline/calls/{call_id}")
    bar = agent.locator(".call-bar")
    expect(bar.locator("#call-timer")).to_be_visible()
    expect(bar.locator(".caller-profile")).to_contain_text("张建华")
    fits_one_screen(agent)
    keep(agent, "call-screen-answered")
    assert serious_violations(agent) == []

    agent.get_by_label("类别").select_option(label="服务需求（报修）")
    agent.get_by_label("来电人贵姓").fill("张")
    agent.get_by_label("地点").fill("湘江壹号 1栋 101")
    agent.get_by_label("来电内容").fill("卫生间天花板渗水")
    agent.get_by_role("button", name="保存记录").click()
    agent.get_by_label("我已向来电人复述记录，对方确认无误").check()
    agent.get_by_role("button", name="确认", exact=True).click()
    expect(agent.locator(".confirmed")).to_contain_text("已复述确认")
    fits_one_screen(agent)

    # Record, read-back and outcome side by side: three boxes on one line.
    record = agent.locator(".record-form").bounding_box()
    read_back = agent.locator("#confirm").bounding_box()
    outcome = agent.locator(".outcome-card").bounding_box()
    assert record["x"] < read_back["x"] < outcome["x"]
    assert abs(record["y"] - read_back["y"]) < 60 and outcome["y"] < record["y"] + 60

    department = agent.get_by_label("部门", exact=True)
    expect(department).to_be_hidden()  # no outcome chosen yet
    answered_on_spot = agent.get_by_role("radio", name="当场答复")
    answered_on_spot.focus()
    agent.keyboard.press("Alt+Shift+2")  # 派任务单, from the keyboard
    expect(agent.get_by_role("radio", name="派任务单")).to_be_checked()
    expect(department).to_be_visible()
    expect(agent.locator('.dispatch-preview[data-for="slip"]')).to_contain_text("常规")
    choice = agent.locator(".segment").first.bounding_box()
    assert choice["height"] >= 44  # a choice, not a 13 px radio
    keep(agent, "call-screen-outcome")
    agent.keyboard.press("Alt+Shift+1")
    expect(department).to_be_hidden()
    agent.keyboard.press("Alt+Shift+2")
    department.select_option(label="工程部")
    agent.get_by_role("button", name="处理并结束").click()

    told = agent.locator(".slip-told")
    expect(told).to_contain_text(re.compile(r"RW\d{8}-\d{4}"))
    expect(told).to_contain_text("工程部会在")
    expect(agent.locator("#flash")).to_contain_text("已派往工程部")
    keep(agent, "call-screen-dispatched")
    assert serious_violations(agent) == []


def test_the_dispatch_fields_follow_the_outcome_without_javascript(browser, live_server, ring, sign_in):
    call_id = ring("fit-nojs", answered=True)
    context = browser.new_context(viewport=FULL_HD, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "kefu1", DEMO_PASSWORD)
    page.goto(f"{live_server}/hotline/calls/{call_id}")
    page.get_by_label("类别").select_option(label="咨询")
    page.get_by_label("来电内容").fill("电梯停在 5 楼不动")
    page.get_by_role("button", name="保存记录").click()
    page.get_by_label("我已向来电人复述记录，对方确认无误").check()
    page.get_by_role("button", name="确认", exact=True).click()
    department = page.get_by_label("部门", exact=True)
    expect(department).to_be_hidden()
    page.get_by_role("radio", name="转相关部门").check()
    expect(department).to_be_visible()
    page.get_by_role("button", name="处理并结束").click()  # no department: the server says so
    expect(page.locator("#department_id-error")).to_have_text("请选择部门。")
    expect(page.get_by_role("radio", name="转相关部门")).to_be_checked()
    context.close()


def test_a_ringing_call_is_heard_shown_in_the_tab_and_answered_with_a_key(agent, live_server, ring):
    agent.add_init_script("""
        window.__notes = [];
        window.Notification = function (title, options) { window.__notes.push([title, options.body]); };
        window.Notification.permission = "granted";
        window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
        Object.defineProperty(document, "hidden", { get: function () { return true; } });
    """)
    agent.goto(f"{live_server}/hotline/")
    notice = agent.locator("#ringing-notice")
    expect(notice).to_have_attribute("data-ready", "true")
    expect(notice).to_contain_text("Alt+A")
    expect(notice.get_by_role("button", name="开启桌面来电提醒")).to_be_hidden()  # already granted

    ring("notice-1")  # arrives by the console's poll
    expect(agent.locator("#ringing_calls")).to_contain_text("张建华", timeout=15000)
    expect(agent).to_have_title(re.compile(r"^【来电 1】"))
    expect(agent.locator("#console-icon")).to_have_attribute("href", re.compile(r"console-ringing\.svg"))
    expect(notice).to_have_attribute("data-chimes", "1")
    assert agent.evaluate("window.__notes")[0][0] == "热线来电，请接听"
    keep(agent, "console-ringing")
    assert serious_violations(agent) == []

    mute = notice.get_by_role("button", name="来电提示音：开")
    mute.click()
    expect(notice.get_by_role("button", name="来电提示音：关")).to_have_attribute("aria-pressed", "true")
    agent.reload()  # the choice is remembered
    expect(agent.locator("#ringing-notice").get_by_role("button", name="来电提示音：关")).to_be_visible()
    expect(agent.locator("#ringing-notice")).not_to_have_attribute("data-chimes", re.compile("."))

    agent.keyboard.press("Alt+A")
    expect(agent.get_by_role("heading", level=1)).to_contain_text("通话 #")
    expect(agent).not_to_have_title(re.compile("来电"))


def test_desktop_alerts_are_asked_for_once_from_a_click(agent, live_server):
    agent.add_init_script("""
        window.__asked = 0;
        window.Notification = function () {};
        window.Notification.permission = "default";
        window.Notification.requestPermission = function () {
            window.__asked += 1;
            window.Notification.permission = "granted";
            return Promise.resolve("granted");
        };
    """)
    agent.goto(f"{live_server}/hotline/")
    ask = agent.locator("#ringing-notice").get_by_role("button", name="开启桌面来电提醒")
    expect(ask).to_be_visible()
    assert agent.evaluate("window.__asked") == 0  # never asked without the agent's click
    ask.click()
    expect(ask).to_be_hidden()
    assert agent.evaluate("window.__asked") == 1
