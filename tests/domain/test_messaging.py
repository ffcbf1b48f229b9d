"""The messaging rules, as the procedures put them: who is told through which channel, when a message may
go, how often a failure is tried again, who is next up, and what an urgent message says."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.messaging import (
    Alert,
    Channel,
    cite_zh,
    enabled_channels,
    escalation_step,
    first_step,
    held_until,
    markdown_text,
    mask_numbers,
    rate_wait,
    retry_delay,
    route_for,
    urgent_text,
)

NIGHT = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
NOON = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def test_an_office_incident_goes_to_the_groups_and_the_service_centre_gets_a_copy():
    """Seed 000 §4: told at once; §5 (5): the service centre files every incident record."""
    route = route_for("visitor_incident")
    assert route.urgent and Channel.WECOM_GROUP in route.channels
    assert route.copy_to == ("service_centre",)


def test_an_admin_switch_overrides_the_default_route_one_channel_at_a_time():
    assert Channel.SMS in enabled_channels("visitor_incident", {})
    switched = enabled_channels(
        "visitor_incident", {("visitor_incident", "sms"): False, ("visitor_incident", "email"): False}
    )
    assert switched == (Channel.WECOM_GROUP, Channel.WECOM_APP)
    assert enabled_channels("slip_near_due", {("slip_near_due", "email"): True}) == (
        Channel.WECOM_APP,
        Channel.EMAIL,
    )
    assert enabled_channels("no_such_kind", {}) == ()


def test_quiet_hours_across_midnight_hold_an_ordinary_message_until_they_end():
    held = held_until(NIGHT, urgent=False, quiet_from=time(22, 0), quiet_to=time(7, 0))
    assert held == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)  # 07:00 the next morning in Shanghai


def test_urgent_messages_ignore_quiet_hours():
    assert held_until(NIGHT, urgent=True, quiet_from=time(22, 0), quiet_to=time(7, 0)) == NIGHT


def test_outside_quiet_hours_or_without_them_a_message_goes_now():
    assert held_until(NOON, urgent=False, quiet_from=time(22, 0), quiet_to=time(7, 0)) == NOON
    assert held_until(NOON, urgent=False, quiet_from=None, quiet_to=None) == NOON
    lunch = held_until(NOON, urgent=False, quiet_from=time(11, 30), quiet_to=time(13, 0))
    assert lunch == datetime(2026, 12, 4, 5, 0, tzinfo=UTC)


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    st.times(),
    st.times(),
    st.booleans(),
)
def test_a_message_is_never_held_longer_than_a_day_nor_sent_before_it_was_made(now, start, end, urgent):
    held = held_until(now, urgent=urgent, quiet_from=start, quiet_to=end)
    assert now <= held <= now + timedelta(days=1)


def test_backoff_doubles_from_the_base_up_to_the_cap():
    delays = [retry_delay(n, base=timedelta(seconds=30), cap=timedelta(minutes=30)) for n in range(1, 9)]
    assert [d.total_seconds() for d in delays] == [30, 60, 120, 240, 480, 960, 1800, 1800]


def test_a_provider_limit_of_20_a_minute_waits_for_the_oldest_to_leave_the_window():
    now = NOON
    sent = [now - timedelta(seconds=50 - i) for i in range(20)]  # 20 in the last 50 s
    assert rate_wait(sent, limit=20, window=timedelta(minutes=1), now=now) == timedelta(seconds=10)
    assert rate_wait(sent[1:], limit=20, window=timedelta(minutes=1), now=now) == timedelta(0)


def test_an_unacknowledged_alert_climbs_to_the_office_director_then_the_service_centre():
    """Seed 000 §5 A3, B2, C3."""
    assert escalation_step(1) == ("management_office", "管理处主任")
    assert escalation_step(2) == ("service_centre", "客服中心主任")
    assert escalation_step(3) is None


def test_the_first_step_comes_from_the_procedure_for_the_class_and_place():
    assert first_step("B", at_office=False)[1] == "seed 000 §4 B3"
    assert first_step("C", at_office=True)[0].startswith("管理处主任首先通知公司行政公关部")
    assert first_step(None, at_office=False)[1] == "seed 000 §4 A1"


def test_messages_cite_the_procedure_by_its_name():
    assert cite_zh("seed 000 §4 B3") == "《物业客服中心来访接待流程》第4条 B3"


def test_customer_numbers_are_masked_in_staff_messages():
    assert (
        mask_numbers("访客 13812345678 已到达，座机 073188001000")
        == "访客 138****5678 已到达，座机 073188001000"
    )


def test_an_urgent_message_says_what_where_what_first_and_links_to_the_record():
    alert = Alert(
        title="B类突发事件：张三（客户中心）",
        body="离职员工未预约到访 13812345678",
        url="https://kf.example.cn/visitors/incidents/7",
        urgent=True,
        where="客服中心 · 前台",
        first_step="人力资源部安排相关人员到场",
        procedure="seed 000 §4 B3",
    )
    text = urgent_text(alert)
    assert text.splitlines() == [
        "【紧急】B类突发事件：张三（客户中心）",
        "地点：客服中心 · 前台",
        "离职员工未预约到访 138****5678",
        "首先：人力资源部安排相关人员到场（《物业客服中心来访接待流程》第4条 B3）",
        "查看并确认：https://kf.example.cn/visitors/incidents/7",
    ]
    assert markdown_text(alert).startswith('<font color="warning">【紧急】')
    assert "[查看并确认](https://kf.example.cn/visitors/incidents/7)" in markdown_text(alert)
