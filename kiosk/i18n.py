"""Language choice: Simplified Chinese by default, English when the person asks for it."""

from __future__ import annotations

from flask import current_app, session


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
