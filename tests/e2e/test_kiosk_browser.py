"""The kiosk in a real browser at tablet sizes: sign in and out, a live alert, no JavaScript, axe."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from kiosk.devtools.demo import DEMO_PASSWORD
from tests.support import LANDSCAPE, PORTRAIT


@pytest.fixture
def app_config():
    return {"POLL_SECONDS": 1}


def fill_repair(page, name="张三", mobile="13812345678"):
    page.get_by_role("link", name="报修").click()
    page.get_by_label("姓名").fill(name)
    page.get_by_label("手机号码").fill(mobile)
    page.get_by_label("来访人数").fill("2")
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()


def sign_out_with_badge(page):
    code = page.locator(".badge-code strong").inner_text()
    page.get_by_role("link", name="完成").click()
    page.get_by_role("link", name="离开签退").click()
    page.get_by_label("胸牌号码或手机号码").fill(code)
    page.get_by_role("button", name="签退").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("已签退，谢谢光临，再见！")


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["portrait", "landscape"])
def test_a_visitor_signs_in_and_out(tablet, viewport):
    page = tablet(viewport)
    fill_repair(page, mobile="138")
    expect(page.locator("#mobile-error")).to_contain_text("手机号码")
    expect(page.get_by_label("姓名")).to_have_value("张三")
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记成功，谢谢！")
    expect(page.locator(".badge-name")).to_have_text("张三")
    expect(page.locator("img.badge-qr")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    sign_out_with_badge(page)


def test_the_kiosk_works_without_javascript(tablet):
    page = tablet(js=False)
    fill_repair(page, name="<script>")
    expect(page.locator("#name-error")).to_be_visible()
    page.get_by_label("姓名").fill("李四")
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.locator(".badge-name")).to_have_text("李四")
    sign_out_with_badge(page)


def test_the_language_toggle_switches_the_kiosk_to_english(tablet):
    page = tablet()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome! Why are you visiting today?")
    page.get_by_role("link", name="Repair request").click()
    expect(page.get_by_label("Party size")).to_have_value("1")


def test_a_class_a_visit_alerts_the_service_centre_supervisor_live(browser, live_server, tablet, sign_in):
    staff = browser.new_context()
    desk = staff.new_page()
    sign_in(desk, "zhuguan", DEMO_PASSWORD)
    expect(desk).to_have_url(re.compile(r"/supervisor/$"))
    desk.locator("#bell").click()  # clear what the demo data already told the supervisor
    desk.get_by_role("button", name="全部标为已读").click()
    expect(desk.locator("#bell .badge")).to_have_count(0)
    page = tablet()
    page.get_by_role("link", name="投诉").click()
    page.get_by_label("姓名").fill("王大伟")
    page.get_by_label("手机号码").fill("13687654321")
    page.get_by_label("业主").check()
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_text("请稍坐，我们的同事马上来接待您。")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("A类")
    expect(desk.locator("#bell .badge")).to_have_text("1", timeout=10_000)
    desk.locator("#bell").click()
    desk.get_by_role("link", name=re.compile("A类突发事件：王大伟")).click()
    desk.get_by_role("button", name="我来处理（确认）").click()
    expect(desk.locator("#acknowledgement")).to_contain_text("陈静（客服主管） 于")
    staff.close()


def serious(page) -> list[str]:
    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n['html'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_kiosk_pages_have_no_serious_accessibility_violations(browser, live_server, tablet):
    context = browser.new_context(viewport=PORTRAIT)
    stranger = context.new_page()
    stranger.goto(f"{live_server}/kiosk/")
    assert serious(stranger) == []
    stranger.get_by_role("link", name="输入配对码").click()
    stranger.get_by_role("button", name="配对").click()
    expect(stranger.locator("#code-error")).to_be_visible()
    assert serious(stranger) == []
    context.close()
    page = tablet()
    assert serious(page) == []
    page.get_by_role("link", name="投诉").click()
    page.get_by_role("button", name="确认登记").click()
    expect(page.locator("#name-error")).to_be_visible()
    assert serious(page) == []
    page.get_by_role("link", name="返回").click()
    fill_repair(page)
    expect(page.locator(".badge-name")).to_have_text("张三")
    assert serious(page) == []
    page.get_by_role("link", name="完成").click()
    page.get_by_role("link", name="离开签退").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("离开签退")
    assert serious(page) == []
