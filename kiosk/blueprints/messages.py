"""Messages away from the screen: the admins' outbox (dead letters, retry, a test message) and settings
(routing table, department groups, SMS templates), and each person's own channels and quiet hours."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.clock import utcnow
from kiosk.domain.messaging import ROUTES, SMS_PURPOSES, Channel
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import options
from kiosk.forms.messages import GroupForm, PreferenceForm, RoutesForm, TemplateForm, TestMessageForm
from kiosk.messaging import DeliveryError, configured_channels
from kiosk.models.people import Role
from kiosk.services import delivery, directory
from kiosk.web.access import roles, signed_in
from kiosk.web.auditing import by_request
from kiosk.web.rendering import render, see_other

bp = Blueprint("messages", __name__)

STATUS_FILTERS = ("attention", "pending", "sent", "dead", "unknown")


def _outbox_page(test_form: TestMessageForm, status: int = 200):
    shown = request.args.get("status")
    shown = shown if shown in STATUS_FILTERS else None
    return render(
        "messages/outbox.html",
        "outbox_rows",
        status=status,
        shown=shown,
        filters=STATUS_FILTERS,
        rows=delivery.messages_page(shown),
        counts=delivery.status_counts(),
        test_form=test_form,
        retry_form=EmptyForm(),
        configured=configured_channels(current_app.config),
    )


@bp.route("/admin/messages")
@roles(Role.ADMIN)
def outbox():
    """消息发送: what went out, what waits, and the dead-letter list with its retry buttons."""
    return _outbox_page(TestMessageForm())


@bp.route("/admin/messages/test", methods=["POST"])
@roles(Role.ADMIN)
def send_test():
    form = TestMessageForm()
    if not form.validate():
        return _outbox_page(form, 422)
    try:
        delivery.send_test(
            Channel(form.channel.data), form.target.data, settings=current_app.config, now=utcnow()
        )
    except DeliveryError as error:
        form.target.errors = [_("发送失败：%(reason)s", reason=error.reason)]
        return _outbox_page(form, 422)
    flash(_("测试消息已发送。"), "success")
    return see_other(url_for("messages.outbox"))


@bp.route("/admin/messages/<int:message_id>/retry", methods=["POST"])
@roles(Role.ADMIN)
def retry(message_id: int):
    if EmptyForm().validate():
        if delivery.retry(message_id, utcnow()):
            flash(_("已重新排入发送队列。"), "success")
        else:
            flash(_("这条消息不在待处理列表中。"), "error")
    return see_other(url_for("messages.outbox", status="attention"))


def _settings_page(routes_form=None, group_form=None, template_form=None, status: int = 200):
    departments = directory.departments()
    group_form = group_form or GroupForm()
    group_form.department_id.choices = options((d.id, d.name) for d in departments)
    table = delivery.routing_table()
    if routes_form is None:
        routes_form = RoutesForm(data={"on": [f"{k}:{c.value}" for k, on in table.items() for c in on]})
    return render(
        "messages/settings.html",
        status=status,
        routes_form=routes_form,
        group_form=group_form,
        template_form=template_form or TemplateForm(),
        kinds=list(ROUTES),
        departments=departments,
        groups=delivery.groups(),
        templates=delivery.templates(),
        purposes=SMS_PURPOSES,
        configured=configured_channels(current_app.config),
    )


@bp.route("/admin/messages/settings")
@roles(Role.ADMIN)
def settings():
    """消息设置: which channels each event goes to, the departments' WeCom groups, the SMS templates."""
    return _settings_page()


@bp.route("/admin/messages/routes", methods=["POST"])
@roles(Role.ADMIN)
def save_routes():
    form = RoutesForm()
    if not form.validate():
        return _settings_page(routes_form=form, status=422)
    delivery.set_routes(form.chosen(), by=by_request())
    flash(_("已保存发送渠道。"), "success")
    return see_other(url_for("messages.settings"))


@bp.route("/admin/messages/groups", methods=["POST"])
@roles(Role.ADMIN)
def save_group():
    form = GroupForm()
    form.department_id.choices = options((d.id, d.name) for d in directory.departments())
    if not form.validate():
        return _settings_page(group_form=form, status=422)
    delivery.set_group(form.department_id.data, form.webhook_key.data or None, by=by_request())
    flash(_("已保存部门企业微信群。"), "success")
    return see_other(url_for("messages.settings"))


@bp.route("/admin/messages/templates", methods=["POST"])
@roles(Role.ADMIN)
def save_template():
    form = TemplateForm()
    if not form.validate():
        return _settings_page(template_form=form, status=422)
    delivery.save_template(
        form.purpose.data,
        template_code=form.template_code.data,
        sign_name=form.sign_name.data,
        wording=form.wording.data,
        by=by_request(),
    )
    flash(_("短信模板已审核通过，可以使用。"), "success")
    return see_other(url_for("messages.settings"))


@bp.route("/messages/mine", methods=["GET", "POST"])
@signed_in
def mine():
    """我的消息设置: where my alerts reach me away from the screen, and my quiet hours."""
    saved = delivery.preference_of(current_user)
    form = PreferenceForm(obj=saved)
    if request.method == "GET" and saved is not None:
        form.channels.data = [c for c in saved.channels.split(",") if c]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            delivery.save_preference(
                current_user,
                mobile=form.mobile.data,
                email=form.email.data,
                wecom_userid=form.wecom_userid.data,
                channels=form.channels.data or [],
                quiet_from=form.quiet_from.data,
                quiet_to=form.quiet_to.data,
            )
            flash(_("已保存我的消息设置。"), "success")
            return see_other(url_for("messages.mine"))
    return render(
        "messages/mine.html",
        "preference_form",
        form=form,
        status=status,
        configured=configured_channels(current_app.config),
    )
