"""Ending a call ends it: settling ends the agent's part even when the switchboard sent no hangup, and a
call nothing was heard of for longer than its setting is closed as lost by the worker, so no board shows
a call ringing or running for ever, and an agent is never shown free and on a call at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.domain.hotline import AgentStatus, CallState, CtiEvent, Disposition
from kiosk.extensions import db
from kiosk.models.calls import AgentState, Call
from kiosk.services import board, hotline
from kiosk.services.directory import working_calendar
from kiosk.worker.jobs import job_named
from tests.support import in_threads
from tests.web.hotline_support import OWNER_MOBILE, add_pbx
from tests.web.slips import make_cast

RINGING_AFTER, ANSWERED_AFTER = timedelta(minutes=10), timedelta(minutes=120)


@pytest.fixture
def cast(app, make_department):
    return make_cast(make_department)


def switchboard_call(agent, pbx_call_id: str, *, at, answered: bool = True) -> Call:
    """A switchboard's call to ``agent``'s extension: its ring (and answer) events, no hangup."""
    agent.extension = agent.extension or f"8{agent.id:03d}"
    db.session.commit()
    for event in [CtiEvent.RINGING] + ([CtiEvent.ANSWERED] if answered else []):
        hotline.receive_event(hotline.CtiPayload(event=event, call_id=pbx_call_id, at=at, caller=OWNER_MOBILE,
                                                 extension=agent.extension), "test-pbx", at)
    return db.session.scalar(select(Call).where(Call.pbx_call_id == pbx_call_id))


def settle(call: Call, agent, now) -> Call:
    hotline.save_record(call.id, category="inquiry", surname="张", location="", description="问物业费",
                        notes="")
    hotline.confirm_record(call.id, now)
    return hotline.dispose(call.id, agent, disposition=Disposition.ANSWERED_ON_SPOT, now=now,
                           calendar=working_calendar(), answer_text="可在小程序缴纳。")


def state_of(agent) -> str:
    db.session.expire_all()
    return db.session.get(AgentState, agent.id).state


def test_settling_a_switchboard_call_without_its_hangup_ends_it_and_frees_the_agent(cast):
    add_pbx()
    now = utcnow()
    call = switchboard_call(cast.owner, "no-hangup", at=now)
    assert state_of(cast.owner) == AgentStatus.ON_CALL
    settled = settle(call, cast.owner, now + timedelta(seconds=90))

    ended = now + timedelta(seconds=90)
    assert (settled.state, settled.ended_at, settled.talk_seconds) == (CallState.ENDED, ended, 90)
    assert state_of(cast.owner) == AgentStatus.AVAILABLE
    later = now + timedelta(seconds=100)
    assert board.live_calls(later) == []
    row = next(r for r in board.agents(later) if r.user_id == cast.owner.id)
    assert (row.shown_state, row.call) == (AgentStatus.AVAILABLE, None)

    # The hangup arriving afterwards keeps the earlier end and leaves the agent free.
    hotline.receive_event(hotline.CtiPayload(event=CtiEvent.HANGUP, call_id="no-hangup", at=later,
                                             caller=OWNER_MOBILE, extension=cast.owner.extension), "test-pbx",
                          later)
    db.session.expire_all()
    assert db.session.get(Call, call.id).ended_at == now + timedelta(seconds=90)
    assert state_of(cast.owner) == AgentStatus.AVAILABLE


def test_an_agent_on_a_call_is_shown_on_it_whatever_state_they_set(cast):
    add_pbx()
    now = utcnow()
    switchboard_call(cast.owner, "set-free", at=now)
    hotline.set_agent_state(cast.owner, AgentStatus.AVAILABLE, now)
    row = next(r for r in board.agents(now) if r.user_id == cast.owner.id)
    assert row.call is not None and row.shown_state == AgentStatus.ON_CALL


def test_calls_nothing_was_heard_of_for_too_long_are_closed_as_lost(cast):
    add_pbx()
    now = utcnow()
    ago = lambda minutes: now - timedelta(minutes=minutes)  # noqa: E731
    stale_ring = switchboard_call(cast.other_agent, "stale-ring", at=ago(11), answered=False)
    fresh_ring = switchboard_call(cast.other_agent, "fresh-ring", at=ago(9), answered=False)
    stale_talk = switchboard_call(cast.owner, "stale-talk", at=now - timedelta(minutes=121))
    long_talk = switchboard_call(cast.supervisor, "long-talk", at=now - timedelta(minutes=119))

    assert hotline.close_lost_calls(now, ringing_after=RINGING_AFTER, answered_after=ANSWERED_AFTER) == 2
    db.session.expire_all()
    lost = {c.pbx_call_id: c for c in db.session.scalars(select(Call))}
    for closed in (stale_ring, stale_talk):
        row = lost[closed.pbx_call_id]
        assert (row.state, row.lost_reason, row.ended_at) == ("ended", "no_event", now)
        assert row.talk_seconds is None
    for kept in (fresh_ring, long_talk):
        assert (lost[kept.pbx_call_id].state, lost[kept.pbx_call_id].lost_reason) != ("ended", "no_event")
    assert state_of(cast.owner) == AgentStatus.WRAP_UP  # the call is still to be written up
    assert [c.call.id for c in board.live_calls(now)] == [long_talk.id]
    assert [c.call.id for c in board.ringing(now, 15)] == [fresh_ring.id]
    # Nothing more to close: running again changes nothing.
    assert hotline.close_lost_calls(now, ringing_after=RINGING_AFTER, answered_after=ANSWERED_AFTER) == 0


def test_a_correction_callback_waiting_for_its_agent_is_never_lost(cast):
    now = utcnow()
    call = Call(direction="out", called_number=OWNER_MOBILE, agent_id=cast.owner.id, state="ringing",
                ringing_at=now - timedelta(days=1), created_at=now - timedelta(days=1))
    db.session.add(call)
    db.session.commit()
    assert hotline.close_lost_calls(now, ringing_after=RINGING_AFTER, answered_after=ANSWERED_AFTER) == 0


def test_the_worker_job_closes_lost_calls_by_the_settings(app, cast):
    add_pbx()
    now = utcnow()
    switchboard_call(cast.owner, "job-stale", at=now - timedelta(minutes=3))
    job = job_named("close-lost-calls")
    settings = {**app.config, "CALL_ANSWERED_LOST_MINUTES": 2}
    assert "1" in job.run(now, settings)
    db.session.expire_all()
    assert db.session.scalar(select(Call.lost_reason).where(Call.pbx_call_id == "job-stale")) == "no_event"


def test_two_workers_closing_at_once_close_each_call_once(app, cast):
    add_pbx()
    now = utcnow()
    for n in range(4):
        switchboard_call(cast.owner, f"race-{n}", at=now - timedelta(minutes=30), answered=False)
    db.session.commit()

    def close(_n):
        return hotline.close_lost_calls(now, ringing_after=RINGING_AFTER, answered_after=ANSWERED_AFTER)

    assert sum(in_threads(app, close, 3)) == 4
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Call.id)).where(Call.lost_reason == "no_event")) == 4


def test_the_demo_never_shows_calls_ringing_for_ever(app):
    """seed-demo's calls going on are fresh at each run; those of an earlier run are closed as lost."""
    from kiosk.devtools.demo import LIVE_CALLS, refresh_live_calls, seed_demo

    start = utcnow()
    seed_demo(start)
    later = start + timedelta(hours=3)
    refresh_live_calls(later, app.config)
    db.session.expire_all()
    open_calls = db.session.scalars(select(Call).where(Call.state != "ended", Call.direction == "in")).all()
    assert len(open_calls) == len(LIVE_CALLS)
    assert all(later - (c.answered_at or c.ringing_at) < timedelta(minutes=5) for c in open_calls)
    lost = db.session.scalars(select(Call).where(Call.lost_reason == "no_event")).all()
    assert len(lost) == len(LIVE_CALLS)
