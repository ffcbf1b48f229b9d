"""The wallboard's headline numbers (each coloured by its threshold, polled like every panel), the
activity feed in time order with the day of anything not today, and the toast saying where a slip went."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from kiosk.domain.call_timer import Thresholds
from kiosk.domain.wallboard import Headline
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.tasks import TaskEvent
from kiosk.services import board
from tests.support import freeze_clock
from tests.web.slips import bring_to, client_for, make_cast, open_one
from tests.web.test_board_live_panels import add_call, complaint_incident, sign_in_visitor

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Thursday
VISITORS = Thresholds(20, 40)


@pytest.fixture
def cast(app, make_department, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    return make_cast(make_department)


def answered_today(agent, ring_seconds: int, talk_seconds: int) -> None:
    rang = NOW - timedelta(hours=1)
    answered = rang + timedelta(seconds=ring_seconds)
    ended = answered + timedelta(seconds=talk_seconds)
    db.session.add(Call(direction="in", caller_number="13800001111", agent_id=agent.id, state="ended",
                        ringing_at=rang, answered_at=answered, ended_at=ended, ring_seconds=ring_seconds,
                        talk_seconds=talk_seconds, created_at=rang))
    db.session.commit()


@pytest.fixture
def boss(app, cast):
    return client_for(app, cast.supervisor)


def values() -> dict:
    return {h.headline: (h.value, h.colour.value)
            for h in board.headlines(NOW, ring_target_seconds=15, visitors_thresholds=VISITORS)}


def test_a_quiet_centre_is_calm_on_every_headline(cast):
    assert values() == {
        Headline.CALLS_WAITING: (0, "calm"), Headline.LONGEST_WAIT: (0, "calm"),
        Headline.WITHIN_THREE_RINGS: (None, "calm"), Headline.OVER_THREE_MINUTES: (0, "calm"),
        Headline.SLIPS_OVERDUE: (0, "calm"), Headline.OPEN_INCIDENTS: (0, "calm"),
        Headline.VISITORS_ON_SITE: (0, "calm")}


def test_each_headline_counts_today_and_takes_its_thresholds_colour(cast, make_device):
    desk = make_device("service_centre")
    answered_today(cast.owner, ring_seconds=5, talk_seconds=120)
    answered_today(cast.owner, ring_seconds=20, talk_seconds=200)  # late and long
    add_call(agent=cast.other_agent, answered_ago=190)  # still talking, past three minutes
    add_call(ringing_ago=20, number="13900002222")
    open_one(cast, now=NOW - timedelta(days=5))
    complaint_incident(desk)
    sign_in_visitor(desk, party_size=3)

    assert values() == {
        Headline.CALLS_WAITING: (1, "amber"), Headline.LONGEST_WAIT: (20, "red"),
        Headline.WITHIN_THREE_RINGS: (0.5, "red"), Headline.OVER_THREE_MINUTES: (2, "amber"),
        Headline.SLIPS_OVERDUE: (1, "red"), Headline.OPEN_INCIDENTS: (1, "red"),
        Headline.VISITORS_ON_SITE: (4, "calm")}


def test_the_overdue_slips_count_those_of_every_department_and_of_none(cast):
    """Counted from the running slips the database keeps per department and those without one, less the
    ones not yet due (``board._overdue_count``): the same number as counting the late ones."""
    late = NOW - timedelta(days=5)
    open_one(cast, now=late)  # dispatched, overdue
    open_one(cast, dispatched=False, now=late)  # no department yet, overdue
    open_one(cast)  # dispatched, not yet due
    open_one(cast, dispatched=False)  # no department, not yet due
    bring_to(cast, "waiting_on_owner", now=late)  # its clock paused: not running, not overdue
    bring_to(cast, "closed", now=late)
    assert values()[Headline.SLIPS_OVERDUE][0] == 2


def test_the_headlines_are_on_the_wall_only_and_poll_with_304_until_a_change(boss, cast):
    assert 'id="panel_headlines"' in boss.get("/supervisor/wall").get_data(as_text=True)
    assert 'id="panel_headlines"' not in boss.get("/supervisor/").get_data(as_text=True)
    first = boss.get_htmx("/supervisor/panels/headlines?wall=1")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and html.lstrip().startswith('<section class="headlines"')
    assert "等待接听" in html and "level-calm" in html
    etag = first.headers["ETag"]
    url = "/supervisor/panels/headlines?wall=1"
    assert boss.get_htmx(url, headers={"If-None-Match": etag}).status_code == 304
    add_call(ringing_ago=3)
    changed = boss.get_htmx(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "level-amber" in changed.get_data(as_text=True)


def test_the_activity_feed_is_in_time_order_and_dates_what_is_not_today(boss, cast):
    older, newer = open_one(cast), open_one(cast)
    # Stored in one order, happened in another: the older slip's events two days ago, the newer's today.
    for slip, at in ((newer, NOW - timedelta(hours=1)), (older, NOW - timedelta(days=2))):
        db.session.execute(update(TaskEvent).where(TaskEvent.slip_id == slip.id).values(at=at))
    db.session.commit()
    assert [e.slip_id for e in board.recent_activity()][:1] == [newer.id]
    html = boss.get_htmx("/supervisor/panels/activity").get_data(as_text=True)
    assert html.index(newer.number) < html.index(older.number)
    assert ">09:00</time>" in html  # today: the time alone
    assert ">12-01 10:00</time>" in html  # two days ago: the day too


def test_a_toast_says_where_a_dispatched_slip_went(boss, cast):
    slip = open_one(cast, dispatched=False)
    boss.post_form(f"/tasks/{slip.id}/dispatch", {
        "dispatch-version": slip.version, "dispatch-department_id": cast.department.id,
        "dispatch-next": "/supervisor/"})
    page = boss.get("/supervisor/").get_data(as_text=True)
    assert f"任务单 {slip.number} 已派单至工程部。" in page


def test_the_wall_pages_through_every_unassigned_slip_where_the_laptop_board_shows_the_first(boss, cast):
    for _ in range(board.LIST_LIMIT + 5):
        open_one(cast, dispatched=False, now=NOW - timedelta(days=7))
    hx = {"HX-Request": "true"}
    wall = boss.get("/supervisor/panels/unassigned?wall=1", headers=hx).get_data(as_text=True)
    laptop = boss.get("/supervisor/panels/unassigned", headers=hx).get_data(as_text=True)
    assert wall.count('class="slip-row') == board.LIST_LIMIT + 5  # none cut: wall.js pages them
    assert f'<span class="count">{board.LIST_LIMIT + 5}</span>' in wall
    assert laptop.count('class="slip-row') == board.LIST_LIMIT
    assert f'<span class="count">{board.LIST_LIMIT}+</span>' in laptop  # more than it shows


def test_today_s_calls_are_the_ones_answered_today_though_they_rang_before_midnight(cast):
    """Today's calls are read along the index by when they rang (``board.LONGEST_RING``): a call that rang
    before midnight and was answered after it is today's; one answered before midnight is not."""
    midnight = datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # 00:00 in Shanghai
    for rang, answered in ((midnight - timedelta(seconds=20), midnight + timedelta(seconds=5)),
                           (midnight - timedelta(minutes=5), midnight - timedelta(minutes=4))):
        db.session.add(Call(direction="in", caller_number="13800001111", agent_id=cast.owner.id,
                            state="ended", ringing_at=rang, answered_at=answered,
                            ended_at=answered + timedelta(minutes=1), ring_seconds=int((answered - rang)
                                                                                       .total_seconds()),
                            talk_seconds=60, created_at=rang))
    db.session.commit()
    assert values()[Headline.WITHIN_THREE_RINGS] == (0.0, "red")  # the one of today: 25 s of ringing
