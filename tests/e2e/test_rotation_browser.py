"""The rotation page follows a reception live: the receiver moves to the end without a reload; a buyer
signing in at the sales-office tablet is told who receives them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

import pytest
from playwright.sync_api import expect

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.devtools.demo import DEMO_PASSWORD
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


@pytest.fixture
def sales_tablet(browser, live_server):
    """A browser context paired as the sales office's tablet (through /kiosk/pair, as staff would)."""
    from kiosk.services import devices

    device = devices.register_device(name="e2e-售楼处", place="sales_office", opens_at=time(8),
                                     closes_at=time(20), now=utcnow())
    code = devices.issue_pairing_code(device, utcnow())
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/pair")
    page.get_by_label("配对码").fill(code)
    page.get_by_role("button", name="配对").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎光临，请选择来访事由")
    yield page
    context.close()


def test_a_buyer_at_the_sales_office_sees_their_salesperson_and_the_rotation_moves_live(
        page, live_server, demo, sign_in, sales_tablet, monkeypatch):
    moment = datetime.combine(local(utcnow()).date(), time(10), tzinfo=SHANGHAI).astimezone(UTC)
    for module in ("kiosk.blueprints.rotation", "kiosk.blueprints.visitor_kiosk"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)  # after pairing: 10:00, in working hours
    sign_in(page, "xiaoshouzg", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/rotation/$"))
    names = page.locator(".rotation-order tbody td.person")
    expect(names).to_have_count(4)
    first = page.locator(".up-next li").first.locator(".up-name").inner_text()
    page.evaluate("document.body.dataset.loadedOnce = 'yes'")
    desk = sales_tablet.context.new_page()  # the same tablet also shows the front-desk order
    desk.goto(f"{live_server}/rotation/front-desk")
    expect(desk.locator(".up-next li").first).to_contain_text(first)

    tablet = sales_tablet
    tablet.get_by_role("link", name="看房").click()
    tablet.get_by_label("姓名").fill("周海")
    tablet.get_by_label("手机号码").fill("13512349876")  # new (the demo's 周海 is on site)
    tablet.get_by_label("来访人数").fill("3")
    tablet.get_by_label("第一次来").check()
    tablet.get_by_label("我已阅读并同意上述个人信息说明").check()
    tablet.get_by_role("button", name="确认登记").click()

    expect(tablet.locator(".salesperson-coming")).to_have_text(f"顾问 {first} 马上来接待您。")
    expect(names.last).to_have_text(first)
    expect(page.locator(".rotation-log")).to_contain_text("visit-")
    expect(desk.locator(".up-next li").first).not_to_contain_text(first)
    assert page.evaluate("document.body.dataset.loadedOnce") == "yes"
