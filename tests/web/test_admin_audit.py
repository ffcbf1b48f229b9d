"""The administration audit log: every administrative change through the web writes exactly one row per
kind of change (who, from where, what, before → after) in the change's own transaction; a refused change
writes none; the database itself refuses to rewrite or delete a row; admins read and filter it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from kiosk.database import begin_write
from kiosk.extensions import db
from kiosk.models.audit import AdminAudit
from kiosk.models.calls import DirectoryEntry
from kiosk.models.model_home import ModelHomeCheck
from kiosk.models.people import Department, User
from kiosk.models.visits import KioskDevice, WatchPerson
from kiosk.services import audit, devices, model_home, paging
from kiosk.services.audit import Action, ObjectType, Subject
from tests.support import field_error

ADDRESS = "127.0.0.1"  # the test client's


class Log:
    """Reads the rows written since the last look."""

    def __init__(self):
        self.seen = 0

    def new(self) -> list[AdminAudit]:
        db.session.rollback()
        rows = db.session.scalars(select(AdminAudit).where(AdminAudit.id > self.seen)
                                  .order_by(AdminAudit.id)).all()
        if rows:
            self.seen = rows[-1].id
        return list(rows)

    def one(self) -> AdminAudit:
        rows = self.new()
        assert len(rows) == 1, [(r.action, r.before, r.after) for r in rows]
        return rows[0]


def facts(row: AdminAudit) -> tuple:
    return row.action, row.object_type, row.before, row.after


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def _user_form(**overrides):
    data = {"username": "wangmin", "display_name": "王敏", "roles": ["sales"], "department_id": "0",
            "extension": "8711", "password": "a-good-password", "active": "y"}
    return data | overrides


def test_user_changes_are_audited_one_row_per_kind_of_change(client, admin, log, make_department):
    sales = make_department("sales", "销售部")
    assert client.post_form("/admin/users/new", _user_form(department_id=str(sales.id))).status_code == 303
    created = log.one()
    user = db.session.scalar(select(User).where(User.username == "wangmin"))
    assert facts(created) == ("user.created", "user", None, {
        "username": "wangmin", "display_name": "王敏", "department": "销售部", "extension": "8711",
        "active": True, "roles": ["sales"]})
    assert (created.actor_id, created.actor_username, created.address) == (admin.id, admin.username, ADDRESS)
    assert (created.object_id, created.object_label) == (str(user.id), "wangmin")
    assert created.at is not None

    edit = _user_form(password="", department_id=str(sales.id))
    client.post_form(f"/admin/users/{user.id}", edit | {"display_name": "王敏敏"})
    assert facts(log.one()) == ("user.changed", "user", {"display_name": "王敏"}, {"display_name": "王敏敏"})
    edit |= {"display_name": "王敏敏"}
    client.post_form(f"/admin/users/{user.id}", edit | {"roles": ["sales", "agent"]})
    assert facts(log.one()) == ("user.roles", "user", {"roles": ["sales"]}, {"roles": ["agent", "sales"]})
    edit |= {"roles": ["sales", "agent"]}
    client.post_form(f"/admin/users/{user.id}", edit | {"password": "another-password"})
    reset = log.one()
    assert facts(reset) == ("user.password_reset", "user", None, None)
    client.post_form(f"/admin/users/{user.id}", {k: v for k, v in edit.items() if k != "active"})
    assert facts(log.one()) == ("user.deactivated", "user", {"active": True}, {"active": False})
    # One save that changes several things: one row for each, in one transaction.
    client.post_form(f"/admin/users/{user.id}", edit | {"display_name": "王敏", "roles": ["staff"],
                                                        "password": "third-password"})
    assert [r.action for r in log.new()] == ["user.changed", "user.roles", "user.reactivated",
                                             "user.password_reset"]
    # Saving without a change is not a change.
    client.post_form(f"/admin/users/{user.id}", edit | {"display_name": "王敏", "roles": ["staff"]})
    assert log.new() == []
    stored = db.session.execute(text("SELECT before, after FROM admin_audit")).all()
    assert not any("password" in str(values) or "pbkdf2" in str(values) or "scrypt" in str(values)
                   for values in stored)


def test_a_refused_change_writes_no_row(client, admin, log, make_user):
    make_user("agent", username="taken")
    log.new()
    response = client.post_form("/admin/users/new", _user_form(username="taken"))
    assert response.status_code == 422
    for url, data in (("/admin/departments/new", {"code": "Bad Code", "name": "x"}),
                      ("/visitors/watch-list", {"name": "钱多多", "mobile": "021-61234567"}),
                      ("/admin/calendar", {"day": "0001-01-01", "is_working_day": "1"}),
                      ("/visitors/devices", {"name": "", "place": "service_centre"}),
                      ("/tasks/policy", {"routine_working_days": "-1"})):
        assert client.post_form(url, data).status_code == 422, url
    assert log.new() == []


def test_a_change_rolled_back_takes_its_audit_row_with_it(app, log):
    """The row is written in the change's transaction: a change that fails to commit leaves none."""
    by = audit.By(None, ADDRESS, datetime(2026, 12, 4, 2, 0, tzinfo=UTC))
    devices.register_device(name="前台一号", place="service_centre", opens_at=time(8), closes_at=time(18),
                            now=by.now, by=by)
    assert facts(log.one())[:2] == ("device.registered", "device")
    with pytest.raises(Exception):  # noqa: B017 - the unique name: IntegrityError on either database
        devices.register_device(name="前台一号", place="service_centre", opens_at=time(8), closes_at=time(18),
                                now=by.now, by=by)
    db.session.rollback()
    assert log.new() == []
    assert db.session.scalar(select(func.count()).select_from(KioskDevice)) == 1


