"""The web edge of the administration audit log: who is making a change, from where, now."""

from __future__ import annotations

from datetime import datetime

from flask import request
from flask_login import current_user

from kiosk.clock import utcnow
from kiosk.services.audit import By


def by_request(now: datetime | None = None) -> By:
    """The signed-in person (nobody for a tablet pairing itself) at the client's address.

    ``request.remote_addr`` is the client's own address once the proxy in front of the app is trusted
    (ProxyFix); without a proxy it is the connecting address.
    """
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return By(user, request.remote_addr or "", now or utcnow())
