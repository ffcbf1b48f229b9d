"""Who may move a task slip from which status to which (DOMAIN.md §4, seed 003 §2(1), §2(3)).

new → dispatched → accepted (签收) or rejected with a reason (back to the dispatcher) → in progress →
waiting on the owner (the deadline clock pauses) → resolved → called back → closed; a failed callback
reopens the slip.

The people around a slip, as seen by one viewer (``Party``):

* ``OWNER`` -- the first-contact owner (首问责任人, seed 003 §2(3)): the agent who opened it follows it
  to the end: dispatches it, calls the caller back, closes or reopens it.
* ``DEPARTMENT`` -- staff of the department the slip is dispatched to: accept or reject, work, resolve.
* ``SUPERVISOR`` -- watches every slip: dispatches, reassigns, changes priority or deadline (with a
  reason), may do the owner's moves when the owner is away.
* ``ADMIN`` -- may do what a supervisor may.

Pure: no Flask, no SQLAlchemy. The service asks ``check(action, status, parties)`` and moves the slip to
``target(action, status)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.callbacks import CallbackResult


class Status(StrEnum):
    """A slip's states; the models use this enum as ``kiosk.models.tasks.SlipStatus``."""

    NEW = "new"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    IN_PROGRESS = "in_progress"
    WAITING_ON_OWNER = "waiting_on_owner"
    RESOLVED = "resolved"
    CALLED_BACK = "called_back"
    CLOSED = "closed"


class Party(StrEnum):
    OWNER = "owner"
    DEPARTMENT = "department"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Action(StrEnum):
    DISPATCH = "dispatch"
    REASSIGN = "reassign"
    ACCEPT = "accept"
    REJECT = "reject"
    START = "start"
    WAIT = "wait"
    RESUME = "resume"
    NOTE = "note"
    RESOLVE = "resolve"
    CALLBACK = "callback"
    CLOSE = "close"
    REOPEN = "reopen"
    PRIORITY = "priority"
    DEADLINE = "deadline"


S = Status
P = Party
OPEN = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.WAITING_ON_OWNER})
"""Statuses in which the slip is still being worked (its deadline matters, unless paused)."""
CLOCK_RUNNING = OPEN - {S.WAITING_ON_OWNER}
"""Statuses in which the deadline clock runs: waiting on the owner pauses it."""
DONE = frozenset({S.RESOLVED, S.CALLED_BACK, S.CLOSED})
STAYS = None  # the action leaves the status as it is


@dataclass(frozen=True)
class Rule:
    sources: frozenset[Status]
    target: Status | None
    parties: frozenset[Party]
    needs_reason: bool = False


def _rule(sources, target, parties, needs_reason=False) -> Rule:
    return Rule(frozenset(sources), target, frozenset(parties) | {P.ADMIN}, needs_reason)


RULES: dict[Action, Rule] = {
    # The owner or a supervisor sends a new or rejected slip to a department.
    Action.DISPATCH: _rule({S.NEW, S.REJECTED}, S.DISPATCHED, {P.OWNER, P.SUPERVISOR}),
    # A supervisor moves a slip that is being worked to another department or person.
    Action.REASSIGN: _rule({S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS, S.WAITING_ON_OWNER}, S.DISPATCHED,
                           {P.SUPERVISOR}, needs_reason=True),
    # The department signs for it (签收) or sends it back with a reason.
    Action.ACCEPT: _rule({S.DISPATCHED}, S.ACCEPTED, {P.DEPARTMENT}),
    Action.REJECT: _rule({S.DISPATCHED}, S.REJECTED, {P.DEPARTMENT}, needs_reason=True),
    Action.START: _rule({S.ACCEPTED}, S.IN_PROGRESS, {P.DEPARTMENT}),
    # Waiting on the owner (not home, parts on order at the owner's request) pauses the clock.
    Action.WAIT: _rule({S.ACCEPTED, S.IN_PROGRESS}, S.WAITING_ON_OWNER, {P.DEPARTMENT}, needs_reason=True),
    Action.RESUME: _rule({S.WAITING_ON_OWNER}, S.IN_PROGRESS, {P.DEPARTMENT}),
    Action.NOTE: _rule(OPEN | {S.RESOLVED, S.CALLED_BACK}, STAYS, {P.OWNER, P.DEPARTMENT, P.SUPERVISOR},
                       needs_reason=True),
    Action.RESOLVE: _rule({S.ACCEPTED, S.IN_PROGRESS}, S.RESOLVED, {P.DEPARTMENT}, needs_reason=True),
    # The owner calls the caller back (结果跟踪回访, seed 003 §2(1)); a supervisor may stand in.
    Action.CALLBACK: _rule({S.RESOLVED}, S.CALLED_BACK, {P.OWNER, P.SUPERVISOR}),
    Action.CLOSE: _rule({S.CALLED_BACK}, S.CLOSED, {P.OWNER, P.SUPERVISOR}),
    # A failed callback or a complaint that comes back: the department works it again.
    Action.REOPEN: _rule(DONE, S.DISPATCHED, {P.OWNER, P.SUPERVISOR}, needs_reason=True),
    Action.PRIORITY: _rule(OPEN, STAYS, {P.SUPERVISOR}, needs_reason=True),
    Action.DEADLINE: _rule(OPEN, STAYS, {P.SUPERVISOR}, needs_reason=True),
}


class Refused(Exception):
    """The action is not allowed: ``because`` is "state" (not from this status) or "role" (not by you)."""

    def __init__(self, action: Action, status: Status, because: str):
        super().__init__(f"{action} refused from {status}: {because}")
        self.action, self.status, self.because = action, status, because


def allowed_from(action: Action, status: Status) -> bool:
    return Status(status) in RULES[Action(action)].sources


def may(action: Action, status: Status, parties: set[Party] | frozenset[Party]) -> bool:
    rule = RULES[Action(action)]
    return Status(status) in rule.sources and bool(rule.parties & set(parties))


def check(action: Action, status: Status, parties: set[Party] | frozenset[Party]) -> Status:
    """The status after ``action``, or ``Refused`` (state before role: a stale page learns what happened)."""
    action, status = Action(action), Status(status)
    rule = RULES[action]
    if status not in rule.sources:
        raise Refused(action, status, "state")
    if not rule.parties & set(parties):
        raise Refused(action, status, "role")
    return rule.target or status


def needs_reason(action: Action) -> bool:
    return RULES[Action(action)].needs_reason


def available(status: Status, parties: set[Party] | frozenset[Party]) -> list[Action]:
    """The actions this viewer may take on a slip in ``status``, in the table's order."""
    return [action for action in RULES if may(action, status, parties)]


def after_callback(result: CallbackResult, attempts_left: bool) -> list[Status]:
    """The statuses a resolved slip passes through when its callback is recorded, in order.

    * satisfied / basically satisfied: called back, then closed (DOMAIN.md §4);
    * unsatisfied: called back, then reopened -- back to the department (the issue: "reopen from a
      failed callback");
    * unreachable with attempts left (``CallbackRetryPolicy``): stays resolved, tried again later;
    * unreachable, attempts used up: closed as unreachable (the supervisor is told).
    """
    result = CallbackResult(result)
    if result.reached:
        return [S.CALLED_BACK, S.DISPATCHED if result.reopens else S.CLOSED]
    return [] if attempts_left else [S.CLOSED]
