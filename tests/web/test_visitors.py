"""Staff side: the visitor log (masking, filters, CSV), incidents, watch list, appointments, CLI verbs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.clock import SHANGHAI, utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.visits import Appointment, Incident, Visit, WatchPerson
from tests.kiosk_support import MOBILE, scalar, scalars, sign_in
from tests.support import OUT_OF_YEARS, field_error

MASKED = "138****5678"


@pytest.fixture
def visit(paired_client):
    client = paired_client()
    assert sign_in(client, VisitPurpose.REPAIR).status_code == 303
    return scalar(select(Visit))


# ---- the log: masking everywhere -------------------------------------------------------------------


@pytest.mark.parametrize(("roles", "shown", "hidden"), [
    (("agent",), MASKED, MOBILE),
    (("staff",), MASKED, MOBILE),
    (("sales",), MASKED, MOBILE),
    (("supervisor",), MOBILE, None),
    (("admin",), MOBILE, None),
])
def test_every_list_and_export_masks_unless_the_role_needs_the_number(client, login_as, visit, roles, shown,
                                                                      hidden):
    login_as(*roles)
    pages = [client.get("/visitors/"), client.get_htmx("/visitors/"), client.get("/visitors/on-site"),
             client.get("/visitors/?scope=on_site"), client.get("/visitors/export.csv")]
    for response in pages:
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert shown in text
        if hidden:
            assert hidden not in text


def test_the_log_is_a_page_and_a_fragment_with_filters(client, login_as, visit):
    login_as("agent")
    page = client.get("/visitors/").get_data(as_text=True)
    assert "<html" in page and "张三" in page and 'hx-push-url="true"' in page
    assert 'hx-trigger="search, keyup delay:200ms changed' in page
    fragment = client.get_htmx("/visitors/?q=张").get_data(as_text=True)
    assert "<html" not in fragment and "张三" in fragment
    assert "张三" not in client.get_htmx("/visitors/?q=李").get_data(as_text=True)
    assert "张三" in client.get_htmx(f"/visitors/?q={visit.badge_code}").get_data(as_text=True)
    assert "张三" in client.get_htmx("/visitors/?purpose=repair&place=service_centre&class=none").get_data(
        as_text=True)
    assert "张三" not in client.get_htmx("/visitors/?purpose=complaint").get_data(as_text=True)
    assert "张三" not in client.get_htmx("/visitors/?class=A").get_data(as_text=True)
    assert "张三" not in client.get_htmx("/visitors/?start=2020-01-01&end=2020-01-02").get_data(as_text=True)
    for nonsense in ("?start=garbage", "?class=<x>", "?place=moon", "?q=%25%25"):
        assert client.get("/visitors/" + nonsense).status_code == 200


def test_csv_export_is_masked_and_formula_safe(client, login_as, paired_client):
    sign_in(paired_client(), VisitPurpose.REPAIR, name="张三")
    login_as("agent")
    response = client.get("/visitors/export.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][5] == "张三" and rows[1][6] == MASKED


def test_staff_sign_out_from_the_log(client, login_as, visit):
    login_as("agent")
    response = client.post_form(f"/visitors/{visit.id}/sign-out")
    assert response.status_code == 303
    assert scalar(select(Visit.sign_out_method)) == "staff"
    assert "当前没有在场访客" in client.get("/visitors/on-site").get_data(as_text=True)
    assert client.post_form("/visitors/999/sign-out").status_code == 404


def test_no_personal_data_in_urls(client, login_as, visit):
    login_as("supervisor")
    html = client.get("/visitors/").get_data(as_text=True)
    assert MOBILE not in "".join(part for part in html.split('"') if part.startswith("/"))


# ---- incidents -------------------------------------------------------------------------------------


@pytest.fixture
def incident(paired_client, make_department):
    make_department("service_centre", "客服中心")
    sign_in(paired_client(), VisitPurpose.COMPLAINT, relation="owner")
    return scalar(select(Incident))


def test_an_alert_must_be_acknowledged_by_a_named_person(client, login_as, make_user, incident):
    from kiosk.models.people import Department

    centre = scalar(select(Department).where(Department.code == "service_centre"))
    user = login_as("agent", department=centre, display_name="李娜")
    page = client.get(f"/visitors/incidents/{incident.id}").get_data(as_text=True)
    assert "我来处理" in page and MASKED in page
    assert "《物业客服中心来访接待流程》" in page and "seed" not in page
    assert client.post_form(f"/visitors/incidents/{incident.id}/acknowledge").status_code == 303
    fresh = scalar(select(Incident))
    assert fresh.acknowledged_by_id == user.id and fresh.acknowledged_at is not None
    page = client.get(f"/visitors/incidents/{incident.id}").get_data(as_text=True)
    assert "李娜 于" in page and "我来处理" not in page
    # the second person is told someone already has it
    client.post_form(f"/visitors/incidents/{incident.id}/acknowledge")
    assert scalar(select(Incident.acknowledged_by_id)) == user.id


def test_staff_of_other_departments_cannot_open_it(client, login_as, make_department, incident):
    login_as("staff", department=make_department("engineering", "工程部"))
    assert client.get(f"/visitors/incidents/{incident.id}").status_code == 403
    assert "张三" not in client.get("/visitors/incidents").get_data(as_text=True)


def test_closing_sets_the_report_due_two_working_days_later(client, login_as, incident):
    login_as("supervisor")
    bad = client.post_form(f"/visitors/incidents/{incident.id}", {"close": "y"}, htmx=True)
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "close")
    ok = client.post_form(f"/visitors/incidents/{incident.id}", {
        "handled_by": "陈静", "actions": "引导到洽谈室，倒茶，听取诉求", "outcome": "业主接受维修方案",
        "close": "y"})
    assert ok.status_code == 303
    closed = scalar(select(Incident))
    assert closed.closed_at is not None and closed.report_due_at > closed.closed_at + timedelta(days=1)
    assert closed.handled_by == "陈静"
    client.post_form(f"/visitors/incidents/{incident.id}/case-study", {"value": "1"})
    assert scalar(select(Incident.case_study)) is True
    client.post_form(f"/visitors/incidents/{incident.id}/report")
    assert scalar(select(Incident.report_filed_at)) is not None


def test_overdue_reports_are_listed_for_supervisors(client, login_as, incident):
    row = db.session.get(Incident, incident.id)
    row.closed_at = datetime(2026, 9, 30, 2, tzinfo=UTC)
    row.report_due_at = datetime(2026, 10, 9, 2, tzinfo=UTC)
    row.handled_by = "陈静"
    db.session.commit()
    login_as("supervisor")
    page = client.get("/visitors/incidents/overdue").get_data(as_text=True)
    assert "陈静" in page
    client.post_form(f"/visitors/incidents/{incident.id}/report")
    assert "陈静" not in client.get("/visitors/incidents/overdue").get_data(as_text=True)


# ---- watch list ------------------------------------------------------------------------------------


def test_supervisors_keep_the_watch_list(client, login_as):
    login_as("supervisor")
    bad = client.post_form("/visitors/watch-list", {"name": "<b>", "mobile": "021-61234567"}, htmx=True)
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert field_error(html, "name") and field_error(html, "mobile")
    ok = client.post_form("/visitors/watch-list", {"name": "钱多多", "mobile": "+86 13311112222",
                                                   "alert_role": "hr", "note": "曾多次投诉"})
    assert ok.status_code == 303
    person = scalar(select(WatchPerson))
    assert person.mobile == "13311112222" and person.alert_role == "hr"
    client.post_form(f"/visitors/watch-list/{person.id}", {"name": "钱多多", "mobile": "", "alert_role": "",
                                                            "note": ""})
    assert scalar(select(WatchPerson.alert_role)) is None
    client.post_form(f"/visitors/watch-list/{person.id}/delete")
    assert scalar(select(func.count(WatchPerson.id))) == 0


# ---- appointments ----------------------------------------------------------------------------------


def test_an_appointment_prefills_the_form_and_tells_the_host(client, login_as, make_user, paired_client):
    host = make_user("staff", display_name="赵强")
    login_as("agent")
    local_now = utcnow().astimezone(SHANGHAI).replace(tzinfo=None)
    response = client.post_form("/visitors/appointments", {
        "visitor_name": "王五", "mobile": "13900001111", "purpose": "visiting_person",
        "starts_at": (local_now - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (local_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "host_id": str(host.id),
    })
    assert response.status_code == 303, response.get_data(as_text=True)
    appointment = scalar(select(Appointment))
    tablet = paired_client()
    wrong = tablet.post_form("/kiosk/appointment", {"code": "XXXXXX"})
    assert wrong.status_code == 422 and field_error(wrong.get_data(as_text=True), "code")
    found = tablet.post_form("/kiosk/appointment", {"code": appointment.code.lower()})
    assert found.headers["Location"].endswith("/kiosk/visit/visiting_person")
    form = tablet.get("/kiosk/visit/visiting_person").get_data(as_text=True)
    assert 'value="王五"' in form and "赵强" in form and 'name="mobile"' not in form
    assert "13900001111" not in form
    done = tablet.post_form("/kiosk/visit/visiting_person",
                            {"name": "王五", "party_size": "2", "consent": "y"})
    assert done.status_code == 303, done.get_data(as_text=True)
    visit = scalar(select(Visit))
    assert visit.appointment_id == appointment.id and visit.host_user_id == host.id
    assert visit.mobile == "13900001111"
    note = scalar(select(Notification).where(Notification.user_id == host.id))
    assert "王五" in note.title
    assert "赵强" in tablet.get("/kiosk/done").get_data(as_text=True)


def test_appointment_form_errors(client, login_as):
    login_as("agent")
    response = client.post_form("/visitors/appointments", {"visitor_name": "", "starts_at": "x",
                                                           "ends_at": "", "host_id": "999"}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "visitor_name") and field_error(html, "host_id")


def test_an_appointment_in_year_one_is_a_message_beside_the_field(client, login_as, make_user):
    login_as("agent")
    host = make_user("staff")
    response = client.post_form("/visitors/appointments", {
        "visitor_name": "张三", "purpose": "visiting_person", "starts_at": "0001-01-01T00:00",
        "ends_at": "0001-01-01T01:00", "host_id": str(host.id)}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "starts_at") == OUT_OF_YEARS
    assert 'value="张三"' in html


def test_a_media_interview_by_appointment_is_no_incident(app, make_user, paired_client):
    from kiosk.services import visits

    host = make_user("staff")
    now = utcnow()
    made = visits.create_appointment(visitor_name="记者", mobile=None, purpose=VisitPurpose.MEDIA_INTERVIEW,
                                     starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1),
                                     host=host, created_by=host, now=now)
    tablet = paired_client()
    tablet.post_form("/kiosk/appointment", {"code": made.code})
    response = tablet.post_form("/kiosk/visit/media_interview", {
        "name": "记者", "mobile": MOBILE, "party_size": "2", "organisation": "长沙晚报", "consent": "y"})
    assert response.status_code == 303
    assert scalar(select(func.count(Incident.id))) == 0


# ---- CLI: automatic sign-out and retention ---------------------------------------------------------


def test_auto_sign_out_at_closing_time_is_idempotent(runner, paired_client, make_device):
    from kiosk.services import visits

    device = make_device(closes_at=time(0, 0))  # closes at midnight Shanghai: always in the past by tomorrow
    tablet = paired_client(device=device)
    sign_in(tablet, VisitPurpose.REPAIR)
    visit = scalar(select(Visit))
    assert visits.auto_sign_out(visit.signed_in_at) == 0
    later = visits.closing_after(visit.signed_in_at, time(0, 0)) + timedelta(minutes=1)
    assert visits.auto_sign_out(later) == 1
    assert visits.auto_sign_out(later) == 0
    row = scalar(select(Visit))
    assert row.sign_out_method == "automatic" and row.signed_out_at == later - timedelta(minutes=1)
    result = runner.invoke(args=["auto-sign-out"])
    assert result.exit_code == 0 and "0 visit" in result.output


def test_purge_anonymises_old_visits_and_keeps_the_counts(runner, paired_client):
    sign_in(paired_client(), VisitPurpose.REPAIR)
    old = scalar(select(Visit))
    old.signed_in_at = utcnow() - timedelta(days=400)
    old.signed_out_at = old.signed_in_at + timedelta(hours=1)
    db.session.commit()
    sign_in(paired_client(), VisitPurpose.REPAIR, name="李四")
    result = runner.invoke(args=["purge-visitors", "--older-than", "365"])
    assert result.exit_code == 0 and "Anonymised 1" in result.output
    rows = scalars(select(Visit).order_by(Visit.id))
    assert len(rows) == 2
    assert rows[0].anonymised and rows[0].mobile is None and rows[0].name != "张三"
    assert rows[1].name == "李四" and rows[1].mobile == MOBILE
    again = runner.invoke(args=["purge-visitors"])
    assert again.exit_code == 0 and "older than 180 days" in again.output


def test_search_by_mobile_is_a_post_and_masks_for_agents(client, login_as, visit):
    login_as("agent")
    response = client.post_form("/visitors/by-mobile", {"mobile": "+86 138 1234 5678"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "张三" in html and MASKED in html and MOBILE not in html
    assert "张三" not in client.post_form("/visitors/by-mobile", {"mobile": "13900000000"}).get_data(
        as_text=True)
    bad = client.post_form("/visitors/by-mobile", {"mobile": "021-61234567"})
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "mobile")
    assert 'value="021-61234567"' in bad.get_data(as_text=True)


def test_seed_demo_adds_tablets_visits_and_a_watch_entry_once(runner):
    from kiosk.devtools.demo import INCIDENT_VISITS, VISITS
    from kiosk.models.visits import KioskDevice

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "Kiosk pairing codes" in first.output and "客服中心大堂" in first.output
    assert scalar(select(func.count(KioskDevice.id))) == 3  # front desk, sales office, model home
    # the demo visitors (seed-demo's year of history adds past incidents with their visits too: DH…)
    assert scalar(select(func.count(Visit.id)).where(Visit.badge_code.not_like("DH%"))) == \
        len(VISITS) + len(INCIDENT_VISITS)
    assert scalar(select(func.count(WatchPerson.id))) == 1
