"""Who may open which route.

Every view declares its rule with one of these decorators; ``check_access`` (a ``before_request``
hook) enforces it, and the access test walks ``app.url_map`` to prove that every endpoint has one.

- ``@public``: anyone, signed in or not.
- ``@signed_in``: any staff member who is signed in.
- ``@roles(Role.SUPERVISOR, ...)``: signed-in staff with at least one of the roles;
  admins pass every role rule.
- ``@device``: a paired, unrevoked kiosk tablet (its credential cookie); no staff login. The device is
  put in ``g.kiosk_device``. Any other browser gets the "this tablet is not paired" page (403).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user

from kiosk.extensions import htmx
from kiosk.models.people import Role


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[str] | None = None  # None: any signed-in user
    device: bool = False  # a paired kiosk device (no staff login)

    def admits_user(self, user) -> bool:
        if self.roles is None:
            return True
        return user.has_role(Role.ADMIN, *self.roles)


def _declare(rule: AccessRule):
    def decorate(view):
        view.access_rule = rule
        return view

    return decorate


public = _declare(AccessRule(public=True))
signed_in = _declare(AccessRule())
device = _declare(AccessRule(device=True))


def roles(*names: Role):
    return _declare(AccessRule(roles=frozenset(Role(n).value for n in names)))


def rule_for_endpoint(app, endpoint: str) -> AccessRule | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def login_redirect():
    """Send an anonymous visitor to the login page; an htmx request is told to redirect the whole page."""
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if htmx:
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _check_device():
    from kiosk.clock import utcnow
    from kiosk.services import devices

    cookie = request.cookies.get(devices.COOKIE_NAME)
    paired = devices.authenticate(current_app.secret_key, cookie, utcnow())
    if paired is None:
        claimed = devices.device_id_from_cookie(current_app.secret_key, cookie) is not None
        g.no_store = True
        return render_template("kiosk/unpaired.html", withdrawn=claimed), 403
    g.kiosk_device = paired
    return None


def check_access():
    if request.endpoint is None:
        return None  # 404 and 405 answer for themselves
    rule = rule_for_endpoint(current_app, request.endpoint)
    if rule is None:
        # A route that forgot to declare its rule is closed, never open by accident.
        abort(403)
    if rule.device:
        return _check_device()
    if rule.public:
        return None
    if not current_user.is_authenticated:
        return login_redirect()
    if not rule.admits_user(current_user):
        abort(403)
    return None
