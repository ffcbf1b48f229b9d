"""Rotation fairness: each day of the sales office replayed by the engine (a closed day once: ``daily``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.domain import kpi as rules
from kiosk.domain.kpi import KpiCode
from kiosk.domain.rotation import reception_counts, replay
from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.models.rotation import RotationDay
from kiosk.services import rotation
from kiosk.services.kpi.values import KpiValue


@dataclass
class SalespersonRow:
    user_id: int
    name: str
    days: int = 0  # days on the table
    days_present: int = 0  # days at the desk all day
    turns: int = 0  # rotation turns taken (took_turn)
    receptions: int = 0  # receptions that count (接待次数, 制度1 第六章)


@dataclass(frozen=True)
class RotationDays:
    spreads: dict[date, int | None]
    people: list[SalespersonRow]


def replayed(start: date, end: date, office: str = rotation.DEFAULT_OFFICE) -> dict[date, dict]:
    """Every stored day of the office between two dates (inclusive), replayed once each: its spread
    (``day_rotation_spread``) and, per salesperson on the table, ``[present all day, turns, receptions]``."""
    rows = db.session.scalars(
        select(RotationDay).where(RotationDay.office == office, RotationDay.day.between(start, end))
        .order_by(RotationDay.day).options(selectinload(RotationDay.events))
    ).all()
    out = {}
    for row in rows:
        events = [rotation.decode(e) for e in row.events]
        state = replay(rotation.roster_of(row), events)
        present = rules.present_all_day(state, events)
        turns, counted = rules.rotation_turns(state), reception_counts(state)
        out[row.day] = {"spread": rules.day_rotation_spread(state, events),
                        "people": {person: [person in present, turns.get(person, 0), counted.get(person, 0)]
                                   for person in state.queue}}
    return out


def rotation_days(days: dict[date, dict], *, people_from: date | None = None) -> RotationDays:
    """The spreads of replayed ``days`` (``replayed``) and their salespeople, summed.

    ``people`` sums the days from ``people_from`` on (default: all of them): a day's report charts the
    fortnight before it but tables the salespeople of that day only.
    """
    people: dict[str, SalespersonRow] = {}
    for day in sorted(days):
        if people_from is not None and day < people_from:
            continue
        for person, (present, turns, receptions) in days[day]["people"].items():
            entry = people.setdefault(person, SalespersonRow(rotation.uid(person), ""))
            entry.days += 1
            entry.days_present += present
            entry.turns += turns
            entry.receptions += receptions
    names = dict(db.session.execute(select(User.id, User.display_name).where(
        User.id.in_([p.user_id for p in people.values()]))).all()) if people else {}
    for entry in people.values():
        entry.name = names.get(entry.user_id, str(entry.user_id))
    return RotationDays({day: figures["spread"] for day, figures in days.items()},
                        sorted(people.values(), key=lambda p: (-p.turns, p.name)))


def fairness_of(spreads: Iterable[int | None]) -> KpiValue:
    known = [s for s in spreads if s is not None]
    return KpiValue(KpiCode.ROTATION_FAIRNESS, max(known) if known else None, len(known))
