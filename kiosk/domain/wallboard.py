"""The wallboard's headline numbers and the colour each takes, read from across the room.

Each number is judged by a pair of thresholds (``call_timer.Thresholds``: calm below ``amber_from``,
amber up to and including ``red_after``, red beyond), taken from the procedure it watches:

* **Calls waiting** (seed 003 §2(2)(1) "三声内接听"): one or two callers ringing is a busy moment, three or
  more means callers are not being answered within three rings.
* **Longest wait** (seed 003 §2(2)(1)): ``call_timer.ring_wait_thresholds`` -- amber from the third ring,
  red once the three-ring target has passed.
* **Answered within three rings today** (seed 003 §2(2)(1); KPI target 100 %, ``kpi``): judged by the
  share *missed*: none missed is calm, up to one in ten amber (``THREE_RINGS_MISSED``), more red.
* **Calls over three minutes today** (seed 003 §2(11) "将通话时间控制在三分钟之内"; KPI target 0): none is
  calm, a few (up to ``OVER_THREE_MINUTES.red_after``) amber, more red.
* **Slips overdue** (seed 004 §2 "常规问题 1 天内、重大问题 3 天内答复", seed 003 篇3 §12): every item has
  its deadline, so a single overdue slip is red.
* **Open incidents** (seed 000 §3: the named role is alerted at once): a single open incident is red.
* **Visitors on site** (seed 000 §1, the front desk receives every visitor): how busy the lobby is; the
  thresholds are the deployment's (``WALL_VISITORS_AMBER`` / ``WALL_VISITORS_RED`` settings: people on
  site), since only the site knows how many its lobby and meeting rooms take.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.call_timer import Thresholds, TimerColour, ring_wait_thresholds


class Headline(StrEnum):
    CALLS_WAITING = "calls_waiting"
    LONGEST_WAIT = "longest_wait"
    WITHIN_THREE_RINGS = "within_three_rings"
    OVER_THREE_MINUTES = "over_three_minutes"
    SLIPS_OVERDUE = "slips_overdue"
    OPEN_INCIDENTS = "open_incidents"
    VISITORS_ON_SITE = "visitors_on_site"


#: Seed 003 §2(2)(1): callers ringing at once.
CALLS_WAITING = Thresholds(amber_from=1, red_after=2)
#: Seed 003 §2(2)(1), KPI target 100 %: the share of today's answered calls *not* within three rings.
THREE_RINGS_MISSED = Thresholds(amber_from=0.000001, red_after=0.10)
#: Seed 003 §2(11), KPI target 0: today's calls longer than three minutes.
OVER_THREE_MINUTES = Thresholds(amber_from=1, red_after=3)
#: Seed 004 §2, seed 000 §3: any overdue slip, any open incident, is red.
ANY_IS_RED = Thresholds(amber_from=1, red_after=0)


def headline_colour(headline: Headline, value: float | None, *, ring_target_seconds: float,
                    visitors: Thresholds) -> TimerColour:
    """The colour of one headline number (see the module's list). ``value`` is a count, seconds (longest
    wait), or the share answered within three rings (0..1, ``None`` when no call was answered today:
    nothing to judge, calm)."""
    if value is None:
        return TimerColour.CALM
    if headline is Headline.WITHIN_THREE_RINGS:
        return THREE_RINGS_MISSED.colour(1 - value)
    thresholds = {
        Headline.CALLS_WAITING: CALLS_WAITING,
        Headline.LONGEST_WAIT: ring_wait_thresholds(ring_target_seconds),
        Headline.OVER_THREE_MINUTES: OVER_THREE_MINUTES,
        Headline.SLIPS_OVERDUE: ANY_IS_RED,
        Headline.OPEN_INCIDENTS: ANY_IS_RED,
        Headline.VISITORS_ON_SITE: visitors,
    }[headline]
    return thresholds.colour(value)
