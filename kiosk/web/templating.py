"""Template filters and globals shared by every face."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from markupsafe import Markup

from kiosk.clock import local
from kiosk.domain.masking import mask_phone
from kiosk.domain.phone_numbers import readable
from kiosk.models.people import Role
from kiosk.services.notifications import bell_state
from kiosk.web import labels
from kiosk.web.navigation import navigation_for


def shanghai_time(moment, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if moment is None:
        return ""
    return format_datetime(local(moment), fmt)


def weekday(day) -> str:
    return format_date(day, "EEE")


def unread_notifications() -> int:
    return bell_state(current_user)[1] if current_user.is_authenticated else 0


#: Who hears what callers say, and sees their full numbers (seed 003 §2(9) 热线内容保密).
SEES_CALLER_DETAILS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def phone_for_viewer(number: str | None) -> str:
    """A caller's number in full for the hotline roles, masked for everyone else."""
    if not number:
        return ""
    if current_user.is_authenticated and current_user.has_role(*SEES_CALLER_DETAILS):
        return number
    return mask_phone(number)


@lru_cache(maxsize=256)
def _fingerprint(path: Path, _modified_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version_static_urls(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=…)`` gains ``?v=<hash of the file>``: a changed file gets a new URL,
    so nginx may let browsers keep static files for a year (deploy/nginx/kiosk.conf)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    path = Path(current_app.static_folder, values["filename"])
    if path.is_file():
        values["v"] = _fingerprint(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _icon_markup(folder: str, name: str) -> str:
    svg = Path(folder, "vendor", "lucide", f"{name}.svg").read_text(encoding="utf-8")
    svg = svg[svg.index("<svg"):]  # drop the licence comment (the licence file sits beside the icons)
    svg = " ".join(svg.split())
    return svg.replace('class="lucide ', 'aria-hidden="true" focusable="false" class="icon lucide ', 1)


def icon(name: str) -> Markup:
    """A vendored Lucide icon (kiosk/static/vendor/lucide, ``make vendor``) drawn inline, hidden from screen
    readers: the text beside it says what it means. Never an emoji, which a tablet without an emoji font
    draws as an empty box."""
    return Markup(_icon_markup(current_app.static_folder, name))


def register(app) -> None:
    app.url_defaults(version_static_urls)
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.filters["phone"] = phone_for_viewer
    app.jinja_env.filters["dial"] = readable  # the company's own numbers, spaced out
    app.jinja_env.filters["local"] = shanghai_time
    app.jinja_env.filters["weekday"] = weekday
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["icon"] = icon
    # the words for coded values, for every template (kiosk/web/labels.py); a rule's source by its
    # document's name
    app.jinja_env.globals["labels"] = labels.FOR_TEMPLATES
    app.jinja_env.filters["cite"] = labels.cite
    app.jinja_env.globals["navigation"] = lambda: navigation_for(current_user)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
