"""A session cookie is verified once per process and then remembered (``kiosk.web.sessions.CookieSessions``,
for the board's polls, which bring the same cookie every few seconds). What the signature and its date
decided still holds for a remembered cookie: it expires on time, it needs a key the app still has, and a
cookie changed by one character is not it."""

from __future__ import annotations

import time

import pytest

POLL = "/supervisor/panels/unassigned"


@pytest.fixture
def app_config():
    # The sign-in's own limits far away: only the cookie's signed date ends these sessions.
    return {"SESSION_ABSOLUTE_HOURS": 1000, "SESSION_IDLE_MINUTES": 1000 * 60}


@pytest.fixture
def poll(client, login_as):
    login_as("supervisor")
    etag = client.get_htmx(POLL).headers["ETag"]

    def ask():
        return client.get_htmx(POLL, headers={"If-None-Match": etag})

    assert ask().status_code == 304 and ask().status_code == 304  # verified once, then remembered
    return ask


def ended(response) -> bool:
    return response.status_code == 401 and "/auth/login" in response.headers["HX-Redirect"]


def test_a_remembered_cookie_still_expires(app, poll, monkeypatch):
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert ended(poll())


def test_a_remembered_cookie_needs_a_key_the_app_still_has(app, poll, monkeypatch):
    old = app.config["SECRET_KEY"]
    monkeypatch.setitem(app.config, "SECRET_KEY", "a key rotated away from the old one")
    assert ended(poll())
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old])  # kept to verify older cookies with
    assert poll().status_code == 304


def test_a_cookie_changed_by_one_character_is_not_the_remembered_one(client, poll):
    genuine = client.get_cookie("session").value
    # A character inside the signature (the last one's lowest bits are padding, ignored when decoded).
    forged = genuine[:-10] + ("x" if genuine[-10] != "x" else "y") + genuine[-9:]
    client.set_cookie("session", forged)
    assert ended(poll())
    client.set_cookie("session", genuine)
    assert poll().status_code == 304
