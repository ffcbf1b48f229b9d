"""The call log (通话记录): every call, filtered by day, agent, category, outcome, over three minutes and
answered within three rings (seed 003 §2(2)(1) 三声内接听, §2(11) 三分钟), a page at a time or exported.

Every read is bounded: a page is ``PER_PAGE`` calls, an export at most ``EXPORT_LIMIT``; the filters read
``ix_calls_kpi`` (created_at first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from kiosk.clock import SHANGHAI
from kiosk.domain.call_timer import CALL_LIMIT_SECONDS
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.people import Role, User, UserRole

PER_PAGE = 50
EXPORT_LIMIT = 10000


@dataclass(frozen=True)
class CallFilter:
    start: date | None = None  # Shanghai days, both included
    end: date | None = None
    agent_id: int | None = None
    category: str = ""
    outcome: str = ""
    over_three_minutes: bool | None = None
    within_rings: bool | None = None


@dataclass(frozen=True)
class CallPage:
    rows: list[Call]
    total: int
    page: int
    pages: int


def _where(f: CallFilter, ring_target_seconds: float) -> list:
    where = []
    if f.start is not None:
        where.append(Call.created_at >= datetime.combine(f.start, time(0), SHANGHAI))
    if f.end is not None:
        where.append(Call.created_at < datetime.combine(f.end + timedelta(days=1), time(0), SHANGHAI))
    if f.agent_id is not None:
        where.append(Call.agent_id == f.agent_id)
    if f.category:
        where.append(Call.category == f.category)
    if f.outcome:
        where.append(Call.disposition == f.outcome)
    if f.over_three_minutes is not None:
        over = Call.talk_seconds > CALL_LIMIT_SECONDS
        where.append(over if f.over_three_minutes else or_(Call.talk_seconds.is_(None), ~over))
    if f.within_rings is not None:
        met = and_(Call.answered_at.is_not(None), Call.ring_seconds <= ring_target_seconds)
        where.append(met if f.within_rings else ~met)
    return where


def _statement(f: CallFilter, ring_target_seconds: float):
    return (select(Call).where(*_where(f, ring_target_seconds))
            .options(selectinload(Call.agent), selectinload(Call.owner))
            .order_by(Call.created_at.desc(), Call.id.desc()))


def call_page(f: CallFilter, ring_target_seconds: float, page: int = 1) -> CallPage:
    """One page of the log, newest first."""
    total = db.session.scalar(select(func.count(Call.id)).where(*_where(f, ring_target_seconds))) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(1, page), pages)
    rows = db.session.scalars(_statement(f, ring_target_seconds).limit(PER_PAGE)
                              .offset((page - 1) * PER_PAGE)).all()
    return CallPage(list(rows), total, page, pages)


def export_rows(f: CallFilter, ring_target_seconds: float) -> list[Call]:
    """The calls to export, newest first, at most ``EXPORT_LIMIT``."""
    return list(db.session.scalars(_statement(f, ring_target_seconds).limit(EXPORT_LIMIT)))


def agents() -> list[User]:
    """Whoever may have taken a call: agents and supervisors, by name."""
    return list(db.session.scalars(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([Role.AGENT.value, Role.SUPERVISOR.value]))
        .order_by(User.display_name).distinct()))
