"""Daily rollups: each closed Shanghai day counted once, by the same aggregate queries as any period.

A period's counts are sums of its days' counts (every measure is a count or a sum; the talk times are
kept as "calls per whole second", whose sum gives any period's p90). So a page sums the rolled-up closed
months and days of its periods (``KpiMonth``: each closed month's days summed once, so a month's trend is
a dozen rows per scope however busy the year was; ``KpiDay`` for the other days, the talk times as rows,
``KpiTalkDay``, summed by the database) and counts the other days from the rows, with the very queries of
``counts``:

* a day is rolled up only once it is closed: its last instant plus ``GRACE`` is past (a write that began
  before midnight has committed by then), so today, and yesterday for its first minutes, are always
  counted live; a day counted live is judged at the page's ``now`` exactly as before;
* a rollup is judged at the time it was counted, which for a closed day is the verdict at any later
  time: every "open past its deadline" test compares a deadline inside the day with a time after it;
* a write that touches a closed day marks it stale in its own transaction (``stale``); a stale day is
  counted live until the refresh counts it again, and a month with a stale day is summed from its days;
* a rollup counted with another three-ring target is not used.

What is counted as it is now, not per day (the households on file and the owner profiles, ``STANDING``),
is kept the same way: the refresh's count is read while no change has been marked since.

``refresh`` (the worker's ``kpi-rollups`` job, ``flask --app kiosk kpi-rollups``) counts the missing and
stale days of the last ``HORIZON_DAYS``, newest first, one day per transaction, then the closed months
among them, behind an advisory lock: two refreshes never interleave, so the marks a refresh reads are
exactly the changes it has seen.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, delete, func, literal_column, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from kiosk.clock import SHANGHAI
from kiosk.database import advisory_lock, unit_of_work, upsert
from kiosk.extensions import db
from kiosk.models.kpi import KpiDay, KpiMonth, KpiStaleDays, KpiStanding, KpiStandingMark, KpiTalkDay
from kiosk.services.kpi.counts import (
    TOTAL,
    ByPeriods,
    Grouping,
    answer_counts,
    call_counts,
    callback_counts,
    household_counts,
    profile_counts,
    report_counts,
    slip_counts,
    talk_counts,
    visit_counts,
    volume_counts,
)
from kiosk.services.kpi.dimensions import DIMENSIONS
from kiosk.services.kpi.fairness import replayed

ONE_DAY = timedelta(days=1)
#: How long after a day's end it may be rolled up (longer than any write transaction takes).
GRACE = timedelta(minutes=15)
#: How many days back ``refresh`` keeps rolled up: a month's trend and the year of visits before it.
HORIZON_DAYS = 800

Span = tuple[datetime, datetime]
Keyed = dict[object, dict]
"""``{key: {measure: value}}``: one group's measures per breakdown key (0 for the totals)."""


def _keyed(family: str, dimension: str) -> Grouping:
    """A breakdown's grouping without names (a day stores keys; names are read when the page is made)."""
    d = DIMENSIONS[family][dimension]
    return d.key, None, d.join


def merged(*parts: Keyed) -> Keyed:
    """Parts measuring different things of the same keys, as one (a key's measures from every part)."""
    out: Keyed = {}
    for part in parts:
        for key, values in part.items():
            out.setdefault(key, {}).update(values)
    return out


