"""Who a signed session says is signed in, and the one cheap check that keeps it honest.

At sign-in the session (signed by ``SECRET_KEY``) takes the user's id and session token (Flask-Login's
``_user_id``), their roles and their ``session_version``. Any change to the token, the account's activity
or the roles raises the stored version (``kiosk.models.people``), so comparing that one column with the
session's copy tells whether the session still stands. A request that uses the user loads it as before
(``load_user``: token and activity checked, the session's copy refreshed when stale). A view marked
``@checks_session`` (the board's polls) does not load it at all: the access rule is judged on the
session's roles, the view adds ``session_version_of`` to its own one statement and calls
``confirm_session`` with what came back before answering. A revoked session then ends at that very
request, and a changed one (new roles) is reloaded and judged again.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache

from flask import abort, current_app, g, request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.http import parse_cookie

#: The session's keys: Flask-Login's ``<user id>:<session token>``, and our copy of the version and roles.
USER_ID, VERSION, ROLES = "_user_id", "sv", "roles"


@dataclass(frozen=True)
class Identity:
    """The signed session's word on who is signed in; not yet checked against the database."""

    user_id: int
    session_version: int
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def signed_session() -> bool:
    """The session claims a signed-in user (valid or not: the database says)."""
    return USER_ID in session


def session_identity() -> Identity | None:
    """The identity the session carries; None without one (anonymous, or a session signed before it)."""
    current = session._get_current_object()  # once: each reach through Flask's proxy costs a few µs
    user_id = str(current.get(USER_ID, "")).partition(":")[0]
    version, roles = current.get(VERSION), current.get(ROLES)
    if not user_id.isdigit() or not isinstance(version, int) or not isinstance(roles, list):
        return None
    return Identity(int(user_id), version, frozenset(str(role) for role in roles))


def remember(user) -> None:
    """Keep the user's session version and roles in the session (at sign-in, and when they changed)."""
    roles = sorted(user.roles)
    if session.get(VERSION) != user.session_version or session.get(ROLES) != roles:
        session[VERSION] = user.session_version
        session[ROLES] = roles


def checks_session(view):
    """The view checks the session itself, in the statement it runs anyway (``session_to_check`` and
    ``confirm_session``); its access rule is judged on the session's roles."""
    view.checks_session = True
    return view


def defer_check(view, rule) -> bool:
    """For a ``@checks_session`` view with an identity in the session: admit it on the session's roles
    (403 otherwise) and leave the check to the view. False: the ordinary way (load the user)."""
    identity = session_identity() if getattr(view, "checks_session", False) else None
    if identity is None:
        return False
    if not rule.admits_user(identity):
        abort(403)
    g.pending_identity = identity
    return True


def session_to_check() -> Identity | None:
    """The identity the view's statement must check, taken over by the view: its ``user_id`` is the
    user whose session version the statement returns (None: the session was checked already, the user
    loaded)."""
    return g.pop("pending_identity", None)


def confirm_session(identity: Identity | None, stored_version: int | None):
    """After the view's statement: None when the session stands (the same version), else what to answer
    instead. A changed account is loaded as on any request: a revoked, disabled or re-passworded one is
    signed out (the login page), one with new roles is judged again on them (403 when they no longer
    admit it). A view that read no version gives None for ``stored_version``: the account is loaded."""
    if identity is None or stored_version == identity.session_version:
        return None
    from kiosk.web.access import login_redirect, rule_for_endpoint

    if not current_user.is_authenticated:
        return login_redirect()
    if not rule_for_endpoint(current_app, request.endpoint).admits_user(current_user):
        abort(403)
    return None


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as a confirmed session tells it (the stored session version is the session's,
    so its token, activity and roles stand): for a page whose templates ask no more than its id, roles and
    name (the board page's top bar), read with the check. ``adopt`` makes it Flask-Login's ``current_user``
    for the rest of the request; anything else asked of it loads the account as any request does."""

    identity: Identity
    display_name: str
    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def id(self) -> int:
        return self.identity.user_id

    @property
    def roles(self) -> frozenset[str]:
        return self.identity.roles

    def has_role(self, *roles: str) -> bool:
        return self.identity.has_role(*roles)

    def get_id(self) -> str:
        return session[USER_ID]

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        login_manager = current_app.login_manager
        login_manager._load_user()  # as on any request: the account itself from now on
        return getattr(current_user._get_current_object(), name)


def adopt(identity: Identity, display_name: str) -> None:
    """The confirmed session's user (``SessionUser``) is the request's ``current_user``: not loaded."""
    current_app.login_manager._update_request_context_with_user(SessionUser(identity, display_name))


class _SignedJSON(TaggedJSONSerializer):
    """The session's JSON read with the standard library: it is parsed only once its signature is
    verified, so it is our own writing. The app's JSON (``kiosk.json_input``) first scans a text for
    nesting, a guard for what others send that cost every signed-in request a tenth of its session.
    One decoder serves every request (``json.loads`` with a hook builds a decoder each time)."""

    def __init__(self):
        super().__init__()
        self._decoder = json.JSONDecoder(object_hook=self.untag)

    def loads(self, value: str | bytes):
        return self._decoder.decode(value.decode() if isinstance(value, bytes) else value)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions (``app.session_interface``), read at less cost by the requests that
    bring the same cookie again and again (a board polls each panel every few seconds with it):

    * a cookie once verified is remembered with what it carries and when it was signed
      (``_verified_cookie``, a bounded cache): the same cookie, byte for byte, is then read from there;
      its age is checked at every request as before, and any other cookie is verified as always. It is
      remembered by the request's whole Cookie header, which is parsed only when it is new;
    * the payload is read with the standard JSON (``_SignedJSON``).
    """

    serializer = _SignedJSON()

    def open_session(self, app, request):
        if not app.secret_key:
            return None  # as Flask's: no key, no session
        cookies = request.environ.get("HTTP_COOKIE")
        if not cookies:
            return self.session_class()
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key)
        verified = _verified_cookie(self, self.get_cookie_name(app), keys, cookies)
        if verified is None:
            return self.session_class()
        payload, signed_at = verified
        age = int(time.time()) - signed_at
        if not 0 <= age <= app.permanent_session_lifetime.total_seconds():
            return self.session_class()  # expired, as itsdangerous judges it
        return self.session_class(self.serializer.loads(payload))

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        """Flask's serializer, made once for the app's keys: Flask makes one for every answer that sets the
        cookie, and making one tries its JSON out (a sign-in at the kiosk sets it each time)."""
        if not app.secret_key:
            return None
        return self.signing_serializer((*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key))

    @lru_cache(maxsize=4)  # noqa: B019 (the app's one interface lives as long as the process)
    def signing_serializer(self, keys: tuple) -> URLSafeTimedSerializer:
        """Flask's serializer for these keys (the newest last)."""
        return URLSafeTimedSerializer(list(keys), salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})


@lru_cache(maxsize=512)
def _verified_cookie(interface: CookieSessions, name: str, keys: tuple, cookies: str
                     ) -> tuple[str, int] | None:
    """The session JSON of the cookie ``name`` in the Cookie header ``cookies`` (read as Flask reads
    ``request.cookies``), if one of ``keys`` signed it, and when (Unix seconds); None if none did or
    there is no such cookie."""
    value = parse_cookie(cookies).get(name)
    if not value:
        return None
    try:
        payload, signed_at = interface.signing_serializer(keys).loads(value, return_timestamp=True)
    except BadSignature:
        return None
    return interface.serializer.dumps(payload), int(signed_at.timestamp())
