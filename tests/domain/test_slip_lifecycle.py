"""The slip lifecycle table, read as rules (DOMAIN.md §4; seed 003 §2(1), §2(3))."""

from __future__ import annotations

import pytest

from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.slip_lifecycle import (
    OPEN,
    RULES,
    Action,
    Party,
    Refused,
    Status,
    after_callback,
    available,
    check,
    may,
    needs_reason,
)

S, P, A = Status, Party, Action
OWNER, DEPT, SUP, ADMIN = {P.OWNER}, {P.DEPARTMENT}, {P.SUPERVISOR}, {P.ADMIN}


def test_the_happy_path_from_new_to_closed():
    path = [
        (A.DISPATCH, OWNER, S.DISPATCHED),
        (A.ACCEPT, DEPT, S.ACCEPTED),
        (A.START, DEPT, S.IN_PROGRESS),
        (A.WAIT, DEPT, S.WAITING_ON_OWNER),
        (A.RESUME, DEPT, S.IN_PROGRESS),
        (A.RESOLVE, DEPT, S.RESOLVED),
        (A.CALLBACK, OWNER, S.CALLED_BACK),
        (A.CLOSE, OWNER, S.CLOSED),
    ]
    status = S.NEW
    for action, who, expected in path:
        status = check(action, status, who)
        assert status is expected


def test_the_department_signs_for_a_dispatched_slip_or_sends_it_back():
    assert check(A.ACCEPT, S.DISPATCHED, DEPT) is S.ACCEPTED
    assert check(A.REJECT, S.DISPATCHED, DEPT) is S.REJECTED
    assert needs_reason(A.REJECT)


def test_a_rejected_slip_goes_back_to_the_dispatcher_who_sends_it_again():
    assert check(A.DISPATCH, S.REJECTED, OWNER) is S.DISPATCHED
    assert check(A.DISPATCH, S.REJECTED, SUP) is S.DISPATCHED
    assert not may(A.DISPATCH, S.REJECTED, DEPT)


def test_only_the_department_works_the_slip():
    for action, status in [(A.ACCEPT, S.DISPATCHED), (A.START, S.ACCEPTED), (A.RESOLVE, S.IN_PROGRESS),
                           (A.WAIT, S.IN_PROGRESS), (A.RESUME, S.WAITING_ON_OWNER)]:
        assert may(action, status, DEPT)
        assert not may(action, status, OWNER)
        assert not may(action, status, SUP)


def test_the_first_contact_owner_calls_back_and_closes():
    assert may(A.CALLBACK, S.RESOLVED, OWNER)
    assert may(A.CLOSE, S.CALLED_BACK, OWNER)
    assert not may(A.CALLBACK, S.RESOLVED, DEPT)


def test_only_supervisors_reassign_or_change_priority_and_deadline_and_always_with_a_reason():
    for action in (A.REASSIGN, A.PRIORITY, A.DEADLINE):
        assert needs_reason(action)
        assert may(action, S.IN_PROGRESS, SUP)
        assert not may(action, S.IN_PROGRESS, OWNER | DEPT)


def test_admins_may_do_whatever_a_supervisor_may():
    for action, rule in RULES.items():
        if P.SUPERVISOR in rule.parties:
            assert P.ADMIN in rule.parties, action


def test_nothing_moves_a_closed_slip_except_reopening():
    assert available(S.CLOSED, OWNER | DEPT | SUP) == [A.REOPEN]


def test_priority_and_deadline_only_change_while_the_slip_is_open():
    assert {s for s in Status if may(A.DEADLINE, s, SUP)} == OPEN


def test_state_is_checked_before_role_so_a_stale_page_learns_what_happened():
    with pytest.raises(Refused) as refused:
        check(A.ACCEPT, S.ACCEPTED, OWNER)
    assert refused.value.because == "state"
    with pytest.raises(Refused) as refused:
        check(A.ACCEPT, S.DISPATCHED, OWNER)
    assert refused.value.because == "role"


def test_a_note_keeps_the_status():
    assert check(A.NOTE, S.IN_PROGRESS, DEPT) is S.IN_PROGRESS


@pytest.mark.parametrize(("result", "attempts_left", "path"), [
    (CallbackResult.SATISFIED, True, [S.CALLED_BACK, S.CLOSED]),
    (CallbackResult.BASICALLY_SATISFIED, False, [S.CALLED_BACK, S.CLOSED]),
    (CallbackResult.UNSATISFIED, True, [S.CALLED_BACK, S.DISPATCHED]),
    (CallbackResult.UNREACHABLE, True, []),
    (CallbackResult.UNREACHABLE, False, [S.CLOSED]),
])
def test_a_callback_closes_reopens_or_waits_for_another_attempt(result, attempts_left, path):
    assert after_callback(result, attempts_left) == path
