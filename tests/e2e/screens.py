"""Screenshots the browser tests keep (under ``test-results/screenshots/``, git-ignored) and the sizes the
faces are used at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: An agent's or a supervisor's screen, and the wall screen.
FULL_HD = {"width": 1920, "height": 1080}
SCREENSHOTS = Path("test-results/screenshots")


def keep(page, name: str, *, full_page: bool = False) -> Path:
    """Save what the page shows as ``test-results/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n['html'][:120] for n in v['nodes']]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@contextmanager
def full_hd_page(browser, sign_in, username: str, password: str, home: str) -> Iterator:
    """A 1920×1080 browser signed in as ``username``, on its home page (``home``: a pattern of its path)
    with the styles applied and the scripts run."""
    import re

    from playwright.sync_api import expect

    context = browser.new_context(viewport=FULL_HD)
    page = context.new_page()
    sign_in(page, username, password)
    expect(page).to_have_url(re.compile(home))
    expect(page.locator("html")).to_have_attribute("data-app-ready", "true")
    try:
        yield page
    finally:
        context.close()
