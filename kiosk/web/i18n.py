"""Language choice: Simplified Chinese by default, English when the person asks for it."""

from __future__ import annotations

from flask import current_app, has_request_context, session


def select_locale() -> str:
    """The signed-in person's choice; outside a request (a CLI command, cron) the default language."""
    chosen = session.get("lang") if has_request_context() else None
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
