"""The incident list: filtered by class, state and days, 50 a page, one state per incident, and only the
incidents the reader's department was alerted to (supervisors see all)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.visits import Incident
from kiosk.services.paging import PER_PAGE
from tests.kiosk_support import sign_in


def states(html: str) -> list[str]:
    return re.findall(r'<tr data-state="(\w+)"', html)


def raise_incidents(tablet, n: int, purpose=VisitPurpose.COMPLAINT, start: int = 0, **extra) -> None:
    for k in range(start, start + n):
        assert sign_in(tablet, purpose, mobile=f"1370000{k:04d}", **extra).status_code == 303


def test_a_closed_incident_is_never_also_waiting(client, login_as, paired_client, make_department):
    make_department("service_centre", "客服中心")
    raise_incidents(paired_client(), 3, relation="owner")
    rows = db.session.scalars(select(Incident).order_by(Incident.id)).all()
    now = utcnow()
    rows[0].closed_at, rows[0].report_due_at = now, now + timedelta(days=2)  # closed, never acknowledged
    rows[1].closed_at, rows[1].report_due_at, rows[1].report_filed_at = now, now - timedelta(hours=1), now
    db.session.commit()
    login_as("supervisor")
    html = client.get("/visitors/incidents").get_data(as_text=True)
    assert sorted(states(html)) == ["awaiting", "done", "report_due"]
    assert html.count("待确认</span>") == 1
    closed = client.get("/visitors/incidents?state=report_due").get_data(as_text=True)
    assert states(closed) == ["report_due"] and "待确认</span>" not in closed


def test_filters_by_class_state_and_days_as_a_page_and_a_fragment(client, login_as, paired_client,
                                                                  make_department):
    for code, name in (("service_centre", "客服中心"), ("pr_admin", "行政公关部")):
        make_department(code, name)
    tablet = paired_client()
    raise_incidents(tablet, 2, relation="owner")  # A
    raise_incidents(tablet, 1, VisitPurpose.MEDIA_INTERVIEW, start=10)  # C
    old = db.session.scalars(select(Incident).order_by(Incident.id)).first()
    old.opened_at = utcnow() - timedelta(days=40)
    db.session.commit()
    login_as("supervisor")
    assert len(states(client.get("/visitors/incidents?incident_class=A").get_data(as_text=True))) == 2
    only_c = client.get_htmx("/visitors/incidents?incident_class=C")
    assert only_c.status_code == 200 and "<html" not in only_c.get_data(as_text=True)
    assert len(states(only_c.get_data(as_text=True))) == 1
    recent = (utcnow() - timedelta(days=7)).date().isoformat()
    assert len(states(client.get(f"/visitors/incidents?start={recent}").get_data(as_text=True))) == 2
    bad = client.get("/visitors/incidents?start=2026-12-10&end=2026-12-01&state=nonsense")
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.get_data(as_text=True)


def test_fifty_a_page(client, login_as, paired_client, make_department):
    make_department("service_centre", "客服中心")
    raise_incidents(paired_client(), PER_PAGE + 3, relation="owner")
    login_as("supervisor")
    first = client.get("/visitors/incidents").get_data(as_text=True)
    assert len(states(first)) == PER_PAGE and "第 1 / 2 页" in first
    second = client.get("/visitors/incidents?page=2").get_data(as_text=True)
    assert len(states(second)) == 3
    assert client.get("/visitors/incidents?page=99").status_code == 200


def test_staff_see_only_what_their_department_was_alerted_to(client, login_as, paired_client,
                                                             make_department):
    centre = make_department("service_centre", "客服中心")
    make_department("pr_admin", "行政公关部")
    tablet = paired_client()
    raise_incidents(tablet, 1, relation="owner")  # A: the service centre
    raise_incidents(tablet, 1, VisitPurpose.MEDIA_INTERVIEW, start=5)  # C: PR & administration
    login_as("agent", department=centre)
    html = client.get("/visitors/incidents").get_data(as_text=True)
    assert len(states(html)) == 1 and "C类突发事件" not in html and "A类突发事件" in html
