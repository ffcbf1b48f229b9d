"""Every form where a person types a telephone number checks it with one rule (kiosk.domain.phone_numbers):
garbage, a broken character or the wrong kind of number is a message beside the field, with what was typed
left in it, and nothing is stored; a good number is stored in its one form."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.calls import Call, DirectoryEntry
from kiosk.models.people import Department, User
from kiosk.models.sales import PhoneEnquiry
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import Appointment, Visit, WatchPerson
from kiosk.services import hotline
from tests.crawl_support import snapshot
from tests.kiosk_support import visit_data
from tests.support import field_error

MOBILE = "请填写有效的中国大陆手机号码（11 位）。"
ANY_NUMBER = "请填写有效的电话号码"
EXTENSION = "分机号应为 3 到 6 位数字。"


def _new_caller_url(make_user) -> str:
    call = hotline.start_call(make_user("agent"), "13700001111", utcnow())
    return f"/hotline/calls/{call.id}/new-caller"


SLIP = {"category": "repair", "priority": "routine", "department_id": "0", "location": "3栋",
        "description": "漏水"}
# role, the form's URL (or a function of make_user making it), the other fields, the phone field,
# the message beside it
FORMS = {
    "hotline start call": ("agent", "/hotline/calls/start", {}, "caller_number", ANY_NUMBER),
    "hotline new caller": ("supervisor", _new_caller_url, {"name": "陈晓东", "unit_id": "0"}, "mobile",
                           MOBILE),
    "114 directory": ("supervisor", "/hotline/books/directory/new", {"name": "工程部"}, "phone", ANY_NUMBER),
    "department": ("admin", "/admin/departments/new", {"code": "eng", "name": "工程部"}, "phone", ANY_NUMBER),
    "user's extension": ("admin", "/admin/users/new", {"username": "wangmin", "display_name": "王敏",
                                                      "roles": "agent", "department_id": "0",
                                                      "password": "a-good-password"}, "extension", EXTENSION),
    "new slip": ("agent", "/tasks/new", SLIP, "caller_phone", ANY_NUMBER),
    "visitor log search": ("supervisor", "/visitors/by-mobile", {}, "mobile", MOBILE),
    "watch list": ("supervisor", "/visitors/watch-list", {"name": "钱多多", "alert_role": ""}, "mobile",
                   MOBILE),
    "appointment": ("supervisor", "/visitors/appointments", {"visitor_name": "李女士"}, "mobile", MOBILE),
    "buyer file": ("sales", "/sales/buyers/new", {"group_id": "", "customer_name": "周海"}, "mobile", MOBILE),
    "sales phone register": ("sales", "/sales/calls", {"caller_name": "刘先生", "question": "两房还有吗"},
                             "mobile", MOBILE),
}
STORED = (Call, DirectoryEntry, Department, User, TaskSlip, WatchPerson, Appointment, PhoneEnquiry, Visit)
#: Typed into the phone field, as the form's bytes, and how it begins when shown back: a broken character
#: (%ED%A0%80 is a lone surrogate), letters, a trailing symbol, a foreign number.
GARBAGE = {b"13900001234%ED%A0%80": "13900001234", b"139%ED%A0%80": "139", b"12ab": "12ab",
           b"13900001234%3B": "13900001234;", b"%2B1+650+253+0000": "+1 650 253 0000"}


def _post_raw(client, url: str, fields: dict, name: str, raw: bytes):
    fields = urlencode({"csrf_token": client.csrf_token(), **fields}).encode()
    body = b"&".join([fields, name.encode() + b"=" + raw])
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("raw", GARBAGE)
@pytest.mark.parametrize("form", FORMS)
def test_every_phone_field_refuses_garbage_beside_the_field(client, login_as, make_user, form, raw):
    role, url, fields, name, message = FORMS[form]
    url = url if isinstance(url, str) else url(make_user)
    login_as(role)
    before = snapshot()
    response = _post_raw(client, url, fields, name, raw)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:500]
    assert (field_error(html, name) or "").startswith(message)
    assert 'type="tel"' in re.search(rf'<input[^>]*\bid="{name}"[^>]*>', html)[0]
    assert f'value="{GARBAGE[raw]}' in html  # what was typed stays in the field
    assert snapshot() == before


def test_the_kiosk_sign_in_asks_for_a_mobile(paired_client):
    tablet = paired_client()
    for raw in (b"139%ED%A0%80", b"0731-8800+1000", b"12ab"):
        fields = {k: v for k, v in visit_data(VisitPurpose.REPAIR).items() if k != "mobile"}
        response = _post_raw(tablet, f"/kiosk/visit/{VisitPurpose.REPAIR.value}", fields, "mobile", raw)
        assert response.status_code == 422
        assert field_error(response.get_data(as_text=True), "mobile") == MOBILE
    assert db.session.scalar(select(Visit)) is None
    response = tablet.post_form(f"/kiosk/visit/{VisitPurpose.REPAIR.value}",
                                visit_data(VisitPurpose.REPAIR, mobile="+86 139-0000-1234"))
    assert response.status_code == 303 and db.session.scalar(select(Visit.mobile)) == "13900001234"


@pytest.mark.parametrize(("typed", "stored"), [
    ("0731-8800 1000 转 8001", "073188001000-8001"),
    ("400-800-1234", "4008001234"),
    ("+86 138 1234 5678", "13812345678"),
])
def test_a_slips_contact_number_is_stored_in_its_one_form(client, login_as, typed, stored):
    login_as("agent")
    response = client.post_form("/tasks/new", {**SLIP, "caller_phone": typed})
    assert response.status_code == 303
    assert db.session.scalar(select(TaskSlip.caller_phone)) == stored


def test_a_directory_number_is_stored_in_one_form_and_shown_spaced_out(client, login_as):
    login_as("supervisor")
    response = client.post_form("/hotline/books/directory/new", {"name": "工程部报修",
                                                                 "phone": "0731-88001010 转 8201"})
    assert response.status_code == 303
    assert db.session.scalar(select(DirectoryEntry.phone)) == "073188001010-8201"
    assert "0731 8800 1010 转 8201" in client.get("/hotline/books/directory").get_data(as_text=True)
    short = client.post_form("/hotline/books/directory/new", {"name": "供电抢修", "phone": "95598"})
    assert short.status_code == 303


def test_an_agents_extension_is_three_to_six_digits(client, login_as):
    login_as("admin")
    fields = {"username": "wangmin", "display_name": "王敏", "roles": "agent", "department_id": "0",
              "password": "a-good-password", "active": "y"}
    for bad in ("81", "1234567", "８１０１x", "²³⁴"):
        response = client.post_form("/admin/users/new", {**fields, "extension": bad})
        assert response.status_code == 422
        assert field_error(response.get_data(as_text=True), "extension") == EXTENSION
    assert client.post_form("/admin/users/new", {**fields, "extension": "８１０１"}).status_code == 303
    assert db.session.scalar(select(User.extension).where(User.username == "wangmin")) == "8101"