def test_department_and_calendar_changes_are_audited(client, admin, log):
    client.post_form("/admin/departments/new", {"code": "engineering", "name": "工程部",
                                                "phone": "13812345678", "location": "A座", "active": "y"})
    created = log.one()
    assert facts(created) == ("department.created", "department", None, {
        "code": "engineering", "name": "工程部", "phone": "138****5678", "location": "A座", "active": True})
    department = db.session.scalar(select(Department))
    client.post_form(f"/admin/departments/{department.id}", {"code": "engineering", "name": "工程维修部",
                                                             "phone": "13812345679", "location": "A座",
                                                             "active": "y"})
    assert facts(log.one()) == ("department.changed", "department",
                                {"name": "工程部", "phone": "138****5678"},
                                {"name": "工程维修部", "phone": "138****5679"})

    client.post_form("/admin/calendar", {"day": "2026-12-24", "is_working_day": "0", "note": "平安夜"})
    assert facts(log.one()) == ("calendar.set", "calendar", None, {"is_working_day": False, "note": "平安夜"})
    client.post_form("/admin/calendar", {"day": "2026-12-24", "is_working_day": "1", "note": "平安夜"})
    changed = log.one()
    assert facts(changed) == ("calendar.set", "calendar", {"is_working_day": False}, {"is_working_day": True})
    assert changed.object_id == changed.object_label == "2026-12-24"
    client.post_form("/admin/calendar/2026-12-24/delete")
    assert facts(log.one()) == ("calendar.removed", "calendar", {"is_working_day": True, "note": "平安夜"},
                                None)


