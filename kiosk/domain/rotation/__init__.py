"""Sales-office reception rotation (轮值表) — a pure, event-sourced engine.

Source: seed 001 (``shared/seeds/001_ec8d6fb4b1b403f7.txt``), 制度1 chapters 2–6 (第3–50条) and the
一接/二接/三接 variant 制度2 (第1–9条). Every decision the engine takes carries the article that
decided it, written as ``"制度1 第12条"`` or ``"制度2 第7条"``.

Model
-----
* The day starts from a :class:`Roster` (the day's 客户轮值表). The live rotation is a queue: its
  head is first up (一接), then 二接, 三接 … (seed 001 制度2 第1条). After a reception that *counts
  as a rotation turn* the receiver marks it and goes to the end of the queue (seed 001 制度1
  第3、6、27条).
* The state of a day is derived only by folding events (:func:`apply`, :func:`replay`); nothing
  reads the clock. The stream order is authoritative: :func:`replay` applies events in the order
  given.
* When a rotation turn is taken, every unavailable person ahead of the receiver forfeits that turn
  and goes to the end (seed 001 制度1 第9条; 制度2 第7条 "视为轮空,不予补排"). The forfeit is
  recorded as a :class:`MissedTurn`; it may be made up by the supervisor (:class:`MakeUpGranted`)
  only when the absence was company business or work assigned by a leader (制度1 第8、9条, 制度2
  第7条). Make-up puts the person back at the head of the queue.

Readings chosen where the seed is ambiguous (each is tested)
-------------------------------------------------------------
* 制度1 第11条 (named salesperson): a reception by a salesperson the customer named never moves
  that salesperson in the queue. If their turn has not come yet they keep it ("继续按轮值顺序接待");
  if it has already passed they are simply in the next round ("自动转到下一轮") — in a queue both
  mean "position unchanged". This holds even when the named reception counts (a new customer brought
  by an old one and naming them, 第49条): the lead was earned, it does not cost the walk-in turn.
* 制度1 第12条: when the named salesperson is present, the on-duty person hands the customer over,
  keeps their place, and the hand-over is recorded as an assist for them (not a reception). When the
  named salesperson is absent, the on-duty person serves; that is an assist for the absent
  salesperson, does not count, and keeps the on-duty place.
* 制度1 第17条 / 第13条: a returning customer whose ``last_contact`` is more than one calendar
  month before the visit is a new customer and goes to the on-duty person even if a salesperson is
  named (the lead has lapsed). When ``last_contact`` is unknown (``None``) the customer is treated
  as still tracked.
* Receptions that do not count (outside working hours 第43条, on-call shift 第48条, named old
  customers 第44/47条) never move anyone in the queue: an uncounted reception neither costs nor
  earns a turn.
* Visits not about buying — clearly unrelated to sales (第29条), looking for someone and promotion
  (第44条), company staff (第45条) — are handled by the last in rotation; the on-duty person keeps
  their place.
* Peers (同行): 制度1 第29条 counts them in rotation; 制度2 第7条 says peer research is received by
  the last and not counted. 制度1 is the default; a roster can opt into the 制度2 reading with
  ``peer_research_by_last=True``.
* Old customers: 制度1 第44条 says a returning customer's visit does not count; 制度2 第8条 counts an
  old customer who has paid no 意向金/封樓費/定金 (phone appointments included) once for their
  salesperson. The engine follows 制度1 (the chapter the counting rules live in): whether a deposit was
  taken is not known when the group walks in, and the 制度2 reading would reward booking appointments
  over receiving walk-ins. A named new customer (an appointment made by phone) does count (第39条).
* Same customer again today (制度2 第8条, keyed by ``customer_key``) and a group that came together
  with an earlier group (制度1 第50条) go to the salesperson who already has them and do not count
  again. "仍算接待一次" is once, not never: a later visit of the same customer counts when no earlier
  one that day did (it came outside the working hours, say).
* Company staff (第45条): the seed only says it does not count; handling by the last in rotation is
  our choice.

Layout
------
``vocabulary`` (presence, customer kinds, outcomes), ``events`` (the roster and the events), ``state`` (what
folding derives), ``queries`` (who is up next, reception counts...), ``planning`` (the decision for one
customer group, :func:`assign`) and ``folding`` (:func:`apply`, one handler per event type; :func:`replay`).
This package re-exports the public names: import them from ``kiosk.domain.rotation``.
"""

from kiosk.domain.rotation.events import (
    AssistRecorded,
    AwayOnCompanyBusiness,
    BackAtDesk,
    BusyWithOtherWork,
    CustomerArrived,
    Event,
    HoursSet,
    MakeUpGranted,
    OnLeave,
    Reassigned,
    Reordered,
    Roster,
    SalesCall,
    SalespersonArrived,
    SalespersonLeft,
)
from kiosk.domain.rotation.folding import apply, next_day_order, replay
from kiosk.domain.rotation.planning import assign
from kiosk.domain.rotation.queries import (
    first_up,
    last_in_rotation,
    reception_counts,
    start_day,
    table_in_force,
    up_next,
)
from kiosk.domain.rotation.state import Assignment, Assist, CallAnswer, DayState, Decision, MissedTurn
from kiosk.domain.rotation.vocabulary import BuyerSays, CustomerKind, Outcome, Presence, kind_from_kiosk

__all__ = [
    "Assignment",
    "Assist",
    "AssistRecorded",
    "AwayOnCompanyBusiness",
    "BackAtDesk",
    "BusyWithOtherWork",
    "BuyerSays",
    "CallAnswer",
    "CustomerArrived",
    "CustomerKind",
    "DayState",
    "Decision",
    "Event",
    "HoursSet",
    "MakeUpGranted",
    "MissedTurn",
    "OnLeave",
    "Outcome",
    "Presence",
    "Reassigned",
    "Reordered",
    "Roster",
    "SalesCall",
    "SalespersonArrived",
    "SalespersonLeft",
    "apply",
    "assign",
    "first_up",
    "kind_from_kiosk",
    "last_in_rotation",
    "next_day_order",
    "reception_counts",
    "replay",
    "start_day",
    "table_in_force",
    "up_next",
]
