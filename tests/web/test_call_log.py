"""The call log: every call with its agent, category, outcome, duration, over three minutes and answered
within three rings (seed 003 §2(2)(1), §2(11)); filtered, paged, exported; each opens the call and the
caller's file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.services import call_log
from kiosk.services.call_log import CallFilter
from tests.web.hotline_support import add_owner

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _call(n: int, *, agent, owner=None, talk=60, ring=5, category="inquiry", disposition="answered_on_spot"):
    start = T0 + timedelta(minutes=n)
    call = Call(direction="in", caller_number=f"1390000{n:04d}", state="ended", agent_id=agent.id,
                owner_id=owner.id if owner else None, ringing_at=start,
                answered_at=start + timedelta(seconds=ring), ended_at=start + timedelta(seconds=ring + talk),
                ring_seconds=ring, talk_seconds=talk, category=category, disposition=disposition,
                created_at=start)
    db.session.add(call)
    return call


def test_filters_pick_the_calls_asked_for(app, make_user):
    kefu, other = make_user("agent", display_name="李娜"), make_user("agent")
    owner = add_owner()
    _call(1, agent=kefu, owner=owner, talk=200, category="complaint", disposition="complaint")
    _call(2, agent=kefu, ring=20)
    _call(3, agent=other)
    db.session.commit()
    assert call_log.call_page(CallFilter(), 15).total == 3
    assert [c.id for c in call_log.call_page(CallFilter(agent_id=kefu.id), 15).rows] == [2, 1]
    assert [c.id for c in call_log.call_page(CallFilter(over_three_minutes=True), 15).rows] == [1]
    assert [c.id for c in call_log.call_page(CallFilter(within_rings=False), 15).rows] == [2]
    assert [c.id for c in call_log.call_page(CallFilter(category="complaint"), 15).rows] == [1]
    day = T0.date()
    assert call_log.call_page(CallFilter(start=day + timedelta(days=1)), 15).total == 0


def test_the_log_pages_and_links_each_call_to_its_file(client, login_as, make_user):
    agent = login_as("agent")
    owner = add_owner()
    for n in range(60):
        _call(n, agent=agent, owner=owner if n == 59 else None)
    db.session.commit()
    html = client.get("/calls/").get_data(as_text=True)
    assert "共 60 通" in html and "第 1 / 2 页" in html
    assert f"/register/people/{owner.id}" in html and "/hotline/calls/60" in html
    second = client.get_htmx("/calls/?page=2").get_data(as_text=True)
    assert "<html" not in second and 'id="call_rows"' in second and "第 2 / 2 页" in second
    bad = client.get("/calls/?start=2026-13-01")
    assert bad.status_code == 422


def test_the_export_has_every_column(client, login_as):
    agent = login_as("supervisor", display_name="陈静")
    _call(1, agent=agent, talk=200, category="complaint", disposition="complaint")
    db.session.commit()
    response = client.get("/calls/export.csv?over=yes")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, row = text.lstrip("\ufeff").splitlines()[:2]
    assert header == "编号,时间,坐席,来电号码,客户,类别,处理结果,通话秒数,超过三分钟,三声内接听"
    assert row.startswith("1,2026-11-23 10:01,陈静,13900000001,,投诉,") and row.endswith(",200,是,是")
