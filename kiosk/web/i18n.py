"""Language choice: Simplified Chinese by default, English when the person asks for it.

A kiosk tablet starts in its site's language (``KIOSK_LANGUAGE``, per tablet or place), never the language
the tablet's browser asks for: a visitor's switch lasts until the tablet goes back to its start screen.
"""

from __future__ import annotations

from flask import current_app, g, has_request_context, session
from flask_babel import get_locale, get_translations

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


def current_translations():
    """The translations of the current language, looked up once per request and language: Flask-Babel's
    ``get_translations`` (9 µs) ran again for every ``_()`` of a template (a dozen on some board panels).
    The language is asked each time (``get_locale``, kept on the request), so a ``force_locale`` or a
    ``refresh`` within a request still switches them."""
    if not g:  # no app context: Flask-Babel's own answer (no translation)
        return get_translations()
    locale = get_locale()
    kept = g.get("_translations_of")
    if kept is None or kept[0] is not locale:
        kept = g._translations_of = (locale, get_translations())
    return kept[1]


def install_template_gettext(app) -> None:
    """The templates' ``_``, ``gettext`` and the like through ``current_translations`` (Flask-Babel's own
    callables ask for the translations anew at each call)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
        newstyle=True)
