"""The workbench (each person's landing page) and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_login import current_user

from kiosk.services import notifications, sales
from kiosk.web.access import public, signed_in
from kiosk.web.navigation import home_endpoint
from kiosk.web.rendering import local_path, render, see_other

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return redirect(url_for("auth.login"))


@bp.route("/workbench")
@signed_in
def home():
    return render("main/home.html", items=notifications.recent_for(current_user, limit=10),
                  sign_offs=sales.sign_offs_count(current_user))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return see_other(local_path(request.form.get("next")) or url_for("main.index"))
