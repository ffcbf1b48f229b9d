"""What folding the events derives: receptions, assists, missed turns, calls, the audit trail, and the
day's state (seed 001 制度1 第9、10、27、28、38、46条)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.rotation.events import Roster
from kiosk.domain.rotation.vocabulary import CustomerKind, Outcome, Presence


@dataclass(frozen=True)
class Assignment:
    """Who received a customer group and why (制度1 第27、28条: the reception is marked and registered).

    ``article`` decided the receiver; ``count_article`` decided whether it counts (第六章). ``assist_for``
    is set when the receiver served on someone else's behalf (第12条). ``took_turn`` is true when the
    reception used the receiver's rotation turn and sent them to the end of the queue (第27条).
    """

    group_id: str
    receiver: str | None
    counts: bool
    article: str
    explanation_zh: str
    assist_for: str | None = None
    count_article: str = ""
    outcome: Outcome = Outcome.RECEIVED
    took_turn: bool = False
    at: datetime | None = None
    kind: CustomerKind = CustomerKind.NEW_WALK_IN
    customer_key: str | None = None


@dataclass(frozen=True)
class Assist:
    """An assist: not a reception, the assistant keeps their turn (制度1 第12、15、18、46条)."""

    at: datetime
    assistant: str
    group_id: str
    assist_for: str | None
    article: str


@dataclass(frozen=True)
class MissedTurn:
    """A forfeited turn (制度1 第9条, 制度2 第7条); ``make_up_eligible`` when company/leader business."""

    at: datetime
    salesperson: str
    group_id: str
    presence: Presence
    make_up_eligible: bool
    made_up: bool = False


@dataclass(frozen=True)
class CallAnswer:
    """A sales call and who answered it (制度1 第38条)."""

    at: datetime
    call_id: str
    answerer: str | None
    article: str


@dataclass(frozen=True)
class Decision:
    """One line of the audit trail: what an event did and the article behind it."""

    at: datetime
    event: str
    article: str
    explanation_zh: str
    accepted: bool = True


@dataclass(frozen=True)
class DayState:
    """The derived state of one day; build it with :func:`start_day` / :func:`replay`, never by hand."""

    roster: Roster
    queue: tuple[str, ...]
    presence: tuple[tuple[str, Presence], ...]
    assignments: tuple[Assignment, ...] = ()
    assists: tuple[Assist, ...] = ()
    missed_turns: tuple[MissedTurn, ...] = ()
    calls: tuple[CallAnswer, ...] = ()
    log: tuple[Decision, ...] = field(default=())
    last_receiver: str | None = None

    def presence_of(self, salesperson: str) -> Presence:
        """Where ``salesperson`` is; unknown people are not on the floor (制度1 第9条)."""
        for who, where in self.presence:
            if who == salesperson:
                return where
        return Presence.LEFT

    def is_available(self, salesperson: str) -> bool:
        """Present at the desk and free to receive (制度1 第9条, 制度2 第7条)."""
        return self.presence_of(salesperson) is Presence.AT_DESK

    def received(self, group_id: str) -> Assignment | None:
        """The reception of ``group_id``, if it was received today."""
        for a in self.assignments:
            if a.group_id == group_id and a.outcome is Outcome.RECEIVED:
                return a
        return None
