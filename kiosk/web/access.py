"""Who may open which route.

Every view declares its rule with one of these decorators; ``check_access`` (a ``before_request``
hook) enforces it, and the access test walks ``app.url_map`` to prove that every endpoint has one.

- ``@public``: anyone, signed in or not.
- ``@signed_in``: any staff member who is signed in.
- ``@roles(Role.SUPERVISOR, ...)``: signed-in staff with at least one of the roles;
  admins pass every role rule.
- ``@device``: a paired, unrevoked kiosk tablet (its credential cookie); no staff login. The device is
  put in ``g.kiosk_device``. Any other browser gets the "this tablet is not paired" page (403).
- ``@roles(..., devices_at=(Place.SALES_OFFICE,))``: the staff rule, or a paired tablet at one of those
  places (a read-only screen such as the sales office's front-desk order). Other browsers meet the staff
  rule: the login page, or 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_login import current_user

from kiosk.extensions import htmx
from kiosk.models.people import Role
from kiosk.web.sessions import defer_check


@dataclass(frozen=True)
class AccessRule:
    public: bool = False
    roles: frozenset[str] | None = None  # None: any signed-in user
    device: bool = False  # a paired kiosk device (no staff login)
    device_places: frozenset[str] = frozenset()  # ... or, besides the staff rule, a device at these places

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


def roles(*names: Role, devices_at: tuple[str, ...] = ()):
    return _declare(AccessRule(roles=frozenset(Role(n).value for n in names),
                               device_places=frozenset(str(p) for p in devices_at)))


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


def _paired_device():
    from kiosk.clock import utcnow
    from kiosk.services import devices

    return devices.authenticate(current_app.secret_key, request.cookies.get(devices.COOKIE_NAME), utcnow())


def _device_admitted(places: frozenset[str]) -> bool:
    """A paired tablet at one of ``places`` (put in ``g.kiosk_device``)."""
    paired = _paired_device()
    if paired is None or paired.place not in places:
        return False
    g.kiosk_device = paired
    return True


def _check_device():
    from kiosk.services import devices

    cookie = request.cookies.get(devices.COOKIE_NAME)
    paired = _paired_device()
    if paired is None:
        claimed = devices.device_id_from_cookie(current_app.secret_key, cookie) is not None
        g.no_store = True
        return render_template("kiosk/unpaired.html", withdrawn=claimed), 403
    g.kiosk_device = paired
    return None


def check_access():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404 and 405 answer for themselves
    view = current_app.view_functions.get(endpoint)  # each reach through Flask's proxies costs a few µs
    rule = getattr(view, "access_rule", None)  # ``rule_for_endpoint``
    if rule is None:
        # A route that forgot to declare its rule is closed, never open by accident.
        abort(403)
    if rule.device:
        return _check_device()
    if rule.public:
        return None
    if not rule.device_places and defer_check(view, rule):
        return None  # judged on the session's roles; the view checks the session in its own statement
    if rule.device_places and not current_user.is_authenticated and _device_admitted(rule.device_places):
        return None
    if not current_user.is_authenticated:
        return login_redirect()
    if not rule.admits_user(current_user):
        abort(403)
    return None
