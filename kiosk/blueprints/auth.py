"""Sign in, sign out, change password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from kiosk.clock import utcnow
from kiosk.forms.auth import LoginForm, PasswordChangeForm
from kiosk.services import accounts, hotline
from kiosk.web.access import public, signed_in
from kiosk.web.navigation import home_endpoint
from kiosk.web.rendering import local_path, render, see_other
from kiosk.web.security import mark_signed_in, throttle_policy

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = LoginForm()
    status, headers = 200, {}
    if request.method == "POST":
        status = 422
        if form.validate():
            result = accounts.sign_in(form.username.data, form.password.data, request.remote_addr or "?",
                                      utcnow(), policy=throttle_policy())
            if result.throttled:
                status, headers["Retry-After"] = 429, str(result.retry_after_seconds)
                form.form_errors.append(_wait_message(result.retry_after_seconds))
            elif result.user is None:
                form.form_errors.append(_("用户名或密码不正确。"))
            else:
                session.clear()
                login_user(result.user)
                mark_signed_in(result.user)
                target = local_path(request.args.get("next")) or url_for(home_endpoint(result.user))
                return see_other(target)
    response = render("auth/login.html", "login_form", form=form, status=status)
    response.headers.update(headers)
    return response


def _wait_message(seconds: int) -> str:
    """How long to wait, in seconds under a minute, else in whole minutes (rounded up)."""
    if seconds < 60:
        return _("登录失败次数较多，请 %(seconds)d 秒后再试。", seconds=seconds)
    return _("登录失败次数较多，请 %(minutes)d 分钟后再试。", minutes=-(-seconds // 60))


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        hotline.sign_out_agent(current_user, utcnow())
        accounts.sign_out_everywhere(current_user)
        logout_user()
    session.clear()
    flash(_("您已退出登录。"), "info")
    return see_other(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password():
    form = PasswordChangeForm(current_user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            user = current_user._get_current_object()
            accounts.change_password(user, form.new.data)
            login_user(user)  # this session carries the new token; all others end
            mark_signed_in(user)
            flash(_("密码已修改，其他设备上的登录已失效。"), "success")
            return see_other(url_for(home_endpoint(current_user)))
    return render("auth/password.html", "password_form", form=form, status=status)
