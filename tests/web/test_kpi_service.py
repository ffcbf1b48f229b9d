"""The KPI service counts in SQL exactly what the domain's one-item rules count in Python.

Random calls, slips, callbacks and incident reports (a seeded ``random.Random``) go into the database;
the test recounts every KPI row by row with ``kiosk.domain.kpi``'s verdicts and expects the service's
aggregates -- per trend period, per agent, department and project -- to agree, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.clock import SHANGHAI
from kiosk.config import Defaults
from kiosk.domain import kpi as rules
from kiosk.domain.kpi import KpiCode, Rate, Verdict, parse_period
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.calls import Call
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident, Visit
from kiosk.services import kpi

PERIOD = parse_period("2026-06")
NOW = datetime(2026, 6, 20, 12, tzinfo=SHANGHAI).astimezone(UTC)
RING = Defaults.THREE_RINGS_SECONDS  # the three-ring target, as the app passes its setting
SPAN_START = datetime(2025, 5, 1, tzinfo=SHANGHAI)
SPAN_DAYS = 440


def _moment(rng: random.Random) -> datetime:
    return (SPAN_START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))).astimezone(UTC)


class World:
    """The rows the test wrote, kept as plain tuples for the Python recount."""

    def __init__(self):
        self.calls, self.slips, self.callbacks, self.incidents = [], [], [], []


@pytest.fixture
def world(app, make_user, make_department):
    return build(random.Random(7), make_user, make_department)


def build(rng, make_user, make_department) -> World:
    w = World()
    agents = [make_user("agent", display_name=f"坐席{i}") for i in range(3)]
    departments = [make_department() for _ in range(2)]
    projects = [Project(name=f"项目{i}") for i in range(2)]
    db.session.add_all(projects)
    db.session.flush()
    units, unit_project = [], {}
    for project in projects:
        building = Building(project_id=project.id, name="1栋")
        db.session.add(building)
        db.session.flush()
        for n in range(2):
            unit = Unit(building_id=building.id, number=f"10{n}")
            db.session.add(unit)
            db.session.flush()
            units.append(unit)
            unit_project[unit.id] = project.id
    owners = [Owner(name="张三", mobile="13900000001", unit_id=units[0].id, moved_in_on=date(2025, 1, 1)),
              Owner(name="李四", mobile="13900000002", unit_id=units[2].id, moved_in_on=None),
              Owner(name="王五", mobile="13900000003", unit_id=units[2].id, moved_in_on=date(2025, 1, 1)),
              Owner(name="赵六", mobile=" ", unit_id=None, moved_in_on=date(2025, 1, 1))]
    db.session.add_all(owners)
    db.session.flush()
    w.owner_project = {o.id: unit_project.get(o.unit_id) for o in owners}
    w.owner_has_home = {o.id: o.unit_id is not None for o in owners}
    w.households = {None: 2}  # units[0] and units[2] have owners
    w.households_by_project = {projects[0].id: 1, projects[1].id: 1}
    w.profiles = (2, 4)  # 张三 and 王五 complete; 李四 has no move-in date; 赵六 no mobile, no home

    calls = []
    for _ in range(260):
        rang = _moment(rng)
        inbound = rng.random() < 0.9
        answered = rng.random() < 0.85
        ended = rng.random() < 0.95
        ring = rng.randint(0, 40)
        talk = rng.randint(10, 400)
        owner = rng.choice(owners + [None])
        agent = rng.choice(agents) if answered or rng.random() < 0.3 else None
        call = Call(direction="in" if inbound else "out", caller_number="13900000000", created_at=rang,
                    ringing_at=rang, agent_id=agent.id if agent else None,
                    owner_id=owner.id if owner else None,
                    state="ended" if ended else ("answered" if answered else "ringing"))
        if answered:
            call.answered_at = rang + timedelta(seconds=ring)
            call.ring_seconds = ring if rng.random() < 0.9 else None  # some taken by hand
            if ended:
                call.ended_at = call.answered_at + timedelta(seconds=talk)
                call.talk_seconds = talk
        elif ended:
            call.ended_at = rang + timedelta(seconds=ring)
        db.session.add(call)
        calls.append(call)
    db.session.flush()
    for c in calls:
        abandoned_ring = round((c.ended_at - c.ringing_at).total_seconds()) if c.answered_at is None and \
            c.ended_at else None
        w.calls.append(dict(at=c.created_at, agent=c.agent_id, project=w.owner_project.get(c.owner_id),
                            inbound=c.direction == "in", answered=c.answered_at is not None,
                            ended=c.ended_at is not None,
                            ring=c.ring_seconds if c.answered_at is not None else abandoned_ring,
                            talk=c.talk_seconds))

    for n in range(220):
        due = _moment(rng)
        opened = due - timedelta(hours=rng.randint(1, 72))
        done = rng.random() < 0.7
        resolved = due + timedelta(hours=rng.uniform(-30, 30)) if done else None
        waiting = not done and rng.random() < 0.3
        paused_since = due + timedelta(hours=rng.uniform(-20, 20)) if waiting else None
        call = rng.choice(calls) if rng.random() < 0.6 else None
        priority = rng.choice(["routine", "routine", "major", "complaint", "emergency"])
        category = rng.choice(["repair", "complaint", "cleaning"])
        department = rng.choice(departments + [None])
        owner_agent = rng.choice(agents)
        slip = TaskSlip(number=f"T{n:05d}", source="call" if call else "staff",
                        source_ref=call.id if call else None, category=category, priority=priority,
                        status="closed" if done else ("waiting_on_owner" if waiting else "in_progress"),
                        department_id=department.id if department else None, owner_id=owner_agent.id,
                        description="x", opened_at=opened, due_at=due, resolved_at=resolved)
        if waiting:
            slip.events = [TaskEvent(at=paused_since, kind="wait", from_status="in_progress",
                                     to_status="waiting_on_owner"),
                           TaskEvent(at=paused_since + timedelta(hours=30), kind="note",
                                     from_status="waiting_on_owner", to_status="waiting_on_owner")]
        db.session.add(slip)
        w.slips.append(dict(due=due, done=resolved, paused=paused_since, priority=priority, category=category,
                            agent=owner_agent.id, department=department.id if department else None,
                            project=w.owner_project.get(call.owner_id) if call else None, slip=slip))
    db.session.flush()

    pending = set()  # one pending callback per owner and per slip (a unique index)
    for _ in range(160):
        due = _moment(rng)
        periodic = rng.random() < 0.4
        status = rng.choice(["pending", "done", "done", "unreachable"])
        slip_row = None if periodic else rng.choice(w.slips)
        owner = rng.choice(owners) if periodic else None
        whom = owner.id if periodic else slip_row["slip"].id
        if status == "pending" and (periodic, whom) in pending:
            status = "done"
        if status == "pending":
            pending.add((periodic, whom))
        result = rng.choice(["satisfied", "basically_satisfied", "unsatisfied"]) if status == "done" else (
            "unreachable" if status == "unreachable" else None)
        done_at = due + timedelta(hours=rng.uniform(0, 40)) if status != "pending" else None
        agent = rng.choice(agents + [None])
        done_by = rng.choice(agents) if status != "pending" else None
        db.session.add(Callback(kind="periodic" if periodic else "slip", due_at=due, status=status,
                                slip_id=None if periodic else whom,
                                property_owner_id=whom if periodic else None,
                                agent_id=agent.id if agent else None, result=result, done_at=done_at,
                                done_by_id=done_by.id if done_by else None, created_at=due))
        owner_id = owner.id if owner else None
        if slip_row is not None:
            source = next((c for c in calls if c.id == slip_row["slip"].source_ref), None) \
                if slip_row["slip"].source == "call" else None
            owner_id = source.owner_id if source else None
        w.callbacks.append(dict(due=due, status=status, result=result, done_at=done_at, periodic=periodic,
                                agent=(done_by or agent).id if (done_by or agent) else None,
                                complaint_slip=slip_row is not None and rules.is_complaint(
                                    slip_row["category"], slip_row["priority"]),
                                slip_department=slip_row["department"] if slip_row else None,
                                project=w.owner_project.get(owner_id),
                                home=w.owner_has_home.get(owner_id, False)))

    for n in range(40):
        due = _moment(rng)
        filed = rng.choice([None, due - timedelta(hours=5), due + timedelta(hours=5)])
        visit = Visit(place="service_centre", purpose="complaint", name="访客", party_size=1,
                      badge_code=f"K{n:05d}", signed_in_at=due - timedelta(days=2))
        db.session.add(visit)
        db.session.add(Incident(visit=visit, incident_class=rng.choice(["A", "B", None]), rule="r",
                                reason="r", instruction="i", alert_roles="service_centre",
                                opened_at=due - timedelta(days=2), report_due_at=due, report_filed_at=filed))
        w.incidents.append(dict(due=due, filed=filed))
    db.session.commit()
    return w


# ---- the Python recount ---------------------------------------------------------------------------------


def in_period(moment, period) -> bool:
    return moment is not None and period.start_utc <= moment < period.end_utc


def ring_verdict(c) -> Verdict:
    return rules.three_rings_verdict(inbound=c["inbound"], answered=c["answered"], ended=c["ended"],
                                     ring_seconds=c["ring"], target_seconds=RING)


def slip_verdict(s) -> Verdict:
    return rules.deadline_verdict(s["due"], s["done"], NOW, paused_since=s["paused"])


def callback_verdict(c) -> Verdict:
    reached = {"done": True, "unreachable": False, "pending": None}[c["status"]]
    return rules.callback_verdict(reached, c["due"], NOW)


def expected(w: World, period, key=None, value=None) -> dict[KpiCode, tuple]:
    """(numerator, basis, value) of every KPI the rows give for one period (and one breakdown row)."""

    def mine(row):
        return key is None or row.get(key) == value

    calls = [c for c in w.calls if in_period(c["at"], period) and mine(c)]
    rings = [ring_verdict(c) for c in calls]
    ring_met, ring_counted = rules.tally(rings)
    talks = [c["talk"] for c in calls if c["talk"] is not None]
    over = sum(t > 180 for t in talks)
    slips = [s for s in w.slips if in_period(s["due"], period) and mine(s)]
    met, counted = rules.tally(slip_verdict(s) for s in slips)
    complaints = [s for s in slips if rules.is_complaint(s["category"], s["priority"])]
    c_met, c_counted = rules.tally(slip_verdict(s) for s in complaints)
    due_callbacks = [c for c in w.callbacks if in_period(c["due"], period) and mine(c)]
    cb_met, cb_counted = rules.tally(callback_verdict(c) for c in due_callbacks)
    answers = [c for c in w.callbacks if c["complaint_slip"] and in_period(c["done_at"], period)
               and (key is None or (key == "department" and c["slip_department"] == value))]
    a_met, a_counted = rules.tally(rules.satisfaction_verdict(c["result"]) for c in answers)
    reports = [i for i in w.incidents if in_period(i["due"], period)]
    r_met, r_counted = rules.tally(rules.deadline_verdict(i["due"], i["filed"], NOW) for i in reports)
    start, end = rules.trailing_year(period)
    visits = sum(1 for c in w.callbacks if c["periodic"] and c["status"] == "done" and c["home"]
                 and start <= c["done_at"] < end and mine(c))
    return {
        KpiCode.ANSWERED_WITHIN_THREE_RINGS: (ring_met, ring_counted),
        KpiCode.OVER_THREE_MINUTES: (over, len(talks)),
        KpiCode.AVERAGE_HANDLING_TIME: (sum(talks) / len(talks) if talks else None, len(talks)),
        KpiCode.P90_HANDLING_TIME: (rules.percentile_nearest_rank(talks, 90) if talks else None, len(talks)),
        KpiCode.SLIPS_OVERDUE: (counted - met, counted),
        KpiCode.COMPLAINT_TIMELINESS: (c_met, c_counted),
        KpiCode.CALLBACK_COVERAGE: (cb_met, cb_counted),
        KpiCode.VALID_COMPLAINT_SATISFACTION: (a_met, a_counted),
        KpiCode.INCIDENT_REPORTS_ON_TIME: (r_met, r_counted),
        KpiCode.ANNUAL_VISIT_COVERAGE: (visits,),
    }


def as_counted(value: kpi.KpiValue) -> tuple:
    if value.code in (KpiCode.AVERAGE_HANDLING_TIME, KpiCode.P90_HANDLING_TIME):
        return (value.value, value.basis)
    if value.code is KpiCode.ANNUAL_VISIT_COVERAGE:
        return (value.numerator,)
    return (value.numerator, value.basis)


def test_every_trend_point_agrees_with_the_rows(world):
    report = kpi.report(PERIOD, NOW, ring_target_seconds=RING)
    assert [p.label for p in report.periods][-1] == "2026-06" and len(report.periods) == 12
    for index, period in enumerate(report.periods):
        want = expected(world, period)
        got = {code: as_counted(report.trend[code][index].value) for code in want}
        for code in want:
            if code in (KpiCode.AVERAGE_HANDLING_TIME,) and want[code][0] is not None:
                assert got[code][0] == pytest.approx(want[code][0]) and got[code][1] == want[code][1], code
            else:
                assert got[code] == want[code], (period.label, code)
    # the data really exercises the rules
    last = expected(world, PERIOD)
    assert last[KpiCode.SLIPS_OVERDUE][1] > 5 and last[KpiCode.ANSWERED_WITHIN_THREE_RINGS][1] > 5
    assert report.values[KpiCode.ANNUAL_VISIT_COVERAGE].basis == world.households[None]


def test_profile_completeness_is_the_profiles_as_they_are(world):
    report = kpi.report(PERIOD, NOW, ring_target_seconds=RING)
    assert report.values[KpiCode.OWNER_PROFILE_COMPLETENESS].value == Rate(*world.profiles)
    assert all(p.value.value is None for p in report.trend[KpiCode.OWNER_PROFILE_COMPLETENESS][:-1])


@pytest.mark.parametrize(("dimension", "key", "codes"), [
    ("agent", "agent", (KpiCode.ANSWERED_WITHIN_THREE_RINGS, KpiCode.OVER_THREE_MINUTES,
                        KpiCode.P90_HANDLING_TIME, KpiCode.SLIPS_OVERDUE, KpiCode.CALLBACK_COVERAGE)),
    ("department", "department", (KpiCode.SLIPS_OVERDUE, KpiCode.COMPLAINT_TIMELINESS,
                                  KpiCode.VALID_COMPLAINT_SATISFACTION)),
    ("project", "project", (KpiCode.ANSWERED_WITHIN_THREE_RINGS, KpiCode.SLIPS_OVERDUE,
                            KpiCode.COMPLAINT_TIMELINESS, KpiCode.CALLBACK_COVERAGE)),
])
def test_each_breakdown_row_agrees_with_the_rows(world, dimension, key, codes):
    breakdowns = kpi.breakdowns(PERIOD, NOW, ring_target_seconds=RING)
    breakdown = next(b for b in breakdowns if b.dimension == dimension)
    assert breakdown.rows
    for row in breakdown.rows:
        want = expected(world, PERIOD, key, row.key)
        for code in codes:
            assert as_counted(row.values[code]) == want[code], (row.name, code)


def test_project_visit_coverage_and_households(world):
    breakdowns = kpi.breakdowns(PERIOD, NOW, ring_target_seconds=RING)
    breakdown = next(b for b in breakdowns if b.dimension == "project")
    for row in breakdown.rows:
        value = row.values[KpiCode.ANNUAL_VISIT_COVERAGE]
        if row.key is None:
            assert value.value is None  # no home, no household
            continue
        assert value.basis == world.households_by_project[row.key]
        want = expected(world, PERIOD, "project", row.key)[KpiCode.ANNUAL_VISIT_COVERAGE]
        assert value.numerator == want[0]


def test_the_drill_down_lists_exactly_the_rows_behind_each_number(world):
    report = kpi.report(PERIOD, NOW, ring_target_seconds=RING)
    for code in KpiCode:
        if not kpi.drillable(code):
            continue
        value = report.values[code]
        page = kpi.drill(code, PERIOD, NOW, ring_target_seconds=RING)
        counted = [v for _, v in page.items if v is not Verdict.NOT_COUNTED]
        if code is KpiCode.ANNUAL_VISIT_COVERAGE:
            assert page.total == value.numerator
        elif code is KpiCode.OWNER_PROFILE_COMPLETENESS:
            assert page.total == value.basis
        else:
            assert page.total == value.basis, code
            assert len(counted) == len(page.items) == min(value.basis, kpi.PER_PAGE)
        missed = kpi.drill(code, PERIOD, NOW, only_missed=True, ring_target_seconds=RING)
        assert all(v is Verdict.MISSED for _, v in missed.items)
        if code in (KpiCode.SLIPS_OVERDUE, KpiCode.OVER_THREE_MINUTES):
            assert missed.total == value.numerator
        elif value.numerator is not None and code not in (KpiCode.ANNUAL_VISIT_COVERAGE,):
            assert missed.total == value.basis - value.numerator, code


def test_a_breakdown_row_drills_to_its_own_rows(world):
    breakdowns = kpi.breakdowns(PERIOD, NOW, ring_target_seconds=RING)
    agents = next(b for b in breakdowns if b.dimension == "agent")
    for row in agents.rows:
        value = row.values[KpiCode.SLIPS_OVERDUE]
        page = kpi.drill(KpiCode.SLIPS_OVERDUE, PERIOD, NOW, ring_target_seconds=RING, dimension="agent",
                         key=row.key)
        assert page.total == value.basis
    projects = next(b for b in breakdowns if b.dimension == "project")
    nobody = next(r for r in projects.rows if r.key is None)
    page = kpi.drill(KpiCode.ANSWERED_WITHIN_THREE_RINGS, PERIOD, NOW, ring_target_seconds=RING,
                     dimension="project", key=None)
    assert page.total == nobody.values[KpiCode.ANSWERED_WITHIN_THREE_RINGS].basis


def test_drill_pages_are_fifty_rows_and_stay_in_range(world):
    year = parse_period("2026-06")
    first = kpi.drill(KpiCode.ANSWERED_WITHIN_THREE_RINGS, year, NOW, page=1, ring_target_seconds=RING)
    assert first.page == 1 and len(first.items) <= kpi.PER_PAGE
    beyond = kpi.drill(KpiCode.ANSWERED_WITHIN_THREE_RINGS, year, NOW, page=999, ring_target_seconds=RING)
    assert beyond.page == beyond.pages
    with pytest.raises(LookupError):
        kpi.drill(KpiCode.ROTATION_FAIRNESS, year, NOW, ring_target_seconds=RING)
    with pytest.raises(LookupError):
        kpi.drill(KpiCode.INCIDENT_REPORTS_ON_TIME, year, NOW, dimension="agent", ring_target_seconds=RING)


def test_an_empty_database_is_no_data_everywhere(app):
    report = kpi.report(PERIOD, NOW, ring_target_seconds=RING)
    for code, value in report.values.items():
        assert value.value is None, code
        assert value.status is rules.KpiStatus.NO_DATA
    assert all(not b.rows for b in report.breakdowns)
    assert report.volume.calls_in == 0 and report.salespeople == []


def test_a_slip_waiting_on_the_owner_through_the_real_verbs(app, make_user, make_department):
    """Opened, accepted, waiting on the owner before its deadline: not overdue while it waits; resumed, its
    deadline moves by the pause and it is judged against that."""
    from kiosk.domain.working_days import WorkingCalendar
    from kiosk.services import tasks

    department = make_department()
    agent = make_user("agent")
    staff = make_user("staff", department=department)
    calendar = WorkingCalendar()
    opened = datetime(2026, 6, 15, 10, tzinfo=SHANGHAI)  # Monday: due Tuesday 10:00
    slip = tasks.open_slip(source="staff", category="repair", priority="routine", description="漏水",
                           owner=agent, department=department, now=opened, calendar=calendar)
    db.session.commit()
    slip_id = slip.id
    tasks.accept(slip_id, actor=staff, now=opened + timedelta(hours=1))
    tasks.wait_on_owner(slip_id, actor=staff, now=opened + timedelta(hours=2), reason="业主不在家")
    wednesday = datetime(2026, 6, 17, 12, tzinfo=SHANGHAI)  # past the first deadline, still waiting
    day = parse_period("2026-06-16")
    assert kpi.report(day, wednesday, ring_target_seconds=RING).values[KpiCode.SLIPS_OVERDUE].basis == 0
    tasks.resume(slip_id, actor=staff, now=wednesday, calendar=calendar)
    tasks.resolve(slip_id, actor=staff, now=wednesday + timedelta(hours=1), result="已修好")
    moved = db.session.get(TaskSlip, slip_id).due_at
    assert moved > datetime(2026, 6, 17, 10, tzinfo=SHANGHAI)  # pushed by the 50 h of waiting
    period = rules.period_at("day", moved)
    later = wednesday + timedelta(days=3)
    value = kpi.report(period, later, ring_target_seconds=RING).values[KpiCode.SLIPS_OVERDUE]
    assert (value.numerator, value.basis) == (0, 1)


def test_rotation_days_are_replayed_into_turns_and_spreads(app, make_user):
    from kiosk.domain.rotation import CustomerArrived
    from kiosk.services import rotation

    team = [make_user("sales", display_name=name) for name in ("甲", "乙", "丙")]
    assert len(team) == 3
    day = datetime(2026, 6, 10, 10, tzinfo=SHANGHAI)
    for n in range(5):
        at = day + timedelta(minutes=10 * n)
        rotation.record(rotation.DEFAULT_OFFICE, CustomerArrived(at, f"g{n}"), actor=None, now=at)
    result = kpi.rotation_days(date(2026, 6, 1), date(2026, 6, 30))
    assert result.spreads == {date(2026, 6, 10): 1}  # 2, 2, 1
    assert sorted(p.turns for p in result.people) == [1, 2, 2]
    assert {p.name for p in result.people} == {"甲", "乙", "丙"}
    month = kpi.report(PERIOD, NOW, ring_target_seconds=RING)
    assert month.values[KpiCode.ROTATION_FAIRNESS].value == 1
    assert len(month.trend[KpiCode.ROTATION_FAIRNESS]) == 30  # every day of June


def test_calls_are_counted_by_shanghai_days(app, make_user):
    agent = make_user("agent")
    # 2026-05-31 23:59 and 2026-06-01 00:01 in Shanghai: one call in each month
    for minute in (-1, 1):
        at = (datetime(2026, 6, 1, tzinfo=SHANGHAI) + timedelta(minutes=minute)).astimezone(UTC)
        db.session.add(Call(direction="in", caller_number="1", created_at=at, ringing_at=at,
                            agent_id=agent.id, answered_at=at + timedelta(seconds=3),
                            ended_at=at + timedelta(seconds=60), ring_seconds=3, talk_seconds=57,
                            state="ended"))
    db.session.commit()
    report = kpi.report(PERIOD, NOW, ring_target_seconds=RING)
    assert [p.value.basis for p in report.trend[KpiCode.OVER_THREE_MINUTES][-2:]] == [1, 1]


def test_volume_counts_what_came_in(world):
    volume = kpi.volume(PERIOD)
    assert volume.calls_in == sum(c["inbound"] for c in world.calls if in_period(c["at"], PERIOD))
    assert volume.calls_out == sum(not c["inbound"] for c in world.calls if in_period(c["at"], PERIOD))


def test_dimension_names(world, app):
    agents = next(b for b in kpi.breakdowns(PERIOD, NOW, ring_target_seconds=RING) if b.dimension == "agent")
    row = next(r for r in agents.rows if r.key is not None)
    assert kpi.dimension_name("agent", row.key) == row.name
    assert kpi.dimension_name("class", "A") == "A"
    assert kpi.dimension_name("agent", None) is None


def test_breakdown_rows_with_nothing_to_show_are_left_out(world):
    for breakdown in kpi.breakdowns(PERIOD, NOW, ring_target_seconds=RING):
        for row in breakdown.rows:
            assert any(v.value is not None for v in row.values.values())


def test_the_edges_are_counted_like_the_rules(app, make_user):
    """Exactly three rings, exactly three minutes, done on the deadline's instant, paused at it."""
    agent = make_user("agent")
    at = datetime(2026, 6, 10, 10, tzinfo=SHANGHAI).astimezone(UTC)

    def call(**values):
        db.session.add(Call(direction="in", caller_number="1", created_at=at, ringing_at=at, **values))

    call(answered_at=at + timedelta(seconds=15), ring_seconds=15, agent_id=agent.id, state="answered")  # met
    call(answered_at=at + timedelta(seconds=16), ring_seconds=16, agent_id=agent.id, state="answered")  # late
    call(ended_at=at + timedelta(seconds=15), state="ended")  # gave up within three rings: not counted
    call(ended_at=at + timedelta(seconds=16), state="ended")  # gave up after: missed
    call(answered_at=at, ended_at=at + timedelta(seconds=180), talk_seconds=180, state="ended")  # within
    call(answered_at=at, ended_at=at + timedelta(seconds=181), talk_seconds=181, state="ended")  # over
    due = at + timedelta(hours=1)
    for n, (status, resolved, paused) in enumerate([
        ("closed", due, None),  # done on the instant: met
        ("waiting_on_owner", None, due),  # paused at the deadline's instant: not judged
        ("waiting_on_owner", None, due + timedelta(seconds=1)),  # paused just after: missed
    ]):
        slip = TaskSlip(number=f"E{n}", source="staff", category="complaint", priority="complaint",
                        status=status, owner_id=agent.id, description="x", opened_at=at, due_at=due,
                        resolved_at=resolved)
        if paused:
            slip.events = [TaskEvent(at=paused, kind="wait", from_status="in_progress", to_status=status)]
        db.session.add(slip)
    db.session.add(Callback(kind="slip", due_at=NOW, status="pending", created_at=at))  # due now: not late
    db.session.commit()
    values = kpi.report(parse_period("2026-06-10"), NOW, ring_target_seconds=RING).values
    assert as_counted(values[KpiCode.ANSWERED_WITHIN_THREE_RINGS]) == (1, 3)
    assert as_counted(values[KpiCode.OVER_THREE_MINUTES]) == (1, 2)
    assert as_counted(values[KpiCode.SLIPS_OVERDUE]) == (1, 2)
    assert as_counted(values[KpiCode.COMPLAINT_TIMELINESS]) == (1, 2)
    today = kpi.report(rules.period_at("day", NOW), NOW, ring_target_seconds=RING).values
    assert as_counted(today[KpiCode.CALLBACK_COVERAGE]) == (0, 0)
