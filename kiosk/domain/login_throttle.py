"""Login throttling: who must wait before trying a password again, and when admins hear of a burst.

The company's security reasoning. A hard lock ("five failures lock the account for 15 minutes") lets
anyone keep the admin out by typing five wrong passwords, and locks a whole office behind one NAT
address after a few typos. OWASP ASVS 4.0 V2.2.1 asks instead for anti-automation controls that stop
brute force *and account lockout attacks* -- "soft lockouts, rate limiting, ... ever increasing delays
between attempts, IP address restrictions" -- and that "no more than 100 failed attempts per hour is
possible on a single account". NIST SP 800-63B §5.2.2 "Rate limiting (throttling)" caps consecutive
failures on one account at 100 and names the techniques that keep the real user in: a wait "that
increases as the account approaches its maximum allowance", and accepting requests "from a list of IP
addresses from which the subscriber has been successfully authenticated before". The rules:

1. **Per account, per address: a growing delay.** The first ``free_failures`` wrong passwords for an
   account from one address cost nothing (typos). After that, each further failure doubles the wait
   before that address may try that account again: ``base_delay``, 2×, 4× ... capped at ``max_delay``
   (1 s, 2 s, 4 s ... 15 min by default). The streak counts the account's failures from that address
   within ``memory`` since that address last signed in to the account successfully.
2. **A clean address is not held by someone else's failures.** The delay belongs to the address that
   failed: the owner typing the right password at their own desk gets in while an attacker elsewhere
   hammers the account.
3. **Distributed guessing** (many addresses, a few tries each) is held by a ceiling per account:
   once the account has ``account_ceiling`` failures from all addresses within ``ceiling_window``
   (ASVS's 100 per hour), an address that has never signed in to the account must wait until the
   count falls below the ceiling. An address where the account *has* signed in before (a "trusted"
   address, NIST's list of known addresses) stays open under rule 1 only, so the owner's desk still
   works during such an attack.
4. **Per address, only failures count, generously.** An address with ``address_limit`` failures (any
   usernames) within ``window`` waits until the oldest of them leaves the window. The default (50 per
   15 minutes) lets an office behind one NAT make plenty of typos; successful sign-ins never count.
5. **Bursts are reported.** When one account or one address reaches its burst threshold within
   ``window``, the admins are told once; the burst lasts while failures keep arriving at or over the
   threshold and ends after a whole ``window`` without one.

Refused attempts are not recorded: they tested no password, and counting them would let an attacker
stretch the owner's wait without end (and an office's impatient clicks would stretch theirs).

Nothing here reads the clock or the settings: ``now`` and the policy are arguments.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class Attempt:
    """One recorded password check: the address it came from, when, and whether it was right."""

    address: str
    at: datetime
    succeeded: bool = False


@dataclass(frozen=True)
class ThrottlePolicy:
    """The numbers of the rules above; each is a setting (``LOGIN_*`` in ``kiosk/config.py``)."""

    free_failures: int = 3
    base_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)
    memory: timedelta = timedelta(hours=24)
    account_ceiling: int = 100
    ceiling_window: timedelta = timedelta(hours=1)
    address_limit: int = 50
    window: timedelta = timedelta(minutes=15)
    account_burst: int = 10
    address_burst: int = 25


    @property
    def lookback(self) -> timedelta:
        """How far back the account's attempts must be read for rules 1 and 3."""
        return max(self.memory, self.ceiling_window)


@dataclass(frozen=True)
class Verdict:
    """``wait`` is zero when the attempt may go ahead."""

    wait: timedelta = timedelta(0)

    @property
    def allowed(self) -> bool:
        return self.wait <= timedelta(0)

    @property
    def wait_seconds(self) -> int:
        return math.ceil(self.wait.total_seconds())


class Watched(StrEnum):
    """What a burst is about."""

    ACCOUNT = "account"
    ADDRESS = "address"


def backoff(streak: int, policy: ThrottlePolicy) -> timedelta:
    """The wait after ``streak`` failures in a row: none for the free ones, then doubling, capped (rule 1)."""
    over = streak - policy.free_failures
    if over <= 0:
        return timedelta(0)
    doubled = policy.base_delay.total_seconds() * 2.0 ** min(over - 1, 64)  # 2**64: far beyond any cap
    return timedelta(seconds=min(doubled, policy.max_delay.total_seconds()))


def streak_from(account_attempts: Sequence[Attempt], address: str, now: datetime,
                policy: ThrottlePolicy) -> list[Attempt]:
    """The account's failures from ``address`` within the memory since that address last got in."""
    since = now - policy.memory
    streak: list[Attempt] = []
    for attempt in sorted(account_attempts, key=lambda a: a.at):
        if attempt.address != address or attempt.at <= since:
            continue
        if attempt.succeeded:
            streak.clear()
        else:
            streak.append(attempt)
    return streak


def _wait_for_count_below(times: list[datetime], limit: int, window: timedelta, now: datetime) -> timedelta:
    """How long until fewer than ``limit`` of ``times`` lie within ``window`` of the moment."""
    recent = sorted(t for t in times if t > now - window)
    if len(recent) < limit:
        return timedelta(0)
    return recent[len(recent) - limit] + window - now


def verdict(*, account_attempts: Sequence[Attempt], address_failures: Sequence[datetime], address: str,
            trusted: bool, now: datetime, policy: ThrottlePolicy) -> Verdict:
    """May ``address`` try a password for the account now, and if not, how long must it wait?

    ``account_attempts``: the account's recorded attempts (all addresses) within the policy's memory
    (and at least its ceiling window); ``address_failures``: the times of the address's failures (any
    username) within the window; ``trusted``: the account has signed in from this address before.
    The longest of the three waits (rules 1, 3, 4) is the answer.
    """
    waits = [timedelta(0)]
    streak = streak_from(account_attempts, address, now, policy)
    if streak:
        waits.append(streak[-1].at + backoff(len(streak), policy) - now)
    if not trusted:
        failures = [a.at for a in account_attempts if not a.succeeded]
        waits.append(_wait_for_count_below(failures, policy.account_ceiling, policy.ceiling_window, now))
    waits.append(_wait_for_count_below(list(address_failures), policy.address_limit, policy.window, now))
    return Verdict(max(waits))


def bursting(*, account_failures: Sequence[datetime], address_failures: Sequence[datetime], now: datetime,
             policy: ThrottlePolicy) -> list[Watched]:
    """Which of the account and the address are at or over their burst threshold within the window (rule 5).

    Called after a failure, with that failure among the times. Whether this is a *new* burst (worth a
    notification) or the same one going on is decided where the burst's last sighting is stored: a
    burst ends after a whole ``window`` without a failure at or over the threshold.
    """
    since = now - policy.window
    found = []
    if sum(1 for t in account_failures if t > since) >= policy.account_burst:
        found.append(Watched.ACCOUNT)
    if sum(1 for t in address_failures if t > since) >= policy.address_burst:
        found.append(Watched.ADDRESS)
    return found
