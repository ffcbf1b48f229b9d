"""The visitor's face: a paired tablet at a service centre, management office, sales office or model home.

Start screen (purpose buttons) → the form for that purpose → badge; sign-out by badge code or mobile.
No staff login: the tablet proves itself with its device cookie (``@device``).
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, current_app, g, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from itsdangerous import BadSignature, TimestampSigner

from kiosk.clock import utcnow
from kiosk.domain.classify import Place, VisitPurpose
from kiosk.domain.masking import normalise_mobile
from kiosk.domain.rotation import BuyerSays
from kiosk.forms.visitor_kiosk import (
    AppointmentCodeForm,
    PairForm,
    SignOutForm,
    VisitForm,
    asked_fields,
    purposes_at,
    visit_form,
)
from kiosk.models.visits import Appointment
from kiosk.services import badges, devices, directory, rotation, sales_desk, submissions, visits
from kiosk.web.access import device, public
from kiosk.web.auditing import by_request
from kiosk.web.rendering import render, render_whole_page, see_other
from kiosk.web.security import limit_posts, tablet_posts
from kiosk.web.templating import shanghai_time

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
tablet_posts(bp)  # no CSRF token: POSTs are checked by where they come from

APPOINTMENT_KEY = "kiosk_appointment_id"
SIGNED_OUT_KEY = "kiosk_signed_out"
#: The badge page's visit, whether its badge was printed and whether the visitor was already on site: a
#: signed cookie of its own (``_badge_cookie``), not the session, which a sign-in then leaves unchanged.
BADGE_COOKIE = "kiosk_badge"


@bp.url_value_preprocessor
def tablet_rules(_endpoint, _values):
    """Runs before every before_request hook, so the size limit holds before anything reads the form."""
    g.no_store = True
    request.max_content_length = current_app.config["KIOSK_MAX_POST_BYTES"]


@bp.context_processor
def kiosk_context():
    return {"idle_seconds": current_app.config["KIOSK_IDLE_SECONDS"]}


def _place() -> Place:
    return Place(g.kiosk_device.place)


@bp.route("/pair", methods=["GET", "POST"])
@public
@limit_posts
def pair():
    form = PairForm()
    if request.method == "POST":
        if form.validate():
            now = utcnow()
            paired = devices.pair(form.code.data, now, by=by_request(now))
            if paired is not None:
                tablet, secret = paired
                response = see_other(url_for("kiosk.start"))
                response.set_cookie(
                    devices.COOKIE_NAME, devices.credential_cookie(current_app.secret_key, tablet, secret),
                    max_age=devices.COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                    secure=current_app.config["SESSION_COOKIE_SECURE"], path="/",
                )
                return response
            form.code.errors.append(_("配对码不正确或已过期，请向管理员重新获取。"))
        return render("kiosk/pair.html", "pair_form", form=form, status=422)
    return render("kiosk/pair.html", "pair_form", form=form)


@bp.route("/")
@device
def start():
    if request.args.get("fresh"):
        # The idle timer or 完成 brought the tablet back: the next visitor starts clean, in the site's tongue.
        for key in (APPOINTMENT_KEY, SIGNED_OUT_KEY, "lang"):
            session.pop(key, None)
        response = see_other(url_for("kiosk.start"))
        response.delete_cookie(BADGE_COOKIE, path=url_for("kiosk.done"))
        return response
    session.pop(APPOINTMENT_KEY, None)
    return render("kiosk/start.html", purposes=purposes_at(_place()), place=_place())


def _appointment() -> Appointment | None:
    return visits.get_appointment(session.get(APPOINTMENT_KEY))


@bp.route("/visit/<purpose>", methods=["GET", "POST"])
@device
@limit_posts
def visit(purpose: str):
    try:
        chosen = VisitPurpose(purpose)
    except ValueError:
        abort(404)
    appointment = _appointment()
    place = _place()
    if chosen not in purposes_at(place) and appointment is None:
        abort(404)
    asked = asked_fields(chosen, appointment)
    departments = directory.active_departments() if "host_department_id" in asked else []
    people = rotation.salespeople() if "salesperson" in asked else []
    form = visit_form(chosen, departments=departments, salespeople=people, appointment=appointment)
    if request.method == "GET" and appointment is not None:
        form.name.data = appointment.visitor_name
    if request.method == "POST" and request.args.get("lang") in current_app.config["LANGUAGES"]:
        # The language switch sends the form along: the page comes back in that language, nothing lost.
        session["lang"] = request.args["lang"]
        refresh()
        return render_whole_page("kiosk/visit.html", form=form, purpose=chosen, appointment=appointment)
    if request.method == "POST":
        if form.validate():
            data = _sign_in_data(form, chosen, appointment, dict(people))
            now = utcnow()
            # One form per purpose: a key sent to another purpose's form is a new submission.
            submission = submissions.by_device(g.kiosk_device.id, f"kiosk_{chosen.value}",
                                               form.submission_key.data)
            record = visits.sign_in_visitor(g.kiosk_device, data, now, submission)
            if sales_desk.hands_off(place, chosen) and not record.rejoined:
                sales_desk.hand_off(record.id, BuyerSays(form.buyer_says.data), form.salesperson.data or None,
                                    now=now, secret=current_app.secret_key, submission=submission)
            # Printed for a new visit only: a rejoined visitor's badge was printed when they first signed
            # in, a repeated submission's by its first sending (whose answer said so).
            new_visit = not (record.rejoined or (submission and submission.repeat))
            printed = _print_badge(record.id) if new_visit else None
            session.pop(APPOINTMENT_KEY, None)
            return _to_badge(record.id, printed, record.rejoined)
        return render("kiosk/visit.html", "visit_form", form=form, purpose=chosen, appointment=appointment,
                      status=422)
    return render("kiosk/visit.html", "visit_form", form=form, purpose=chosen, appointment=appointment)


def _sign_in_data(form: VisitForm, purpose: VisitPurpose, appointment: Appointment | None,
                  salespeople: dict[int, str]) -> visits.SignIn:
    def value(name):
        field = getattr(form, name, None)
        return (field.data or None) if field is not None else None

    mobile = value("mobile") or (appointment.mobile if appointment else None)
    says = value("buyer_says")
    return visits.SignIn(
        purpose=purpose, name=form.name.data, mobile=mobile, party_size=int(form.party_size.data),
        relation=value("relation"), organisation=value("organisation"), host_name=value("host_name"),
        host_department_id=value("host_department_id"),
        appointment_id=appointment.id if appointment else None,
        been_before=None if says is None else says != BuyerSays.FIRST_VISIT.value,
        previous_salesperson=salespeople.get(value("salesperson")),
    )


@bp.route("/appointment", methods=["GET", "POST"])
@device
@limit_posts
def appointment():
    form = AppointmentCodeForm()
    if request.method == "POST":
        if form.validate():
            found = visits.find_appointment(form.code.data, utcnow())
            if found is not None:
                session[APPOINTMENT_KEY] = found.id
                return see_other(url_for("kiosk.visit", purpose=found.purpose))
            form.code.errors.append(_("找不到此预约码，或不在预约时间内。请核对，或返回选择来访事由。"))
        return render("kiosk/appointment.html", "appointment_form", form=form, status=422)
    return render("kiosk/appointment.html", "appointment_form", form=form)


@bp.route("/done")
@device
def done():
    visit_id, printed, rejoined = _badge_of_cookie()
    record = visits.get_visit(visit_id)
    # A visitor already on site may sign in again on another tablet of the same place: their visit's badge.
    if record is None or record.place != g.kiosk_device.place:
        return see_other(url_for("kiosk.start"))
    handed_off = sales_desk.hands_off(Place(record.place), VisitPurpose(record.purpose))
    salesperson = sales_desk.receiver_for(record) if handed_off else None
    return render("kiosk/done.html", visit=record, qr=_qr(record.badge_code), handed_off=handed_off,
                  salesperson=salesperson, printed=printed, rejoined=rejoined)


_PRINTED = {None: "", True: "1", False: "0"}


@lru_cache(maxsize=4)
def _badge_signer(keys: tuple[str, ...]) -> TimestampSigner:
    """Made once per set of keys (the newest last, as the session's)."""
    return TimestampSigner(list(keys), salt="kiosk-badge")


def _signer() -> TimestampSigner:
    return _badge_signer((*(current_app.config["SECRET_KEY_FALLBACKS"] or ()), current_app.secret_key))


def _to_badge(visit_id: int, printed: bool | None, rejoined: bool):
    """To the badge page of the visit, carried by the badge cookie: signed with the app's key and dated,
    as the session cookie is, and sent to the badge page only. Setting it costs a fraction of signing the
    whole session again, and the Cookie header of the tablet's other requests stays the same, so the
    session's signature is not verified again at each (``kiosk.web.sessions`` remembers it by the header).
    """
    page = url_for("kiosk.done")
    response = see_other(page)
    value = _signer().sign(f"{visit_id}:{_PRINTED[printed]}:{int(rejoined)}").decode()
    response.set_cookie(BADGE_COOKIE, value, httponly=True, samesite="Lax", path=page,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response



def _badge_of_cookie() -> tuple[int | None, bool | None, bool]:
    """(visit id, printed, rejoined) of the badge cookie; no visit without one signed within the session's
    lifetime."""
    try:
        value = _signer().unsign(request.cookies.get(BADGE_COOKIE, ""),
                                 max_age=current_app.permanent_session_lifetime.total_seconds()).decode()
    except BadSignature:
        return None, None, False
    visit_id, printed, rejoined = value.split(":")
    return int(visit_id), {"1": True, "0": False}.get(printed), rejoined == "1"


def _print_badge(visit_id: int) -> bool | None:
    """Send the new badge to the lobby's printer, if the tablet has one: True, False (failed), None."""
    printer = devices.per_tablet(current_app.config["KIOSK_BADGE_PRINTER"], g.kiosk_device)
    if not printer:
        return None
    record = visits.get_visit(visit_id)
    badge = badges.Badge(
        title=_("访客"), name=record.name,
        host=_("拜访：%(host)s", host=record.host_label) if record.host_label else "",
        signed_in=shanghai_time(record.signed_in_at), code=record.badge_code,
        code_label=_("胸牌号码"),
    )
    return badges.try_print_badge(printer, badge, current_app.config["KIOSK_PRINTER_TIMEOUT_SECONDS"])


def _qr(code: str) -> str:
    import segno

    return segno.make(code, error="m").svg_data_uri(scale=4, border=2)


@bp.route("/sign-out", methods=["GET", "POST"])
@device
@limit_posts
def sign_out():
    form = SignOutForm()
    if request.method == "POST":
        if form.validate():
            mobile = normalise_mobile(form.code.data)
            if visits.sign_out_at_kiosk(form.code.data, mobile, utcnow()):
                session[SIGNED_OUT_KEY] = True
                return see_other(url_for("kiosk.goodbye"))
            form.code.errors.append(_("没有找到在场的登记记录，请核对胸牌号码或手机号码，或请前台协助。"))
        return render("kiosk/sign_out.html", "sign_out_form", form=form, status=422)
    return render("kiosk/sign_out.html", "sign_out_form", form=form)


@bp.route("/goodbye")
@device
def goodbye():
    if not session.pop(SIGNED_OUT_KEY, False):
        return see_other(url_for("kiosk.start"))
    return render("kiosk/goodbye.html")
