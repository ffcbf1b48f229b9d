"""The supervisor board's hotline, incident and visitor panels: each as page and as fragment, 304 on an
unchanged poll and 200 after a change, clocks coloured by the server at the thresholds and left to the
browser to tick (time passing alone is no change), numbers masked on the shared screen."""

from __future__ import annotations

import zlib
from datetime import timedelta

import pytest

from kiosk.clock import utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.hotline import AgentStatus
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.visits import Incident, Visit
from kiosk.services import board, hotline, incidents, visits
from kiosk.services.directory import working_calendar
from tests.support import statements_sent
from tests.web.slips import client_for, make_cast

NEW_PANELS = ["agents", "live_calls", "ringing", "incidents", "visitors"]
CALLER = "13812345678"
VISITOR = "13698765432"


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def boss(app, cast):
    return client_for(app, cast.supervisor)


@pytest.fixture
def desk(make_device):
    return make_device("service_centre")


def add_call(*, agent=None, answered_ago: int | None = None, ringing_ago: int = 5,
             number: str = CALLER) -> Call:
    """A switchboard call: ringing for ``ringing_ago`` seconds, or answered ``answered_ago`` seconds ago."""
    now = utcnow()
    answered = now - timedelta(seconds=answered_ago) if answered_ago is not None else None
    rang = (answered or now) - timedelta(seconds=ringing_ago)
    call = Call(direction="in", caller_number=number, agent_id=agent.id if agent else None,
                state="answered" if answered else "ringing", ringing_at=rang, answered_at=answered,
                created_at=rang)
    db.session.add(call)
    db.session.commit()
    return call


def sign_in_visitor(device, purpose=VisitPurpose.REPAIR, name="孙晓", **extra):
    """Each visitor with a mobile of their own (the same mobile signing in again is the same visit)."""
    mobile = VISITOR if name == "孙晓" else f"137{zlib.crc32(name.encode()) % 10**8:08d}"
    data = visits.SignIn(purpose=purpose, name=name, mobile=mobile, **extra)
    return visits.sign_in_visitor(device, data, utcnow())


def complaint_incident(device, name: str = "王志强") -> Incident:
    """An owner's complaint visit without appointment: class A (seed 000 §3)."""
    visit = sign_in_visitor(device, VisitPurpose.COMPLAINT, name=name, relation="owner")
    return db.session.query(Incident).filter_by(visit_id=visit.id).one()


@pytest.fixture
def busy(cast, desk):
    """Something on every new panel: agents in states, a call in progress, one ringing, an open incident,
    visitors on site."""
    hotline.set_agent_state(cast.owner, AgentStatus.ON_CALL, utcnow())
    hotline.set_agent_state(cast.other_agent, AgentStatus.AVAILABLE, utcnow())
    add_call(agent=cast.owner, answered_ago=40)
    add_call(ringing_ago=4, number="13900001111")
    complaint_incident(desk)
    sign_in_visitor(desk, party_size=3)


def test_the_board_and_the_wall_show_every_new_panel(boss, busy):
    for url in ("/supervisor/", "/supervisor/wall"):
        page = boss.get(url).get_data(as_text=True)
        for name in NEW_PANELS:
            assert f'id="panel_{name}"' in page
        assert "李娜" in page and "通话中" in page and "王芳" in page and "空闲" in page
        assert "138****5678" in page and "139****1111" in page
        assert "A 类" in page and "王志强" in page and "待确认" in page
        assert "孙晓" in page and "136****5432" in page
        assert "js/call-timer.js" in page and "css/board.css" in page


