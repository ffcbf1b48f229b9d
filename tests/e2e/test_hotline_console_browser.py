"""An agent at the hotline console, in a real browser: a switchboard call rings, is answered, recorded,
read back and dispatched; the 3-minute timer changes colour with the browser clock moved forward."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.devtools.cti_simulator import post_event
from kiosk.devtools.demo import DEMO_PASSWORD, DEMO_PBX
from kiosk.extensions import db
from kiosk.models.calls import Call, CallPhraseUse, PbxSecret
from kiosk.models.tasks import TaskSlip

CALLER = "13900000000"  # the first demo owner, 张建华 of 湘江壹号 1栋 101


@pytest.fixture
def switchboard(app, demo, live_server):
    secret = db.session.scalar(select(PbxSecret.secret).where(PbxSecret.name == DEMO_PBX))

    def send(kind: str, call_id: str, at, extension: str = "8101") -> dict:
        status, answer = post_event(live_server, DEMO_PBX, secret, {
            "event": kind, "call_id": call_id, "from": CALLER, "to": "4008001234", "direction": "in",
            "extension": extension, "timestamp": at.isoformat()})
        assert status == 200, answer
        return answer

    send.secret = secret
    return send


def test_agent_answers_a_switchboard_call_records_confirms_and_dispatches_a_slip(page, live_server, sign_in,
                                                                                 switchboard):
    sign_in(page, "kefu1", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    switchboard("ringing", "e2e-1", utcnow())
    ringing = page.locator("#ringing_calls")
    expect(ringing).to_contain_text(CALLER, timeout=15000)  # arrives by the console's poll
    expect(ringing).to_contain_text("张建华")
    ringing.get_by_role("button", name="接听").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("通话 #")
    expect(page.locator(".caller-profile")).to_contain_text("湘江壹号")
    phrase = page.get_by_role("button", name=re.compile("您好，这里是400-800-1234服务热线"))
    phrase.click()
    expect(page.get_by_label("通话记录")).to_have_value(re.compile("您好，这里是400-800-1234服务热线"))
    expect(phrase).to_have_class(re.compile(r"\bused\b"))  # the server has recorded the phrase's use
    page.get_by_label("类别").select_option(label="服务需求（报修）")
    page.get_by_label("来电人贵姓").fill("张")
    page.get_by_label("地点").fill("湘江壹号 1栋 101")
    page.get_by_label("来电内容").fill("卫生间天花板渗水")
    page.get_by_role("button", name="保存记录").click()

    expect(page.locator(".read-back")).to_contain_text("卫生间天花板渗水")
    page.get_by_label("我已向来电人复述记录，对方确认无误").check()
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.locator(".confirmed")).to_contain_text("已复述确认")

    page.get_by_label("派任务单").check()
    page.get_by_label("部门", exact=True).select_option(label="工程部")
    page.get_by_role("button", name="处理并结束").click()
    expect(page.locator(".outcome-card strong")).to_have_text("派任务单")

    db.session.rollback()  # end the test's own read snapshot, to see what the server wrote
    call = db.session.scalar(select(Call).where(Call.pbx_call_id == "e2e-1"))
    slip = db.session.scalar(select(TaskSlip).where(TaskSlip.source_ref == call.id))
    assert (slip.owner.username, slip.department.code, slip.source_ref) == ("kefu1", "engineering", call.id)
    assert db.session.scalar(select(func.count(CallPhraseUse.id))) == 1
    page.goto(f"{live_server}/hotline/")
    expect(page.locator("#open_items")).to_contain_text(slip.number)


def test_the_call_timer_turns_amber_then_red_and_survives_a_reload(page, live_server, sign_in, switchboard):
    answered = utcnow().replace(microsecond=0)
    switchboard("ringing", "e2e-2", answered - timedelta(seconds=6))
    switchboard("answered", "e2e-2", answered)
    db.session.rollback()
    call = db.session.scalar(select(Call).where(Call.pbx_call_id == "e2e-2"))
    page.clock.install(time=answered)
    sign_in(page, "kefu1", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    page.goto(f"{live_server}/hotline/calls/{call.id}")
    timer = page.locator("#call-timer")
    expect(timer).to_have_class(re.compile(r"\btimer-calm\b"))
    expect(page.locator(".ring-ok")).to_contain_text("6")

    page.clock.fast_forward("02:31")
    expect(timer).to_have_class(re.compile(r"\btimer-amber\b"))
    expect(timer).to_contain_text(re.compile(r"2:3\d"))

    page.clock.fast_forward("00:31")
    expect(timer).to_have_class(re.compile(r"\btimer-red\b"))
    shown = timer.inner_text()
    page.reload()
    expect(timer).to_have_class(re.compile(r"\btimer-red\b"))
    expect(timer).to_contain_text(re.compile(r"3:0\d"))
    assert shown.strip().startswith("3:0")


def test_cti_simulate_plays_signed_streams_against_a_running_server(app, live_server, switchboard):
    result = app.test_cli_runner().invoke(args=[
        "cti-simulate", "--url", live_server, "--secret", switchboard.secret, "--calls", "8",
        "--ringing", "2",
        "--seed", "7",
    ])
    assert result.exit_code == 0, result.output
    assert "200 stored" in result.output and "401" not in result.output
    db.session.rollback()
    calls = db.session.scalars(select(Call).where(Call.pbx_call_id.like("sim-%"))).all()
    assert len(calls) == 8
    assert sum(call.state == "ringing" for call in calls) == 2
    assert all(call.owner_id for call in calls)  # the demo owners' numbers

    refused = app.test_cli_runner().invoke(args=["cti-simulate", "--url", live_server, "--secret", "wrong",
                                                 "--calls", "1"])
    assert "401 bad signature" in refused.output


def test_the_call_screen_works_without_javascript(browser, live_server, sign_in, switchboard):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    switchboard("ringing", "e2e-nojs", utcnow(), extension="")
    sign_in(page, "kefu2", DEMO_PASSWORD)
    page.goto(f"{live_server}/hotline/")
    page.locator("#ringing_calls").get_by_role("button", name="接听").click()
    page.get_by_label("来电内容").fill("电梯停在 5 楼不动")
    page.get_by_role("button", name=re.compile("请问您贵姓")).click()
    expect(page.get_by_label("通话记录")).to_have_value(re.compile("请问您贵姓"))
    expect(page.get_by_label("来电内容")).to_have_value("电梯停在 5 楼不动")
    page.get_by_label("类别").select_option(label="咨询")
    page.get_by_role("button", name="保存记录").click()
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.locator("#read_back-error")).to_contain_text("请先向来电人复述")
    page.get_by_label("我已向来电人复述记录，对方确认无误").check()
    page.get_by_role("button", name="确认", exact=True).click()
    page.get_by_label("当场答复").check()
    page.get_by_label("答复内容").fill("已通知工程部，十分钟内到场。")
    page.get_by_role("button", name="处理并结束").click()
    expect(page.locator(".outcome-card strong")).to_have_text("当场答复")
    context.close()
