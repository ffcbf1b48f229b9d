"""Seed 003 §2(11): keep calls within three minutes; seed 003 §2(2)(1): answer within three rings."""

import pytest

from kiosk.domain.call_timer import (
    AMBER_FROM_SECONDS,
    CALL_LIMIT_SECONDS,
    CALL_TIMER,
    THREE_RINGS_SECONDS,
    Thresholds,
    TimerColour,
    answered_within_rings,
    is_over_three_minutes,
    ring_wait_colour,
    ring_wait_thresholds,
    rings_before_answer,
    timer_colour,
)


def test_the_limits_are_three_minutes_and_a_half_minute_warning():
    assert CALL_LIMIT_SECONDS == 180
    assert AMBER_FROM_SECONDS == 150


@pytest.mark.parametrize("elapsed", [0, 1, 60, 149, 149.9])
def test_timer_is_calm_in_the_first_two_and_a_half_minutes(elapsed):
    assert timer_colour(elapsed) is TimerColour.CALM


@pytest.mark.parametrize("elapsed", [150, 165, 179.9, 180])
def test_timer_turns_amber_in_the_last_half_minute(elapsed):
    assert timer_colour(elapsed) is TimerColour.AMBER


@pytest.mark.parametrize("elapsed", [180.1, 181, 600])
def test_timer_turns_red_after_three_minutes(elapsed):
    assert timer_colour(elapsed) is TimerColour.RED


def test_clock_skew_below_zero_counts_as_calm():
    assert timer_colour(-2) is TimerColour.CALM


def test_colours_compare_equal_to_their_css_names():
    assert timer_colour(10) == "calm"
    assert timer_colour(170) == "amber"
    assert timer_colour(200) == "red"


def test_a_call_of_exactly_three_minutes_is_within_the_rule():
    assert not is_over_three_minutes(180)
    assert is_over_three_minutes(181)


def test_three_rings_are_fifteen_seconds_by_default():
    assert THREE_RINGS_SECONDS == 15


@pytest.mark.parametrize(
    ("seconds", "within"), [(0, True), (8, True), (15, True), (15.1, False), (30, False)]
)
def test_answered_within_three_rings(seconds, within):
    assert answered_within_rings(seconds) is within


def test_ring_target_is_a_setting():
    assert answered_within_rings(10, target_seconds=9) is False
    assert answered_within_rings(10, target_seconds=12) is True


def test_negative_ring_times_are_rejected():
    with pytest.raises(ValueError):
        answered_within_rings(-1)
    with pytest.raises(ValueError):
        rings_before_answer(-1)


@pytest.mark.parametrize(
    ("seconds", "rings"), [(0, 1), (3, 1), (5, 1), (5.1, 2), (10, 2), (15, 3), (15.1, 4)]
)
def test_rings_heard_before_pick_up(seconds, rings):
    assert rings_before_answer(seconds) == rings


def test_rings_heard_agrees_with_the_three_ring_rule():
    for tenth in range(0, 400):
        seconds = tenth / 10
        assert answered_within_rings(seconds) is (rings_before_answer(seconds) <= 3)


# --- a caller still waiting, on the supervisor's board (seed 003 §2(2)(1)) ---------------------------


@pytest.mark.parametrize(("waited", "colour"), [(0, "calm"), (9.9, "calm"), (10, "amber"), (15, "amber"),
                                               (15.1, "red"), (40, "red")])
def test_a_ringing_caller_is_calm_for_two_rings_amber_on_the_third_and_red_past_the_target(waited, colour):
    assert ring_wait_colour(waited) == colour


def test_red_on_the_board_is_exactly_late_by_the_three_ring_rule():
    for waited in (14, 15, 15.5, 16, 30):
        assert (ring_wait_colour(waited) is TimerColour.RED) is not answered_within_rings(waited)


def test_the_ring_thresholds_follow_the_target_setting():
    assert ring_wait_thresholds(20) == Thresholds(15, 20)
    assert ring_wait_thresholds(3) == Thresholds(0, 3)  # a target shorter than one ring: amber at once
    with pytest.raises(ValueError):
        ring_wait_thresholds(-1)


def test_the_call_timer_thresholds_are_the_three_minute_rule():
    assert Thresholds(AMBER_FROM_SECONDS, CALL_LIMIT_SECONDS) == CALL_TIMER
    assert [CALL_TIMER.colour(s) for s in (149, 150, 180, 181)] == ["calm", "amber", "amber", "red"]
