"""Messages away from the screen, against real local servers on 127.0.0.1 (a stand-in for WeCom and the
SMS API, an aiosmtpd SMTP server): what an event queues, what the worker delivers, and that a provider
down for a while, a timeout or several workers at once neither lose a message nor send one twice."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.database import unit_of_work
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.messaging import Status
from kiosk.extensions import db
from kiosk.models.messaging import OutboxMessage
from kiosk.models.visits import Visit
from kiosk.services import audit, delivery
from kiosk.services.notifications import notify
from kiosk.worker.loop import Worker
from tests.kiosk_support import MOBILE, scalar, scalars, sign_in
from tests.messaging_support import BASE_URL, SmtpStandIn
from tests.messaging_support import deliver as _deliver
from tests.support import in_threads


def _group_department(make_department, code: str, name: str, key: str):
    department = make_department(code, name)
    delivery.set_group(department.id, key)
    return department


def _queue(department, n: int, *, level: str = "info", kind: str = "slip_dispatched") -> None:
    with unit_of_work():
        for i in range(n):
            notify(
                kind=kind,
                title=f"消息 {i}",
                now=utcnow(),
                department=department,
                link=f"/tasks/{i}",
                level=level,
            )


def _contents(standin) -> list[str]:
    return [
        r.body.get("markdown", r.body.get("text", {})).get("content", "")
        for r in standin.messages("/cgi-bin/webhook/send")
    ]


def test_a_class_b_visit_reaches_hr_and_the_service_centre_once_within_one_worker_cycle(
    app, channels, standin, paired_client, make_department
):
    _group_department(make_department, "hr", "人力资源部", "hr-robot")
    _group_department(make_department, "service_centre", "客服中心", "kf-robot")
    kiosk = paired_client("service_centre")

    assert sign_in(kiosk, VisitPurpose.FORMER_EMPLOYEE).status_code in (200, 303)
    done = Worker(app, identity="test:1").run_pending()

    assert not done.failed
    sent = standin.messages("/cgi-bin/webhook/send")
    assert sorted(r.query["key"] for r in sent) == ["hr-robot", "kf-robot"]
    for content in _contents(standin):
        assert "【紧急】B类突发事件" in content
        assert "地点：客服中心" in content
        assert "首先：人力资源部安排相关人员和领导到场" in content
        assert "《物业客服中心来访接待流程》第4条 B3" in content
        assert f"{BASE_URL}/visitors/incidents/" in content
        assert "seed" not in content and MOBILE not in content
    assert _deliver(app).counts == {}  # nothing left: a second run sends nothing
    assert len(standin.messages("/cgi-bin/webhook/send")) == 2


def test_the_incident_page_shows_who_was_told_through_which_channel_and_when(
    app, channels, standin, paired_client, make_department, client, login_as
):
    _group_department(make_department, "hr", "人力资源部", "hr-robot")
    sign_in(paired_client("service_centre"), VisitPurpose.FORMER_EMPLOYEE)
    _deliver(app)
    incident_link = scalar(select(OutboxMessage.link))
    login_as("supervisor")

    page = client.get(incident_link).get_data(as_text=True)

    assert "人力资源部群" in page and "企业微信群" in page and "已发送" in page


def test_messages_are_written_with_the_event_or_not_at_all(app, channels, make_department):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    with pytest.raises(RuntimeError), unit_of_work():
        notify(kind="slip_overdue", title="回滚的事件", now=utcnow(), department=department, level="urgent")
        raise RuntimeError("the event fails")
    assert scalar(select(func.count()).select_from(OutboxMessage)) == 0

    _queue(department, 1)
    assert scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_provider_down_for_a_while_loses_nothing_and_sends_nothing_twice(
    app, channels, standin, make_department
):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    _queue(department, 5)
    now = utcnow()

    standin.fail_with(503)
    assert _deliver(app, now).counts == {"retry": 5}
    standin.fail_with(None)
    standin.stop()  # off the port: connection refused
    assert _deliver(app, now + timedelta(minutes=5)).counts == {"retry": 5}
    standin.start()
    assert _deliver(app, now + timedelta(minutes=5, seconds=30)).counts == {}  # backoff: 60 s after the 2nd
    assert _deliver(app, now + timedelta(hours=2)).counts == {"sent": 5}
    assert _deliver(app, now + timedelta(days=1)).counts == {}

    assert sorted(_contents(standin)) == [
        f"**消息 {i}**\n[查看并确认]({BASE_URL}/tasks/{i})" for i in range(5)
    ]
    tries = scalars(select(OutboxMessage.attempts))
    assert tries == [3] * 5


def test_a_provider_that_never_answers_leaves_the_message_unknown_and_it_is_not_sent_again(
    app, channels, standin, make_department
):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    _queue(department, 1)
    app.config["MESSAGE_HTTP_TIMEOUT_SECONDS"] = 0.5
    standin.hang()

    assert _deliver(app).counts == {"unknown": 1}
    standin.release()
    assert _deliver(app, utcnow() + timedelta(days=1)).counts == {}
    assert len(standin.messages("/cgi-bin/webhook/send")) == 1
    message = scalar(select(OutboxMessage))
    assert message.status == Status.UNKNOWN and "no answer" in message.last_error

    assert delivery.retry(message.id, utcnow())  # an admin checked the group: it did not arrive
    assert _deliver(app).counts == {"sent": 1}
    assert len(standin.messages("/cgi-bin/webhook/send")) == 2


def test_a_permanent_refusal_goes_to_the_dead_letter_list_and_admins_are_told(
    app, channels, standin, make_department, make_user
):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    _queue(department, 1)
    standin.fail_with(404)

    assert _deliver(app).counts == {"dead": 1}
    assert [m.status for m in delivery.messages_page("attention")] == ["dead"]
    from kiosk.models.notifications import Notification

    assert scalar(select(Notification.kind).where(Notification.role == "admin")) == "message_undelivered"


def test_several_workers_at_once_deliver_each_message_exactly_once(app, channels, standin, make_department):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    _queue(department, 30)

    results = in_threads(app, lambda n: _deliver(app, worker=f"w{n}").counts.get("sent", 0), 3)

    assert sum(results) == 30
    assert sorted(_contents(standin)) == sorted(
        f"**消息 {i}**\n[查看并确认]({BASE_URL}/tasks/{i})" for i in range(30)
    )


def test_the_group_robot_rate_limit_holds_the_rest_for_later(app, channels, standin, make_department):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    app.config["MESSAGE_RATE_LIMITS"] = {"wecom_group": [20, 60]}
    _queue(department, 23)
    now = utcnow()

    assert _deliver(app, now).counts == {"sent": 20, "deferred": 3}
    assert _deliver(app, now + timedelta(seconds=30)).counts == {}
    assert _deliver(app, now + timedelta(seconds=61)).counts == {"sent": 3}
    assert len(standin.messages("/cgi-bin/webhook/send")) == 23


def test_an_urgent_group_message_mentions_the_departments_supervisors_by_mobile(
    app, channels, standin, make_department, make_user
):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    head = make_user("supervisor", department=department)
    delivery.save_preference(
        head, mobile="13900001111", email=None, wecom_userid=None, channels=[], quiet_from=None, quiet_to=None
    )
    _queue(department, 1, level="urgent")

    _deliver(app)

    [received] = standin.messages("/cgi-bin/webhook/send")
    assert received.body["msgtype"] == "text"
    assert received.body["text"]["mentioned_mobile_list"] == ["13900001111"]


def _person(make_user, department=None, **preference):
    person = make_user("staff", department=department)
    defaults = {
        "mobile": None,
        "email": None,
        "wecom_userid": None,
        "channels": [],
        "quiet_from": None,
        "quiet_to": None,
    }
    delivery.save_preference(person, **{**defaults, **preference})
    return person


def test_wecom_application_messages_share_one_token_and_renew_it_when_refused(
    app, channels, standin, make_user
):
    person = _person(make_user, wecom_userid="zhangsan", channels=["wecom_app"])
    with unit_of_work():
        for i in range(3):
            notify(kind="slip_near_due", title=f"提醒 {i}", now=utcnow(), user=person, link="/tasks/1")

    assert _deliver(app).counts == {"sent": 3}
    assert standin.token_requests == 1
    standin.expire_tokens()
    with unit_of_work():
        notify(kind="slip_near_due", title="提醒 3", now=utcnow(), user=person, link="/tasks/1")
    assert _deliver(app).counts == {"sent": 1}

    assert standin.token_requests == 2
    received = standin.messages("/cgi-bin/message/send")  # 4 taken, 1 refused (42001) and sent again
    assert [r.query["access_token"] for r in received] == ["token-1"] * 4 + ["token-2"]
    assert {r.body["touser"] for r in received} == {"zhangsan"}
    assert all(r.body["enable_duplicate_check"] == 1 for r in received)


def test_e_mail_goes_as_text_and_html_through_a_real_smtp_server(app, channels, make_user):
    smtp = SmtpStandIn()
    try:
        app.config.update(SMTP_URL=smtp.url, SMTP_FROM="kefu@example.cn")
        person = _person(make_user, email="li@example.cn", channels=["email"])
        with unit_of_work():
            notify(
                kind="job_failed",
                title="定时任务运行失败",
                body="错误详情",
                now=utcnow(),
                user=person,
                link="/admin/jobs/x",
                level="urgent",
            )
        assert _deliver(app).counts == {"sent": 1}
        [mail] = smtp.messages
    finally:
        smtp.stop()
    assert mail["To"] == "li@example.cn" and mail["Subject"] == "定时任务运行失败"
    assert mail["Message-ID"].startswith("<kiosk-msg-")
    assert "错误详情" in mail.get_body(("plain",)).get_content()
    assert "<p>错误详情</p>" in mail.get_body(("html",)).get_content()


def test_quiet_hours_hold_ordinary_messages_but_never_urgent_ones(
    app, channels, standin, make_user, monkeypatch
):
    from datetime import UTC, datetime

    from tests.support import freeze_clock

    night = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    freeze_clock(monkeypatch, night)
    person = _person(
        make_user, wecom_userid="wangwu", channels=["wecom_app"], quiet_from=time(22, 0), quiet_to=time(7, 0)
    )
    with unit_of_work():
        notify(kind="slip_near_due", title="可以等", now=night, user=person)
        notify(kind="slip_near_due", title="不能等", now=night, user=person, level="urgent")

    assert _deliver(app, night).counts == {"sent": 1}
    morning = datetime(2026, 12, 4, 23, 0, tzinfo=UTC)  # 07:00 in Shanghai
    assert _deliver(app, morning).counts == {"sent": 1}
    titles = [r.body["markdown"]["content"] for r in standin.messages("/cgi-bin/message/send")]
    assert "不能等" in titles[0] and "可以等" in titles[1]


def test_the_badge_code_goes_by_sms_to_the_visitor_from_the_approved_template_only(
    app, channels, standin, paired_client, make_user
):
    kiosk = paired_client("service_centre")
    sign_in(kiosk, VisitPurpose.REPAIR)
    assert _deliver(app).counts == {}  # no approved template: no SMS

    admin = make_user("admin")
    delivery.save_template(
        "visitor_badge",
        template_code="SMS_100001",
        sign_name="某物业",
        wording="您的访客码 ${code}",
        by=audit.By(admin, "127.0.0.1", utcnow()),
    )
    sign_in(kiosk, VisitPurpose.REPAIR, mobile="13912345678")
    assert _deliver(app).counts == {"sent": 1}

    [sms] = standin.messages("/sms/")
    code = scalar(select(Visit.badge_code).where(Visit.mobile == "13912345678"))
    assert sms.body["PhoneNumbers"] == "13912345678" and sms.body["TemplateCode"] == "SMS_100001"
    assert json.loads(sms.body["TemplateParam"]) == {"code": code}
    assert sms.body["SignName"] == "某物业" and sms.body["Signature"]


def test_notify_test_exits_non_zero_with_the_providers_reason(app, channels, standin, runner):
    ok = runner.invoke(args=["notify-test", "wecom_group", "robot-key"])
    assert ok.exit_code == 0, ok.output
    assert standin.messages("/cgi-bin/webhook/send")[0].query["key"] == "robot-key"

    standin.fail_with(503)
    failed = runner.invoke(args=["notify-test", "wecom_group", "robot-key"])
    assert failed.exit_code == 1 and "HTTP 503" in failed.output

    no_template = runner.invoke(args=["notify-test", "sms", "13900001111"])
    assert no_template.exit_code == 1 and "template" in no_template.output


def test_an_unacknowledged_incident_climbs_to_the_office_director_then_the_service_centre(
    app, channels, paired_client, make_department, make_user
):
    office = make_department("management_office", "管理处")
    centre = make_department("service_centre", "客服中心")
    director = make_user("supervisor", department=office)
    manager = make_user("supervisor", department=centre)
    make_department("hr", "人力资源部")
    sign_in(paired_client("service_centre"), VisitPurpose.FORMER_EMPLOYEE)
    from kiosk.models.notifications import Notification

    opened = scalar(select(Notification.created_at).where(Notification.kind == "visitor_incident"))
    wait = timedelta(minutes=10)

    assert delivery.escalate_unacknowledged(opened + timedelta(minutes=9), wait) == 0
    assert delivery.escalate_unacknowledged(opened + timedelta(minutes=10), wait) == 1
    assert delivery.escalate_unacknowledged(opened + timedelta(minutes=11), wait) == 0
    assert delivery.escalate_unacknowledged(opened + timedelta(minutes=20), wait) == 1
    assert delivery.escalate_unacknowledged(opened + timedelta(minutes=40), wait) == 0  # top of the chain

    told = scalars(
        select(Notification.user_id).where(Notification.kind == "alert_escalated").order_by(Notification.id)
    )
    assert told == [director.id, manager.id]


def test_an_acknowledged_incident_does_not_escalate(app, channels, paired_client, make_department, make_user):
    from kiosk.models.visits import Incident
    from kiosk.services import incidents

    make_department("management_office", "管理处")
    make_department("hr", "人力资源部")
    sign_in(paired_client("service_centre"), VisitPurpose.FORMER_EMPLOYEE)
    incident = scalar(select(Incident))
    incidents.acknowledge(incident.id, make_user("staff"), utcnow())

    assert delivery.escalate_unacknowledged(utcnow() + timedelta(hours=1), timedelta(minutes=10)) == 0


def test_messages_and_their_log_are_purged_after_the_retention_period(
    app, channels, standin, make_department
):
    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    _queue(department, 2)
    _deliver(app)

    assert delivery.purge(180, utcnow() + timedelta(days=179)) == 0
    assert delivery.purge(180, utcnow() + timedelta(days=181)) == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_on_a_reminder_day_the_salesperson_is_told_and_the_customer_gets_the_approved_sms_once(
    app, channels, standin, make_user, make_department, monkeypatch
):
    from datetime import UTC, datetime

    from kiosk.models.notifications import Notification
    from tests.sales_support import S, make_team, make_units, new_file, walk
    from tests.support import freeze_clock

    now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    freeze_clock(monkeypatch, now)
    team = make_team(make_user, make_department)
    walk(new_file(team, now), S.SUBSCRIPTION, team, make_units(1)[0], now, due_in_days=5)  # 5 days ahead
    delivery.save_template(
        "down_payment_due",
        template_code="SMS_200002",
        sign_name="某地产",
        wording="${name}您好，您的首期款将于${date}到期。",
        by=audit.By(team.salesperson, "", now),
    )

    assert delivery.remind_buyers(now) == 1
    assert delivery.remind_buyers(now) == 0  # a second run, or a second worker: nothing twice
    assert _deliver(app, now).counts == {"sent": 1}

    [sms] = standin.messages("/sms/")
    assert sms.body["PhoneNumbers"] == "13512345678" and sms.body["TemplateCode"] == "SMS_200002"
    assert json.loads(sms.body["TemplateParam"]) == {"name": "周海", "date": "12月09日"}
    told = scalar(select(Notification).where(Notification.kind == "sales_payment"))
    assert told.user_id == team.salesperson.id and "周海交首期款" in told.title


def test_two_workers_escalating_at_once_tell_the_director_once(
    app, channels, paired_client, make_department, make_user
):
    from kiosk.models.notifications import Notification

    office = make_department("management_office", "管理处")
    make_user("supervisor", department=office)
    make_department("hr", "人力资源部")
    sign_in(paired_client("service_centre"), VisitPurpose.FORMER_EMPLOYEE)
    later = utcnow() + timedelta(minutes=15)

    results = in_threads(app, lambda n: delivery.escalate_unacknowledged(later, timedelta(minutes=10)), 3)

    assert sorted(results) == [0, 0, 1]
    assert len(scalars(select(Notification.id).where(Notification.kind == "alert_escalated"))) == 1


def test_the_visitor_log_shows_on_the_visit_how_its_host_was_told(
    app, channels, standin, paired_client, make_department, client, login_as
):
    hr = _group_department(make_department, "hr", "人力资源部", "hr-robot")
    sign_in(paired_client("service_centre"), VisitPurpose.VISITING_PERSON, host_department_id=str(hr.id))
    _deliver(app)
    visit = scalar(select(Visit))
    link = scalar(select(OutboxMessage.link))
    login_as("supervisor")

    page = client.get(link).get_data(as_text=True)

    assert link.endswith(f"#visit-{visit.id}")
    row = page[page.index(f'id="visit-{visit.id}"'):]
    row = row[: row.index("</tr>")]
    assert "人力资源部群" in row and "企业微信群" in row and "已发送" in row


def test_two_workers_at_the_rate_limits_edge_take_its_last_place_once(
    app, channels, standin, make_department, monkeypatch
):
    from contextlib import suppress
    from threading import Barrier, BrokenBarrierError

    from kiosk.messaging import senders

    department = _group_department(make_department, "engineering", "工程部", "eng-robot")
    app.config["MESSAGE_RATE_LIMITS"] = {"wecom_group": [3, 60]}
    now = utcnow() + timedelta(seconds=10)  # after both batches are queued
    _queue(department, 2)
    assert _deliver(app, now).counts == {"sent": 2}  # one place left in the minute
    _queue(department, 2)
    claims = [delivery.claim_batch(f"w{n}", now, timedelta(minutes=1), size=1) for n in range(2)]
    counted = Barrier(2)
    real_wait = delivery.rate_wait

    def counting_then_waiting_for_the_other(*args, **kwargs):
        # Both workers have counted before either hands over, unless the count is under a lock (then the
        # second is still queued for the lock: the first goes on when the barrier gives up).
        wait = real_wait(*args, **kwargs)
        with suppress(BrokenBarrierError):
            counted.wait(timeout=2)
        return wait

    monkeypatch.setattr(delivery, "rate_wait", counting_then_waiting_for_the_other)

    def work(n):
        holder, [message_id] = claims[n]
        return delivery.deliver_one(message_id, holder, senders=senders(app.config, delivery.DatabaseTokens(
            lambda: now)), settings=app.config, clock=lambda: now)

    assert sorted(in_threads(app, work, 2)) == ["deferred", "sent"]
    assert len(standin.messages("/cgi-bin/webhook/send")) == 3