def test_a_tablet_registered_paired_and_revoked_is_audited(app, client, admin, log):
    client.post_form("/visitors/devices", {"name": "前台一号", "place": "service_centre", "opens_at": "08:00",
                                           "closes_at": "18:00"})
    assert facts(log.one()) == ("device.registered", "device", None, {
        "name": "前台一号", "place": "service_centre", "opens_at": "08:00:00", "closes_at": "18:00:00"})
    tablet = db.session.scalar(select(KioskDevice))
    page = client.post_form(f"/visitors/devices/{tablet.id}/pairing-code").get_data(as_text=True)
    issued = log.one()
    assert (issued.action, issued.before["pairing_expires_at"]) == ("device.pairing_code", None)
    code = next(c for c in __import__("re").findall(r"\b\d{8}\b", page))
    assert code not in str(issued.after)  # the code itself is never logged
    tablet_browser = app.test_client()
    tablet_browser.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert tablet_browser.post_form("/kiosk/pair", {"code": code}).status_code == 303
    paired = log.one()
    assert (paired.action, paired.actor_id, paired.actor_username, paired.address) == (
        "device.paired", None, "", "10.1.2.3")
    assert paired.before == {"paired_at": None} and paired.after["paired_at"]
    client.post_form(f"/visitors/devices/{tablet.id}/revoke")
    assert facts(log.one()) == ("device.revoked", "device", {"revoked": False}, {"revoked": True})


def test_policy_changes_are_audited(client, admin, log):
    fields = {"routine_working_days": 2, "major_working_days": 3, "complaint_hours": 24,
              "emergency_minutes": 30, "incident_report_working_days": 2, "near_due_fraction": 0.2,
              "near_due_minutes": "", "callback_attempts": 3, "callback_retry_minutes": 120}
    client.post_form("/tasks/policy", fields)
    assert facts(log.one()) == ("policy.deadlines", "policy", {"routine_working_days": 1},
                                {"routine_working_days": 2})
    client.post_form("/tasks/policy", fields | {"callback_attempts": 5})
    assert facts(log.one()) == ("policy.callback_retries", "policy", {"max_attempts": 3}, {"max_attempts": 5})


BOOKS = [
    ("phrases", "phrase", {"stage": "greeting", "text": "您好，客服中心。", "sort_order": "1"},
     {"text": "您好，这里是客服中心。"}),
    ("directory", "directory", {"name": "工程部报修", "floor": "A座", "phone": "13812345678", "info": ""},
     {"phone": "13912345678"}),
    ("answers", "answer", {"question": "物业费怎么交？", "answer": "管理处柜台。"}, {"answer": "小程序。"}),
]


@pytest.mark.parametrize(("kind", "object_type", "data", "change"), BOOKS)
def test_book_entries_are_audited(client, login_as, log, kind, object_type, data, change):
    login_as("supervisor")
    assert client.post_form(f"/hotline/books/{kind}/new", data).status_code == 303
    created = log.one()
    assert (created.action, created.object_type, created.before) == ("entry.created", object_type, None)
    row_id = int(created.object_id)
    client.post_form(f"/hotline/books/{kind}/{row_id}", data | change)
    changed = log.one()
    assert changed.action == "entry.changed" and set(changed.after) == set(change)
    client.post_form(f"/hotline/books/{kind}/{row_id}/delete")
    deleted = log.one()
    assert (deleted.action, deleted.after) == ("entry.deleted", None)
    if kind == "directory":
        assert (changed.before, changed.after) == ({"phone": "138****5678"}, {"phone": "139****5678"})
        assert deleted.before["phone"] == "139****5678"
        assert db.session.scalar(select(func.count()).select_from(DirectoryEntry)) == 0


def test_a_duplicate_book_entry_writes_no_row(client, login_as, log):
    login_as("supervisor")
    data = {"stage": "greeting", "text": "您好。", "sort_order": "1"}
    client.post_form("/hotline/books/phrases/new", data)
    log.new()
    assert client.post_form("/hotline/books/phrases/new", data).status_code == 422
    assert log.new() == []


