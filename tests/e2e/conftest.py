"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from kiosk.clock import utcnow
from tests.support import PORTRAIT

CHROMIUM = os.environ.get("KIOSK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def base_url() -> None:
    """No base address: every test opens the live server's own URL. Defined here so that pytest-playwright's
    stand-in for the pytest-base-url plugin (a fixture written as a method, which pytest 9 deprecates and
    warns about on every run) is not used."""
    return None


#: A ceiling on the wait for the requests still being answered when a test ends (a ready wait, not a timing).
DRAIN_SECONDS = 60


class Draining:
    """The app as the live server runs it: once ``drain()`` is called, requests still coming (a page polling
    to the last moment) get a 503 without reaching the app, and ``drain()`` returns when those already in
    the app are answered, so the tables are not emptied under a request's feet."""

    def __init__(self, app):
        self.app = app
        self.closing = False
        self.busy = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            if self.closing:
                start_response("503 Service Unavailable", [("Content-Length", "0")])
                return [b""]
            self.busy += 1
        try:
            return self.app(environ, start_response)  # the app context (and its session) ends in here
        finally:
            with self.changed:
                self.busy -= 1
                self.changed.notify_all()

    def drain(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.wait_for(lambda: self.busy == 0, timeout=DRAIN_SECONDS)


@pytest.fixture
def live_server(app):
    """The test's app served by a real HTTP server on 127.0.0.1 and a free port."""
    serving = Draining(app)
    server = make_server("127.0.0.1", 0, serving, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        serving.drain()
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def demo(app):
    """The demo data set (staff of every role, projects, owners, phrases)."""
    from kiosk.devtools.demo import seed_demo

    seed_demo(utcnow())


@pytest.fixture
def sign_in(live_server):
    """``sign_in(page, username, password)``: through the login form, as a person would."""

    def go(page, username: str, password: str) -> None:
        page.goto(f"{live_server}/auth/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()

    return go


@pytest.fixture
def tablet(browser, live_server, demo):
    """``tablet(viewport, js=True, place=...)``: a browser context paired through /kiosk/pair (the page at
    the start screen; ``page.context`` holds the pairing cookie)."""
    from kiosk.services import devices

    contexts = []

    def make(viewport=PORTRAIT, js: bool = True, place: str = "service_centre", locale: str | None = None):
        from datetime import time

        device = devices.register_device(name=f"e2e-{len(contexts)}-{place}", place=place,
                                         opens_at=time(8), closes_at=time(18), now=utcnow())
        code = devices.issue_pairing_code(device, utcnow())
        context = browser.new_context(viewport=viewport, java_script_enabled=js, has_touch=True,
                                      **({"locale": locale} if locale else {}))
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server}/kiosk/")
        expect(page.get_by_role("heading", level=1)).to_have_text("此平板尚未配对")
        page.get_by_role("link", name="输入配对码").click()
        page.get_by_label("配对码").fill(code)
        page.get_by_role("button", name="配对").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("欢迎光临，请选择来访事由")
        return page

    yield make
    for context in contexts:
        context.close()
