"""The board's rendered panels are kept per worker by their version (kiosk/web/fragments.py): many boards
asking for a changed panel cost one render, and a change still shows at the very next poll, fragment or
page. A kept panel is never served to a board it was not rendered for: the wall, the laptop board and
each language have their own; one whose clock changes colour is rendered again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk.services import board
from kiosk.web.fragments import Kept
from tests.support import freeze_clock
from tests.web.slips import client_for, make_cast, open_one
from tests.web.test_board_live_panels import add_call

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def cast(app, make_department, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    return make_cast(make_department)


@pytest.fixture
def boss(app, cast):
    return client_for(app, cast.supervisor)


@pytest.fixture
def renders(monkeypatch):
    """The panels read for a render, in order (a kept panel reads none)."""
    read = []
    produce = board.panel_data

    def counting(name, now, **kwargs):
        read.append(name)
        return produce(name, now, **kwargs)

    monkeypatch.setattr(board, "panel_data", counting)
    return read


def test_a_second_board_asking_for_the_same_version_gets_it_without_a_render(app, boss, cast, renders):
    open_one(cast, dispatched=False)
    other_boss = client_for(app, cast.supervisor)
    first = boss.get_htmx("/supervisor/panels/unassigned")
    second = other_boss.get_htmx("/supervisor/panels/unassigned")
    assert renders == ["unassigned"]
    assert second.get_data() == first.get_data() and second.headers["ETag"] == first.headers["ETag"]


def test_the_board_page_stitches_the_kept_panels_and_reads_only_the_missing(boss, cast, renders):
    open_one(cast, dispatched=False)
    boss.get_htmx("/supervisor/panels/unassigned")
    renders.clear()
    page = boss.get("/supervisor/").get_data(as_text=True)
    laptop_panels = [name for name in board.PANELS if name not in board.WALL_ONLY]
    assert sorted(renders) == sorted(name for name in laptop_panels if name != "unassigned")
    assert boss.get_htmx("/supervisor/panels/unassigned").get_data(as_text=True) in page
    renders.clear()
    again = boss.get("/supervisor/").get_data(as_text=True)
    assert renders == []
    assert again.split('id="panel_agents"')[1] == page.split('id="panel_agents"')[1]


def test_a_change_shows_at_the_next_fragment_and_page(boss, cast):
    first = open_one(cast, dispatched=False)
    fragment = boss.get_htmx("/supervisor/panels/unassigned")
    page = boss.get("/supervisor/").get_data(as_text=True)
    assert first.number in fragment.get_data(as_text=True) and first.number in page
    second = open_one(cast, dispatched=False)
    etag = {"If-None-Match": fragment.headers["ETag"]}
    polled = boss.get_htmx("/supervisor/panels/unassigned", headers=etag)
    assert polled.status_code == 200 and second.number in polled.get_data(as_text=True)
    assert second.number in boss.get("/supervisor/").get_data(as_text=True)
    assert second.number in boss.get("/supervisor/wall").get_data(as_text=True)


def test_the_wall_and_the_laptop_board_never_share_a_kept_panel(boss, cast):
    open_one(cast, dispatched=False)
    for first, then in (("", "?wall=1"), ("?wall=1", "")):
        laptop_or_wall = boss.get_htmx(f"/supervisor/panels/unassigned{first}").get_data(as_text=True)
        other = boss.get_htmx(f"/supervisor/panels/unassigned{then}").get_data(as_text=True)
        assert ("派单</a>" in laptop_or_wall) == (first == "") and ("派单</a>" in other) == (then == "")
    assert "派单</a>" not in boss.get("/supervisor/wall").get_data(as_text=True)
    assert "派单</a>" in boss.get("/supervisor/").get_data(as_text=True)


def test_each_language_has_its_own_kept_panel(boss, cast):
    open_one(cast, dispatched=False)
    assert "<h2>待派单" in boss.get_htmx("/supervisor/panels/unassigned").get_data(as_text=True)
    assert "<h2>待派单" in boss.get("/supervisor/").get_data(as_text=True)
    with boss.session_transaction() as session:
        session["lang"] = "en"
    english = boss.get_htmx("/supervisor/panels/unassigned").get_data(as_text=True)
    assert "<h2>To dispatch" in english and "待派单" not in english
    assert ">Routine</span>" in english and "常规" not in english  # the rows' words too
    page = boss.get("/supervisor/").get_data(as_text=True)
    assert "<h2>To dispatch" in page and "<h2>待派单" not in page


def test_a_kept_live_call_is_rendered_again_when_its_clock_turns_amber(boss, cast, monkeypatch, renders):
    add_call(agent=cast.owner, answered_ago=100)  # amber from 150 s
    calm = boss.get_htmx("/supervisor/panels/live_calls")
    assert "timer-row-calm" in calm.get_data(as_text=True)
    freeze_clock(monkeypatch, NOW + timedelta(seconds=49))
    assert boss.get_htmx("/supervisor/panels/live_calls").get_data() == calm.get_data()
    freeze_clock(monkeypatch, NOW + timedelta(seconds=50))
    amber = boss.get_htmx("/supervisor/panels/live_calls")
    assert amber.headers["ETag"] == calm.headers["ETag"]  # time alone: the same version
    assert "timer-row-amber" in amber.get_data(as_text=True)
    assert renders == ["live_calls", "live_calls"]


def test_a_kept_panel_is_rendered_again_after_a_minute_at_most(app, boss, cast, monkeypatch, renders):
    boss.get_htmx("/supervisor/panels/by_department")
    freeze_clock(monkeypatch, NOW + timedelta(seconds=app.config["BOARD_CACHE_SECONDS"]))
    boss.get_htmx("/supervisor/panels/by_department")
    assert renders == ["by_department", "by_department"]


def test_no_panel_is_kept_when_the_setting_says_none(app, boss, renders):
    app.config["BOARD_CACHE_SIZE"] = 0
    boss.get_htmx("/supervisor/panels/activity")
    boss.get_htmx("/supervisor/panels/activity")
    assert renders == ["activity", "activity"]


def test_the_activity_panel_changes_version_at_midnight_as_it_dates_yesterday_s_events(cast):
    before = board.panel_version("activity", datetime(2026, 12, 3, 15, 59, tzinfo=UTC))[0]  # 23:59
    after = board.panel_version("activity", datetime(2026, 12, 3, 16, 0, tzinfo=UTC))[0]  # 00:00
    assert before != after
    assert board.panel_version("activity", datetime(2026, 12, 3, 15, 0, tzinfo=UTC))[0] == before


def test_the_board_reads_every_panel_s_version_in_one_statement_as_each_poll_reads_its_own(cast):
    open_one(cast, dispatched=False)
    add_call(ringing_ago=3)
    versions, _ = board.panel_versions(board.PANELS, NOW)
    assert versions == {name: board.panel_version(name, NOW)[0] for name in board.PANELS}
    assert len(set(versions.values())) == len(board.PANELS)  # each its own, though some share columns


def test_the_kept_panels_are_bounded_the_least_recently_used_out_first():
    kept = Kept(2)
    kept.put("a", "A", None)
    kept.put("b", "B", None)
    assert kept.get("a", NOW) == "A"  # "b" is now the least recently used
    kept.put("c", "C", None)
    assert len(kept) == 2
    assert kept.get("b", NOW) is None and kept.get("a", NOW) == "A" and kept.get("c", NOW) == "C"


def test_a_kept_panel_past_its_moment_is_gone():
    kept = Kept(2)
    kept.put("a", "A", NOW + timedelta(seconds=1))
    assert kept.get("a", NOW) == "A"
    assert kept.get("a", NOW + timedelta(seconds=1)) is None and len(kept) == 0


@pytest.mark.parametrize("wall", ["", "?wall=1"])
def test_no_panel_holds_anything_personal_since_every_board_may_be_given_it(boss, cast, wall):
    """A kept panel goes to every supervisor's board: no CSRF token, no form, no name of the one asking."""
    open_one(cast, dispatched=False)
    add_call(agent=cast.owner, answered_ago=30)
    for name in board.PANELS:
        html = boss.get_htmx(f"/supervisor/panels/{name}{wall}").get_data(as_text=True)
        assert "csrf" not in html.lower() and "<form" not in html
        assert cast.supervisor.display_name not in html


def test_a_kept_panel_links_under_the_address_the_board_was_asked_at(boss, cast):
    """The app mounted under a prefix (SCRIPT_NAME): a panel kept for one prefix is not given under another
    (its poll and slip links would lead elsewhere), as the kept menu is each prefix's."""
    open_one(cast, dispatched=False)
    for prefix in ("/a", "/b"):
        html = boss.get_htmx("/supervisor/panels/unassigned",
                             environ_overrides={"SCRIPT_NAME": prefix}).get_data(as_text=True)
        assert f'hx-get="{prefix}/supervisor/panels/unassigned"' in html
