"""Questions asked of a day: its opening state, who is up next, who is last, the reception counts, whether
the table is in force (seed 001 制度1 第3、6、29、38、42–50条, 制度2 第1、4条)."""

from __future__ import annotations

from datetime import datetime, time

from kiosk.domain.rotation.events import Roster
from kiosk.domain.rotation.state import DayState
from kiosk.domain.rotation.vocabulary import Presence


def start_day(roster: Roster) -> DayState:
    """The state at opening: the queue is the day's table order (seed 001 制度1 第3、6条)."""
    present = set(roster.order if roster.present_at_opening is None else roster.present_at_opening)
    people = list(roster.order) + [p for p in sorted(present) if p not in roster.order]
    presence = tuple((p, Presence.AT_DESK if p in present else Presence.LEFT) for p in people)
    return DayState(roster=roster, queue=tuple(people), presence=presence)


def up_next(state: DayState, n: int = 3) -> tuple[str, ...]:
    """一接、二接、三接…: the first ``n`` available people in queue order (seed 001 制度2 第1、4条)."""
    return tuple(p for p in state.queue if state.is_available(p))[:n]


def first_up(state: DayState) -> str | None:
    """一接 / 当值: who receives the next new customer, or ``None`` if nobody is at the desk (制度1 第6条)."""
    nxt = up_next(state, 1)
    return nxt[0] if nxt else None


def last_in_rotation(state: DayState) -> str | None:
    """末位: the last available person in the queue (制度1 第29、38条)."""
    available = [p for p in state.queue if state.is_available(p)]
    return available[-1] if available else None


def reception_counts(state: DayState) -> dict[str, int]:
    """接待次数 per salesperson: counted receptions only (seed 001 制度1 第六章 第42–50条)."""
    counts = {p: 0 for p in state.queue}
    for a in state.assignments:
        if a.counts and a.receiver is not None:
            counts[a.receiver] = counts.get(a.receiver, 0) + 1
    return counts


def in_window(window: tuple[time, time] | None, at: datetime) -> bool:
    """Is ``at`` inside ``window`` (a shift, possibly across midnight)? ``None`` is no shift."""
    if window is None:
        return False
    start, end = window
    t = at.time()
    if start <= end:
        return start <= t < end
    return t >= start or t < end  # a shift across midnight


def table_in_force(roster: Roster, at: datetime) -> bool:
    """Is the day's table in force at ``at``: in the working hours or the on-call shift (制度1 第43、48条)?

    Our reading for the kiosk: outside both, the people on the table may have gone home, so a tablet
    must not name one of them; the reception desk receives the buyer and the sales supervisor, who sees
    that every visitor is received (制度1 第4条), is told. A reception stored outside the hours (by
    hand) is still decided by 第43条.
    """
    start, end = roster.working_hours
    return start <= at.time() < end or in_window(roster.on_call_shift, at)
