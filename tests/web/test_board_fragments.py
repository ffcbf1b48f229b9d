"""The board's fragments stay small whatever the backlog: at most 30 rows a panel and no form up front.
A row's dispatch form opens beside the panels when asked (htmx GET), or on the board page without JS."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.clock import utcnow
from kiosk.services.board import PANELS
from tests.web.slips import client_for, make_cast, open_one

LIMIT = 15 * 1024  # bytes a fragment may take (issue: fragments cheap)


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def boss(app, cast):
    return client_for(app, cast.supervisor)


@pytest.fixture
def backlog(cast):
    """More than a panel shows of every kind: unassigned, overdue and near-due slips."""
    long_ago = utcnow() - timedelta(days=5)
    unassigned = [open_one(cast, dispatched=False) for _ in range(32)]
    for _ in range(32):
        open_one(cast, now=long_ago)
    return unassigned


@pytest.mark.parametrize("name", PANELS)
def test_every_fragment_stays_under_15_kb_with_a_backlog(boss, backlog, name):
    response = boss.get_htmx(f"/supervisor/panels/{name}")
    assert response.status_code == 200
    assert len(response.get_data()) <= LIMIT


def test_the_unassigned_panel_offers_dispatch_without_a_form_per_row(boss, backlog):
    html = boss.get_htmx("/supervisor/panels/unassigned").get_data(as_text=True)
    assert "<form" not in html and "<select" not in html
    assert html.count("派单</a>") == 30  # the first 30 by deadline
    slip = min(backlog, key=lambda s: (s.due_at, s.id))
    assert f'href="/supervisor/?slip={slip.id}#board_actions"' in html
    assert f'hx-get="/supervisor/?slip={slip.id}"' in html
    assert '<tbody hx-target="#board_actions" hx-swap="outerHTML">' in html


def test_the_dispatch_form_opens_when_asked_and_without_javascript(boss, backlog, cast):
    slip = backlog[0]
    asked = boss.get_htmx(f"/supervisor/?slip={slip.id}").get_data(as_text=True)
    assert asked.lstrip().startswith('<aside id="board_actions"')
    assert f'action="/tasks/{slip.id}/dispatch"' in asked and cast.department.name in asked
    page = boss.get(f"/supervisor/?slip={slip.id}").get_data(as_text=True)
    assert "<html" in page and f'action="/tasks/{slip.id}/dispatch"' in page


@pytest.mark.parametrize("pattern", ["yyyy-MM-dd HH:mm", "MM-dd HH:mm", "HH:mm", "yyyy-MM-dd"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_fast_time_formats_read_as_babel_writes_them(app, pattern, language):
    from datetime import UTC, datetime

    from flask_babel import force_locale, format_datetime

    from kiosk.clock import local
    from kiosk.web.templating import shanghai_time

    moment = datetime(2026, 1, 5, 23, 7, tzinfo=UTC)  # 07:07 the next day in Shanghai
    with app.test_request_context(), force_locale(language):
        assert shanghai_time(moment, pattern) == format_datetime(local(moment), pattern)


def test_a_template_s_globals_are_one_plain_dict_with_the_app_s(app):
    """Jinja copies a template's globals at every render: a ChainMap over the app's was read key by key
    (17 µs a render; kiosk.web.templating.Environment). A template still sees every global of the app."""
    template = app.jinja_env.get_template("supervisor/_panels.html")
    assert type(template.globals) is dict
    assert template.globals.keys() >= app.jinja_env.globals.keys()
    assert all(template.globals[name] is value for name, value in app.jinja_env.globals.items())
