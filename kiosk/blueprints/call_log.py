"""The call log (通话记录): supervisors and agents browse every call, filter and export it; each row opens the
call and the caller's file."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _

from kiosk.clock import SHANGHAI, utcnow
from kiosk.domain.call_timer import CALL_LIMIT_SECONDS, answered_within_rings
from kiosk.forms.fields import row_id_or_none
from kiosk.forms.register import CallLogFilterForm
from kiosk.models.people import Role
from kiosk.services import call_log
from kiosk.web import labels
from kiosk.web.access import roles
from kiosk.web.exports import csv_download
from kiosk.web.rendering import render
from kiosk.web.templating import shanghai_time

bp = Blueprint("call_log", __name__, url_prefix="/calls")


def _ring_target() -> float:
    return current_app.config["THREE_RINGS_SECONDS"]


def _form() -> tuple[CallLogFilterForm, bool]:
    form = CallLogFilterForm(formdata=request.args, people=call_log.agents())
    return form, form.validate()


@bp.route("/")
@roles(Role.AGENT, Role.SUPERVISOR)
def index():
    form, valid = _form()
    chosen = form.chosen() if valid else call_log.CallFilter()
    page = call_log.call_page(chosen, _ring_target(), row_id_or_none(request.args.get("page")) or 1)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render("call_log/index.html", "call_rows", status=200 if valid else 422, form=form, page=page,
                  query=query, ring_target=_ring_target(), limit=CALL_LIMIT_SECONDS,
                  within=answered_within_rings)


@bp.route("/export.csv")
@roles(Role.AGENT, Role.SUPERVISOR)
def export():
    form, valid = _form()
    chosen = form.chosen() if valid else call_log.CallFilter()
    target = _ring_target()

    def yes_no(value: bool | None) -> str:
        return "" if value is None else (_("是") if value else _("否"))

    rows = [[_("编号"), _("时间"), _("坐席"), _("来电号码"), _("客户"), _("类别"), _("处理结果"),
             _("通话秒数"), _("超过三分钟"), _("三声内接听")]]
    for call in call_log.export_rows(chosen, target):
        rows.append([call.id, shanghai_time(call.created_at), call.agent.display_name if call.agent else "",
                     call.party_number, call.owner.name if call.owner else "",
                     str(labels.CATEGORY.get(call.category, "")) if call.category else "",
                     str(labels.DISPOSITION.get(call.disposition, "")) if call.disposition else "",
                     call.talk_seconds,
                     yes_no(None if call.talk_seconds is None else call.talk_seconds > CALL_LIMIT_SECONDS),
                     yes_no(None if call.ring_seconds is None or call.answered_at is None
                            else answered_within_rings(call.ring_seconds, target))])
    return csv_download(rows, f"calls-{utcnow().astimezone(SHANGHAI):%Y%m%d}.csv")