@pytest.mark.parametrize("name", NEW_PANELS)
def test_each_new_panel_answers_as_a_fragment(boss, busy, name):
    response = boss.get_htmx(f"/supervisor/panels/{name}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["ETag"]
    assert html.lstrip().startswith('<section class="panel') and f'id="panel_{name}"' in html
    assert "<html" not in html and 'hx-trigger="every' in html


def _poll(client, name: str, etag: str | None = None):
    headers = {"If-None-Match": etag} if etag else {}
    return client.get_htmx(f"/supervisor/panels/{name}", headers=headers)


def _change_agents(cast, _desk):
    hotline.set_agent_state(cast.other_agent, AgentStatus.PAUSED, utcnow())


def _change_live_calls(cast, _desk):
    ringing = db.session.query(Call).filter_by(state="ringing").one()
    assert hotline.answer_call(ringing.id, cast.other_agent, utcnow()) is not None


def _change_ringing(_cast, _desk):
    add_call(ringing_ago=1, number="13700002222")


def _change_incidents(cast, _desk):
    incident = db.session.query(Incident).one()
    assert incidents.acknowledge(incident.id, cast.supervisor, utcnow())


def _change_visitors(_cast, desk):
    visits.sign_out_by_staff(db.session.query(Visit).filter_by(name="孙晓").one().id, utcnow())


CHANGES = {"agents": _change_agents, "live_calls": _change_live_calls, "ringing": _change_ringing,
           "incidents": _change_incidents, "visitors": _change_visitors}


@pytest.mark.parametrize("name", NEW_PANELS)
def test_each_new_panel_is_304_until_its_data_changes(boss, busy, cast, desk, name):
    first = _poll(boss, name)
    etag = first.headers["ETag"]
    unchanged = _poll(boss, name, etag)
    assert unchanged.status_code == 304 and unchanged.get_data() == b"" and unchanged.headers["ETag"] == etag
    CHANGES[name](cast, desk)
    changed = _poll(boss, name, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert _poll(boss, name, changed.headers["ETag"]).status_code == 304


def test_the_agents_panel_shows_each_agent_state_since_and_current_call(boss, busy, cast):
    html = _poll(boss, "agents").get_data(as_text=True)
    li_na = html[html.index("李娜"):html.index("</tr>", html.index("李娜"))]
    assert "通话中" in li_na and "自 " in li_na and "138****5678" in li_na and 'role="timer"' in li_na
    wang = html[html.index("王芳"):html.index("</tr>", html.index("王芳"))]
    assert "空闲" in wang and 'role="timer"' not in wang


def test_a_slip_change_does_not_disturb_the_call_panels(boss, busy, cast):
    from tests.web.slips import open_one

    etags = {name: _poll(boss, name).headers["ETag"] for name in ("agents", "live_calls", "ringing")}
    open_one(cast)
    for name, etag in etags.items():
        assert _poll(boss, name, etag).status_code == 304


def test_time_passing_leaves_the_call_panels_to_the_browser_clock(app, busy):
    now = utcnow()
    later = now + timedelta(minutes=10)
    for name in ("agents", "live_calls", "ringing", "visitors"):
        assert board.panel_version(name, now) == board.panel_version(name, later)


def test_an_incident_report_falling_overdue_changes_the_version(app, cast, desk):
    incident = complaint_incident(desk)
    incidents.record_handling(incident, handled_by="陈静", actions="引导至会议室", outcome="已平息",
                              close=True,
                              user=cast.supervisor, now=utcnow(), calendar=working_calendar())
    due = db.session.get(Incident, incident.id).report_due_at
    before, after = board.panel_version("incidents", due - timedelta(minutes=1)), \
        board.panel_version("incidents", due + timedelta(minutes=1))
    assert before != after
    shown = board.incidents(due + timedelta(minutes=1))
    assert shown.open == [] and [i.id for i in shown.reports_due] == [incident.id]
    assert shown.reports_overdue == 1


def test_the_incidents_panel_lists_reports_due_and_overdue(boss, cast, desk):
    incident = complaint_incident(desk)
    incidents.record_handling(incident, handled_by="陈静", actions="引导至会议室", outcome="已平息",
                              close=True, user=cast.supervisor, now=utcnow() - timedelta(days=10),
                              calendar=working_calendar())
    html = _poll(boss, "incidents").get_data(as_text=True)
    assert "没有未关闭的突发事件" in html and "王志强" in html and "已逾期" in html
    incidents.file_report(db.session.get(Incident, incident.id), utcnow())
    assert "没有待填的事件报告" in _poll(boss, "incidents").get_data(as_text=True)


@pytest.mark.parametrize(("answered_ago", "colour"), [
    (0, "calm"), (149, "calm"), (150, "amber"), (180, "amber"), (181, "red"), (900, "red")])
def test_live_call_timers_are_coloured_at_the_three_minute_thresholds(app, cast, answered_ago, colour):
    call = add_call(agent=cast.owner, answered_ago=answered_ago)
    (row,) = board.live_calls(call.answered_at + timedelta(seconds=answered_ago))
    assert row.clock.colour == colour and row.clock.seconds == answered_ago
    assert (row.clock.thresholds.amber_from, row.clock.thresholds.red_after) == (150, 180)


@pytest.mark.parametrize(("waited", "colour"), [(0, "calm"), (9, "calm"), (10, "amber"), (15, "amber"),
                                               (16, "red"), (60, "red")])
def test_ringing_calls_are_coloured_against_the_three_ring_target(app, waited, colour):
    call = add_call(ringing_ago=0)
    (row,) = board.ringing(call.ringing_at + timedelta(seconds=waited), target_seconds=15)
    assert row.clock.colour == colour


def test_the_fragment_carries_the_server_colour_and_the_thresholds_for_the_browser(boss, cast):
    add_call(agent=cast.owner, answered_ago=200)
    add_call(ringing_ago=3)
    live = _poll(boss, "live_calls").get_data(as_text=True)
    assert 'class="call-timer board-clock timer-red"' in live and "timer-row-red" in live
    assert 'data-amber-from="150" data-red-after="180"' in live and "data-started-at=" in live
    ringing = _poll(boss, "ringing").get_data(as_text=True)
    assert "timer-calm" in ringing and 'data-amber-from="10" data-red-after="15"' in ringing


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"THREE_RINGS_SECONDS": 20}], indirect=True)
def test_the_ringing_panel_follows_the_three_ring_setting(boss, app_config):
    add_call(ringing_ago=17)
    html = _poll(boss, "ringing").get_data(as_text=True)
    assert 'data-amber-from="15" data-red-after="20"' in html and "timer-amber" in html and "20 秒" in html


