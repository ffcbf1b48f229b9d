"""The KPIs' daily rollups give the very figures the rows give: the month's values, its trend, its
breakdowns and what came in, the page and the downloads -- after a refresh, after a late change to a past
day (a slip of last month resolved now, a callback's answer entered later), across midnight in Shanghai,
and with two refreshes racing; on SQLite and PostgreSQL.

"Live" below is the report counted from the rows alone (no rollup stored); "rolled" is the report once
``kpi.refresh`` has rolled up the closed days.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from kiosk.clock import SHANGHAI
from kiosk.config import Defaults
from kiosk.domain.callbacks import CallbackResult
from kiosk.domain.kpi import KpiCode, PeriodKind, period_for
from kiosk.extensions import db
from kiosk.models.callbacks import Callback, CallbackKind, CallbackStatus
from kiosk.models.calls import Call
from kiosk.models.kpi import KpiDay, KpiMonth, KpiStaleDays, KpiStanding, KpiStandingMark, KpiTalkDay
from kiosk.models.tasks import TaskSlip
from kiosk.services import kpi
from kiosk.services.kpi import daily
from kiosk.worker.jobs import job_named
from tests.support import freeze_clock, in_threads, statements_sent
from tests.web.kpi_support import PERIOD, build, read_report_page

RING = Defaults.THREE_RINGS_SECONDS
#: A month after the world's month: June 2026 is closed, its trend (a year of months) too.
NOW = datetime(2026, 7, 20, 12, tzinfo=SHANGHAI).astimezone(UTC)
#: The days rolled up: May 21 to July 19 (the trend's older months are counted live, summed alike).
HORIZON = 60


@pytest.fixture
def world(app, make_user, make_department, monkeypatch):
    freeze_clock(monkeypatch, NOW)
    built = build(random.Random(7), make_user, make_department)
    db.session.commit()
    return built


def live_report(period=PERIOD, now=NOW, ring=RING) -> kpi.KpiReport:
    """The report from the rows alone: every rollup set aside for this one count."""
    for model in (KpiDay, KpiTalkDay, KpiMonth, KpiStanding):
        db.session.execute(delete(model))
    counted = kpi.report(period, now, ring_target_seconds=ring)
    assert counted.volume  # what came in, counted now (the report counts it when first read)
    db.session.rollback()  # the rollups are back
    return counted


def report(period=PERIOD, now=NOW, ring=RING) -> kpi.KpiReport:
    return kpi.report(period, now, ring_target_seconds=ring)


def reading(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if f"FROM {table}" in s or f"JOIN {table}" in s]


def test_a_rolled_up_month_is_the_month_counted_from_its_rows(world):
    live = live_report()
    assert kpi.refresh(NOW, RING, horizon=HORIZON) == HORIZON
    rolled = report()
    assert rolled == live and rolled.volume == live.volume
    assert rolled.values[KpiCode.SLIPS_OVERDUE].basis > 5  # the world really has something to count
    # ... and the month's breakdowns came from the rollups: no call, slip or incident was read
    with statements_sent(db.engine) as seen:
        assert kpi.breakdowns(PERIOD, NOW, ring_target_seconds=RING) == live.breakdowns
    assert not reading(seen, "calls") and not reading(seen, "task_slips")
    assert not reading(seen, "incidents")
    # June is a closed month: its breakdowns are one row per scope (the days read are those of the year of
    # visits per project before the first whole month rolled up, 21-31 May), its standing figures
    # (households, owner profiles) the kept count
    assert len(reading(seen, "kpi_days")) == 1 and not reading(seen, "kpi_talk_days")
    assert not [s for s in seen if "FROM owners" in s or "FROM unit_members" in s]
    replayed = kpi.replayed(PERIOD.start, PERIOD.end)
    with statements_sent(db.engine) as seen:  # nor was a day of the sales office replayed
        assert daily.rotation(PERIOD.start, PERIOD.end, NOW, RING) == replayed
    assert not reading(seen, "rotation_days") and replayed
    assert kpi.refresh(NOW, RING, horizon=HORIZON) == 0  # nothing left to do


def test_the_page_and_the_downloads_read_the_same_from_rollups(world, client, login_as):
    login_as("supervisor")

    def read() -> list:
        csv = [client.get(f"/kpi/reports/{label}.csv").data for label in ("2026-06", "2026-W25")]
        fragment = client.get("/kpi/?period=2026-06", headers={"HX-Request": "true"}).data
        page = client.get("/kpi/reports/2026-06").get_data(as_text=True)
        return [*csv, fragment, read_report_page(page)]

    live = read()
    kpi.refresh(NOW, RING, horizon=HORIZON)
    assert read() == live


def test_weeks_and_days_and_other_months_sum_the_same_days(world):
    kpi.refresh(NOW, RING, horizon=HORIZON)
    week, day = period_for(PeriodKind.WEEK, date(2026, 6, 12)), period_for(PeriodKind.DAY, date(2026, 6, 9))
    for period in (week, day,
                   PERIOD.previous(), PERIOD.next()):
        assert report(period) == live_report(period), period.label


def test_a_slip_of_last_month_resolved_now_shows_at_once(world):
    kpi.refresh(NOW, RING, horizon=HORIZON)
    slip = db.session.scalars(select(TaskSlip).where(
        TaskSlip.resolved_at.is_(None), TaskSlip.due_at >= PERIOD.start_utc, TaskSlip.due_at < PERIOD.end_utc,
        TaskSlip.status != "waiting_on_owner").order_by(TaskSlip.id)).first()
    before = report()
    slip.resolved_at, slip.status = slip.due_at - timedelta(minutes=1), "resolved"  # on time after all
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(KpiStaleDays)) == 1  # marked with the change
    after = report()
    assert after == live_report()
    assert after.volume == live_report().volume
    assert after.values[KpiCode.SLIPS_OVERDUE].numerator == before.values[KpiCode.SLIPS_OVERDUE].numerator - 1
    # the refresh counts the changed days again, and June's month, and the figures stay
    assert kpi.refresh(NOW, RING, horizon=HORIZON) > 0
    assert db.session.scalar(select(func.count()).select_from(KpiStaleDays)) == 0
    assert _rolled_months() == {PERIOD.start}
    assert report() == after


def test_a_callback_answer_entered_later_shows_at_once(world):
    kpi.refresh(NOW, RING, horizon=HORIZON)
    slip = db.session.scalars(select(TaskSlip).where(TaskSlip.category == "complaint")
                              .order_by(TaskSlip.id)).first()
    answered = datetime(2026, 6, 15, 10, tzinfo=SHANGHAI).astimezone(UTC)  # last month, typed in today
    before = report()
    db.session.add(Callback(kind=CallbackKind.SLIP.value, slip_id=slip.id, status=CallbackStatus.DONE.value,
                            result=CallbackResult.UNSATISFIED.value, due_at=answered, done_at=answered,
                            created_at=answered))
    db.session.commit()
    after = report()
    assert after == live_report()
    code = KpiCode.VALID_COMPLAINT_SATISFACTION
    assert after.values[code].basis == before.values[code].basis + 1


def test_a_walk_in_recorded_late_on_a_past_day_shows_at_once(world):
    from kiosk.domain.rotation import CustomerArrived
    from kiosk.services import rotation

    kpi.refresh(NOW, RING, horizon=HORIZON)
    before = report()
    at = datetime(2026, 6, 10, 17, tzinfo=SHANGHAI)  # the day's last group, typed in a month later
    rotation.record(rotation.DEFAULT_OFFICE, CustomerArrived(at, "late"), actor=None, now=at)
    after = report()
    assert after == live_report()
    assert sum(p.receptions for p in after.salespeople) == sum(p.receptions for p in before.salespeople) + 1


def test_an_agent_moving_department_regroups_every_past_day(world, make_department):
    kpi.refresh(NOW, RING, horizon=HORIZON)
    agent = db.session.scalars(select(Call.agent_id).where(Call.agent_id.is_not(None))
                               .order_by(Call.id)).first()
    from kiosk.models.people import User

    db.session.get(User, agent).department_id = make_department(name="新部门").id
    db.session.commit()
    after = report()
    assert after == live_report()
    assert "新部门" in [r.name for r in after.breakdowns[1].rows]


def test_a_rollup_of_another_ring_target_is_not_used(world):
    kpi.refresh(NOW, RING, horizon=HORIZON)
    assert report(ring=RING + 10) == live_report(ring=RING + 10) != live_report()


def test_the_day_closes_at_midnight_in_shanghai(app, make_user, monkeypatch):
    """A call at 23:58 counts on its day before and after midnight; the day is rolled up once it has been
    closed a while (``GRACE``), and a change to it after that (the talk time known late) still shows."""
    day = date(2026, 6, 9)
    late = datetime(2026, 6, 9, 23, 58, tzinfo=SHANGHAI).astimezone(UTC)
    agent = make_user("agent")
    freeze_clock(monkeypatch, late)
    call = Call(direction="in", caller_number="1", agent_id=agent.id, created_at=late, ringing_at=late,
                answered_at=late + timedelta(seconds=5), ring_seconds=5, state="answered")
    db.session.add(call)
    db.session.commit()
    the_day = period_for(PeriodKind.DAY, day)
    for moment in (late, late + timedelta(minutes=5), late + timedelta(minutes=12)):  # before the grace ends
        freeze_clock(monkeypatch, moment)
        kpi.refresh(moment, RING, horizon=3)
        assert day not in _rolled_days()
        assert report(the_day, moment).values[KpiCode.ANSWERED_WITHIN_THREE_RINGS].numerator == 1
    after_grace = late + daily.GRACE + timedelta(minutes=3)
    freeze_clock(monkeypatch, after_grace)
    kpi.refresh(after_grace, RING, horizon=3)
    assert day in _rolled_days()
    assert report(the_day, after_grace) == live_report(the_day, after_grace)
    call.ended_at, call.talk_seconds, call.state = late + timedelta(seconds=300), 295, "ended"
    db.session.commit()
    changed = report(the_day, after_grace)
    assert changed.values[KpiCode.P90_HANDLING_TIME].value == 295
    assert changed == live_report(the_day, after_grace)


def _rolled_days() -> set[date]:
    return set(db.session.scalars(select(KpiDay.day).distinct()))


def _rolled_months() -> set[date]:
    return set(db.session.scalars(select(KpiMonth.first_day).distinct()))


def test_a_month_is_rolled_up_once_its_last_day_has_closed_in_shanghai(world, monkeypatch):
    """June ends at midnight in Shanghai on 30 June; it is kept summed once that day is rolled up, and a
    change to it afterwards shows at once and drops the month's sum until the refresh counts it again."""
    midnight = datetime(2026, 7, 1, tzinfo=SHANGHAI).astimezone(UTC)
    for moment in (midnight - timedelta(minutes=2), midnight + timedelta(minutes=12)):  # before the grace
        freeze_clock(monkeypatch, moment)
        kpi.refresh(moment, RING, horizon=35)
        assert date(2026, 6, 30) not in _rolled_days() and PERIOD.start not in _rolled_months()
    after_grace = midnight + daily.GRACE + timedelta(minutes=3)
    freeze_clock(monkeypatch, after_grace)
    kpi.refresh(after_grace, RING, horizon=35)
    assert _rolled_months() == {PERIOD.start}
    rolled = report(now=after_grace)
    assert rolled == live_report(now=after_grace)
    call = db.session.scalars(select(Call).where(
        Call.talk_seconds.is_not(None), Call.created_at >= PERIOD.start_utc, Call.created_at < PERIOD.end_utc)
    ).first()
    call.talk_seconds += 1000  # a talk time corrected late: the month's p90 and average move
    db.session.commit()
    changed = report(now=after_grace)
    assert changed == live_report(now=after_grace)
    code = KpiCode.AVERAGE_HANDLING_TIME
    assert changed.values[code].value > rolled.values[code].value
    kpi.refresh(after_grace, RING, horizon=35)
    assert _rolled_months() == {PERIOD.start}
    assert report(now=after_grace) == changed


