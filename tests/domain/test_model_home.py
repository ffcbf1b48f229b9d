"""Seed 002: the model-home butler's rounds -- opening at 8:30, an inventory every hour, closing at 19:00 --
and what follows a loss or damage."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.model_home import (
    CHECKLISTS,
    AssetEvent,
    DamageCause,
    DueRound,
    RoundKind,
    RoundStatus,
    asset_handling,
    can_start,
    missed_rounds,
    round_statuses,
    rounds_due,
)
from kiosk.domain.working_days import SHANGHAI

DAY = date(2026, 11, 23)


def sh(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=SHANGHAI)


def test_a_default_day_has_an_opening_ten_hourly_rounds_and_a_closing():
    rounds = rounds_due(DAY)
    assert rounds[0] == DueRound(RoundKind.OPENING, sh(8, 30))
    assert rounds[-1] == DueRound(RoundKind.CLOSING, sh(19))
    hourly = [r.due_at for r in rounds if r.kind is RoundKind.HOURLY]
    # 9:30, 10:30, ..., 18:30 → 10 rounds
    assert hourly == [sh(h, 30) for h in range(9, 19)]
    kind, due_at = rounds[1]  # unpacks as a (kind, due_at_local) pair
    assert kind is RoundKind.HOURLY and due_at.tzinfo is SHANGHAI


def test_an_hourly_slot_at_closing_time_is_covered_by_the_closing_round():
    rounds = rounds_due(DAY, opening=time(9), closing=time(12))
    assert [(r.kind.value, r.due_at.hour) for r in rounds] == [
        ("opening", 9), ("hourly", 10), ("hourly", 11), ("closing", 12)
    ]
    with pytest.raises(ValueError):
        rounds_due(DAY, opening=time(19), closing=time(8, 30))


def test_checklists_carry_the_seed_items():
    opening = {item.code for item in CHECKLISTS[RoundKind.OPENING]}
    assert opening == {
        "night_handover", "items_in_place", "entrance", "carpet", "lights", "hygiene", "plants", "shoe_covers"
    }
    hourly = {item.code for item in CHECKLISTS[RoundKind.HOURLY]}
    assert hourly == {"items", "facilities", "fire_extinguishers", "lighting"}
    assert "封条" in next(i.text_zh for i in CHECKLISTS[RoundKind.HOURLY] if i.code == "fire_extinguishers")
    assert {i.code for i in CHECKLISTS[RoundKind.CLOSING]} == {"doors_windows", "items_back", "power_off"}


def test_missed_round_detection():
    due = rounds_due(DAY)[:4]  # opening 8:30, hourly 9:30, 10:30, 11:30
    completed = [
        (RoundKind.OPENING, sh(8, 30), sh(8, 10)),  # 20 min early: allowed (half an hour before opening)
        (RoundKind.HOURLY, sh(9, 30), sh(9, 45)),  # exactly at due + 15 min grace: on time
        (RoundKind.HOURLY, sh(10, 30), sh(10, 50)),  # 20 min after: late
    ]
    now = sh(11, 50)  # 11:30 round: 20 min past its slot, not done
    statuses = [s for _, s in round_statuses(due, completed, now)]
    assert statuses == [RoundStatus.DONE, RoundStatus.DONE, RoundStatus.LATE, RoundStatus.MISSED]
    assert [r.due_at for r in missed_rounds(due, completed, now)] == [sh(10, 30), sh(11, 30)]


def test_a_round_within_its_grace_is_not_missed_yet():
    due = [DueRound(RoundKind.HOURLY, sh(11, 30))]
    assert missed_rounds(due, [], sh(11, 45)) == []
    assert missed_rounds(due, [], sh(11, 45) + timedelta(seconds=1)) == due
    assert round_statuses(due, [], sh(11, 40))[0][1] is RoundStatus.PENDING


def test_completions_too_early_or_for_another_slot_do_not_count():
    due = [DueRound(RoundKind.HOURLY, sh(11, 30)), DueRound(RoundKind.CLOSING, sh(19))]
    completed = [
        (RoundKind.HOURLY, sh(11, 30), sh(11, 0)),  # 30 min early: too early for an hourly round
        (RoundKind.HOURLY, sh(12, 30), sh(11, 35)),  # another slot
        (RoundKind.CLOSING, sh(19), sh(18, 50)),  # doors are not closed on visitors before 19:00
    ]
    assert missed_rounds(due, completed, sh(19, 30)) == due


def test_completion_times_in_utc_match():
    due = [DueRound(RoundKind.CLOSING, sh(19))]
    completed = [(RoundKind.CLOSING, sh(19).astimezone(UTC), datetime(2026, 11, 23, 11, 5, tzinfo=UTC))]
    assert missed_rounds(due, completed, sh(20)) == []


def test_a_custom_grace():
    due = [DueRound(RoundKind.HOURLY, sh(11, 30))]
    assert missed_rounds(due, [], sh(11, 36), grace=timedelta(minutes=5)) == due


@given(st.integers(min_value=0, max_value=24 * 60 - 1))
def test_nothing_is_missed_before_its_slot_and_everything_undone_is_missed_at_the_end(minute):
    due = rounds_due(DAY)
    now = datetime.combine(DAY, time(0), tzinfo=SHANGHAI) + timedelta(minutes=minute)
    missed = missed_rounds(due, [], now)
    assert all(r.due_at + timedelta(minutes=15) < now for r in missed)
    assert len(missed) == sum(r.due_at + timedelta(minutes=15) < now for r in due)


def test_asset_loss_and_damage():
    # non-human damage, no management fault → file the 备案表 with the project company
    h = asset_handling(AssetEvent.DAMAGED, DamageCause.NOT_BY_A_PERSON, management_fault=False)
    assert h.report_to_head_butler and h.file_loss_damage_record and not h.person_pays
    # damage by a person → that person pays at price
    h = asset_handling(AssetEvent.DAMAGED, DamageCause.BY_A_PERSON, management_fault=True)
    assert h.person_pays and h.management_penalty and not h.file_loss_damage_record
    h = asset_handling(AssetEvent.LOST, None, management_fault=False)
    assert h.file_loss_damage_record and not h.management_penalty
    with pytest.raises(ValueError):
        asset_handling(AssetEvent.DAMAGED, None, management_fault=False)


def test_a_round_may_be_recorded_from_its_earliest_start_and_late_after_it():
    assert can_start(RoundKind.OPENING, sh(8, 30), sh(8, 0))  # half an hour before opening
    assert not can_start(RoundKind.OPENING, sh(8, 30), sh(7, 59))
    assert can_start(RoundKind.HOURLY, sh(10, 30), sh(10, 15)) and not can_start(RoundKind.HOURLY, sh(10, 30),
                                                                                  sh(10, 14))
    assert not can_start(RoundKind.CLOSING, sh(19), sh(18, 59))
    assert can_start(RoundKind.CLOSING, sh(19), sh(21))


def test_a_failed_check_goes_to_the_department_that_fixes_it():
    by_code = {i.code: i.department for kind in RoundKind for i in CHECKLISTS[kind]}
    assert by_code["lights"] == by_code["lighting"] == by_code["power_off"] == "engineering"
    assert by_code["hygiene"] == by_code["carpet"] == "environment"
    assert by_code["fire_extinguishers"] == by_code["night_handover"] == "security"
    assert by_code["items_in_place"] is None  # the model-home supervisor
