"""Sessions, sign-in state, the tablets' POST rate limit and the security headers every answer carries."""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from flask_wtf.csrf import CSRFError

from kiosk.domain.login_throttle import ThrottlePolicy
from kiosk.extensions import csrf, db, limiter, login_manager
from kiosk.models.people import User
from kiosk.services import devices
from kiosk.web import sessions
from kiosk.web.access import check_access, login_redirect

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """The cookie holds ``<user id>:<session token>``; a rotated token ends every older session."""
    user_id, _, token = cookie_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_token != token:
        return None
    sessions.remember(user)  # a session signed before a change of roles takes the new ones
    return user


def throttle_policy() -> ThrottlePolicy:
    """The login throttle's numbers from the ``LOGIN_*`` settings."""
    config = current_app.config
    return ThrottlePolicy(
        free_failures=config["LOGIN_FREE_FAILURES"],
        base_delay=timedelta(seconds=config["LOGIN_BACKOFF_BASE_SECONDS"]),
        max_delay=timedelta(seconds=config["LOGIN_BACKOFF_MAX_SECONDS"]),
        memory=timedelta(hours=config["LOGIN_BACKOFF_MEMORY_HOURS"]),
        account_ceiling=config["LOGIN_ACCOUNT_MAX_FAILURES_PER_HOUR"],
        address_limit=config["LOGIN_ADDRESS_MAX_FAILURES"],
        window=timedelta(minutes=config["LOGIN_FAILURE_WINDOW_MINUTES"]),
        account_burst=config["LOGIN_BURST_ACCOUNT_FAILURES"],
        address_burst=config["LOGIN_BURST_ADDRESS_FAILURES"],
    )


def mark_signed_in(user: User) -> None:
    sessions.remember(user)
    now = int(time.time())
    session["login_at"] = now
    session["seen_at"] = now


def passive(view):
    """Polling views: they do not count as activity for the idle timeout."""
    view.passive = True
    return view


def passive_polls(view):
    """A page whose own htmx polls do not count as activity for the idle timeout (opening it does)."""
    view.passive = "polls"
    return view


def device_key() -> str:
    """Rate-limit key: the device the cookie claims, else the address (pairing attempts)."""
    cookie = request.cookies.get(devices.COOKIE_NAME)
    device_id = devices.device_id_from_cookie(current_app.secret_key, cookie)
    return f"device-{device_id}" if device_id else f"addr-{request.remote_addr}"


def kiosk_post_limit() -> str:
    return current_app.config["KIOSK_POST_RATE_LIMIT"]


#: Every tablet (visitor kiosk, model-home tablet) counts its POSTs against ``KIOSK_POST_RATE_LIMIT``.
limit_posts = limiter.limit(kiosk_post_limit, key_func=device_key, methods=["POST"])


#: What a tablet's own requests say of where they come from (Fetch Metadata's ``Sec-Fetch-Site``): a page
#: of the same origin, or the person at the tablet (an address typed, a bookmark).
_OWN_SITE = frozenset({"same-origin", "none"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}
#: The blueprints whose POSTs are checked by where they come from (``tablet_posts``).
_TABLET_BLUEPRINTS: set[str] = set()


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL as browsers compare origins: the host in lower case, the
    scheme's default port left out."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower()
    return f"{scheme}://{host.removesuffix(_DEFAULT_PORTS.get(scheme, ''))}"


def from_another_origin(headers, own_origin: str) -> bool:
    """Whether the browser says a page of another origin than ``own_origin`` made this request.

    ``Sec-Fetch-Site`` answers where the browser sends it (every browser a tablet runs: Chrome and Edge
    since 2019, Firefox since 2021, Safari since 2023, over HTTPS); otherwise ``Origin``, which browsers
    send with every POST; otherwise, from an older browser, a ``Referer`` (our pages send it to their own
    origin). A request with none of them was not made by a page in a browser (a script, the tests' client),
    or its page hid where it came from, which another origin's page cannot do to the tablet's cookie.
    """
    site = headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in _OWN_SITE
    origin = headers.get("Origin") or headers.get("Referer")
    return origin is not None and _origin(origin) != _origin(own_origin)


def refuse_tablet_posts_from_other_origins():
    """Before every other hook, as Flask-WTF's check ran: a tablet's POST from another origin is refused
    before its tablet is looked up or anything is written (``tablet_posts``)."""
    asked = request._get_current_object()
    if asked.method in _SAFE_METHODS or asked.blueprint not in _TABLET_BLUEPRINTS:
        return
    if from_another_origin(asked.headers, f"{asked.scheme}://{asked.host}"):
        raise CSRFError("request from another origin")


def tablet_posts(bp) -> None:
    """The tablets' blueprints (visitor kiosk, model-home tablet) refuse a POST another origin's page made
    (``from_another_origin``) in place of Flask-WTF's token.

    The tablet's credential cookie is ``SameSite=Lax``: a browser sends it with no POST from another
    site, so such a POST already meets the "not paired" page. What is left, a page of a sibling host on
    the same site, or a browser that ignores SameSite, is refused here by the browser's own word. No token
    to verify at each POST (a sign-in is an HMAC and a session read cheaper), and no tablet form can go
    stale. Staff pages keep their tokens (the tablet's language switch is one of theirs).
    """
    csrf.exempt(bp)
    _TABLET_BLUEPRINTS.add(bp.name)


def _session_expired(current, config, now: float) -> bool:
    return (
        now - current.get("login_at", 0) > config["SESSION_ABSOLUTE_HOURS"] * 3600
        or now - current.get("seen_at", 0) > config["SESSION_IDLE_MINUTES"] * 60
    )


def enforce_session_timeouts():
    # Each of Flask's proxies is reached once (each reach costs a few µs, and a board's polls run this
    # every few seconds per panel).
    current = session._get_current_object()
    if sessions.USER_ID not in current:  # ``sessions.signed_session``
        return None
    app, now = current_app._get_current_object(), time.time()
    if _session_expired(current, app.config, now):
        logout_user()
        session.clear()
        flash(_l("登录已超时，请重新登录。"), "warning")
        return login_redirect()
    asked = request._get_current_object()
    passive_view = getattr(app.view_functions.get(asked.endpoint or ""), "passive", False)
    if not (passive_view is True or (passive_view == "polls" and asked.headers.get("HX-Request"))):
        current["seen_at"] = int(now)
    return None


@lru_cache(maxsize=4)
def content_security_policy(recording_base_url: str) -> str:
    """The policy; where the switch's recordings are played from another host (``RECORDING_BASE_URL``),
    that host's origin may serve media (the call page's player). Made once per setting, not per answer."""
    parts = urlsplit(recording_base_url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{CONTENT_SECURITY_POLICY}; media-src 'self' {parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       content_security_policy(current_app.config.get("RECORDING_BASE_URL", "")))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if (
        "Cache-Control" not in headers
        and request.endpoint != "static"
        and (g.get("no_store") or sessions.signed_session())
    ):
        # Answers for staff and tablets may show personal data (pages, fragments, exports): never keep
        # them in a browser or proxy cache (ASVS 14.3.2).
        headers["Cache-Control"] = "no-store"
    return response


def register(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.before_request(refuse_tablet_posts_from_other_origins)
    app.before_request(enforce_session_timeouts)
    app.before_request(check_access)
    app.after_request(set_security_headers)