def test_an_owner_profile_completed_later_shows_at_once(world):
    from kiosk.models.property import Owner, Unit, UnitMember

    kpi.refresh(NOW, RING, horizon=HORIZON)
    assert db.session.scalar(select(func.count()).select_from(KpiStanding)) == 2
    before = report()
    owner = db.session.scalars(select(Owner).where(Owner.moved_in_on.is_(None))).one()
    owner.moved_in_on = date(2026, 5, 1)  # the move-in date found later: the profile is complete now
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(KpiStandingMark)) == 1  # with the change
    after = report()
    assert after == live_report()
    code = KpiCode.OWNER_PROFILE_COMPLETENESS
    assert after.values[code].numerator == before.values[code].numerator + 1
    # a home gets its first member on file: one household more
    empty = db.session.scalar(select(Unit.id).where(~Unit.id.in_(select(UnitMember.unit_id)))
                              .order_by(Unit.id))
    db.session.add(UnitMember(unit_id=empty, owner_id=owner.id))
    db.session.commit()
    grown = report()
    assert grown == live_report()
    visits = KpiCode.ANNUAL_VISIT_COVERAGE
    assert grown.values[visits].basis == after.values[visits].basis + 1
    kpi.refresh(NOW, RING, horizon=HORIZON)
    assert db.session.scalar(select(func.count()).select_from(KpiStandingMark)) == 0
    assert report() == grown


