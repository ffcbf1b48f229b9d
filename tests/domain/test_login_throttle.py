"""The login throttle's rules (kiosk.domain.login_throttle), one test per sentence of the rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.login_throttle import Attempt, ThrottlePolicy, Watched, backoff, bursting, verdict

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()
ATTACKER, DESK, OFFICE = "203.0.113.9", "10.1.1.20", "198.51.100.1"


def failures(address: str, count: int, at: datetime = NOW) -> list[Attempt]:
    return [Attempt(address, at) for _ in range(count)]


def decide(account_attempts=(), address_failures=(), address=ATTACKER, trusted=False, now=NOW,
           policy=POLICY):
    return verdict(account_attempts=list(account_attempts), address_failures=list(address_failures),
                   address=address, trusted=trusted, now=now, policy=policy)


def test_the_first_three_failures_cost_nothing():
    assert decide(failures(ATTACKER, 3)).allowed


@pytest.mark.parametrize(("streak", "seconds"), [
    (4, 1), (5, 2), (6, 4), (7, 8), (10, 64), (13, 512), (14, 900), (15, 900), (60, 900),
])
def test_each_further_failure_doubles_the_wait_up_to_fifteen_minutes(streak, seconds):
    assert backoff(streak, POLICY) == timedelta(seconds=seconds)
    assert decide(failures(ATTACKER, streak)).wait_seconds == seconds


def test_the_wait_runs_from_the_last_failure():
    attempts = failures(ATTACKER, 5, at=NOW - timedelta(seconds=1))  # wait 2 s from then
    assert decide(attempts).wait_seconds == 1
    assert decide(attempts, now=NOW + timedelta(seconds=1)).allowed


def test_the_owner_at_a_clean_address_is_not_held_by_an_attacker_elsewhere():
    hammering = failures(ATTACKER, 40)
    assert decide(hammering).wait_seconds == 900
    assert decide(hammering, address=DESK).allowed


def test_signing_in_from_an_address_clears_its_streak():
    attempts = [*failures(ATTACKER, 6, at=NOW - timedelta(minutes=2)),
                Attempt(ATTACKER, NOW - timedelta(minutes=1), succeeded=True), *failures(ATTACKER, 3)]
    assert decide(attempts).allowed


def test_a_sign_in_elsewhere_does_not_clear_the_attackers_streak():
    attempts = [*failures(ATTACKER, 6), Attempt(DESK, NOW, succeeded=True)]
    assert not decide(attempts).allowed


def test_failures_older_than_the_memory_are_forgotten():
    old = failures(ATTACKER, 10, at=NOW - POLICY.memory - timedelta(seconds=1))
    assert decide(old).allowed


def test_guessing_from_many_addresses_stops_at_the_ceiling_for_unknown_addresses():
    spread = [Attempt(f"192.0.2.{n % 250}", NOW - timedelta(minutes=30)) for n in range(100)]
    held = decide(spread, address="198.18.0.1")
    assert held.wait == timedelta(minutes=30)  # until the hour's first failures leave it
    assert decide(spread[:99], address="198.18.0.1").allowed


def test_during_such_an_attack_an_address_the_owner_signed_in_from_stays_open():
    spread = [Attempt(f"192.0.2.{n % 250}", NOW - timedelta(minutes=30)) for n in range(150)]
    assert decide(spread, address=DESK, trusted=True).allowed


def test_an_office_behind_one_address_making_typos_is_not_held():
    twelve_people_three_typos_each = [NOW - timedelta(seconds=20 * n) for n in range(36)]  # within 12 minutes
    own_typos = failures(OFFICE, 3)
    assert decide(own_typos, address_failures=twelve_people_three_typos_each, address=OFFICE).allowed


def test_an_address_failing_fifty_times_in_fifteen_minutes_waits_until_the_oldest_leaves():
    spraying = [NOW - timedelta(minutes=10)] + [NOW - timedelta(seconds=n) for n in range(49)]
    assert decide(address_failures=spraying).wait == timedelta(minutes=5)
    assert decide(address_failures=spraying[1:]).allowed


def test_the_longest_wait_wins():
    spraying = [NOW - timedelta(minutes=1)] * 50
    assert decide(failures(ATTACKER, 4), address_failures=spraying).wait == timedelta(minutes=14)


def test_a_burst_is_ten_failures_for_one_account_or_twenty_five_for_one_address_in_the_window():
    recent = [NOW - timedelta(minutes=1)]
    old = [NOW - POLICY.window]
    assert bursting(account_failures=recent * 10, address_failures=recent * 24, now=NOW,
                    policy=POLICY) == [Watched.ACCOUNT]
    assert bursting(account_failures=recent * 9 + old, address_failures=recent * 25, now=NOW,
                    policy=POLICY) == [Watched.ADDRESS]
    assert bursting(account_failures=recent * 9, address_failures=recent * 24 + old, now=NOW,
                    policy=POLICY) == []


@given(st.integers(min_value=0, max_value=10_000))
def test_the_wait_never_shrinks_with_more_failures_and_never_passes_the_cap(streak):
    assert backoff(streak, POLICY) <= backoff(streak + 1, POLICY) <= POLICY.max_delay
