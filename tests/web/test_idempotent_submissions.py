"""One submission, one record: every form that creates something carries a one-time key, and the same
form sent again (a double tap, a resend) answers with the first result instead of creating a second.

Each form is fetched as a person would, its key read from the page, and posted twice with that key: one
record, two answers alike. Then 20 identical sign-ins at once from one sales-office tablet: one visit,
one badge, one rotation event, and all 20 tablets' pages show the same badge and salesperson.
"""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.model_home import AssetPhoto, AssetRecord
from kiosk.models.notifications import Notification
from kiosk.models.rotation import RotationEvent
from kiosk.models.sales import BuyerFile, BuyerStep, PhoneEnquiry
from kiosk.models.submissions import FormSubmission
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import Appointment, Visit
from kiosk.services import devices, rotation, submissions
from tests.kiosk_support import visit_data
from tests.sales_support import make_team, make_units, new_file, received_group
from tests.support import PNG

TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
TAPS = 20


@pytest.fixture
def app_config(tmp_path):
    """The asset record's test keeps its photos in a folder (the other storage, ``database``, is the
    default everywhere else), so the files a repeat would write can be counted."""
    return {"ASSET_PHOTO_STORAGE": "directory", "ASSET_PHOTO_DIR": str(tmp_path / "photos")}


@pytest.fixture(autouse=True)
def ten_oclock(monkeypatch):
    for face in ("visitor_kiosk", "rotation", "sales", "model_home_tablet", "tasks", "visitors"):
        monkeypatch.setattr(f"kiosk.blueprints.{face}.utcnow", lambda: TEN)


def key_on(html: str, name: str = "submission_key") -> str:
    """The one-time key of the form whose key field is ``name`` (prefixed forms: ``deposit-…``)."""
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]+)"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


def count(model, *where) -> int:
    db.session.rollback()  # end the test's snapshot: see what the requests committed
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as session:
        return session.pop("_flashes", [])


def twice(client, url: str, data: dict, **kwargs):
    """The same submission sent twice; both answers, each with what it flashed."""
    answers = []
    for _ in range(2):
        response = client.post_form(url, data, **kwargs)
        answers.append((response.status_code, response.headers.get("Location"), flashes(client)))
    return answers


def badge_on(html: str) -> str:
    return re.search(r'class="badge-code">[^<]*<strong>([^<]+)</strong>', html).group(1)


# ---- the kiosk's sign-in -----------------------------------------------------------------------------


def test_a_double_tap_signs_the_visitor_in_once_and_both_taps_show_the_same_badge(paired_client):
    tablet = paired_client("service_centre")
    url = "/kiosk/visit/owner_business"
    key = key_on(tablet.get(url).get_data(as_text=True))
    data = visit_data(VisitPurpose.OWNER_BUSINESS, submission_key=key)
    first, again = tablet.post_form(url, data), tablet.post_form(url, data)
    assert first.status_code == again.status_code == 303
    assert count(Visit) == 1
    visit = db.session.scalar(select(Visit))
    assert badge_on(tablet.get("/kiosk/done").get_data(as_text=True)) == visit.badge_code


def test_a_page_shown_again_with_messages_keeps_its_key_so_the_corrected_form_is_one_submission(
        paired_client):
    tablet = paired_client("service_centre")
    url = "/kiosk/visit/owner_business"
    key = key_on(tablet.get(url).get_data(as_text=True))
    wrong = tablet.post_form(url, visit_data(VisitPurpose.OWNER_BUSINESS, mobile="123", submission_key=key),
                             htmx=True)
    assert wrong.status_code == 422 and key_on(wrong.get_data(as_text=True)) == key
    assert count(Visit) == 0  # a refused form claims nothing
    corrected = visit_data(VisitPurpose.OWNER_BUSINESS, submission_key=key)
    assert [tablet.post_form(url, corrected).status_code for _ in range(2)] == [303, 303]
    assert count(Visit) == 1


def test_a_form_without_a_key_is_still_taken_and_shown_again_with_a_fresh_key(paired_client):
    """Decided (kiosk.services.submissions): a page drawn before keys existed, or a script, is served as
    before, one record per request, rather than turning a visitor away."""
    tablet = paired_client("service_centre")
    url = "/kiosk/visit/owner_business"
    assert tablet.post_form(url, visit_data(VisitPurpose.OWNER_BUSINESS)).status_code == 303
    assert count(Visit) == 1
    for sent in ("", "not a key!", "x" * 200):
        wrong = tablet.post_form(url, visit_data(VisitPurpose.OWNER_BUSINESS, name="", submission_key=sent))
        html = wrong.get_data(as_text=True)
        assert wrong.status_code == 422 and re.fullmatch(r"[A-Za-z0-9_-]{32}", key_on(html))
    assert count(FormSubmission) == 0


