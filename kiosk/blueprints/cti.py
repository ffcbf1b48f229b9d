"""The switchboard's doors: signed call events (ringing, answered, hangup), shaped after Zammad's generic
CTI API. Public (a PBX has no staff login) but every body must carry the HMAC-SHA256 signature made with
that PBX's secret; an unsigned or wrongly signed event is refused with 401 and nothing is stored.

A signed event is refused with 400 when it is dated more than ``CTI_MAX_CLOCK_SKEW_SECONDS`` from our
clock, nests its JSON too deeply or is malformed. Every refusal answers ``error`` (English) and
``message`` (Chinese) for whoever reads the switchboard's log, and is counted for the administrator
(admin › 总机). A caller's number that is no telephone number is stored as unknown (the call still rings).

``/cti/generic/<token>`` takes the generic CTI format of Zammad and many PBXs and cloud call centres
(``event=newCall|answer|hangup``, ``from``, ``to``, ``direction``, ``callId``, ``user[]``,
``answeringNumber``, ``queue``, ``cause``), form-encoded or JSON, authenticated by the switchboard's token
in the address (``flask cti-webhook-token NAME`` makes one). An unknown token is refused with 401.
Both doors (and the Asterisk connector) apply events through one service, ``hotline.receive_event``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, request

from kiosk.clock import utcnow
from kiosk.domain.hotline import CtiRefusal
from kiosk.extensions import csrf
from kiosk.services import hotline, switch
from kiosk.web.access import public

bp = Blueprint("cti", __name__, url_prefix="/cti")

#: What the switchboard's administrator reads in its log, beside the English ``error``.
MESSAGES = {
    CtiRefusal.BAD_SIGNATURE: "签名无效，事件未受理。请核对总机名称与密钥。",
    CtiRefusal.CLOCK_SKEW: "事件时间与服务器时钟相差超过 {seconds} 秒，未受理。请校准总机时钟（NTP）。",
    CtiRefusal.TOO_DEEP: "请求内容嵌套层数过多，未受理。",
    CtiRefusal.MALFORMED: "事件格式不正确，未受理。",
    CtiRefusal.BAD_TOKEN: "地址中的令牌无效，事件未受理。请核对总机的推送地址。",
}


def _refused(reason: CtiRefusal, error: str, status: int, pbx_name: str, now):
    hotline.count_refusal(pbx_name, reason, now)
    message = MESSAGES[reason].format(seconds=current_app.config["CTI_MAX_CLOCK_SKEW_SECONDS"])
    return {"error": error, "reason": reason.value, "message": message}, status


def _received(payload, pbx_name: str, now):
    call = hotline.receive_event(payload, pbx_name, now)
    if call is None:
        return {"status": "duplicate"}, 200
    return {"status": "stored", "call": call.id, "state": call.state}, 200


@bp.route("/events", methods=["POST"])
@public
@csrf.exempt
def events():
    body = request.get_data()
    pbx_name = request.headers.get(hotline.PBX_HEADER, "")
    now = utcnow()
    if not hotline.signature_valid(pbx_name, body, request.headers.get(hotline.SIGNATURE_HEADER, "")):
        return _refused(CtiRefusal.BAD_SIGNATURE, "bad signature", 401, pbx_name, now)
    try:
        payload = hotline.parse_event(
            body, now=now, max_skew=timedelta(seconds=current_app.config["CTI_MAX_CLOCK_SKEW_SECONDS"]))
    except hotline.BadEvent as error:
        return _refused(error.reason, str(error), 400, pbx_name, now)
    return _received(payload, pbx_name, now)


@bp.route("/generic/<token>", methods=["POST"])
@public
@csrf.exempt
def generic(token: str):
    now = utcnow()
    pbx_name = switch.switchboard_by_token(token[:64])
    if pbx_name is None:
        return _refused(CtiRefusal.BAD_TOKEN, "bad token", 401, "", now)
    try:
        if request.mimetype == "application/json":
            data = hotline.json_object(request.get_data())
        else:
            data = request.form.to_dict()
            data["user[]"] = request.form.getlist("user[]") or request.form.getlist("user")
        payload = hotline.parse_generic_event(data, now)
    except hotline.BadEvent as error:
        return _refused(error.reason, str(error), 400, pbx_name, now)
    return _received(payload, pbx_name, now)
