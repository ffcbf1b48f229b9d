"""The tablet: pairing, unpaired and revoked devices, every purpose's form, bad input, badge, sign-out."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.visits import Incident, Visit
from kiosk.services import devices
from tests.kiosk_support import MOBILE, fresh, scalar, scalars, sign_in, visit_data
from tests.support import field_error

# ---- pairing ---------------------------------------------------------------------------------------


def test_pairing_sets_an_httponly_lax_cookie_and_keeps_only_a_hash(app, make_device):
    device = make_device()
    code = devices.issue_pairing_code(device, devices_now())
    client = app.test_client()
    response = client.post_form("/kiosk/pair", {"code": code})
    assert response.status_code == 303
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(devices.COOKIE_NAME))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    fresh(device)
    assert device.credential_hash and device.pairing_code_hash is None
    assert code not in cookie and device.credential_hash not in cookie
    page = client.get("/kiosk/")
    assert page.status_code == 200 and "请选择来访事由" in page.get_data(as_text=True)


def devices_now():
    from kiosk.clock import utcnow

    return utcnow()


def test_a_pairing_code_works_once(app, make_device):
    device = make_device()
    code = devices.issue_pairing_code(device, devices_now())
    assert app.test_client().post_form("/kiosk/pair", {"code": code}).status_code == 303
    again = app.test_client().post_form("/kiosk/pair", {"code": code})
    assert again.status_code == 422
    assert field_error(again.get_data(as_text=True), "code")


def test_an_expired_or_wrong_code_is_refused_beside_the_field(app, make_device):
    from datetime import timedelta

    device = make_device()
    code = devices.issue_pairing_code(device, devices_now() - timedelta(hours=1))
    for attempt in (code, "12345678", "abc", ""):
        response = app.test_client().post_form("/kiosk/pair", {"code": attempt})
        assert response.status_code == 422
        assert field_error(response.get_data(as_text=True), "code")


def test_an_unpaired_browser_sees_a_clear_page_and_cannot_post(client):
    page = client.get("/kiosk/")
    assert page.status_code == 403
    assert "此平板尚未配对" in page.get_data(as_text=True)
    assert "/kiosk/pair" in page.get_data(as_text=True)
    response = sign_in(client, VisitPurpose.REPAIR)
    assert response.status_code == 403
    assert scalar(select(func.count(Visit.id))) == 0


def test_a_forged_cookie_is_refused(client, paired_client):
    paired_client()
    client.set_cookie(devices.COOKIE_NAME, "1:forged")
    assert client.get("/kiosk/").status_code == 403


def test_a_revoked_device_stops_at_once(paired_client):
    client = paired_client()
    assert client.get("/kiosk/").status_code == 200
    devices.revoke(db.session.get(type_device(), client.device_id))
    page = client.get("/kiosk/")
    assert page.status_code == 403
    assert "此平板已停用" in page.get_data(as_text=True)
    assert sign_in(client, VisitPurpose.REPAIR).status_code == 403
    assert scalar(select(func.count(Visit.id))) == 0


def test_admin_registers_issues_a_code_and_revokes(client, login_as):
    login_as("admin")
    response = client.post_form("/visitors/devices", {"name": "大堂平板", "place": "service_centre",
                                                      "opens_at": "08:30", "closes_at": "18:00"})
    assert response.status_code == 303
    page = client.get("/visitors/devices").get_data(as_text=True)
    assert "大堂平板" in page and "未配对" in page
    device_id = scalar(select(type_device().id))
    coded = client.post_form(f"/visitors/devices/{device_id}/pairing-code")
    assert coded.status_code == 200, coded.get_data(as_text=True)[-1500:]
    code = re.search(r"<strong>(\d{8})</strong>", coded.get_data(as_text=True)).group(1)
    tablet = client.application.test_client()
    assert tablet.post_form("/kiosk/pair", {"code": code}).status_code == 303
    assert tablet.get("/kiosk/").status_code == 200
    assert client.post_form(f"/visitors/devices/{device_id}/revoke").status_code == 303
    assert tablet.get("/kiosk/").status_code == 403


def type_device():
    from kiosk.models.visits import KioskDevice

    return KioskDevice


def test_device_form_errors_beside_fields(client, login_as):
    login_as("admin")
    response = client.post_form("/visitors/devices", {"name": "", "place": "nowhere", "opens_at": "18:00",
                                                      "closes_at": "08:00"}, htmx=True)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field_error(html, "name") and field_error(html, "place") and field_error(html, "closes_at")
    assert "<html" not in html


# ---- the sign-in flow ------------------------------------------------------------------------------


def test_start_screen_offers_viewing_only_where_there_is_something_to_view(paired_client):
    centre = paired_client("service_centre").get("/kiosk/").get_data(as_text=True)
    sales = paired_client("sales_office").get("/kiosk/").get_data(as_text=True)
    assert "/kiosk/visit/viewing" not in centre and "/kiosk/visit/complaint" in centre
    assert "/kiosk/visit/viewing" in sales
    assert paired_client("service_centre").get("/kiosk/visit/viewing").status_code == 404


FIELDS_SHOWN = {
    VisitPurpose.VIEWING: {"buyer_says", "salesperson"},
    VisitPurpose.OWNER_BUSINESS: set(),
    VisitPurpose.COMPLAINT: {"relation"},
    VisitPurpose.REPAIR: set(),
    VisitPurpose.VISITING_PERSON: {"host_department_id", "host_name"},
    VisitPurpose.DELIVERY_PROMOTION: {"organisation", "host_department_id"},
    VisitPurpose.JOB_INTERVIEW: {"host_department_id", "host_name"},
    VisitPurpose.MEDIA_INTERVIEW: {"organisation", "host_name"},
    VisitPurpose.GOVERNMENT_INSPECTION: {"organisation", "host_name"},
    VisitPurpose.FORMER_EMPLOYEE: {"host_department_id"},
    VisitPurpose.OTHER: {"host_name"},
}
OPTIONAL = set().union(*FIELDS_SHOWN.values())


@pytest.mark.parametrize("purpose", list(VisitPurpose))
def test_every_purpose_shows_only_its_fields_and_signs_in(paired_client, purpose):
    client = paired_client("sales_office")
    page = client.get(f"/kiosk/visit/{purpose.value}").get_data(as_text=True)
    for name in ("name", "mobile", "party_size", "consent"):
        assert f'name="{name}"' in page
    for name in OPTIONAL:
        assert (f'name="{name}"' in page) == (name in FIELDS_SHOWN[purpose]), name
    response = sign_in(client, purpose)
    assert response.status_code == 303, response.get_data(as_text=True)
    visit = scalar(select(Visit))
    assert visit.purpose == purpose.value and visit.mobile == MOBILE and visit.place == "sales_office"
    assert visit.waiting_for_salesperson == (purpose is VisitPurpose.VIEWING)
    done = client.get("/kiosk/done")
    html = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "张三" in html and visit.badge_code in html and 'src="data:image/svg+xml' in html
    assert MOBILE not in html


def test_the_form_is_also_an_htmx_fragment(paired_client):
    client = paired_client()
    fragment = client.get_htmx("/kiosk/visit/repair").get_data(as_text=True)
    assert 'id="visit_form"' in fragment and "<html" not in fragment
    done = sign_in(client, VisitPurpose.REPAIR, htmx=True)
    assert done.status_code == 204 and done.headers["HX-Redirect"] == "/kiosk/done"


BAD_INPUT = [
    ("name", "", "此项必填"),
    ("name", "张" * 200, "最多 40 个字符"),
    ("name", "张三😀", "请只填写文字"),
    ("name", "<script>alert(1)</script>", "请只填写文字"),
    ("mobile", "", "此项必填"),
    ("mobile", "021-6123 4567", "手机号码"),
    ("mobile", "12345", "手机号码"),
    ("party_size", "0", "1 到 50"),
    ("party_size", "500", "1 到 50"),
    ("party_size", "两个", "1 到 50"),
    ("party_size", "", "此项必填"),
    ("consent", "", "请勾选同意后继续"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_answered_beside_the_field_with_input_kept(paired_client, field, value, message, htmx):
    client = paired_client()
    response = sign_in(client, VisitPurpose.VISITING_PERSON, htmx=htmx, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in (field_error(html, field) or "")
    assert ("<html" in html) != htmx
    if field == "name" and value:
        assert ('value="' + value.replace("<", "&lt;").replace(">", "&gt;")[:40]) in html
        assert "<script>alert" not in html
    if field != "mobile":
        assert f'value="{MOBILE}"' in html
    assert scalar(select(func.count(Visit.id))) == 0


def test_visiting_person_needs_a_person_or_a_department(paired_client):
    response = sign_in(paired_client(), VisitPurpose.VISITING_PERSON, host_name="")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "host_name")


def test_media_needs_its_organisation(paired_client):
    response = sign_in(paired_client(), VisitPurpose.MEDIA_INTERVIEW, organisation="")
    assert field_error(response.get_data(as_text=True), "organisation")


def test_a_mobile_with_country_code_is_stored_in_national_form(paired_client):
    assert sign_in(paired_client(), VisitPurpose.REPAIR, mobile="+86 138-1234-5678").status_code == 303
    assert scalar(select(Visit.mobile)) == MOBILE


def test_an_oversized_post_is_refused(paired_client):
    response = paired_client().post_form("/kiosk/visit/repair", visit_data(VisitPurpose.REPAIR,
                                                                           name="x" * 20_000))
    assert response.status_code == 413


def test_done_page_without_a_visit_goes_back_to_start(paired_client):
    response = paired_client().get("/kiosk/done")
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/")


def test_idle_return_clears_the_visit_and_language(paired_client):
    client = paired_client()
    sign_in(client, VisitPurpose.REPAIR)
    client.post_form("/lang/en", {"next": "/kiosk/"})
    assert "Welcome" in client.get("/kiosk/").get_data(as_text=True)
    assert client.get("/kiosk/?fresh=1").status_code == 303
    assert client.get("/kiosk/done").status_code == 303
    assert "欢迎光临" in client.get("/kiosk/").get_data(as_text=True)


def test_a_sign_in_leaves_the_session_as_it_was_and_its_badge_rides_in_a_signed_cookie(paired_client):
    """The session is not signed again at each sign-in (nor verified again at the tablet's next request):
    the badge page's visit comes in a cookie of its own, which nobody can point at another visit."""
    client = paired_client()
    client.get("/kiosk/visit/repair")  # the session (its CSRF token) is made with the page
    response = sign_in(client, VisitPurpose.REPAIR)
    assert response.status_code == 303
    assert [c.split("=")[0] for c in response.headers.getlist("Set-Cookie")] == ["kiosk_badge"]
    assert scalar(select(Visit.badge_code)) in client.get("/kiosk/done").get_data(as_text=True)
    signed = client.get_cookie("kiosk_badge", path="/kiosk/done").value
    client.set_cookie("kiosk_badge", "9" + signed[1:], path="/kiosk/done")  # another visit's, this signature
    assert client.get("/kiosk/done").status_code == 303


def test_pages_have_the_idle_timer_and_a_no_js_refresh(paired_client):
    html = paired_client().get("/kiosk/visit/repair").get_data(as_text=True)
    assert 'id="kiosk-idle"' in html and "js/kiosk.js" in html
    refresh = r'<noscript><meta http-equiv="refresh" content="\d+;url=/kiosk/\?fresh=1"></noscript>'
    assert re.search(refresh, html)


# ---- the visitor stays calm; the right people are alerted ------------------------------------------


def test_an_owner_complaint_is_class_a_and_alerts_the_service_centre(paired_client, make_department):
    centre = make_department("service_centre", "客服中心")
    client = paired_client()
    sign_in(client, VisitPurpose.COMPLAINT, relation="owner")
    incident = scalar(select(Incident))
    assert incident.incident_class == "A" and incident.visit.incident_class == "A"
    note = scalar(select(Notification))
    assert note.level == "urgent" and note.department_id == centre.id
    assert note.link == f"/visitors/incidents/{incident.id}"
    assert MOBILE not in note.title + note.body
    html = client.get("/kiosk/done").get_data(as_text=True)
    assert "请稍坐" in html
    for secret in ("A类", "突发", "关注", "incident"):
        assert secret not in html


def test_an_owner_is_recognised_by_mobile(paired_client, make_department):
    from kiosk.models.property import Owner

    db.session.add(Owner(name="业主", mobile=MOBILE))
    db.session.commit()
    sign_in(paired_client(), VisitPurpose.COMPLAINT, relation="other")
    assert scalar(select(Incident.incident_class)) == "A"


def test_at_a_management_office_b_goes_to_the_office_director(paired_client, make_department, make_user):
    office = make_department("management_office", "管理处")
    director = make_user("supervisor", "staff", department=office)
    make_user("staff", department=office)
    sign_in(paired_client("management_office"), VisitPurpose.FORMER_EMPLOYEE)
    notes = scalars(select(Notification))
    assert [(n.user_id, n.level) for n in notes] == [(director.id, "urgent")]


def test_c_class_alerts_pr_and_admin(paired_client, make_department):
    pr = make_department("pr_admin", "行政公关部")
    sign_in(paired_client(), VisitPurpose.GOVERNMENT_INSPECTION)
    assert scalar(select(Notification.department_id)) == pr.id
    assert scalar(select(Incident.incident_class)) == "C"


def test_a_watch_list_hit_alerts_quietly(paired_client, make_department, make_user):
    from kiosk.models.visits import WatchPerson

    centre = make_department("service_centre", "客服中心")
    supervisor = make_user("supervisor", department=centre)
    db.session.add(WatchPerson(name="钱多多", mobile=None, note="", created_by_id=supervisor.id,
                               created_at=devices_now()))
    db.session.commit()
    client = paired_client()
    sign_in(client, VisitPurpose.REPAIR, name="钱 多多")
    incident = scalar(select(Incident))
    assert incident.watch_list_hit and incident.incident_class is None
    assert scalar(select(Notification.user_id)) == supervisor.id
    html = client.get("/kiosk/done").get_data(as_text=True)
    assert "关注" not in html and "请稍坐" in html


def test_an_ordinary_visit_raises_nothing(paired_client):
    sign_in(paired_client(), VisitPurpose.REPAIR)
    assert scalar(select(func.count(Incident.id))) == 0
    assert scalar(select(func.count(Notification.id))) == 0


def test_a_walk_in_tells_the_department_visited(paired_client, make_department):
    engineering = make_department("engineering", "工程部")
    sign_in(paired_client(), VisitPurpose.VISITING_PERSON, host_name="",
            host_department_id=str(engineering.id))
    note = scalar(select(Notification))
    assert note.department_id == engineering.id and note.level == "info"


# ---- sign-out --------------------------------------------------------------------------------------


def test_sign_out_by_badge_code(paired_client):
    client = paired_client()
    sign_in(client, VisitPurpose.REPAIR)
    visit = scalar(select(Visit))
    response = client.post_form("/kiosk/sign-out", {"code": visit.badge_code.lower()})
    assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/goodbye")
    assert "再见" in client.get("/kiosk/goodbye").get_data(as_text=True)
    fresh(visit)
    assert visit.signed_out_at is not None and visit.sign_out_method == "kiosk"


def test_sign_out_by_mobile(paired_client):
    client = paired_client()
    sign_in(client, VisitPurpose.REPAIR)
    assert client.post_form("/kiosk/sign-out", {"code": "138 1234 5678"}).status_code == 303
    assert scalar(select(Visit.sign_out_method)) == "kiosk"


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "13900000000", "<script>"])
def test_sign_out_that_matches_nobody_says_so_beside_the_field(paired_client, code):
    response = paired_client().post_form("/kiosk/sign-out", {"code": code})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "code")


def test_goodbye_without_a_sign_out_goes_back_to_start(paired_client):
    assert paired_client().get("/kiosk/goodbye").status_code == 303