def test_a_key_belongs_to_its_tablet_another_tablet_sending_it_gets_its_own_visit(paired_client):
    mine, other = paired_client("service_centre"), paired_client("service_centre")
    url = "/kiosk/visit/owner_business"
    key = key_on(mine.get(url).get_data(as_text=True))
    assert mine.post_form(url, visit_data(VisitPurpose.OWNER_BUSINESS, submission_key=key)).status_code == 303
    stranger = visit_data(VisitPurpose.OWNER_BUSINESS, name="李四", mobile="13912345678", submission_key=key)
    assert other.post_form(url, stranger).status_code == 303
    db.session.rollback()
    visits = db.session.scalars(select(Visit).order_by(Visit.id)).all()
    assert [(v.name, v.device_id) for v in visits] == [("张三", mine.device_id), ("李四", other.device_id)]
    assert "李四" in other.get("/kiosk/done").get_data(as_text=True)


# ---- staff forms -------------------------------------------------------------------------------------


def test_an_appointment_sent_twice_is_booked_once_with_one_code(client, login_as):
    host = login_as("staff")
    key = key_on(client.get("/visitors/appointments").get_data(as_text=True))
    data = {"visitor_name": "李女士", "mobile": "13812345678", "purpose": "visiting_person",
            "starts_at": "2026-11-23T14:00", "ends_at": "2026-11-23T15:00", "host_id": str(host.id),
            "submission_key": key}
    first, again = twice(client, "/visitors/appointments", data)
    assert count(Appointment) == 1
    code = db.session.scalar(select(Appointment.code))
    assert first == again and first[0] == 303 and code in first[2][0][1]


def test_a_task_slip_sent_twice_is_opened_once(client, login_as):
    login_as("staff")
    key = key_on(client.get("/tasks/new").get_data(as_text=True))
    data = {"category": "repair", "priority": "routine", "department_id": "0", "location": "B座 电梯",
            "description": "电梯异响", "submission_key": key}
    first, again = twice(client, "/tasks/new", data)
    assert count(TaskSlip) == 1
    slip = db.session.scalar(select(TaskSlip))
    assert first == again and first[1] == f"/tasks/{slip.id}"


@pytest.fixture
def team(make_user, make_department, client, auth):
    team = make_team(make_user, make_department)
    auth.login(team.salesperson.username)
    return team


def test_a_buyer_file_step_sent_twice_is_recorded_once_and_the_repeat_is_not_told_the_file_changed(
        client, team):
    unit = make_units(1)[0]
    file = new_file(team, TEN)
    key = key_on(client.get(f"/sales/buyers/{file.id}").get_data(as_text=True), "deposit-submission_key")
    data = {"deposit-version": str(file.version), "deposit-unit_id": str(unit.id), "deposit-amount": "20000",
            "deposit-receipt_no": "SJ-0012", "deposit-received_on": "2026-11-23",
            "deposit-collected_by": str(team.cashier.id), "deposit-second_person": str(team.salesperson.id),
            "deposit-checked_with": str(team.manager.id), "deposit-submission_key": key}
    first, again = twice(client, f"/sales/buyers/{file.id}/deposit", data)
    assert first == again == (303, f"/sales/buyers/{file.id}", [("success", "已记录：收取定金。")])
    assert count(BuyerStep, BuyerStep.file_id == file.id, BuyerStep.step == "deposit") == 1


def test_a_buyer_file_sent_twice_is_opened_once_though_its_group_is_no_longer_offered(client, team):
    group, reception = received_group(TEN)
    assert reception.receiver.id == team.salesperson.id
    key = key_on(client.get(f"/sales/buyers/new?group={group}").get_data(as_text=True))
    data = {"group_id": group, "customer_name": "周海", "mobile": "13512345678", "submission_key": key}
    first, again = twice(client, "/sales/buyers/new", data)
    assert count(BuyerFile) == 1
    file_id = db.session.scalar(select(BuyerFile.id))
    assert first == again == (303, f"/sales/buyers/{file_id}", [("success", "已为 周海 建立客户档案。")])


def test_a_phone_register_entry_sent_twice_is_one_call(client, team):
    key = key_on(client.get("/sales/today").get_data(as_text=True))
    data = {"caller_name": "陈先生", "mobile": "13512345678", "question": "三居室还有吗",
            "submission_key": key}
    first, again = twice(client, "/sales/calls", data)
    assert first == again == (303, "/sales/today", [("success", "已登记来电。")])
    assert count(PhoneEnquiry) == 1


