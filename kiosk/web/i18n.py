"""Language choice: Simplified Chinese by default, English when the person asks for it.

A kiosk tablet starts in its site's language (``KIOSK_LANGUAGE``, per tablet or place), never the language
the tablet's browser asks for: a visitor's switch lasts until the tablet goes back to its start screen.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, session

from kiosk.services.devices import per_tablet


def select_locale() -> str:
    """The person's choice; else a tablet's site language; outside a request the default language."""
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        chosen = session.get("lang")
        if chosen in languages:
            return chosen
        tablet = g.get("kiosk_device")
        if tablet is not None:
            site = per_tablet(current_app.config["KIOSK_LANGUAGE"], tablet)
            if site in languages:
                return site
    return current_app.config["BABEL_DEFAULT_LOCALE"]
