"""The switchboard's door: signed call events (ringing, answered, hangup), shaped after Zammad's generic
CTI API. Public (a PBX has no staff login) but every body must carry the HMAC-SHA256 signature made with
that PBX's secret; an unsigned or wrongly signed event is refused with 401 and nothing is stored.

A signed event is refused with 400 when it is dated more than ``CTI_MAX_CLOCK_SKEW_SECONDS`` from our
clock, nests its JSON too deeply or is malformed. Every refusal answers ``error`` (English) and
``message`` (Chinese) for whoever reads the switchboard's log, and is counted for the administrator
(admin › 总机). A caller's number that is no telephone number is stored as unknown (the call still rings).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, request

from kiosk.clock import utcnow
from kiosk.domain.hotline import CtiRefusal
from kiosk.extensions import csrf
from kiosk.services import hotline
from kiosk.web.access import public

bp = Blueprint("cti", __name__, url_prefix="/cti")

#: What the switchboard's administrator reads in its log, beside the English ``error``.
MESSAGES = {
    CtiRefusal.BAD_SIGNATURE: "签名无效，事件未受理。请核对总机名称与密钥。",
    CtiRefusal.CLOCK_SKEW: "事件时间与服务器时钟相差超过 {seconds} 秒，未受理。请校准总机时钟（NTP）。",
    CtiRefusal.TOO_DEEP: "请求内容嵌套层数过多，未受理。",
    CtiRefusal.MALFORMED: "事件格式不正确，未受理。",
}


def _refused(reason: CtiRefusal, error: str, status: int, pbx_name: str, now):
    hotline.count_refusal(pbx_name, reason, now)
    message = MESSAGES[reason].format(seconds=current_app.config["CTI_MAX_CLOCK_SKEW_SECONDS"])
    return {"error": error, "reason": reason.value, "message": message}, status


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
    call = hotline.receive_event(payload, pbx_name, now)
    if call is None:
        return {"status": "duplicate"}, 200
    return {"status": "stored", "call": call.id, "state": call.state}, 200
