"""Callbacks falling due (seed 001 制度3 §5 periodic callbacks, seed 003 §2(1) the callback after a resolved
slip): each agent is told once a morning how many are due today and how many are overdue, through the
same routing table as every alert, and never twice however many workers run the job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from kiosk.database import unit_of_work
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind
from kiosk.models.messaging import OutboxMessage
from kiosk.models.notifications import Notification
from kiosk.services import delivery, tasks
from tests.kiosk_support import scalars
from tests.messaging_support import BASE_URL, deliver
from tests.support import freeze_clock, in_threads

MORNING = datetime(2026, 12, 4, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


def _agent(make_user, wecom_userid: str):
    agent = make_user("agent")
    delivery.save_preference(agent, mobile=None, email=None, wecom_userid=wecom_userid,
                             channels=["wecom_app"], quiet_from=None, quiet_to=None)
    return agent


def _callback(due_at: datetime, agent=None) -> None:
    with unit_of_work():
        db.session.add(Callback(kind=CallbackKind.PERIODIC.value, agent_id=agent.id if agent else None,
                                due_at=due_at, created_at=due_at - timedelta(days=30)))


@pytest.fixture
def day(monkeypatch, make_user):
    """Two agents with WeCom; shared callbacks due today (one at 09:00) and two days ago (overdue),
    one of agent A's own due this afternoon, one due tomorrow (not today's)."""
    freeze_clock(monkeypatch, MORNING)
    a = _agent(make_user, "agent-a")
    b = _agent(make_user, "agent-b")
    _callback(datetime(2026, 12, 4, 1, 0, tzinfo=UTC))
    _callback(datetime(2026, 12, 2, 1, 0, tzinfo=UTC))
    _callback(datetime(2026, 12, 4, 7, 0, tzinfo=UTC), agent=a)
    _callback(datetime(2026, 12, 5, 1, 0, tzinfo=UTC))
    return a, b


def test_each_agent_gets_one_digest_of_the_days_callbacks_with_the_overdue_ones(
    app, channels, standin, day
):
    a, b = day

    assert tasks.tell_callbacks_due(MORNING) == 2

    told = scalars(select(Notification).where(Notification.kind == "callback_due"))
    titles = {n.user_id: n.title for n in told}
    assert titles == {a.id: "今日待回访 3 个，其中逾期 1 个", b.id: "今日待回访 2 个，其中逾期 1 个"}
    assert deliver(app, MORNING).counts == {"sent": 2}
    texts = sorted(m.body["markdown"]["content"] for m in standin.messages("/cgi-bin/message/send"))
    assert texts[0] == ("**今日待回访 2 个，其中逾期 1 个**\n> 请在“我的回访”中逐个回访并记录结果。\n"
                        f"[查看并确认]({BASE_URL}/tasks/callbacks)")


def test_the_digest_goes_once_a_day_however_many_workers_run_it(app, channels, day):
    results = in_threads(app, lambda n: tasks.tell_callbacks_due(MORNING), 3)

    assert sum(results) == 2
    assert tasks.tell_callbacks_due(MORNING + timedelta(hours=5)) == 0  # later the same day: nothing again
    assert len(scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "callback_due"))) == 2
    assert tasks.tell_callbacks_due(MORNING + timedelta(days=1)) == 2  # the next morning: a new digest


def test_admins_route_the_digest_like_any_alert(app, channels, day):
    delivery.set_routes({("callback_due", "email")})

    tasks.tell_callbacks_due(MORNING)

    assert scalars(select(OutboxMessage.id).where(OutboxMessage.kind == "callback_due")) == []
    assert len(scalars(select(Notification.id).where(Notification.kind == "callback_due"))) == 2  # the bell


def test_an_agent_with_nothing_due_today_is_not_told(app, channels, monkeypatch, make_user):
    freeze_clock(monkeypatch, MORNING)
    _agent(make_user, "agent-a")
    _callback(datetime(2026, 12, 5, 1, 0, tzinfo=UTC))

    assert tasks.tell_callbacks_due(MORNING) == 0