def _asset_record_sent_twice(paired_client) -> list[tuple[int, str]]:
    home = devices.register_device(name="样板间A户型", place="model_home", opens_at=time(8, 30),
                                   closes_at=time(19, 0), now=TEN)
    tablet = paired_client(device=home)
    key = key_on(tablet.get("/model-home/assets/new").get_data(as_text=True))
    answers = []
    for _ in range(2):
        data = {"item": "客厅装饰花瓶", "event": "lost", "happened": "闭店清点时发现不见",
                "occurred_at": "2026-11-23T09:40", "reported_by": "李管家", "submission_key": key,
                "photos": [(io.BytesIO(PNG), "vase.png")]}
        response = tablet.post_form("/model-home/assets/new", data, content_type="multipart/form-data")
        answers.append((response.status_code, response.headers["Location"]))
    return answers


def test_an_asset_record_sent_twice_is_filed_once_with_its_photo_stored_once(paired_client, tmp_path):
    assert _asset_record_sent_twice(paired_client) == [(303, "/model-home/")] * 2
    assert count(AssetRecord) == 1
    record = db.session.scalar(select(AssetRecord))
    assert [p.name for p in (tmp_path / "photos").iterdir()] == [record.photos[0]["file"]]


@pytest.mark.parametrize("app_config", [{}])  # photos in the database, the default
def test_an_asset_record_sent_twice_keeps_one_photo_in_the_database(paired_client, app_config):
    assert _asset_record_sent_twice(paired_client) == [(303, "/model-home/")] * 2
    assert count(AssetRecord) == 1 and count(AssetPhoto) == 1


def test_a_rotation_group_sent_twice_takes_one_turn(client, login_as, make_user):
    for name in ("王敏", "张伟"):
        make_user("sales", display_name=name)
    login_as("supervisor")
    key = key_on(client.get("/rotation/").get_data(as_text=True), "group-submission_key")
    data = {"group-label": "李先生", "group-kind": "NEW_WALK_IN", "group-submission_key": key}
    first, again = twice(client, "/rotation/group", data)
    assert first == again and first[0] == 303 and "王敏" in first[2][0][1]
    assert count(RotationEvent, RotationEvent.type == "CustomerArrived") == 1
    assert count(Notification, Notification.kind == "rotation") == 1


# ---- twenty taps at once -----------------------------------------------------------------------------


def test_twenty_identical_sign_ins_at_once_make_one_visit_one_badge_one_rotation_turn(
        app, paired_client, make_user):
    team = [make_user("sales", display_name=name) for name in ("王敏", "张伟", "杨帆")]
    tablet = paired_client("sales_office")
    url = "/kiosk/visit/viewing"
    key = key_on(tablet.get(url).get_data(as_text=True))
    data = visit_data(VisitPurpose.VIEWING, buyer_says="first", submission_key=key)
    # The same form from the same tablet, sent 20 times at once (each a browser request of its own).
    credential = tablet.get_cookie(devices.COOKIE_NAME).value
    taps = []
    for _ in range(TAPS):
        client = app.test_client()
        client.set_cookie(devices.COOKIE_NAME, credential)
        client.csrf_token()
        taps.append(client)
    start = threading.Barrier(TAPS)

    def tap(client) -> tuple[int, str]:
        start.wait()
        response = client.post_form(url, data)
        return response.status_code, client.get("/kiosk/done").get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=TAPS) as pool:
        answers = list(pool.map(tap, taps))

    assert [status for status, _ in answers] == [303] * TAPS
    db.session.rollback()
    visit = db.session.scalar(select(Visit))
    assert count(Visit) == 1
    events = db.session.scalars(select(RotationEvent)).all()
    assert [(e.type, e.payload["group_id"]) for e in events] == [("CustomerArrived", f"visit-{visit.id}")]
    assert count(Notification, Notification.kind == "rotation") == 1
    assert {badge_on(page) for _, page in answers} == {visit.badge_code}
    receiver = rotation.replay_day(events[0].rotation_day).received(f"visit-{visit.id}").receiver
    assert receiver == rotation.sid(team[0].id)
    assert all("顾问 王敏 马上来接待您" in page for _, page in answers)


# ---- keeping keys ------------------------------------------------------------------------------------


def test_old_keys_are_purged_and_recent_ones_kept(client, login_as):
    login_as("staff")
    for _ in range(2):
        key = key_on(client.get("/tasks/new").get_data(as_text=True))
        assert client.post_form("/tasks/new", {
            "category": "repair", "priority": "routine", "department_id": "0", "location": "B座 电梯",
            "description": "电梯异响", "submission_key": key}).status_code == 303
    assert count(FormSubmission) == 2
    assert submissions.purge_submission_keys(TEN + submissions.KEEP_KEYS) == 0
    assert submissions.purge_submission_keys(TEN + submissions.KEEP_KEYS + timedelta(seconds=1)) == 2
    assert count(FormSubmission) == 0
