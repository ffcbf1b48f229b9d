"""Watch-list entries carry a kind; with no one picked, a former employee's sign-in alerts HR at once."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.domain.classify import VisitPurpose
from kiosk.models.notifications import Notification
from kiosk.models.visits import WatchPerson
from tests.kiosk_support import scalar, scalars, sign_in


def test_a_former_employee_on_the_list_alerts_hr_when_no_one_was_picked(client, login_as, paired_client,
                                                                       make_department):
    hr = make_department("hr", "人力资源部")
    centre = make_department("service_centre", "客服中心")
    login_as("supervisor")
    saved = client.post_form("/visitors/watch-list", {"name": "赵强", "mobile": "13511112222",
                                                      "kind": "former_employee", "alert_role": ""})
    assert saved.status_code == 303
    assert scalar(select(WatchPerson.kind)) == "former_employee"
    page = client.get("/visitors/watch-list").get_data(as_text=True)
    assert "离职或被辞退的员工" in page and "人力资源部（按类别）" in page
    sign_in(paired_client(), VisitPurpose.REPAIR, name="赵强", mobile="13511112222")
    [alert] = scalars(select(Notification).where(Notification.kind == "visitor_incident"))
    assert alert.department_id == hr.id != centre.id and alert.level == "urgent"


def test_an_entry_of_another_kind_still_alerts_the_service_centre_supervisor(
        client, login_as, make_department, paired_client):
    centre = make_department("service_centre", "客服中心")
    make_department("hr", "人力资源部")
    login_as("supervisor")
    client.post_form("/visitors/watch-list", {"name": "钱多多", "mobile": "13311112222", "alert_role": "",
                                              "note": ""})
    assert scalar(select(WatchPerson.kind)) == "other"  # the form's default, as for every entry before kinds
    sign_in(paired_client(), VisitPurpose.REPAIR, name="钱多多", mobile="13311112222")
    [alert] = scalars(select(Notification).where(Notification.kind == "visitor_incident"))
    assert alert.department_id == centre.id  # its supervisors (here none by name: the department)