def test_model_home_checks_and_supervisor_are_audited(client, admin, log, make_device, make_user,
                                                      make_department):
    engineering = make_department("engineering", "工程部")
    tablet = make_device("model_home", name="样板间A户型")
    boss = make_user("supervisor", username="zhuguan")
    client.get("/model-homes/checks")
    log.new()
    client.post_form("/model-homes/checks", {"new-kind": "opening", "new-text": "门厅香薰已更换",
                                             "new-department_id": str(engineering.id), "new-position": "5",
                                             "new-active": "y"})
    assert facts(log.one()) == ("check.created", "check", None, {
        "kind": "opening", "text": "门厅香薰已更换", "position": 5, "active": True, "department": "工程部"})
    check = db.session.scalar(select(ModelHomeCheck).where(ModelHomeCheck.text == "门厅香薰已更换"))
    client.post_form(f"/model-homes/checks/{check.id}", {f"c{check.id}-kind": "opening",
                                                         f"c{check.id}-text": "门厅香薰已更换",
                                                         f"c{check.id}-department_id": "0",
                                                         f"c{check.id}-position": "5"})
    assert facts(log.one()) == ("check.changed", "check", {"active": True, "department": "工程部"},
                                {"active": False, "department": None})
    client.post_form(f"/model-homes/tablets/{tablet.id}/supervisor", {f"s{tablet.id}-supervisor_id": boss.id})
    assert facts(log.one()) == ("model_home.supervisor", "model_home", {"supervisor": None},
                                {"supervisor": "zhuguan"})
    assert model_home.supervisor_of(tablet).id == boss.id


def test_watch_list_changes_are_audited_with_the_number_masked(client, login_as, log):
    login_as("supervisor")
    client.post_form("/visitors/watch-list", {"name": "钱多多", "mobile": "13311112222", "alert_role": "",
                                              "note": "曾多次闹事"})
    added = log.one()
    assert facts(added) == ("watch.added", "watch", None, {"name": "钱多多", "mobile": "133****2222",
                                                          "kind": "other", "alert_role": None,
                                                          "note": "曾多次闹事"})
    person = db.session.scalar(select(WatchPerson))
    client.post_form(f"/visitors/watch-list/{person.id}", {"name": "钱多多", "mobile": "", "alert_role": "hr",
                                                           "note": "曾多次闹事"})
    assert facts(log.one()) == ("watch.changed", "watch", {"mobile": "133****2222", "alert_role": None},
                                {"mobile": None, "alert_role": "hr"})
    client.post_form(f"/visitors/watch-list/{person.id}/delete")
    assert facts(log.one())[:3] == ("watch.removed", "watch", {"name": "钱多多", "mobile": None,
                                                               "kind": "other", "alert_role": "hr",
                                                               "note": "曾多次闹事"})
    assert "13311112222" not in str(db.session.execute(text("SELECT before, after FROM admin_audit")).all())


def test_the_command_line_creates_users_on_the_record(runner, log):
    result = runner.invoke(args=["create-user", "ops", "--name", "运维", "--role", "admin",
                                 "--password", "a-long-password"])
    assert result.exit_code == 0, result.output
    row = log.one()
    assert (row.action, row.actor_id, row.address, row.object_label) == ("user.created", None, "", "ops")


# ---- append-only, enforced by the database ---------------------------------------------------------


def _one_row() -> AdminAudit:
    begin_write()
    audit.record_admin_change(None, ADDRESS, Action.CALENDAR_SET, Subject(ObjectType.CALENDAR, "x", "x"),
                              None, {"note": "a"}, datetime(2026, 12, 4, tzinfo=UTC))
    db.session.commit()
    return db.session.scalar(select(AdminAudit))


@pytest.mark.parametrize("statement", ["UPDATE admin_audit SET address = 'forged'",
                                       "DELETE FROM admin_audit"])
def test_the_database_refuses_to_rewrite_or_delete_an_audit_row(app, statement):
    row = _one_row()
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(AdminAudit.address).where(AdminAudit.id == row.id)) == ADDRESS


# ---- the page ----------------------------------------------------------------------------------------


def _write(actor: User | None, action: Action, object_type: ObjectType, at: datetime, label: str = "x",
           before=None, after=None) -> None:
    begin_write()
    audit.record_admin_change(actor, "10.0.0.9", action, Subject(object_type, 1, label), before, after, at)
    db.session.commit()


