"""In a real browser: the model-home butler does the 8:30 opening round on a tablet, and a salesperson ticks
off a down-payment reminder on the today page (seed 002, seed 000 篇3)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.devtools.demo import DEMO_PASSWORD
from kiosk.extensions import db
from kiosk.models.model_home import ModelHomeRound
from kiosk.models.people import User
from kiosk.models.sales import BuyerReminder
from kiosk.services import devices, sales


@pytest.fixture
def twenty_past_eight(monkeypatch):
    """8:20 today in Shanghai: the opening round may be done (from 8:00), nothing else yet."""
    moment = datetime.combine(local(utcnow()).date(), time(8, 20), tzinfo=SHANGHAI).astimezone(UTC)
    monkeypatch.setattr("kiosk.blueprints.model_home_tablet.utcnow", lambda: moment)
    return moment


def test_the_butler_completes_the_opening_round_on_a_tablet(browser, live_server, demo, twenty_past_eight):
    tablet = devices.register_device(name="样板间B户型", place="model_home", opens_at=time(8, 30),
                                     closes_at=time(19, 0), now=utcnow())
    code = devices.issue_pairing_code(tablet, utcnow())
    context = browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/kiosk/pair")
    page.get_by_label("配对码").fill(code)
    page.get_by_role("button", name="配对").click()
    expect(page).to_have_url(re.compile(r"/kiosk/$"))

    page.get_by_role("link", name="样板间管家").click()
    expect(page.locator(".round.next")).to_contain_text("开店检查")
    page.locator(".round.next").get_by_role("link", name="开始").click()
    expect(page.get_by_role("heading", name=re.compile("开店检查"))).to_be_visible()
    page.get_by_role("button", name="全部正常").click()
    lights = page.locator("fieldset", has_text="灯全部开启")
    lights.get_by_text("有问题").click()
    lights.get_by_label("问题说明").fill("入户玄关筒灯不亮")
    page.get_by_label("管家姓名").fill("李管家")
    page.get_by_role("button", name="完成巡查").click()

    expect(page.locator("#flash")).to_contain_text("已完成。发现 1 项问题")
    expect(page.locator(".round").first).to_contain_text("李管家")
    db.session.rollback()
    done = db.session.scalar(select(ModelHomeRound).where(ModelHomeRound.device_id == tablet.id))
    assert done.completed_at == twenty_past_eight and done.butler_name == "李管家"
    assert [c.note for c in done.checks if not c.ok] == ["入户玄关筒灯不亮"]
    context.close()


def test_a_salesperson_ticks_off_a_down_payment_reminder(page, live_server, demo, sign_in):
    me = db.session.scalar(select(User).where(User.username == "xiaoshou1"))
    today = local(utcnow()).date()
    item = next(i for i in sales.reminders_due(me, today) if i.reminder.step == "down_payment")
    customer = item.file.customer_name

    sign_in(page, "xiaoshou1", DEMO_PASSWORD)
    page.get_by_role("link", name="今日待办").click()
    card = page.locator("article.reminder", has_text=customer).filter(has_text="交首期款")
    expect(card).to_contain_text("提前 5 天")
    expect(card.locator(".phrase")).to_contain_text("首期款")
    card.get_by_label("已通知，客户确认").check()
    card.get_by_label("备注").fill("客户确认周五来交")
    card.get_by_role("button", name="记录并勾销").click()

    expect(page.locator("#flash")).to_contain_text(f"已记录提醒：{customer}")
    expect(page.locator("#enquiry_form")).to_be_attached()  # the list above it is parsed: count 0 means gone
    expect(page.locator("article.reminder", has_text=customer).filter(has_text="交首期款")).to_have_count(0)
    db.session.rollback()
    reminder = db.session.get(BuyerReminder, item.reminder.id)
    assert reminder.outcome == "notified" and reminder.note == "客户确认周五来交"
    assert reminder.done_at > utcnow() - timedelta(minutes=5)
