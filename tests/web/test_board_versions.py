"""The board's version checks see every change to what a panel shows (so the next poll renders it), and
nothing else: each of the changes below, alone or together with another that could make up for it,
gives the panel a new version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from kiosk.clock import utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.visits import Incident, Visit
from kiosk.services import board, incidents, visits
from kiosk.services.directory import working_calendar
from tests.web.slips import make_cast
from tests.web.test_board_live_panels import add_call, complaint_incident, sign_in_visitor


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


@pytest.fixture
def desk(make_device):
    return make_device("service_centre")


def version(name: str) -> str:
    return board.panel_version(name, utcnow())[0]


def end(call: Call) -> None:
    call.state = "ended"
    db.session.commit()


@pytest.mark.parametrize("name", ["live_calls", "ringing", "agents"])
def test_every_change_to_the_live_calls_changes_the_calls_version(cast, name):
    talking = add_call(agent=cast.owner, answered_ago=30)
    ringing = add_call(ringing_ago=3, number="13900001111")
    seen = {version(name)}

    def changed() -> bool:
        now = version(name)
        fresh = now not in seen
        seen.add(now)
        return fresh

    ringing.agent_id = cast.other_agent.id  # offered to one agent
    db.session.commit()
    assert changed()
    ringing.state, ringing.answered_at = "answered", utcnow()  # answered
    db.session.commit()
    assert changed()
    end(talking)  # hung up
    assert changed()
    newcomer = add_call(ringing_ago=1, number="13700002222")
    end(ringing)  # one ends as another starts ringing: the newest rises
    assert changed()
    end(newcomer)
    assert changed()
    assert not changed()  # nothing else moved


def _incident_changes(cast, desk):
    calendar = working_calendar()

    def close(incident):
        incidents.record_handling(incident, handled_by="陈静", actions="引导至接待室", outcome="已答复",
                                  close=True, user=cast.supervisor, now=utcnow(), calendar=calendar)

    first = complaint_incident(desk)
    yield "opened"
    assert incidents.acknowledge(first.id, cast.supervisor, utcnow())
    yield "acknowledged"
    close(first)
    yield "closed"
    incidents.file_report(first, utcnow())
    yield "report filed"
    second = complaint_incident(desk, name="赵敏")  # another person: the same one again is one visit
    yield "another opened"
    close(second)
    sign_in_visitor(desk, VisitPurpose.COMPLAINT, name="刘洋", relation="owner")
    yield "one closed as another opened"


def test_every_step_of_an_incident_changes_the_incidents_version(cast, desk):
    seen = {version("incidents")}
    for step in _incident_changes(cast, desk):
        now = version("incidents")
        assert now not in seen, step
        seen.add(now)
    assert version("incidents") in seen


def test_a_report_turning_overdue_changes_the_incidents_version(cast, desk):
    incident = complaint_incident(desk)
    incidents.record_handling(incident, handled_by="陈静", actions="-", outcome="-", close=True,
                              user=cast.supervisor, now=utcnow(), calendar=working_calendar())
    db.session.refresh(incident)
    before, _ = board.panel_version("incidents", incident.report_due_at - timedelta(minutes=1))
    after, _ = board.panel_version("incidents", incident.report_due_at + timedelta(minutes=1))
    assert before != after


def test_a_sign_in_and_a_sign_out_change_the_visitors_version(desk):
    empty = version("visitors")
    sign_in_visitor(desk, name="孙晓")
    one_on_site = version("visitors")
    sign_in_visitor(desk, name="钱多")
    two_on_site = version("visitors")
    visits.sign_out_by_staff(db.session.query(Visit).filter_by(name="孙晓").one().id, utcnow())
    one_left = version("visitors")
    assert len({empty, one_on_site, two_on_site, one_left}) == 4


def test_one_visitor_leaving_as_another_arrives_changes_the_visitors_version(desk):
    """As many on site as before, but another visit: the sum of their ids rises."""
    sign_in_visitor(desk, name="孙晓")
    before = version("visitors")
    sign_in_visitor(desk, name="钱多")
    visits.sign_out_by_staff(db.session.query(Visit).filter_by(name="孙晓").one().id, utcnow())
    assert version("visitors") != before


def test_the_headlines_see_how_many_incidents_are_open_not_each_step_of_one(cast, desk):
    """The wallboard shows how many incidents are open: acknowledging one changes the incidents panel's
    version, not the headlines' (their version reads the open count alone of the incidents' parts)."""
    quiet = version("headlines")
    incident = complaint_incident(desk)
    headlines, panel = version("headlines"), version("incidents")
    assert headlines != quiet
    assert incidents.acknowledge(incident.id, cast.supervisor, utcnow())
    assert version("headlines") == headlines
    assert version("incidents") != panel


def test_the_version_and_the_session_come_from_one_statement(cast):
    _, stored = board.panel_version("incidents", utcnow(), session_of=cast.supervisor.id)
    assert stored == cast.supervisor.session_version
    assert board.panel_version("incidents", utcnow(), session_of=10**6)[1] is None  # no such account
    assert db.session.query(Incident).count() == 0


@pytest.mark.parametrize("name", board.PANELS)
def test_a_polls_conditions_bind_only_the_moments_and_the_user(app, name):
    """Any other value a poll's statement compares is written into its SQL: PostgreSQL plans a prepared
    statement once for all its runs only when the plan it would keep (not knowing the bound values) is as
    cheap as those it makes knowing them, and a call's state bound instead made it plan every poll of the
    headlines afresh (1 ms of the server's time at a year)."""
    statement, _where = board._version_statement((name,), True)
    compared = {side.key for node in visitors.iterate(statement) if isinstance(node, BinaryExpression)
                for side in (node.left, node.right) if isinstance(side, BindParameter)}
    assert compared <= {"now", "over_since", "stale_before", "session_of"}


def test_a_call_passing_three_minutes_and_a_new_day_change_the_wallboards_headlines(cast):
    add_call(agent=cast.owner, answered_ago=150)
    now = utcnow()

    def at(seconds: float) -> str:
        return board.panel_version("headlines", now + timedelta(seconds=seconds))[0]

    assert at(0) == at(20)  # still under three minutes
    assert at(0) != at(40)  # the call in progress has passed three minutes
    assert at(40) != at(40 + 24 * 3600)  # the same numbers on another day


def test_a_switch_connector_gone_quiet_changes_the_switch_panel(app):
    from kiosk.services import switch

    switch.connector_connected("asterisk-1", "10.0.0.5:5038", utcnow(), reconnect=False)
    now = utcnow()
    assert version("switch") == board.panel_version("switch", now + timedelta(seconds=30))[0]
    assert version("switch") != board.panel_version("switch", now + switch.STALE_AFTER * 2)[0]
