"""Staff pages with wide tables, at a supervisor's 1920×1080 and a laptop's 1366×768: no column cut off,
no word broken character by character; the incident list filters, pages and shows one state per incident.

Screenshots under the test output (``test-results/<test>/``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk.clock import utcnow
from kiosk.devtools.demo import DEMO_PASSWORD, seed_history
from tests.support import DESKTOP, LAPTOP

SIZES = [pytest.param(DESKTOP, id="1920x1080"), pytest.param(LAPTOP, id="1366x768")]

#: For every cell of the page's tables: is a column cut (its cell outside the table's scroll box, or hidden),
#: or is a word broken character by character (a cell of more lines than a word has characters' worth)?
TABLE_PROBLEMS = """
() => {
  const problems = [];
  for (const table of document.querySelectorAll('main table')) {
    const box = (table.closest('.table-scroll') || table.parentElement);
    const scrolls = ['auto', 'scroll'].includes(getComputedStyle(box).overflowX);
    for (const cell of table.querySelectorAll('th, td')) {
      const style = getComputedStyle(cell);
      const text = cell.innerText.trim();
      if (style.display === 'none') { problems.push('hidden: ' + text.slice(0, 20)); continue; }
      const r = cell.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      if (!scrolls && r.right > b.right + 1) problems.push('cut: ' + text.slice(0, 20));
      if (!text || cell.querySelector('svg, ul, table, form, p, br')) continue;
      const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.6;
      const inner = r.height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
      const lines = Math.round(inner / line);
      const longest = Math.max(...text.split(/\\s+/).map(w => w.length));
      // A cell narrower than two characters of its font is a word being broken one character a line.
      const width = r.width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      if (lines > 1 && width < 2.2 * parseFloat(style.fontSize) && longest > 2) {
        problems.push(`squeezed: ${text.slice(0, 20)} (${Math.round(width)}px, ${lines} lines)`);
      }
    }
  }
  return problems;
}
"""


def shot(page, output_path: str, name: str) -> None:
    Path(output_path).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(output_path, f"{name}.png")), full_page=True)


@pytest.fixture
def supervisor(browser, live_server, demo, sign_in):
    contexts = []

    def make(size):
        context = browser.new_context(viewport=size)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, "zhuguan", DEMO_PASSWORD)
        expect(page).to_have_url(re.compile(r"/supervisor/$"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_kpi_breakdowns_keep_every_column_and_word(supervisor, live_server, size, output_path):
    seed_history(utcnow())
    page = supervisor(size)
    page.goto(f"{live_server}/kpi/")
    expect(page.get_by_role("heading", name="按部门")).to_be_visible()
    expect(page.get_by_role("heading", name="按项目")).to_be_visible()
    assert page.evaluate(TABLE_PROBLEMS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    # Every breakdown fits its box: nothing to scroll to, no column half shown.
    overflowing = page.locator(".kpi-breakdown").evaluate_all(
        "tables => tables.filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)"
        ".map(t => t.dataset.dimension)")
    assert overflowing == []
    shot(page, output_path, "kpi")


@pytest.mark.parametrize("size", SIZES)
def test_the_incident_list_filters_pages_and_never_contradicts_itself(supervisor, live_server, size,
                                                                      output_path):
    page = supervisor(size)
    page.goto(f"{live_server}/visitors/incidents")
    expect(page.get_by_role("heading", name="突发事件")).to_be_visible()
    assert page.evaluate(TABLE_PROBLEMS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    shot(page, output_path, "incidents")
    # A closed incident is never also waiting for acknowledgement.
    for row in page.locator("#incident_rows tbody tr[data-state]").all():
        state = row.get_attribute("data-state")
        if state not in ("awaiting",):
            expect(row).not_to_contain_text("待确认")
    page.get_by_label("状态").select_option(label="待确认")
    expect(page).to_have_url(re.compile(r"state=awaiting"))
    rows = page.locator("#incident_rows tbody tr[data-state]")
    for state in rows.evaluate_all("rows => rows.map(r => r.dataset.state)"):
        assert state == "awaiting"
    shot(page, output_path, "incidents-awaiting")
