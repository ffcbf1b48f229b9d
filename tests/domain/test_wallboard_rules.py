"""The wallboard's headline colours, as the procedures set them."""

from __future__ import annotations

import pytest

from kiosk.domain.call_timer import Thresholds, TimerColour
from kiosk.domain.wallboard import Headline, headline_colour

CALM, AMBER, RED = TimerColour.CALM, TimerColour.AMBER, TimerColour.RED
VISITORS = Thresholds(amber_from=20, red_after=40)


def colour(headline, value):
    return headline_colour(headline, value, ring_target_seconds=15, visitors=VISITORS)


@pytest.mark.parametrize(("waiting", "expected"), [(0, CALM), (1, AMBER), (2, AMBER), (3, RED)])
def test_three_callers_ringing_at_once_is_red(waiting, expected):
    assert colour(Headline.CALLS_WAITING, waiting) is expected


@pytest.mark.parametrize(("seconds", "expected"), [(0, CALM), (9, CALM), (10, AMBER), (15, AMBER), (16, RED)])
def test_the_longest_wait_turns_red_once_three_rings_have_passed(seconds, expected):
    assert colour(Headline.LONGEST_WAIT, seconds) is expected


@pytest.mark.parametrize(("share", "expected"),
                         [(1, CALM), (0.95, AMBER), (0.9, AMBER), (0.89, RED), (None, CALM)])
def test_answered_within_three_rings_is_calm_only_at_the_target_of_every_call(share, expected):
    assert colour(Headline.WITHIN_THREE_RINGS, share) is expected


@pytest.mark.parametrize(("count", "expected"), [(0, CALM), (1, AMBER), (3, AMBER), (4, RED)])
def test_calls_over_three_minutes_are_amber_then_red(count, expected):
    assert colour(Headline.OVER_THREE_MINUTES, count) is expected


@pytest.mark.parametrize("headline", [Headline.SLIPS_OVERDUE, Headline.OPEN_INCIDENTS])
def test_a_single_overdue_slip_or_open_incident_is_red(headline):
    assert (colour(headline, 0), colour(headline, 1)) == (CALM, RED)


def test_visitors_on_site_follow_the_sites_own_thresholds():
    assert [colour(Headline.VISITORS_ON_SITE, n) for n in (19, 20, 40, 41)] == [CALM, AMBER, AMBER, RED]
