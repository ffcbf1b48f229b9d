"""Seed 000 篇3: the sales consultant's steps from registration to handover (steps 10–17), what each
step records, and the payment and mortgage reminders (steps 14 and 16, calendar days)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.sales_pipeline import (
    MORTGAGE_DOCUMENTS,
    NEXT_STEPS,
    REQUIREMENTS,
    PipelineStep,
    ReminderOutcome,
    Role,
    advance,
    allowed_next_steps,
    can_advance,
    deposit_problems,
    is_payment_missed,
    missing_records,
    pending_reminders,
    reminder_brief,
    reminder_dates,
    reminder_schedule,
    subscription_problems,
)

S = PipelineStep


def test_steps_are_in_seed_order():
    assert list(S) == [S.REGISTERED, S.DEPOSIT, S.SUBSCRIPTION, S.DOWN_PAYMENT, S.PURCHASE_CONTRACT,
                       S.MORTGAGE, S.HANDOVER]
    assert [REQUIREMENTS[s].seed_step for s in S] == [10, 12, 13, 14, 15, 16, 17]
    assert S.DEPOSIT.index < S.HANDOVER.index


def test_every_step_moves_forward_only():
    for step, nexts in NEXT_STEPS.items():
        assert all(n.index > step.index for n in nexts)
    assert allowed_next_steps(S.HANDOVER) == frozenset()


def test_a_full_payment_buyer_may_skip_the_mortgage_but_nobody_skips_the_subscription():
    assert can_advance(S.PURCHASE_CONTRACT, S.HANDOVER)
    assert can_advance(S.PURCHASE_CONTRACT, S.MORTGAGE)
    assert not can_advance(S.DEPOSIT, S.DOWN_PAYMENT)
    assert not can_advance(S.SUBSCRIPTION, S.DEPOSIT)
    assert advance("deposit", "subscription") is S.SUBSCRIPTION
    with pytest.raises(ValueError, match="allowed: subscription"):
        advance(S.DEPOSIT, S.HANDOVER)
    with pytest.raises(ValueError, match="none"):
        advance(S.HANDOVER, S.REGISTERED)


def test_deposit_is_taken_by_finance_or_the_project_manager_with_two_people_present():
    req = REQUIREMENTS[S.DEPOSIT]
    assert req.min_people_present == 2
    assert Role.SALES_CONSULTANT not in req.performed_by
    assert deposit_problems(Role.FINANCE, 2) == []
    assert deposit_problems(Role.PM_DESIGNEE, 3) == []
    assert len(deposit_problems(Role.SALES_CONSULTANT, 1)) == 2
    assert deposit_problems(Role.PROJECT_MANAGER, 1) == ["收取定金须有二人以上在场"]


def test_subscription_is_reviewed_by_the_project_manager_and_signed_by_the_buyer_or_a_notarised_agent():
    assert subscription_problems(Role.PROJECT_MANAGER, True, False) == []
    assert subscription_problems(Role.PM_DESIGNEE, False, True) == []
    assert subscription_problems(None, True, False) == ["认购书须经项目经理或指定人员审核"]
    assert len(subscription_problems(Role.SALES_CONSULTANT, False, False)) == 2


def test_missing_records():
    record = {"unit": "3-1201", "amount": 20000, "receipt_no": " ", "collected_by": "finance"}
    assert missing_records(S.DEPOSIT, record) == ["receipt_no", "second_person", "unit_confirmed_with"]


def test_down_payment_reminders_five_and_two_days_before():
    # due 20 Nov → 20 − 5 = 15 Nov, 20 − 2 = 18 Nov
    assert reminder_dates(S.DOWN_PAYMENT, date(2026, 11, 20)) == [date(2026, 11, 15), date(2026, 11, 18)]


def test_mortgage_reminders_across_a_month_end():
    # appointment 3 March 2026 → 3 − 7 = 24 Feb, 3 − 3 = 28 Feb, 3 − 1 = 2 March (February has 28 days)
    expected = [date(2026, 2, 24), date(2026, 2, 28), date(2026, 3, 2)]
    assert reminder_dates(S.MORTGAGE, date(2026, 3, 3)) == expected
    # down payment due 1 December → 26 Nov and 29 Nov
    assert reminder_dates(S.DOWN_PAYMENT, date(2026, 12, 1)) == [date(2026, 11, 26), date(2026, 11, 29)]


def test_reminders_are_calendar_days_even_on_holidays():
    # due Friday 9 Oct 2026 → 5 days before is Sunday 4 Oct (National Day holiday): kept, not moved
    assert reminder_dates(S.DOWN_PAYMENT, date(2026, 10, 9))[0] == date(2026, 10, 4)


def test_steps_without_reminders():
    assert reminder_dates(S.SUBSCRIPTION, date(2026, 11, 20)) == []


def test_pending_reminders_drop_past_days():
    # due 20 Nov, today 16 Nov: the 15 Nov reminder has passed, the 18 Nov one is pending
    assert pending_reminders(S.DOWN_PAYMENT, date(2026, 11, 20), date(2026, 11, 16)) == [date(2026, 11, 18)]


@pytest.mark.parametrize(
    ("paid_on", "today", "missed"),
    [
        (None, date(2026, 11, 19), False),  # not yet due
        (None, date(2026, 11, 20), False),  # the due day is still open
        (None, date(2026, 11, 21), True),
        (date(2026, 11, 20), date(2026, 11, 25), False),  # paid on the due day
        (date(2026, 11, 21), date(2026, 11, 25), True),  # paid late
    ],
)
def test_is_payment_missed(paid_on, today, missed):
    assert is_payment_missed(date(2026, 11, 20), paid_on, today) is missed


def test_a_missed_down_payment_goes_to_the_project_manager():
    assert REQUIREMENTS[S.DOWN_PAYMENT].report_missed_to is Role.PROJECT_MANAGER


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.sampled_from(list(S)))
def test_reminders_are_before_the_due_date_and_ordered(due, step):
    days = reminder_dates(step, due)
    assert days == sorted(days)
    assert all(due - timedelta(days=7) <= d < due for d in days)


def test_reminders_fall_on_weekends_too():
    # down payment due Tuesday 24 Nov 2026 → Thursday 19 Nov and Sunday 22 Nov (a Sunday is kept)
    days = reminder_dates(S.DOWN_PAYMENT, date(2026, 11, 24))
    assert days == [date(2026, 11, 19), date(2026, 11, 22)]
    assert days[1].weekday() == 6
    # mortgage appointment Monday 30 Nov 2026 → Monday 23, Friday 27 and Sunday 29 Nov
    days = reminder_dates(S.MORTGAGE, date(2026, 11, 30))
    assert days == [date(2026, 11, 23), date(2026, 11, 27), date(2026, 11, 29)]
    assert [d.weekday() for d in days] == [0, 4, 6]


def test_the_schedule_carries_the_offset_and_skips_days_already_past():
    # subscription signed 17 Nov, down payment due 20 Nov: the 5-day reminder (15 Nov) is already past
    schedule = reminder_schedule(S.DOWN_PAYMENT, date(2026, 11, 20), date(2026, 11, 17))
    assert schedule == [(2, date(2026, 11, 18))]
    assert reminder_schedule(S.MORTGAGE, date(2026, 12, 10), date(2026, 11, 1)) == [
        (7, date(2026, 12, 3)), (3, date(2026, 12, 7)), (1, date(2026, 12, 9))]
    assert reminder_schedule(S.HANDOVER, date(2026, 12, 10), date(2026, 11, 1)) == []


def test_only_a_customer_who_cannot_pay_on_time_is_reported_at_once():
    assert ReminderOutcome.CANNOT_MAKE_IT.reports_to_project_manager
    assert not ReminderOutcome.NOTIFIED.reports_to_project_manager
    assert not ReminderOutcome.NOT_REACHED.reports_to_project_manager


def test_the_down_payment_reminder_names_the_amount_the_date_and_the_mortgage_papers():
    brief = reminder_brief(S.DOWN_PAYMENT, days_before=5, due_date=date(2026, 11, 20), customer="周先生",
                           salesperson="王敏", project="云著", unit="5栋 1201", amount=350000)
    assert brief.bring[:3] == ("首期款（350,000 元）", "认购书", "身份证原件")
    assert brief.bring[3] == "按揭所需资料：户口本、婚姻状况证明、收入证明、近六个月银行流水"
    assert brief.phrase.startswith("周先生您好！我是云著的置业顾问王敏。")
    assert "11月20日" in brief.phrase and "按揭所需资料" in brief.phrase
    second = reminder_brief(S.DOWN_PAYMENT, days_before=2, due_date=date(2026, 11, 20), customer="周先生",
                            salesperson="王敏", project="云著", unit="5栋 1201", amount=350000)
    assert "再次提醒" in second.phrase


def test_the_mortgage_reminder_says_what_to_bring_where_and_when():
    brief = reminder_brief(S.MORTGAGE, days_before=7, due_date=date(2026, 12, 3), customer="周先生",
                           salesperson="王敏", project="云著", unit="5栋 1201", place="建设银行岳麓支行",
                           documents=("身份证", "户口本"))
    assert brief.bring == ("身份证", "户口本")
    assert "12月3日到建设银行岳麓支行" in brief.phrase and "身份证、户口本" in brief.phrase
    default = reminder_brief(S.MORTGAGE, days_before=1, due_date=date(2026, 12, 3), customer="周先生",
                             salesperson="王敏", project="云著", unit="5栋 1201")
    assert default.bring == MORTGAGE_DOCUMENTS
    with pytest.raises(ValueError):
        reminder_brief(S.HANDOVER, days_before=1, due_date=date(2026, 12, 3), customer="周先生",
                       salesperson="王敏", project="云著", unit="5栋 1201")
