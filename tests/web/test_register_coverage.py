"""Annual visit coverage (年度访问覆盖率 120 %, seed 004 §2): visits recorded to units and reached periodic
callbacks, per project and building, against 1.2 visits per household; the year's plan; the KPI page counts
households and complete profiles from the register."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kiosk.clock import utcnow
from kiosk.domain.kpi import KpiCode, Rate, parse_period
from kiosk.domain.register import Relation, VisitKind
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.property import Building, Project, Unit
from kiosk.services import coverage, register
from kiosk.services.register import Actor
from tests.support import field_error

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)


def _estate():
    project = Project(name="湘江壹号", delivered_on=date(2025, 6, 30))
    b3, b5 = Building(project=project, name="3栋"), Building(project=project, name="5栋")
    units = [Unit(building=b3, number="101"), Unit(building=b3, number="102"),
             Unit(building=b5, number="101"), Unit(building=b5, number="102")]
    db.session.add_all([project, b3, b5, *units])
    db.session.commit()
    people = [register.create_person({"name": name, "moved_in_on": date(2025, 7, 1)}, unit=unit,
                                     relation=Relation.OWNER, phone=f"1390000000{n}", actor=Actor(None, NOW))
              for n, (name, unit) in enumerate(zip(["张三", "李四", "王五"], units, strict=False))]
    return project, units, people


def test_coverage_counts_recorded_visits_and_reached_callbacks_per_household(app, make_user):
    project, units, people = _estate()
    staff = make_user("staff")
    for unit, kind in ((units[0], VisitKind.HOME_VISIT), (units[0], VisitKind.MEETING),
                       (units[1], VisitKind.PHONE_CALLBACK)):
        coverage.record_visit(unit.id, kind, date(2026, 3, 1), "", owner_id=None, by=staff, now=utcnow())
    coverage.record_visit(units[1].id, VisitKind.HOME_VISIT, date(2025, 12, 31), "", owner_id=None, by=staff,
                          now=utcnow())  # last year's
    db.session.add(Callback(kind="periodic", property_owner_id=people[2].id, due_at=NOW, status="done",
                            attempts=1, note="", created_at=NOW, done_at=datetime(2026, 4, 1, 2, tzinfo=UTC),
                            result="satisfied", version=1))
    db.session.commit()
    [row] = coverage.coverage(2026)
    assert (row.name, row.households, row.visits, row.target) == ("湘江壹号", 3, 4, 4)
    assert row.met and round(row.rate, 3) == 1.333
    by_building = coverage.coverage(2026, project.id)
    assert [(r.name, r.households, r.visits, r.target, r.met) for r in by_building] == [
        ("3栋", 2, 3, 3, True), ("5栋", 1, 1, 2, False)]
    unvisited, total = coverage.unvisited(2026, project.id)
    assert (unvisited, total) == ([], 0)
    unvisited, total = coverage.unvisited(2025, project.id)
    assert [(u.building.name, u.number) for u in unvisited] == [("3栋", "101"), ("5栋", "101")] and total == 2


def test_the_kpi_counts_households_and_visits_from_the_register(app, make_user):
    from kiosk.services.kpi.counts import household_counts, profile_counts, visit_counts

    _project, units, people = _estate()
    staff = make_user("staff")
    coverage.record_visit(units[3].id, VisitKind.HOME_VISIT, date(2026, 3, 1), "", owner_id=None, by=staff,
                          now=utcnow())
    register.add_membership(people[0].id, units[3], Relation.TENANT, None, actor=Actor(None, NOW))
    assert household_counts()[0]["households"] == 4  # the tenant's unit is a household too
    year = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert visit_counts([year])[0][0]["visits"] == 1
    register.update_profile(people[1].id, {"moved_in_on": None}, actor=Actor(None, NOW))
    assert profile_counts((None, None, lambda s: s))[0] == {"complete": 2, "owners": 3}


def test_the_coverage_page_and_recording_a_visit(client, login_as, app):
    project, units, _people = _estate()
    login_as("staff")
    bad = client.post_form(f"/register/units/{units[0].id}/visits",
                           {"kind": "home_visit", "on_date": "2026-02-30"}, htmx=True)
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "on_date") == "此项必填。"
    ok = client.post_form(f"/register/units/{units[0].id}/visits",
                          {"kind": "home_visit", "on_date": "2026-03-01", "note": "了解装修需求"})
    assert ok.status_code == 303
    html = client.get(f"/register/coverage?year=2026&project_id={project.id}").get_data(as_text=True)
    assert "3栋" in html and "本年尚未走访的房屋" in html and "5栋 101" in html and "3栋 101" not in html
    assert "上门走访" in client.get(f"/register/units/{units[0].id}").get_data(as_text=True)


def test_a_supervisor_plans_the_years_visits(client, login_as, app, make_user):
    project, _units, _people = _estate()
    staff = make_user("staff", display_name="赵强")
    login_as("supervisor")
    bad = client.post_form("/register/coverage/plans?year=2026", {"project_id": project.id,
                                                                  "user_id": staff.id, "planned": "-3"},
                           htmx=True)
    assert bad.status_code == 422
    for planned in ("30", "40"):
        assert client.post_form("/register/coverage/plans?year=2026", {
            "project_id": project.id, "user_id": staff.id, "planned": planned}).status_code == 303
    [(plan, done)] = coverage.plans(2026)
    assert (plan.planned, plan.user.display_name, done) == (40, "赵强", 0)
    html = client.get("/register/coverage?year=2026").get_data(as_text=True)
    assert "赵强" in html and "湘江壹号" in html


def test_the_kpi_report_takes_visit_coverage_and_profiles_from_the_register(app, make_user):
    from kiosk.services import kpi

    _project, units, people = _estate()
    staff = make_user("staff")
    for unit in units[:3]:
        coverage.record_visit(unit.id, VisitKind.HOME_VISIT, date(2026, 3, 1), "", owner_id=None, by=staff,
                              now=utcnow())
    register.update_profile(people[2].id, {"moved_in_on": None}, actor=Actor(None, NOW))
    report = kpi.report(parse_period("2026-06"), datetime(2026, 7, 1, 8, tzinfo=UTC), ring_target_seconds=15)
    assert report.values[KpiCode.ANNUAL_VISIT_COVERAGE].value == Rate(3, 3)
    assert report.values[KpiCode.OWNER_PROFILE_COMPLETENESS].value == Rate(2, 3)


def test_two_supervisors_saving_one_plan_at_once_leave_one_row(app, make_user):
    from sqlalchemy import func, select

    from kiosk.models.coverage import VisitPlan
    from tests.support import in_threads

    project, _units, _people = _estate()
    staff = make_user("staff")
    project_id, staff_id = project.id, staff.id
    in_threads(app, lambda n: coverage.set_plan(2026, project_id, staff_id, 30 + n), 2)
    db.session.rollback()
    assert db.session.scalar(select(func.count(VisitPlan.id))) == 1
    assert db.session.scalar(select(VisitPlan.planned)) in (30, 31)


def test_periodic_callbacks_go_to_owners_not_to_their_tenants(app):
    from sqlalchemy import select

    from kiosk.services import tasks

    _project, units, people = _estate()
    tenant = register.create_person({"name": "区家豪"}, unit=units[0], relation=Relation.TENANT,
                                    phone="13700000001", actor=Actor(None, NOW))
    tasks.schedule_periodic_callbacks(datetime(2026, 1, 6, 1, tzinfo=UTC))
    called = set(db.session.scalars(select(Callback.property_owner_id)))
    assert called == {p.id for p in people} and tenant.id not in called


def test_the_kpi_drill_down_lists_the_visits_recorded_and_the_callbacks_it_counts(client, login_as, app,
                                                                                   make_user):
    from kiosk.services import kpi

    project, units, people = _estate()
    staff = make_user("staff", display_name="赵强")
    for unit, kind in ((units[0], VisitKind.HOME_VISIT), (units[1], VisitKind.MEETING)):
        coverage.record_visit(unit.id, kind, date(2026, 3, 1), "", owner_id=None, by=staff, now=utcnow())
    db.session.add(Callback(kind="periodic", property_owner_id=people[2].id, due_at=NOW, status="done",
                            attempts=1, note="", created_at=NOW, done_at=datetime(2026, 4, 1, 2, tzinfo=UTC),
                            result="satisfied", version=1))
    db.session.commit()
    period, now = parse_period("2026-06"), datetime(2026, 7, 1, 8, tzinfo=UTC)
    counted = kpi.report(period, now, ring_target_seconds=15).values[KpiCode.ANNUAL_VISIT_COVERAGE].value
    page = kpi.drill(KpiCode.ANNUAL_VISIT_COVERAGE, period, now, ring_target_seconds=15)
    assert page.total == counted.numerator == 3
    assert [type(item).__name__ for item, _ in page.items] == ["Callback", "UnitVisit", "UnitVisit"]
    by_project = kpi.drill(KpiCode.ANNUAL_VISIT_COVERAGE, period, now, ring_target_seconds=15,
                           dimension="project", key=project.id)
    assert by_project.total == 3
    assert kpi.drill(KpiCode.ANNUAL_VISIT_COVERAGE, period, now, ring_target_seconds=15,
                     dimension="project", key=None).total == 0
    login_as("supervisor")
    html = client.get("/kpi/drill/annual_visit_coverage?period=2026-06").get_data(as_text=True)
    assert "上门走访" in html and "座谈" in html and "湘江壹号 3栋 101" in html and "赵强" in html
    assert "王五" in html  # the callback's owner
