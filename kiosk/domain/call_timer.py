"""The hotline call timer: the 3-minute rule and the three-ring rule.

* Seed 003 §2(11): "语言应简洁、明了，有意识的将通话时间控制在三分钟之内" -- keep calls within three
  minutes. The timer on the agent's console is calm until 2½ minutes, amber for the last 30 seconds,
  red once the three minutes are over.
* Seed 003 §2(2)(1) (and 篇3 §4): "来电时，应在三声内接听" -- answer within three rings. Rings are not
  counted by the switchboard we receive, only the seconds from the first ring to pick-up, so the rule is
  a time target: in China the ring-back cadence is 1 s on / 4 s off, a 5-second cycle, so three rings
  ≈ **15 seconds** (``THREE_RINGS_SECONDS``), a setting the caller may pass differently.

* A call still ringing is judged against the same target while the caller waits (the supervisor board):
  calm during the first rings, amber once the last ring within the target has started (with 15 s and
  5-second cycles: from 10 s, the third ring), red once the target has passed -- the moment
  ``answered_within_rings`` would say "late".

Elapsed time comes from the server timestamp the browser ticks from (ENGINEERING.md "Live updates");
these functions only judge a number of seconds. Each colour rule is a pair of thresholds (``Thresholds``)
that the page hands to the browser's ticking script, so the thresholds live here only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

#: Seed 003 §2(11): calls kept within three minutes.
CALL_LIMIT_SECONDS = 180
#: The amber warning starts 30 seconds before the limit.
AMBER_FROM_SECONDS = 150
#: One ring cycle in China: 1 s ring, 4 s silence.
RING_CYCLE_SECONDS = 5
#: Seed 003 §2(2)(1): answer within three rings = 3 × 5 s.
THREE_RINGS_SECONDS = 3 * RING_CYCLE_SECONDS


class TimerColour(StrEnum):
    CALM = "calm"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Thresholds:
    """Calm below ``amber_from`` seconds, amber from there up to and including ``red_after``, red beyond."""

    amber_from: float
    red_after: float

    def colour(self, seconds: float) -> TimerColour:
        if seconds < self.amber_from:
            return TimerColour.CALM
        if seconds <= self.red_after:
            return TimerColour.AMBER
        return TimerColour.RED


#: Seed 003 §2(11): the call timer.
CALL_TIMER = Thresholds(AMBER_FROM_SECONDS, CALL_LIMIT_SECONDS)


def timer_colour(elapsed_seconds: float) -> TimerColour:
    """The colour of the call timer (seed 003 §2(11), the three-minute rule).

    calm below 150 s; amber from 150 s up to and including 180 s (still within three minutes); red
    beyond 180 s. A slightly negative value (browser/server clock skew) counts as 0, i.e. calm.
    """
    return CALL_TIMER.colour(elapsed_seconds)


def ring_wait_thresholds(target_seconds: float = THREE_RINGS_SECONDS,
                         ring_cycle_seconds: float = RING_CYCLE_SECONDS) -> Thresholds:
    """How long a ringing caller has waited, judged against the three-ring target (seed 003 §2(2)(1)).

    Amber from the start of the last ring still within the target (target minus one ring cycle: 10 s for
    15 s), red once the target has passed (16 s is late, as in ``answered_within_rings``).
    """
    if ring_cycle_seconds <= 0:
        raise ValueError("ring_cycle_seconds must be positive")
    if target_seconds < 0:
        raise ValueError(f"target_seconds must not be negative, got {target_seconds!r}")
    return Thresholds(max(0.0, target_seconds - ring_cycle_seconds), target_seconds)


def ring_wait_colour(waited_seconds: float, target_seconds: float = THREE_RINGS_SECONDS) -> TimerColour:
    """The colour of a ringing call's waiting time (seed 003 §2(2)(1)); see ``ring_wait_thresholds``."""
    return ring_wait_thresholds(target_seconds).colour(waited_seconds)


def is_over_three_minutes(duration_seconds: float) -> bool:
    """Did the call break the three-minute rule (seed 003 §2(11))? Exactly 180 s is still within."""
    return duration_seconds > CALL_LIMIT_SECONDS


def rings_before_answer(ring_seconds: float, ring_cycle_seconds: float = RING_CYCLE_SECONDS) -> int:
    """How many rings the caller heard (seed 003 §2(2)(1)): rings start at 0 s, 5 s, 10 s, ...

    A ring that starts exactly at pick-up is not heard, so 15 s is three rings, 15.1 s four; at least one.
    """
    if ring_cycle_seconds <= 0:
        raise ValueError("ring_cycle_seconds must be positive")
    if ring_seconds < 0:
        raise ValueError(f"ring_seconds must not be negative, got {ring_seconds!r}")
    return max(1, math.ceil(ring_seconds / ring_cycle_seconds))


def answered_within_rings(ring_seconds: float, target_seconds: float = THREE_RINGS_SECONDS) -> bool:
    """Answered within three rings (seed 003 §2(2)(1))? Picked up no later than ``target_seconds``.

    ``target_seconds`` defaults to 15 s (three 5-second ring cycles); exactly on target counts as on time.
    """
    if ring_seconds < 0:
        raise ValueError(f"ring_seconds must not be negative, got {ring_seconds!r}")
    if target_seconds < 0:
        raise ValueError(f"target_seconds must not be negative, got {target_seconds!r}")
    return ring_seconds <= target_seconds
