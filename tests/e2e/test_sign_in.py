"""Each demo role signs in through a real browser and lands on its home; also without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kiosk.devtools.demo import DEMO_PASSWORD

HOMES = [
    ("admin", "/admin/users", "用户"),
    ("zhuguan", "/supervisor/", "主管看板"),
    ("kefu1", "/hotline/", "热线坐席台"),
    ("gongcheng", "/workbench", "您好，赵强"),
    ("xiaoshou1", "/rotation/", "今日轮值表"),
]


@pytest.mark.parametrize(("username", "path", "heading"), HOMES)
def test_each_role_signs_in_and_lands_on_its_home(page, live_server, demo, sign_in, username, path, heading):
    sign_in(page, username, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


def test_wrong_password_shows_the_message_beside_the_form(page, live_server, demo, sign_in):
    sign_in(page, "kefu1", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
    expect(page.get_by_label("用户名")).to_have_value("kefu1")


def test_sign_in_works_with_javascript_disabled(browser, live_server, demo, sign_in):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "kefu1", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("热线坐席台")
    context.close()


def test_a_supervisor_reaches_a_page_through_the_menus_drop_down(page, live_server, demo, sign_in):
    sign_in(page, "zhuguan", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("主管看板")
    # The drop-downs close each other through app.js: on a busy machine a click can land before it runs.
    expect(page.locator("html")).to_have_attribute("data-app-ready", "true")
    menu = page.get_by_role("navigation", name="主导航")
    expect(menu.locator("a, summary").filter(visible=True)).to_have_count(9)  # one line, not two

    menu.locator("summary", has_text="访客").click()
    expect(menu.get_by_role("link", name="关注名单")).to_be_visible()
    menu.locator("summary", has_text="热线").click()  # one drop-down open at a time
    expect(menu.get_by_role("link", name="关注名单")).to_be_hidden()
    expect(menu.get_by_role("link", name="话术与资料")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu.get_by_role("link", name="话术与资料")).to_be_hidden()

    menu.locator("summary", has_text="访客").click()
    menu.get_by_role("link", name="关注名单").click()
    expect(page).to_have_url(re.compile(r"/visitors/watch-list$"))
    expect(menu.locator("summary.current")).to_have_text("访客")
