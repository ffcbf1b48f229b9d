"""The bell on every staff page and the list behind it."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_login import current_user

from kiosk.clock import utcnow
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import row_id_or_none
from kiosk.services import notifications
from kiosk.web.access import signed_in
from kiosk.web.rendering import etag_response, render, see_other, wants_fragment
from kiosk.web.security import passive

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@signed_in
def index():
    return render("notifications/index.html", "notification_list",
                  items=notifications.recent_for(current_user), form=EmptyForm())


@bp.route("/bell")
@signed_in
@passive
def bell():
    newest, unread = notifications.bell_state(current_user)
    return etag_response(
        f"bell-{current_user.id}-{newest}-{unread}",
        lambda: render("notifications/_bell.html", unread=unread),
    )


@bp.route("/read", methods=["POST"])
@signed_in
def mark_read():
    form = EmptyForm()
    if form.validate():
        raw = request.form.get("id", "")
        notifications.mark_read(current_user, utcnow(), row_id_or_none(raw))
    if wants_fragment():
        return index()
    return see_other(url_for("notifications.index"))
