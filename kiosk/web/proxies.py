"""Reverse proxies: whose word the app takes for the client's address, scheme and host.

Behind nginx every connection comes from nginx. With ``TRUSTED_PROXIES = N`` the app believes the last
N hops of ``X-Forwarded-For``/``-Proto``/``-Host`` (Werkzeug's ``ProxyFix``), so login throttling, rate
limits, audit records and secure cookies see the real client. With 0 (the default) the headers are
ignored: a client talking to the app directly cannot forge its address. If such headers do arrive while
none is trusted, a proxy is probably in front and unconfigured; the first such request is written down
once (``services.deployment``) for ``flask check-deploy`` to name.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

#: ``app.extensions`` key: this app already wrote down (or found) the untrusted forwarding; later
#: requests need not touch the database again.
NOTED = "kiosk.untrusted_forwarding_noted"


def trust_proxies(app: Flask) -> None:
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops < 0:
        raise ValueError(f"TRUSTED_PROXIES must be 0 or more, got {hops}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    else:
        app.before_request(note_untrusted_forwarding)


def note_untrusted_forwarding() -> None:
    """Write down, once per process at most, that a request carried X-Forwarded-For nobody trusts."""
    if "X-Forwarded-For" not in request.headers or current_app.extensions.get(NOTED):
        return
    from kiosk.services.deployment import record_untrusted_forwarding

    current_app.extensions[NOTED] = record_untrusted_forwarding(request.remote_addr or "?")