def _totals(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
    by = ByPeriods(spans)
    counted = merged(call_counts(by, None, None, ring_target), slip_counts(by, None, None, now),
                     callback_counts(by, None, None, now), answer_counts(by, None, None),
                     report_counts(by, None, None, now))
    return [{0: counted.get(i, {})} for i in range(len(spans))]


def _visits(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
    return [{0: {"visits": visits.get(0, {}).get("visits", 0)}} for visits in visit_counts(spans)]


def _talk(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
    counted = talk_counts(ByPeriods(spans))
    return [{0: counted[i]} if i in counted else {} for i in range(len(spans))]


def _work(dimension: str) -> Callable[[list[Span], datetime, float], list[Keyed]]:
    """Calls, talk times, slips and complaints, complaint answers, callbacks (and, but per project,
    incident reports) per agent, department or project."""

    def count(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
        out = []
        for start, end in spans:
            parts = [call_counts(_keyed("calls", dimension), start, end, ring_target),
                     talk_counts(_keyed("calls", dimension), start, end),
                     slip_counts(_keyed("slips", dimension), start, end, now),
                     answer_counts(_keyed("answers", dimension), start, end),
                     callback_counts(_keyed("callbacks", dimension), start, end, now)]
            if dimension in DIMENSIONS["incidents"]:
                parts.append(report_counts(_keyed("incidents", dimension), start, end, now))
            out.append(merged(*parts))
        return out

    return count


def _classes(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
    return [report_counts(_keyed("incidents", "class"), start, end, now) for start, end in spans]


def _project_visits(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
    return visit_counts(spans, _keyed("visits", "project"))


def _rotation(spans: list[Span], now: datetime, ring_target: float) -> list[Keyed]:
    """The sales office's day replayed (``fairness.replayed``), if it has one; not a sum: see ``rotation``."""
    out = []
    for start, _end in spans:
        day = start.astimezone(SHANGHAI).date()
        out.append({0: figures} if (figures := replayed(day, day).get(day)) is not None else {})
    return out


#: What a day keeps, by scope: the totals, the talk times, the visits (read over a year of days for each
#: period, so apart), each breakdown, the visits per project, the sales office's rotation and what came in.
SCOPES: dict[str, Callable[[list[Span], datetime, float], list[Keyed]]] = {
    "total": _totals,
    "visits": _visits,
    "talk": _talk,
    "agent": _work("agent"),
    "department": _work("department"),
    "project": _work("project"),
    "class": _classes,
    "project_visits": _project_visits,
    "rotation": _rotation,
    "volume": lambda spans, now, ring_target: volume_counts(spans),
}
#: The scopes whose closed months are kept summed too (``KpiMonth``): all but the rotation, which is
#: read day by day (a day's replay is not a sum).
MONTH_SCOPES = tuple(scope for scope in SCOPES if scope != "rotation")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def last_closed_day(now: datetime) -> date:
    """The newest day that may be rolled up at ``now``: it ended ``GRACE`` ago or earlier."""
    return (now - GRACE).astimezone(SHANGHAI).date() - ONE_DAY


def _add(into: Keyed, part: Keyed) -> None:
    """Add ``part``'s measures to ``into``'s, key by key (talk times: calls per second, added up)."""
    for key, values in part.items():
        target = into.setdefault(key, {})
        for measure, value in values.items():
            if measure == "talk":
                talk = target.get("talk")
                if talk is None:
                    target["talk"] = dict(value)
                    continue
                for seconds, calls in value.items():
                    talk[seconds] = talk.get(seconds, 0) + calls
            else:
                target[measure] = (target.get(measure) or 0) + (value or 0)


def _encode(keyed: Keyed) -> str:
    """As JSON, each key written as text ("" for no key: a row without a department, say); talk times
    (``{seconds: calls}``) as one flat list ``[seconds, calls, seconds, calls, …]``: JSON keys are text,
    and a list of pairs would be a small list per second to build and collect at every read."""
    def plain(values: dict) -> dict:
        talk = values.get("talk")
        return values if talk is None else {**values, "talk": [n for pair in sorted(talk.items())
                                                                for n in pair]}

    return json.dumps({"" if key is None else str(key): plain(values) for key, values in keyed.items()},
                      separators=(",", ":"))


def _decode(scope: str, text: str) -> Keyed:
    """``_encode`` read back: keys are ids (0 for the totals), but an incident class's (a letter). Talk
    times written as pairs ``[[seconds, calls], …]`` (the form before migration 5b0d7e21c9a4, which a
    worker still running the older code may write during a deploy) are read too."""
    key = str if scope == "class" else int
    out = {}
    for k, values in json.loads(text).items():
        if "talk" in values:
            talk = values["talk"]
            pairs = talk if talk and isinstance(talk[0], list) else zip(talk[::2], talk[1::2], strict=True)
            values["talk"] = {seconds: calls for seconds, calls in pairs}
        out[None if k == "" else key(k)] = values
    return out


def _unmarked(first, last) -> ColumnElement:
    """No stale mark overlaps the days ``first..last`` (columns): tested in the statement that reads the
    rollups, so a refresh that lands in between cannot pair a new mark with an old row or the reverse."""
    return ~select(KpiStaleDays.id).where(KpiStaleDays.first_day <= last, KpiStaleDays.last_day >= first
                                         ).exists()


def _rolled(scope: str, runs: list[tuple[date, date]], ring_target: float) -> dict[date, Keyed]:
    """The usable day rollups of ``scope`` on the (closed) days of ``runs``: counted with ``ring_target``
    and not marked stale."""
    if not runs:
        return {}
    rows = db.session.execute(select(KpiDay.day, KpiDay.counts).where(
        KpiDay.scope == scope, KpiDay.ring_target == ring_target, _unmarked(KpiDay.day, KpiDay.day),
        or_(*(and_(KpiDay.day >= a, KpiDay.day <= b) for a, b in runs))))
    return {day: _decode(scope, text) for day, text in rows}


def _rolled_months(scope: str, first: date, last: date, ring_target: float) -> dict[tuple[date, date], Keyed]:
    """The usable month rollups of ``scope`` inside the (closed) days ``first..last``: counted with
    ``ring_target``, no day of them marked stale."""
    if scope not in MONTH_SCOPES or first > last:
        return {}
    rows = db.session.execute(select(KpiMonth.first_day, KpiMonth.last_day, KpiMonth.counts).where(
        KpiMonth.scope == scope, KpiMonth.ring_target == ring_target, KpiMonth.first_day >= first,
        KpiMonth.last_day <= last, _unmarked(KpiMonth.first_day, KpiMonth.last_day)))
    return {(a, b): _decode(scope, text) for a, b, text in rows}


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days ``(first, last)``."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and runs[-1][1] + ONE_DAY == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


def _add_talk(totals: list[Keyed], cuts: list[date], rolled: dict[date, Keyed]) -> None:
    """The rolled-up days' talk times, summed per segment (between ``cuts``) by the database."""
    by_segment: dict[int, list[date]] = {}
    for day in rolled:
        by_segment.setdefault(bisect_right(cuts, day) - 1, []).append(day)
    parts = [select(literal_column(str(i)).label("k"), KpiTalkDay.seconds, func.sum(KpiTalkDay.calls))
             .where(or_(*(and_(KpiTalkDay.day >= a, KpiTalkDay.day <= b) for a, b in _runs(days))))
             .group_by(KpiTalkDay.seconds) for i, days in by_segment.items()]
    talk: dict[int, dict[int, int]] = {}
    for i, seconds, calls in db.session.execute(union_all(*parts)).all():
        talk.setdefault(i, {})[seconds] = calls
    for i, counted in talk.items():
        _add(totals[i], {0: {"talk": counted}})


def sums(scope: str, units: list[tuple[date, date]], now: datetime, ring_target: float) -> list[Keyed]:
    """``scope``'s counts summed over each of ``units`` (inclusive day ranges, possibly overlapping).

    The units' bounds cut the days into segments (each wholly inside or outside every unit); a segment
    is summed from the rolled-up months that lie wholly inside it, the rolled-up days of the rest, and
    the other days counted from the rows, one span per run of such days."""
    first, last = min(u[0] for u in units), max(u[1] for u in units)
    closed = min(last, last_closed_day(now))
    cuts = sorted({u[0] for u in units} | {u[1] + ONE_DAY for u in units})
    segments = list(zip(cuts, cuts[1:], strict=False))  # [start, end) day ranges
    wanted = [any(u[0] <= s and e <= u[1] + ONE_DAY for u in units) for s, e in segments]
    totals: list[Keyed] = [{} for _ in segments]
    covered: set[date] = set()
    for (a, b), keyed in _rolled_months(scope, first, closed, ring_target).items():
        i = bisect_right(cuts, a) - 1
        if wanted[i] and b < segments[i][1]:  # wholly inside one segment that a unit wants
            _add(totals[i], keyed)
            covered.update(_each_day(a, b))
    days = [day for i, (start, end) in enumerate(segments) if wanted[i]
            for day in _each_day(start, end - ONE_DAY) if day not in covered]
    rolled = _rolled(scope, _runs([day for day in days if day <= closed]), ring_target)
    live: list[tuple[int, date, date]] = []  # (segment, first day, day after)
    for day in days:
        if day in rolled:
            continue
        i = bisect_right(cuts, day) - 1
        if live and live[-1][0] == i and live[-1][2] == day:
            live[-1] = (i, live[-1][1], day + ONE_DAY)
        else:
            live.append((i, day, day + ONE_DAY))
    for day, keyed in rolled.items():
        _add(totals[bisect_right(cuts, day) - 1], keyed)
    if scope == "talk" and rolled:
        _add_talk(totals, cuts, rolled)
    if live:
        counted = SCOPES[scope]([(day_start(a), day_start(b)) for _, a, b in live], now, ring_target)
        for (i, _a, _b), keyed in zip(live, counted, strict=True):
            _add(totals[i], keyed)
    out = []
    for u_first, u_last in units:
        keyed: Keyed = {}
        for (start, end), part in zip(segments, totals, strict=True):
            if u_first <= start and end <= u_last + ONE_DAY:
                _add(keyed, part)
        out.append(keyed)
    return out


def rotation(first: date, last: date, now: datetime, ring_target: float) -> dict[date, dict]:
    """The sales office's days ``first..last`` as ``fairness.replayed`` gives them: the rolled-up days
    read, the others (one run from the first to the last of them) replayed."""
    closed = min(last, last_closed_day(now))
    rolled = _rolled("rotation", [(first, closed)] if first <= closed else [], ring_target)
    days = {day: keyed[0] for day, keyed in rolled.items() if 0 in keyed}
    live = [day for day in _each_day(first, last) if day not in rolled]
    if live:
        replays = replayed(live[0], live[-1])
        days.update({day: figures for day, figures in replays.items() if day not in rolled})
    return days


def _each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---- standing: counted as it is now ----------------------------------------------------------------------

#: The households on file and the owner profiles (their denominators and the complete ones), in total
#: and per project: not a sum of days (no history is kept), kept as one count since the last change.
STANDING: dict[str, Callable[[], Keyed]] = {
    "total": lambda: merged(household_counts(), profile_counts(TOTAL)),
    "project": lambda: merged(household_counts(_keyed("visits", "project")),
                               profile_counts(_keyed("owners", "project"))),
}


def standing(scope: str) -> Keyed:
    """``STANDING[scope]``'s counts: as the refresh kept them while no change has been marked since (one
    statement), else counted from the rows."""
    kept = db.session.scalar(select(KpiStanding.counts).where(
        KpiStanding.scope == scope, ~select(KpiStandingMark.id).exists()))
    return STANDING[scope]() if kept is None else _decode(scope, kept)


def _store_standing(now: datetime) -> None:
    """Take the marks and count again, if any change was marked or a count is missing."""
    marks = db.session.scalars(select(KpiStandingMark.id)).all()
    kept = db.session.scalar(select(func.count()).select_from(KpiStanding))
    if not marks and kept == len(STANDING):
        return
    if marks:
        db.session.execute(delete(KpiStandingMark).where(KpiStandingMark.id.in_(marks)))
    for scope, count in STANDING.items():
        counts = {"scope": scope, "counts": _encode(count()), "computed_at": now}
        db.session.execute(upsert(KpiStanding, ("scope",), counts))


# ---- refresh -------------------------------------------------------------------------------------------


def _next_day(oldest: date, newest: date, ring_target: float) -> date | None:
    """Take the stale marks (their days' rollups are dropped: missing, so counted again) and choose the
    newest day of ``oldest..newest`` without a complete, current rollup."""
    marks = db.session.execute(select(KpiStaleDays.id, KpiStaleDays.first_day, KpiStaleDays.last_day)).all()
    for _id, first, last in marks:
        db.session.execute(delete(KpiDay).where(KpiDay.day >= first, KpiDay.day <= last))
        db.session.execute(delete(KpiTalkDay).where(KpiTalkDay.day >= first, KpiTalkDay.day <= last))
        db.session.execute(delete(KpiMonth).where(KpiMonth.first_day <= last, KpiMonth.last_day >= first))
    if marks:
        db.session.execute(delete(KpiStaleDays).where(KpiStaleDays.id.in_([m.id for m in marks])))
    current = [KpiDay.day >= oldest, KpiDay.day <= newest, KpiDay.ring_target == ring_target]
    complete = set(db.session.scalars(
        select(KpiDay.day).where(*current).group_by(KpiDay.day).having(func.count() == len(SCOPES))))
    day = newest
    while day >= oldest:
        if day not in complete:
            return day
        day -= ONE_DAY
    return None


def _store(day: date, now: datetime, ring_target: float) -> None:
    span = [(day_start(day), day_start(day + ONE_DAY))]
    db.session.execute(delete(KpiTalkDay).where(KpiTalkDay.day == day))
    for scope, count in SCOPES.items():
        keyed = count(span, now, ring_target)[0]
        if scope == "talk":  # kept as rows (``KpiTalkDay``); the day's row says it is there
            talk = keyed.pop(0, {}).get("talk", {})
            if talk:
                db.session.execute(KpiTalkDay.__table__.insert(), [
                    {"day": day, "seconds": seconds, "calls": calls} for seconds, calls in talk.items()])
        text = _encode(keyed)
        db.session.execute(upsert(KpiDay, ("day", "scope"), {"day": day, "scope": scope, "counts": text,
                                                             "ring_target": ring_target, "computed_at": now}))


def _next_month(oldest: date, newest: date, ring_target: float) -> tuple[date, date] | None:
    """The newest calendar month inside ``oldest..newest`` without a complete, current rollup (called
    once every day there is rolled up: such a month's days all are)."""
    complete = set(db.session.scalars(
        select(KpiMonth.first_day).where(KpiMonth.first_day >= oldest, KpiMonth.ring_target == ring_target)
        .group_by(KpiMonth.first_day).having(func.count() == len(MONTH_SCOPES))))
    first = newest.replace(day=1)
    while first >= oldest:
        last = (first + timedelta(days=31)).replace(day=1) - ONE_DAY
        if last <= newest and first not in complete:
            return first, last
        first = (first - ONE_DAY).replace(day=1)
    return None


def _store_month(first: date, last: date, now: datetime, ring_target: float) -> None:
    """The month's days summed, scope by scope (``sums``: its days are rolled up, so it reads them)."""
    for scope in MONTH_SCOPES:
        text = _encode(sums(scope, [(first, last)], now, ring_target)[0])
        db.session.execute(upsert(KpiMonth, ("first_day", "scope"),
                                  {"first_day": first, "scope": scope, "last_day": last,
                                   "ring_target": ring_target, "counts": text, "computed_at": now}))


def refresh(now: datetime, ring_target: float, limit: int | None = None, horizon: int = HORIZON_DAYS) -> int:
    """Count the standing figures again if a change was marked; roll up the missing and stale closed days
    of the last ``horizon`` days (newest first, at most ``limit``), each in its own transaction behind the
    ``kpi-rollups`` lock; once no day is left, the closed months among them, one a transaction. Returns
    the days counted."""
    newest = last_closed_day(now)
    oldest = newest - timedelta(days=horizon - 1)
    with unit_of_work():
        advisory_lock("kpi-rollups")
        _store_standing(now)
    done = 0
    while limit is None or done < limit:
        with unit_of_work():
            advisory_lock("kpi-rollups")
            day = _next_day(oldest, newest, ring_target)
            if day is not None:
                _store(day, now, ring_target)
            elif (month := _next_month(oldest, newest, ring_target)) is not None:
                _store_month(*month, now, ring_target)
            else:
                break
        if day is not None:
            done += 1
    return done
