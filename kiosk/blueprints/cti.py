"""The switchboard's door: signed call events (ringing, answered, hangup), shaped after Zammad's generic
CTI API. Public (a PBX has no staff login) but every body must carry the HMAC-SHA256 signature made with
that PBX's secret; an unsigned or wrongly signed event is refused with 401 and nothing is stored.
"""

from __future__ import annotations

from flask import Blueprint, request

from kiosk.access import public
from kiosk.clock import utcnow
from kiosk.extensions import csrf
from kiosk.services import hotline

bp = Blueprint("cti", __name__, url_prefix="/cti")


@bp.route("/events", methods=["POST"])
@public
@csrf.exempt
def events():
    body = request.get_data()
    pbx_name = request.headers.get(hotline.PBX_HEADER, "")
    if not hotline.signature_valid(pbx_name, body, request.headers.get(hotline.SIGNATURE_HEADER, "")):
        return {"error": "bad signature"}, 401
    try:
        payload = hotline.parse_event(body)
    except hotline.BadEvent as error:
        return {"error": str(error)}, 400
    call = hotline.receive_event(payload, pbx_name, utcnow())
    if call is None:
        return {"status": "duplicate"}, 200
    return {"status": "stored", "call": call.id, "state": call.state}, 200