def test_the_page_lists_newest_first_with_a_readable_diff_and_filters(client, admin, make_user):
    other = make_user("admin", username="lisi")
    _write(admin, Action.USER_ROLES, ObjectType.USER, datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "wangmin",
           {"roles": ["sales"]}, {"roles": ["agent", "sales"]})
    _write(other, Action.CALENDAR_SET, ObjectType.CALENDAR, datetime(2026, 12, 3, 17, 30, tzinfo=UTC),
           "2026-12-24", {"is_working_day": True}, {"is_working_day": False})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.index("2026-12-24") < page.index("wangmin")  # newest first
    assert "2026-12-04 01:30:00" in page  # Shanghai time
    assert "10.0.0.9" in page and "lisi" in page and "设置公司日历" in page
    assert "角色：<del>销售顾问</del> → <ins>热线坐席、销售顾问</ins>" in page
    assert "上班：<del>是</del> → <ins>否</ins>" in page

    by_actor = client.get(f"/admin/audit?actor_id={other.id}").get_data(as_text=True)
    assert "2026-12-24" in by_actor and "wangmin" not in by_actor
    by_type = client.get("/admin/audit?object_type=user").get_data(as_text=True)
    assert "wangmin" in by_type and "2026-12-24" not in by_type
    by_action = client.get("/admin/audit?action=calendar.set").get_data(as_text=True)
    assert "2026-12-24" in by_action and "wangmin" not in by_action
    # 2026-12-03 17:30 UTC is 12-04 in Shanghai: the days are Shanghai days.
    by_days = client.get("/admin/audit?start=2026-12-04&end=2026-12-04").get_data(as_text=True)
    assert "2026-12-24" in by_days and "wangmin" not in by_days
    fragment = client.get_htmx("/admin/audit?start=2026-12-01&end=2026-12-01")
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="audit_rows">')
    assert "wangmin" in html and "2026-12-24" not in html


@pytest.mark.parametrize(("query", "field", "message"), [
    ("start=2026-13-01", "start", "不是有效的日期值。"),
    ("end=0001-01-01", "end", "请填写 2000 年至 2099 年之间的日期。"),
    ("start=2026-12-05&end=2026-12-01", "end", "结束日期不能早于开始日期。"),
    ("object_type=nonsense", "object_type", None),
    ("actor_id=abc", "actor_id", None),
    ("actor_id=99999999999999999999", "actor_id", None),
])
def test_bad_filters_are_messages_beside_the_fields_never_a_crash(client, admin, query, field, message):
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 422
    error = field_error(response.get_data(as_text=True), field)
    assert error and (message is None or error == message)


def test_the_log_is_paginated(client, admin):
    for n in range(paging.PER_PAGE + 3):
        _write(admin, Action.CALENDAR_SET, ObjectType.CALENDAR, datetime(2026, 12, 1, 0, n, tzinfo=UTC),
               f"day-{n:03d}", None, {"note": str(n)})
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "day-052" in first and "day-002" not in first and "第 1 / 2 页" in first
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "day-002" in second and "day-000" in second and "day-052" not in second
    assert client.get("/admin/audit?page=nonsense").status_code == 200


def test_ten_tablets_typing_one_pairing_code_at_once_leave_one_pairing_on_record(app, make_device, log):
    """The code is consumed by a conditional UPDATE: one tablet wins, and only its pairing is audited
    (the losers' transactions, audit row included, are rolled back)."""
    tablet = make_device()
    code = devices.issue_pairing_code(tablet, datetime.now(UTC))
    browsers = [app.test_client() for _ in range(10)]

    def pair(n: int) -> int:
        browsers[n].environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        return browsers[n].post_form("/kiosk/pair", {"code": code}).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(pair, range(10)))
    assert sorted(statuses) == [303] + [422] * 9
    paired = log.one()
    assert paired.action == "device.paired" and paired.address == f"10.0.0.{statuses.index(303) + 1}"
