"""The messages' pages: the admins' outbox with its dead-letter list, retry and test button; the settings
(routing table, department groups, SMS templates), audited; each person's own channels and quiet hours."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.database import unit_of_work
from kiosk.extensions import db
from kiosk.models.audit import AdminAudit
from kiosk.models.messaging import MessageGroup, MessagePreference, MessageRoute, OutboxMessage, SmsTemplate
from kiosk.services import delivery
from kiosk.services.notifications import notify
from tests.kiosk_support import scalar, scalars
from tests.messaging_support import StandIn
from tests.support import field_error


@pytest.fixture
def standin(app):
    server = StandIn()
    app.config.update(WECOM_API_URL=server.url, MESSAGE_RATE_LIMITS={})
    yield server
    server.stop()


def _dead_message(make_department, standin, app):
    department = make_department("engineering", "工程部")
    delivery.set_group(department.id, "eng-robot")
    with unit_of_work():
        notify(kind="slip_dispatched", title="派单 1", now=utcnow(), department=department, link="/tasks/1")
    standin.fail_with(404)
    from kiosk.messaging import senders

    delivery.deliver_due(
        senders=senders(app.config, delivery.DatabaseTokens(utcnow)),
        settings=app.config,
        worker="t",
        clock=utcnow,
    )
    standin.fail_with(None)
    return scalar(select(OutboxMessage))


def test_admins_see_the_dead_letter_list_and_send_a_message_again(
    app, client, login_as, make_department, standin
):
    message = _dead_message(make_department, standin, app)
    login_as("admin")

    page = client.get("/admin/messages?status=attention").get_data(as_text=True)
    assert "派单 1" in page and "工程部群" in page and "发送失败" in page and "HTTP 404" in page

    assert client.post_form(f"/admin/messages/{message.id}/retry").status_code == 303
    assert scalar(select(OutboxMessage.status)) == "pending"
    assert client.post_form(f"/admin/messages/{message.id}/retry").status_code == 303  # no longer dead
    assert scalar(select(OutboxMessage.status)) == "pending"


def test_the_test_button_sends_or_shows_the_providers_reason_beside_the_field(app, client, login_as, standin):
    login_as("admin")
    sent = client.post_form("/admin/messages/test", {"channel": "wecom_group", "target": "robot-1"})
    assert sent.status_code == 303
    assert standin.messages("/cgi-bin/webhook/send")[0].query["key"] == "robot-1"

    standin.fail_with(503)
    refused = client.post_form("/admin/messages/test", {"channel": "wecom_group", "target": "robot-1"})
    assert refused.status_code == 422
    assert "HTTP 503" in field_error(refused.get_data(as_text=True), "target")
    empty = client.post_form("/admin/messages/test", {"channel": "wecom_group", "target": ""})
    assert empty.status_code == 422 and field_error(empty.get_data(as_text=True), "target") == "此项必填。"


def test_admins_switch_channels_set_groups_and_approve_templates_and_each_change_is_audited(
    app, client, login_as, make_department
):
    department = make_department("hr", "人力资源部")
    login_as("admin")
    assert client.get("/admin/messages/settings").status_code == 200

    assert (
        client.post_form("/admin/messages/routes", {"on": ["visitor_incident:wecom_group"]}).status_code
        == 303
    )
    assert delivery.routing_table()["visitor_incident"] == ("wecom_group",)
    assert delivery.routing_table()["slip_dispatched"] == ()
    assert client.post_form("/admin/messages/routes", {"on": ["nonsense:sms"]}).status_code == 422

    assert (
        client.post_form(
            "/admin/messages/groups", {"department_id": department.id, "webhook_key": "abc-123"}
        ).status_code
        == 303
    )
    assert scalar(select(MessageGroup.webhook_key)) == "abc-123"
    bad_key = client.post_form(
        "/admin/messages/groups", {"department_id": department.id, "webhook_key": "<x>"}
    )
    assert bad_key.status_code == 422

    assert (
        client.post_form(
            "/admin/messages/templates",
            {
                "purpose": "visitor_badge",
                "template_code": "SMS_123",
                "sign_name": "某物业",
                "wording": "您的访客码为 ${code}",
            },
        ).status_code
        == 303
    )
    assert scalar(select(SmsTemplate.approved_at)) is not None

    actions = scalars(select(AdminAudit.action).order_by(AdminAudit.id))
    assert "message.route" in actions and "message.group" in actions and "message.sms_template" in actions
    assert "abc-123" not in str(scalars(select(AdminAudit.after)))  # the robot key is a secret
    assert scalar(select(MessageRoute.id).limit(1)) is not None


def test_a_person_chooses_channels_and_quiet_hours_and_mistakes_are_shown_beside_the_field(client, login_as):
    person = login_as("staff")
    assert client.get("/messages/mine").status_code == 200

    missing = client.post_form("/messages/mine", {"channels": ["sms"], "mobile": ""})
    assert missing.status_code == 422
    assert (
        field_error(missing.get_data(as_text=True), "channels")
        == "选择的渠道须填写对应的手机号、邮箱或企业微信账号。"
    )
    half = client.post_form("/messages/mine", {"quiet_from": "22:00"})
    assert half.status_code == 422 and field_error(half.get_data(as_text=True), "quiet_to")
    bad_mobile = client.post_form("/messages/mine", {"mobile": "12345"}, htmx=True)
    assert bad_mobile.status_code == 422 and field_error(bad_mobile.get_data(as_text=True), "mobile")

    saved = client.post_form(
        "/messages/mine",
        {
            "channels": ["sms", "wecom_app"],
            "mobile": "13900002222",
            "wecom_userid": "li.si",
            "quiet_from": "22:00",
            "quiet_to": "07:00",
        },
    )
    assert saved.status_code == 303
    row = scalar(select(MessagePreference).where(MessagePreference.user_id == person.id))
    assert (row.channels, row.mobile, row.quiet_from, row.quiet_to) == (
        "sms,wecom_app",
        "13900002222",
        time(22),
        time(7),
    )
    assert 'value="13900002222"' in client.get("/messages/mine").get_data(as_text=True)


def test_the_slip_page_shows_its_group_message_and_a_complaint_slip_goes_out_as_a_complaint(
    app, make_department, standin
):
    from kiosk.domain.deadlines import Priority
    from tests.web.slips import client_for, make_cast, open_one

    cast = make_cast(make_department)
    delivery.set_group(cast.department.id, "eng-robot")
    slip = open_one(cast)
    complaint = open_one(cast, priority=Priority.COMPLAINT)
    from kiosk.messaging import senders

    delivery.deliver_due(senders=senders(app.config, delivery.DatabaseTokens(utcnow)), settings=app.config,
                         worker="t", clock=utcnow)

    page = client_for(app, cast.staff).get(f"/tasks/{slip.id}").get_data(as_text=True)
    assert "工程部群" in page and "企业微信群" in page and "已发送" in page
    db.session.rollback()
    kinds = dict(db.session.execute(select(OutboxMessage.link, OutboxMessage.kind)).all())
    assert kinds == {f"/tasks/{slip.id}": "slip_dispatched", f"/tasks/{complaint.id}": "complaint_received"}
