"""The register's pages: active search, the customer file with its timeline, corrections with history,
merging, the unit's file, the import page, and the caller's summary on the call screen."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.domain.register import Relation
from kiosk.extensions import db
from kiosk.models.calls import Call, CallPhraseUse
from kiosk.models.property import Building, ImportUpload, Owner, OwnerChange, OwnerPhone, Project, Unit
from kiosk.services import register, register_import
from kiosk.services.register import Actor, RegisterRefused
from tests.support import field_error, in_threads
from tests.web.register_support import rows_for, xlsx
from tests.web.slips import make_cast, open_one

NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # before the requests' own clock


def _units(*numbers: str, building: str = "3栋") -> list[Unit]:
    project = db.session.scalar(select(Project).where(Project.name == "湘江壹号")) or Project(
        name="湘江壹号", delivered_on=date(2026, 3, 1))
    found = db.session.scalar(select(Building).where(Building.name == building)) or Building(
        project=project, name=building)
    units = [Unit(building=found, number=n) for n in numbers]
    db.session.add_all([project, found, *units])
    db.session.commit()
    return units


def person(name: str, phone: str | None, unit: Unit | None, *, relation=Relation.OWNER,
           moved_in=None) -> Owner:
    made = register.create_person({"name": name, "moved_in_on": moved_in}, unit=unit, relation=relation,
                                  phone=phone, actor=Actor(None, NOW))
    return db.session.get(Owner, made.id)


@pytest.fixture
def people(app):
    u1201, u1202 = _units("1201", "1202")
    return {"zeng": person("曾小明", "13900001234", u1201, moved_in=date(2026, 4, 1)),
            "shan": person("单田芳", "13900005678", u1202),
            "qiu": person("仇英", None, None), "obrien": person("Mary-Jane O'Brien", None, None)}


@pytest.mark.parametrize(("query", "names"), [
    ("曾小明", ["曾小明"]), ("小明", ["曾小明"]), ("zxm", ["曾小明"]), ("cxm", ["曾小明"]),
    ("ZX", ["曾小明"]),
    ("stf", ["单田芳"]), ("dtf", ["单田芳"]), ("qy", ["仇英"]), ("cy", ["仇英"]),
    ("3栋1201", ["曾小明"]), ("3-1201", ["曾小明"]), ("3#1202", ["单田芳"]), ("1201", ["曾小明"]),
    ("13900001234", ["曾小明"]), ("1390000", ["单田芳", "曾小明"]), ("5678", ["单田芳"]),
    ("3栋", ["单田芳", "曾小明"]),
    ("湘江 1202", ["单田芳"]), ("zxm 1202", []), ("4-1201", []),
    ("Mary", ["Mary-Jane O'Brien"]), ("jane", ["Mary-Jane O'Brien"]), ("obri", ["Mary-Jane O'Brien"]),
    ("Brien", ["Mary-Jane O'Brien"]), ("mary obrien", ["Mary-Jane O'Brien"]),
    ("maryjane", ["Mary-Jane O'Brien"]),
    ("smith", []), ("mary smith", []),
])
def test_a_person_is_found_every_way_an_agent_asks(people, query, names):
    assert sorted(p.name for p in register.search(query)) == sorted(names)


def test_the_search_page_answers_a_page_or_its_results_for_htmx(client, login_as, people):
    login_as("agent")
    page = client.get("/register/?q=cxm")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "曾小明" in html and "13900001234" in html
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get_htmx("/register/?q=dtf").get_data(as_text=True)
    assert "<html" not in fragment and 'id="register_results"' in fragment and "单田芳" in fragment


def test_department_staff_read_the_register_with_numbers_masked(client, login_as, people):
    login_as("staff")
    html = client.get("/register/?q=zxm").get_data(as_text=True)
    assert "139****1234" in html and "13900001234" not in html
    html = client.get(f"/register/people/{people['zeng'].id}").get_data(as_text=True)
    assert "139****1234" in html and "13900001234" not in html and "保存" not in html


def test_the_customer_file_shows_every_contact_and_what_is_missing(client, login_as, people, make_department):
    cast = make_cast(make_department)
    slip = open_one(cast)
    zeng = people["zeng"]
    register.add_phone(zeng.id, "13812345678", preferred=False, note="爱人", actor=Actor(None, NOW))
    call = Call(direction="in", caller_number="13900001234", state="ended", owner_id=zeng.id,
                created_at=utcnow(), answered_at=utcnow(), ended_at=utcnow(), category="complaint",
                description="电梯噪音", disposition="complaint")
    db.session.add(call)
    db.session.flush()
    db.session.add_all([CallPhraseUse(call_id=call.id, stage=stage, text="…", used_at=utcnow())
                        for stage in ("greeting", "calming", "greeting")])
    db.session.commit()
    login_as("agent")
    html = client.get(f"/register/people/{zeng.id}").get_data(as_text=True)
    assert f'/hotline/calls/{call.id}' in html and f"/tasks/{slip.id}" in html and "电梯噪音" in html
    assert "话术：问候、安抚" in html
    assert "档案完整" in html
    html = client.get(f"/register/people/{people['shan'].id}").get_data(as_text=True)
    assert "档案未完整" in html and 'href="#moved_in_on">入住日期' in html


def test_a_correction_is_kept_in_the_history_and_bad_input_answers_422(client, login_as, people):
    agent = login_as("agent", display_name="李娜")
    zeng = people["zeng"]
    bad = client.post_form(f"/register/people/{zeng.id}", {"name": "曾小明", "moved_in_on": "2026-02-30"},
                           htmx=True)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and field_error(html, "moved_in_on") == "不是有效的日期值。"
    assert 'value="2026-02-30"' in html
    ok = client.post_form(f"/register/people/{zeng.id}", {"name": "曾晓明", "moved_in_on": "2026-04-01",
                                                           "preferred_contact_time": "晚上七点后"})
    assert ok.status_code == 303
    changes = register.history(db.session.get(Owner, zeng.id))
    assert {(c.field, c.old, c.new, c.by_name) for c in changes[:2]} == {
        ("name", "曾小明", "曾晓明", agent.display_name),
        ("preferred_contact_time", "", "晚上七点后", agent.display_name)}
    assert [p.name for p in register.search("zxm")] == ["曾晓明"]


def test_numbers_are_added_checked_preferred_and_removed(client, login_as, people):
    login_as("agent")
    zeng = people["zeng"]
    bad = client.post_form(f"/register/people/{zeng.id}/phones", {"number": "12345"}, htmx=True)
    assert bad.status_code == 422
    assert "请填写有效的电话号码" in field_error(bad.get_data(as_text=True), "number")
    taken = client.post_form(f"/register/people/{zeng.id}/phones", {"number": "139 0000 1234"}, htmx=True)
    assert field_error(taken.get_data(as_text=True), "number") == "这个号码已在档案中。"
    added = client.post_form(f"/register/people/{zeng.id}/phones", {"number": "0731-88001000"})
    assert added.status_code == 303
    landline = db.session.scalar(select(OwnerPhone).where(OwnerPhone.number == "073188001000"))
    assert landline.kind == "landline"
    client.post_form(f"/register/people/{zeng.id}/phones/{landline.id}/prefer")
    db.session.expire_all()
    assert db.session.get(Owner, zeng.id).mobile == "073188001000"
    assert [p.name for p in register.search("1000")] == ["曾小明"]
    client.post_form(f"/register/people/{zeng.id}/phones/{landline.id}/remove")
    db.session.expire_all()
    assert db.session.get(Owner, zeng.id).mobile == "13900001234"
    assert register.search("1000") == []


def test_a_unit_is_added_by_how_people_write_it(client, login_as, people):
    login_as("agent")
    shan, project = people["shan"], db.session.scalar(select(Project))
    wrong = client.post_form(f"/register/people/{shan.id}/units",
                             {"project_id": project.id, "unit": "9-9999", "relation": "tenant"}, htmx=True)
    assert wrong.status_code == 422 and "没有这套房屋" in field_error(wrong.get_data(as_text=True), "unit")
    ok = client.post_form(f"/register/people/{shan.id}/units",
                          {"project_id": project.id, "unit": "3栋1201", "relation": "tenant"})
    assert ok.status_code == 303
    assert sorted(p.name for p in register.search("3-1201")) == ["单田芳", "曾小明"]


def test_merging_two_files_keeps_both_histories_and_every_link(client, login_as, people):
    zeng, qiu = people["zeng"], people["qiu"]
    register.update_profile(qiu.id, {"notes": "重复建档"}, actor=Actor(None, NOW))
    call = Call(direction="in", caller_number="13700000000", state="ended", owner_id=qiu.id,
                created_at=utcnow())
    db.session.add(call)
    db.session.commit()
    login_as("supervisor")
    assert client.post_form(f"/register/people/{zeng.id}/merge", {"other_id": zeng.id},
                            htmx=True).status_code == 422
    assert client.post_form(f"/register/people/{zeng.id}/merge", {"other_id": qiu.id}).status_code == 303
    db.session.expire_all()
    fields = [c.field for c in register.history(db.session.get(Owner, zeng.id))]
    assert fields[0] == "merged" and "notes" in fields and fields.count("created") == 2
    assert db.session.get(Call, call.id).owner_id == zeng.id
    moved = client.get(f"/register/people/{qiu.id}")
    assert moved.headers["Location"].endswith(f"/register/people/{zeng.id}")
    assert [p.name for p in register.search("qy")] == []


def test_the_unit_file_lists_its_people(client, login_as, people):
    login_as("agent")
    unit_id = people["zeng"].unit_id
    html = client.get(f"/register/units/{unit_id}").get_data(as_text=True)
    assert "湘江壹号 3栋 1201" in html and "曾小明" in html and "业主" in html
    assert client.get("/register/units/999999").status_code == 404


def test_a_new_file_from_the_register_page(client, login_as, people):
    login_as("agent")
    project = db.session.scalar(select(Project))
    bad = client.post_form("/register/people/new", {"name": "", "number": "1", "project_id": project.id,
                                                    "unit": "3-1202", "relation": "owner"}, htmx=True)
    assert bad.status_code == 422 and field_error(bad.get_data(as_text=True), "name") == "此项必填。"
    ok = client.post_form("/register/people/new", {"name": "解放", "number": "13600000001",
                                                   "project_id": project.id, "unit": "3-1202",
                                                   "relation": "family"})
    assert ok.status_code == 303
    assert [p.name for p in register.search("xf")] == ["解放"]


def test_the_import_page_dry_runs_then_imports(client, login_as, app):
    login_as("supervisor")
    assert client.get("/register/import").status_code == 200
    template = client.get("/register/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    data = xlsx(rows_for(3))

    def send(action, content=data, name="owners.xlsx"):
        return client.post_form("/register/import", {"file": (io.BytesIO(content), name), "action": action,
                                                     "create_buildings": "y"}, htmx=True,
                                content_type="multipart/form-data")

    dry = send("dry_run")
    assert dry.status_code == 200 and "预检结果（尚未写入）" in dry.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Owner.id))) == 0
    done = send("apply")
    assert done.status_code == 200 and "已导入" in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Owner.id))) == 3
    big = send("dry_run", b"x" * (5 * 1024 * 1024 + 10))
    assert big.status_code == 422 and "文件超过 5 MB" in big.get_data(as_text=True)
    broken = send("apply", b"PK\x03\x04garbage")
    assert broken.status_code == 422 and "无法读取这个 Excel 文件" in broken.get_data(as_text=True)
    missing = client.post_form("/register/import", {"action": "dry_run"}, htmx=True)
    assert missing.status_code == 422 and "请选择要导入的文件" in missing.get_data(as_text=True)


@pytest.mark.parametrize(("language", "row_reason", "file_reason"), [
    ("zh", "电话号码无效：12345", "无法读取这个 Excel 文件"),
    ("en", "Invalid phone number: 12345", "This Excel file cannot be read"),
])
def test_the_imports_reasons_are_worded_in_the_readers_language(client, login_as, language, row_reason,
                                                                  file_reason):
    login_as("supervisor")
    if language == "en":
        client.post_form("/lang/en", {"next": "/register/import"})
    rows = rows_for(2)
    rows[1][4] = "12345"

    def send(content, name):
        return client.post_form("/register/import", {"file": (io.BytesIO(content), name), "action": "dry_run",
                                                     "create_buildings": "y"}, htmx=True,
                                content_type="multipart/form-data")

    refused = send(xlsx(rows), "owners.xlsx").get_data(as_text=True)
    assert row_reason in refused
    broken = send(b"PK\x03\x04garbage", "owners.xlsx")
    assert broken.status_code == 422 and file_reason in broken.get_data(as_text=True)
    if language == "en":
        assert "电话号码无效" not in refused and "无法读取" not in broken.get_data(as_text=True)


def _kept_token(html: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("htmx", [False, True])
def test_after_the_dry_run_the_import_needs_no_file_chosen_again(client, login_as, app, htmx):
    login_as("supervisor")
    dry = client.post_form("/register/import", {"file": (io.BytesIO(xlsx(rows_for(3))), "owners.xlsx"),
                                                "action": "dry_run", "create_buildings": "y"}, htmx=htmx,
                           content_type="multipart/form-data")
    assert dry.status_code == 200 and "按此预检结果导入" in dry.get_data(as_text=True)
    token = _kept_token(dry.get_data(as_text=True))
    assert db.session.scalar(select(func.count(Owner.id))) == 0
    done = client.post_form("/register/import", {"token": token, "action": "apply"}, htmx=htmx)
    assert done.status_code == 200 and "已导入" in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Owner.id))) == 3
    again = client.post_form("/register/import", {"token": token, "action": "apply"}, htmx=htmx)
    assert again.status_code == 422 and "这次预检的文件已导入或已过期" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportUpload.id))) == 0


def test_the_dry_run_says_how_long_its_file_is_kept(client, login_as, monkeypatch):
    monkeypatch.setattr(register_import, "KEEP_UPLOAD_HOURS", 3)
    monkeypatch.setattr(register_import, "KEEP_UPLOAD", timedelta(hours=3))
    login_as("supervisor")
    dry = client.post_form("/register/import", {"file": (io.BytesIO(xlsx(rows_for(2))), "owners.xlsx"),
                                                "action": "dry_run", "create_buildings": "y"}, htmx=True,
                           content_type="multipart/form-data")
    assert "无需再次选择文件；预检后 3 小时内有效。" in dry.get_data(as_text=True)


def test_a_dry_run_with_refused_rows_keeps_no_file(client, login_as):
    login_as("supervisor")
    rows = rows_for(2)
    rows[1][4] = "12345"
    dry = client.post_form("/register/import", {"file": (io.BytesIO(xlsx(rows)), "owners.xlsx"),
                                                "action": "dry_run", "create_buildings": "y"},
                           content_type="multipart/form-data")
    assert "按此预检结果导入" not in dry.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ImportUpload.id))) == 0


def test_a_kept_file_is_only_its_uploaders(client, login_as, auth):
    login_as("supervisor")
    dry = client.post_form("/register/import", {"file": (io.BytesIO(xlsx(rows_for(2))), "owners.xlsx"),
                                                "action": "dry_run", "create_buildings": "y"},
                           content_type="multipart/form-data")
    token = _kept_token(dry.get_data(as_text=True))
    auth.logout()
    login_as("supervisor")
    other = client.post_form("/register/import", {"token": token, "action": "apply"}, htmx=True)
    assert other.status_code == 422 and "这次预检的文件已导入或已过期" in other.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Owner.id))) == 0


def test_the_call_screen_shows_the_callers_file_in_brief(client, login_as, people, make_department):
    cast = make_cast(make_department)
    slip = open_one(cast)
    register.add_phone(people["zeng"].id, "13812345678", preferred=False, note="", actor=Actor(None, NOW))
    login_as("agent")
    started = client.post_form("/hotline/calls/start", {"caller_number": "13900001234"})
    call_id = int(started.headers["Location"].rsplit("/", 1)[1])
    html = client.get(f"/hotline/calls/{call_id}").get_data(as_text=True)
    assert 'id="file-summary"' in html and f'/register/people/{people["zeng"].id}' in html
    assert slip.number in html


def test_two_agents_adding_one_number_at_once_store_it_once(app, people):
    zeng_id = people["zeng"].id

    def work(n):
        try:
            register.add_phone(zeng_id, "13711112222", preferred=n == 0, note="", actor=Actor(None, NOW))
            return "added"
        except RegisterRefused as refused:
            return refused.code

    assert sorted(in_threads(app, work, 2)) == ["added", "phone_taken"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(OwnerPhone.id)).where(OwnerPhone.number == "13711112222")) == 1
    assert db.session.scalar(select(func.count(OwnerChange.id)).where(OwnerChange.field == "phones")) == 1


def test_each_number_on_a_customer_file_is_dialled_through_the_switch_once_one_is_connected(
        client, login_as, people):
    from kiosk.services import switch

    agent = login_as("agent")
    agent.extension = "8101"
    db.session.commit()
    page = f"/register/people/{people['zeng'].id}"
    assert 'action="/hotline/dial"' not in client.get(page).get_data(as_text=True)
    switch.connector_connected("asterisk-1", "10.0.0.5:5038", utcnow(), reconnect=False)
    html = client.get(page).get_data(as_text=True)
    assert 'action="/hotline/dial"' in html and 'name="number" value="13900001234"' in html