def test_visitors_on_site_are_counted_by_place_and_masked_even_for_supervisors(boss, desk, make_device):
    sales = make_device("sales_office")
    sign_in_visitor(desk, party_size=2)
    sign_in_visitor(sales, VisitPurpose.VIEWING, name="周海", party_size=3)
    left = sign_in_visitor(desk, name="李秀英")
    visits.sign_out_by_staff(left.id, utcnow())
    on_site = board.visitors()
    assert sorted(on_site.by_place) == [("sales_office", 1, 3), ("service_centre", 1, 2)]
    assert (on_site.groups, on_site.people) == (2, 5)
    html = _poll(boss, "visitors").get_data(as_text=True)
    assert "孙晓" in html and "周海" in html and "李秀英" not in html
    assert "136****5432" in html and VISITOR not in html
    assert "1 批 3 人" in html and "售楼处" in html


def test_the_wall_fragments_keep_the_wall_flag(boss, busy):
    html = boss.get_htmx("/supervisor/panels/incidents?wall=1").get_data(as_text=True)
    assert "wall=1" in html and "/visitors/incidents/" not in html
    assert "/visitors/incidents/" in _poll(boss, "incidents").get_data(as_text=True)


def test_the_switch_panel_shows_each_connector_read_outside_any_transaction(boss):
    """Connected or lost, with its address and error; its rows read as the other panels' are (``rows_alone``:
    no transaction, so no BEGIN on SQLite, where the session's read sent one)."""
    from kiosk.services import switch

    switch.connector_connected("asterisk-1", "10.0.0.5:5038", utcnow(), reconnect=False)
    switch.connector_lost("asterisk-2", "10.0.0.6:5038", utcnow(), "连接被拒绝")
    with statements_sent(db.engine) as seen:
        html = boss.get_htmx("/supervisor/panels/switch").get_data(as_text=True)
    assert 'class="switch-row switch-up"' in html and "asterisk-1" in html and "10.0.0.5:5038" in html
    assert 'class="switch-row switch-down"' in html and "连接被拒绝" in html and "重连 0 次" in html
    assert len(seen) == 2 and not any(statement.startswith("BEGIN") for statement in seen), seen
