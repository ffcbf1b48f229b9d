"""Simplified Chinese by default; an English catalogue kept complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask_babel import get_translations

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "kiosk/translations/en/LC_MESSAGES/messages.po"
METHODS = [("kiosk/**.py", "python"), ("kiosk/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"kiosk/templates/**.html": {}}
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.add(text)
    return found


def test_every_message_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id: m.string for m in catalogue if m.id and not m.fuzzy}
    missing = sorted(m for m in source_messages() if not translated.get(m))
    assert missing == [], "add English for these to messages.po (see README: translations)"


def test_the_source_language_is_chinese_by_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page


def test_english_can_be_chosen_and_sticks(client):
    response = client.post_form("/lang/en", {"next": "/auth/login"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/auth/login")
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page and "用户名" not in page


def test_form_messages_follow_the_language(client):
    client.post_form("/lang/en", {"next": "/auth/login"})
    page = client.post_form("/auth/login", {"username": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in page


def test_unknown_language_is_ignored(client):
    client.post_form("/lang/xx")
    assert '<html lang="zh-CN">' in client.get("/auth/login").get_data(as_text=True)


def test_a_template_s_words_follow_the_language_switched_within_a_request(app):
    """The templates' translations are looked up once per request and language
    (``kiosk.web.i18n.current_translations``): a language forced within the request still switches them,
    and back."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"):
        words = lambda: render_template_string('{{ _("在场访客") }}')  # noqa: E731
        chinese = words()
        with force_locale("en"):
            english = words()
        assert chinese == "在场访客" and english != chinese and english.isascii()
        assert words() == chinese


def test_a_template_s_words_look_their_translations_up_once_a_request(app, monkeypatch):
    """Flask-Babel's look-up of the translations (9 µs) ran for each ``_()`` of a template."""
    from flask import render_template_string

    from kiosk.web import i18n

    asked = []
    monkeypatch.setattr(i18n, "get_translations", lambda: asked.append(1) or get_translations())
    with app.test_request_context("/"):
        render_template_string('{{ _("在场访客") }} {{ _("待派单") }} {{ _("已超时") }}')
    assert len(asked) == 1