def test_two_refreshes_at_once_count_each_day_once(app, world):
    db.session.remove()
    counted = in_threads(app, lambda _n: kpi.refresh(NOW, RING, horizon=HORIZON), 2)
    assert sum(counted) == HORIZON
    assert db.session.scalar(select(func.count()).select_from(KpiDay)) == HORIZON * len(daily.SCOPES)
    assert db.session.scalar(select(func.count()).select_from(KpiMonth)) == len(daily.MONTH_SCOPES)  # June
    assert db.session.scalar(select(func.count()).select_from(KpiStanding)) == len(daily.STANDING)
    week = period_for(PeriodKind.WEEK, date(2026, 7, 10))
    assert report(week) == live_report(week)
    assert report() == live_report()


def test_the_worker_job_rolls_up_a_month_at_a_time(app, world):
    job = job_named("kpi-rollups")
    assert job.run(NOW, app.config) == "汇总 KPI 日数据 31 天"
    assert len(_rolled_days()) == 31


def test_a_days_talk_times_read_back_as_written_and_as_older_workers_wrote_them():
    """Talk times are kept as one flat list; a row an older worker wrote during a deploy (pairs) reads the
    same, so the KPI pages do not fail on it before its day is counted again."""
    keyed = {None: {"calls": 3, "talk": {30: 2, 45: 1}}, 7: {"calls": 1, "talk": {200: 1}}}
    assert daily._decode("agent", daily._encode(keyed)) == keyed
    older = '{"":{"calls":3,"talk":[[30,2],[45,1]]},"7":{"calls":1,"talk":[[200,1]]}}'
    assert daily._decode("agent", older) == keyed
