"""The kiosk as a visitor lives in it, at the front desks' tablet sizes (1280×800 and 768×1024).

Each test keeps screenshots under the test output (``test-results/<test>/``, git-ignored) to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk.domain.classify import Place, VisitPurpose
from kiosk.forms.visitor_kiosk import purposes_at
from tests.support import TABLET_LANDSCAPE, TABLET_PORTRAIT

SIZES = [pytest.param(TABLET_LANDSCAPE, id="1280x800"), pytest.param(TABLET_PORTRAIT, id="768x1024")]
#: The first load of the kiosk's start screen, everything the browser fetches, compressed, headers included.
FIRST_LOAD_BUDGET = 50 * 1024
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55]")


def shot(page, output_path: str, name: str) -> None:
    """What the tablet's screen shows (not the whole page: a kiosk is seen one screen at a time)."""
    Path(output_path).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(output_path, f"{name}.png")))


def submit_in_view(page, name: str) -> None:
    """The form's submit button is inside the viewport as the page opens: no scrolling to find it."""
    button = page.get_by_role("button", name=name)
    expect(button).to_be_visible()
    box = button.bounding_box()
    viewport = page.viewport_size
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (
        f"{page.url}: {name} at {box}, viewport {viewport}")


def no_emoji(page) -> None:
    assert not EMOJI.findall(page.locator("body").inner_text()), "emoji drawn as text"


@pytest.mark.parametrize("size", SIZES)
def test_every_kiosk_form_shows_its_button_without_scrolling(tablet, live_server, size, output_path):
    page = tablet(size, place="sales_office")
    shot(page, output_path, "start")
    expect(page.locator(".purpose svg.icon").first).to_be_visible()
    no_emoji(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    for purpose in purposes_at(Place.SALES_OFFICE):
        page.goto(f"{live_server}/kiosk/visit/{purpose.value}")
        submit_in_view(page, "确认登记")
        if purpose in (VisitPurpose.VIEWING, VisitPurpose.COMPLAINT, VisitPurpose.VISITING_PERSON):
            shot(page, output_path, f"visit-{purpose.value}")
    for path, button in (("/kiosk/appointment", "下一步"), ("/kiosk/sign-out", "签退")):
        page.goto(live_server + path)
        submit_in_view(page, button)
    # The form's messages make it longer: the button stays in view.
    page.goto(f"{live_server}/kiosk/visit/{VisitPurpose.VIEWING.value}")
    page.get_by_role("button", name="确认登记").click()
    expect(page.locator("#consent-error")).to_have_text("请勾选同意后继续")
    submit_in_view(page, "确认登记")
    shot(page, output_path, "visit-with-messages")


@pytest.mark.parametrize("size", SIZES)
def test_numbers_bring_up_a_keypad_and_the_consent_box_says_what_to_do(tablet, size, output_path):
    page = tablet(size)
    page.get_by_role("link", name="报修").click()
    expect(page.get_by_label("手机号码")).to_have_attribute("inputmode", "tel")
    expect(page.get_by_label("来访人数")).to_have_attribute("inputmode", "numeric")
    page.get_by_label("姓名").fill("张三")
    page.get_by_role("button", name="确认登记").click()
    expect(page.locator("#consent-error")).to_have_text("请勾选同意后继续")
    expect(page.locator("#consent-error")).to_be_in_viewport()
    expect(page.get_by_label("姓名")).to_have_value("张三")
    shot(page, output_path, "consent")


@pytest.mark.parametrize("size", SIZES)
def test_switching_language_keeps_what_was_typed(tablet, size, output_path):
    page = tablet(size)
    page.get_by_role("link", name="找人").click()
    page.get_by_label("姓名", exact=True).fill("王小明")
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("来访人数").fill("3")
    page.get_by_label("拜访人姓名").fill("李娜")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Visiting someone")
    expect(page.get_by_label("Name", exact=True)).to_have_value("王小明")
    expect(page.get_by_label("Mobile number")).to_have_value("13812345678")
    expect(page.get_by_label("Party size")).to_have_value("3")
    expect(page.get_by_label("Person visited")).to_have_value("李娜")
    expect(page.locator(".field-error")).to_have_count(0)  # a switch is no submission
    shot(page, output_path, "english")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_label("姓名", exact=True)).to_have_value("王小明")
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.locator(".badge-name")).to_have_text("王小明")


def test_the_tablet_speaks_its_sites_language_not_the_browsers(app, tablet):
    app.config["KIOSK_LANGUAGE"] = {"*": "zh", "management_office": "en"}
    page = tablet(TABLET_PORTRAIT, locale="en-US")  # an English browser at a Chinese front desk
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎光临，请选择来访事由")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    app.config["KIOSK_LANGUAGE"] = {"*": "zh", "service_centre": "en"}
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome! Why are you visiting today?")


@pytest.mark.parametrize("size", SIZES)
def test_the_badge_stays_until_done_and_a_second_sign_in_is_the_same_visit(tablet, live_server, size,
                                                                           output_path):
    page = tablet(size)
    page.get_by_role("link", name="报修").click()
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.locator(".badge-name")).to_have_text("张三")
    code = page.locator(".badge-code strong").inner_text()
    # No idle return on the badge: it stays until the visitor taps 完成.
    expect(page.locator("#kiosk-idle")).to_have_count(0)
    no_emoji(page)
    shot(page, output_path, "badge")
    page.get_by_role("link", name="完成").click()
    expect(page.locator("#kiosk-idle")).to_have_count(1)
    page.get_by_role("link", name="报修").click()
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("我已阅读并同意上述个人信息说明").check()
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("您已登记，欢迎回来！")
    expect(page.locator(".badge-code strong")).to_have_text(code)
    shot(page, output_path, "signed-in-again")


def test_the_first_load_of_the_kiosk_is_small(browser, tablet, live_server, output_path):
    """Everything the browser fetches for the start screen on an empty cache, as sent over the wire."""
    paired = tablet(TABLET_LANDSCAPE)
    context = browser.new_context(viewport=TABLET_LANDSCAPE, storage_state=paired.context.storage_state())
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    sizes: dict[str, float] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(f"{live_server}/kiosk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎光临，请选择来访事由")
    page.wait_for_load_state("networkidle")  # the ready signal: every file the page asked for has arrived
    fetched = {urls[r]: sizes[r] for r in sizes if r in urls}
    # A headless browser does not fetch the tab's icon: count it as a browser would get it, compressed.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    answer = context.request.get(live_server + icon, headers={"Accept-Encoding": "gzip"})
    assert answer.ok and answer.headers["content-type"].startswith("image/svg+xml")
    fetched[live_server + icon] = len(answer.body())
    total = sum(fetched.values())
    report = "\n".join(f"{int(n):>7} {u.removeprefix(live_server)}" for u, n in sorted(fetched.items()))
    Path(output_path).mkdir(parents=True, exist_ok=True)
    Path(output_path, "first-load.txt").write_text(f"{report}\n{int(total):>7} total\n")
    print(report, f"\n{int(total):>7} total")
    assert any("htmx" in u for u in fetched), report
    assert total <= FIRST_LOAD_BUDGET, report
    context.close()


def test_the_model_home_butlers_forms_show_their_button_too(tablet, live_server, output_path):
    page = tablet(TABLET_PORTRAIT, place="model_home")
    page.goto(f"{live_server}/model-home/assets/new")
    submit_in_view(page, "提交备案")
    shot(page, output_path, "asset")
