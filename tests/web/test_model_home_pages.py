"""Seed 002 through the web client: the butler's opening, hourly and closing rounds on the model-home tablet,
failed checks sent as task slips, the missed-round alert, the checklists an admin edits, the asset loss and
damage record with photos, and calling the duty salesperson for a visitor who came alone."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select, update

from kiosk.clock import local
from kiosk.domain.rotation import SalespersonLeft
from kiosk.extensions import db
from kiosk.models.model_home import AssetPhoto, AssetRecord, ModelHomeCheck, ModelHomeRound
from kiosk.models.notifications import Notification
from kiosk.models.tasks import TaskSlip
from kiosk.models.visits import KioskDevice
from kiosk.services import devices, model_home, rotation
from kiosk.services.photos import DatabasePhotos, DirectoryPhotos
from tests.conftest import make_app
from tests.support import OUT_OF_YEARS, PNG, field_error

# Monday 23 November 2026 in Shanghai (UTC+8).
DAY_START = datetime(2026, 11, 22, 16, 0, tzinfo=UTC)


def sh(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour - 8, minute, tzinfo=UTC)




@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = sh(8, 20)

        def set(self, moment):
            self.now = moment

    c = Clock()
    for module in ("kiosk.blueprints.model_home_tablet", "kiosk.blueprints.model_home_office"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: c.now)
    return c


@pytest.fixture
def app_config(request, tmp_path):
    """Photos in the database (the default), or with ``indirect`` parametrization "directory": files."""
    return {"ASSET_PHOTO_STORAGE": getattr(request, "param", "database"),
            "ASSET_PHOTO_DIR": str(tmp_path / "photos")}


BOTH_STORAGES = pytest.mark.parametrize("app_config", ["database", "directory"], indirect=True)


@pytest.fixture
def departments(make_department):
    return {code: make_department(code, name) for code, name in
            (("engineering", "工程部"), ("environment", "环境部"), ("security", "秩序部"))}


@pytest.fixture
def home(app, departments):
    """The model-home tablet, open 8:30–19:00, paired since the day began."""
    from kiosk.clock import utcnow

    device = devices.register_device(name="样板间A户型", place="model_home", opens_at=time(8, 30),
                                     closes_at=time(19, 0), now=utcnow())
    return device


@pytest.fixture
def tablet(home, paired_client, clock):
    client = paired_client(device=home)
    db.session.execute(update(KioskDevice).where(KioskDevice.id == home.id).values(paired_at=DAY_START))
    db.session.commit()
    return client


def opening_data(checks, *, butler="李管家", problems=None) -> dict:
    problems = problems or {}
    data = {"butler_name": butler}
    for check in checks:
        data[f"result_{check.id}"] = "problem" if check.text in problems else "ok"
        data[f"note_{check.id}"] = problems.get(check.text, "")
    return data


def checks_of(kind: str) -> list[ModelHomeCheck]:
    db.session.rollback()
    return model_home.checklist(kind)


def test_the_tablet_lists_todays_rounds_and_opens_the_opening_checklist(tablet):
    page = tablet.get("/model-home/").get_data(as_text=True)
    assert page.count('class="round status-') == 12  # 8:30 opening, ten hourly, 19:00 closing
    assert "/model-home/rounds/opening/0830" in page  # startable from 8:00
    assert "/model-home/rounds/closing/1900" not in page
    form = tablet.get("/model-home/rounds/opening/0830").get_data(as_text=True)
    for text in ("与值夜班的安管员做好交接记录", "地毯摆放平坦、干净", "灯全部开启", "鞋套数量备齐"):
        assert text in form
    assert tablet.get("/model-home/rounds/opening/0900").status_code == 404


def test_bad_round_input_is_shown_beside_the_field_and_kept(tablet):
    tablet.get("/model-home/")
    checks = checks_of("opening")
    data = opening_data(checks, butler="")
    data[f"result_{checks[0].id}"] = "problem"
    data[f"note_{checks[1].id}"] = "备注保留"
    del data[f"result_{checks[2].id}"]
    response = tablet.post_form("/model-home/rounds/opening/0830", data, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<form id="round_form"')
    assert field_error(html, "butler_name") == "此项必填。"
    assert field_error(html, f"note_{checks[0].id}") == "请写明发现的问题，将开任务单给相关部门。"
    assert field_error(html, f"result_{checks[2].id}") == "请选择“正常”或“有问题”。"
    assert 'value="备注保留"' in html
    assert db.session.scalar(select(func.count()).select_from(ModelHomeRound)) == 0


def test_a_completed_opening_round_with_a_failed_check_opens_a_slip_to_engineering(tablet, departments,
                                                                                    make_user):
    supervisor = make_user("supervisor", display_name="陈静")
    tablet.get("/model-home/")
    checks = checks_of("opening")
    response = tablet.post_form("/model-home/rounds/opening/0830",
                                opening_data(checks, problems={"灯全部开启": "客厅吊灯不亮"}))
    assert response.status_code == 303
    page = tablet.get("/model-home/").get_data(as_text=True)
    assert "开店检查（8:30 上岗）已完成。发现 1 项问题" in page and "李管家" in page
    db.session.rollback()
    done = db.session.scalar(select(ModelHomeRound))
    assert (done.kind, done.completed_at, done.butler_name) == ("opening", sh(8, 20), "李管家")
    failed = [c for c in done.checks if not c.ok]
    assert [(c.text, c.note) for c in failed] == [("灯全部开启", "客厅吊灯不亮")]
    slip = db.session.get(TaskSlip, failed[0].slip_id)
    assert slip.department_id == departments["engineering"].id and slip.status == "dispatched"
    assert slip.category == "repair" and "客厅吊灯不亮" in slip.description and slip.owner_id == supervisor.id
    note = db.session.scalar(select(Notification).where(Notification.kind == "model_home_problem"))
    assert note.role == "supervisor" and "1 项问题" in note.title

    # Recording the same round again (a second tablet, a double tap) is refused.
    again = tablet.post_form("/model-home/rounds/opening/0830", opening_data(checks))
    assert "已经有人完成了" in tablet.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ModelHomeRound)) == 1


def test_a_round_before_its_time_is_refused(tablet):
    tablet.get("/model-home/")
    response = tablet.post_form("/model-home/rounds/closing/1900", opening_data(checks_of("closing")))
    assert "还没到时间" in tablet.get(response.headers["Location"]).get_data(as_text=True)


def test_each_checklist_hourly_and_closing_is_recorded(tablet, clock):
    tablet.get("/model-home/")
    clock.set(sh(10, 35))
    hourly = checks_of("hourly")
    assert [c.text for c in hourly][2] == "灭火器材是否完好,有无封条"
    assert tablet.post_form("/model-home/rounds/hourly/1030", opening_data(hourly)).status_code == 303
    clock.set(sh(19, 5))
    closing = checks_of("closing")
    assert "离开前关闭所有电源" in tablet.get("/model-home/rounds/closing/1900").get_data(as_text=True)
    assert tablet.post_form("/model-home/rounds/closing/1900", opening_data(closing)).status_code == 303
    db.session.rollback()
    rows = db.session.scalars(select(ModelHomeRound).order_by(ModelHomeRound.due_at)).all()
    assert [(r.kind, len(r.checks)) for r in rows] == [("hourly", 4), ("closing", 3)]


def test_a_round_not_done_by_its_time_alerts_the_supervisor_once(app, runner, tablet, home, clock, login_as,
                                                                  client):
    tablet.get("/model-home/")
    assert model_home.alert_missed_rounds(sh(8, 45)) == 0  # still within the grace
    assert model_home.alert_missed_rounds(sh(9, 0)) == 1  # 8:30 opening not done
    assert model_home.alert_missed_rounds(sh(9, 5)) == 0
    notes = db.session.scalars(select(Notification).where(Notification.kind == "model_home_missed")).all()
    assert len(notes) == 1 and "08:30 的开店检查未按时完成" in notes[0].title
    result = runner.invoke(args=["check-model-home-rounds"])
    assert result.exit_code == 0 and "Missed model-home rounds alerted" in result.output

    login_as("supervisor")
    clock.set(sh(10, 0))  # the 9:30 hourly round is missed too: the supervisor's page raises it
    page = client.get("/model-homes/").get_data(as_text=True)
    assert "样板间A户型" in page and page.count("未完成") >= 2
    db.session.rollback()
    missed = select(Notification.title).where(Notification.kind == "model_home_missed")
    titles = db.session.scalars(missed).all()
    assert any("09:30 的每小时清点" in t for t in titles) and len(titles) == len(set(titles))
    fragment = client.get_htmx("/model-homes/").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="round_board"')


def test_the_model_homes_supervisor_hears_of_misses_and_owns_the_slips(client, login_as, tablet, home,
                                                                        make_user):
    mine = make_user("supervisor", display_name="大管家")
    login_as("admin")
    response = client.post_form(f"/model-homes/tablets/{home.id}/supervisor", {f"s{home.id}-supervisor_id":
                                                                                 str(mine.id)})
    assert response.status_code == 303
    model_home.alert_missed_rounds(sh(9, 0))
    note = db.session.scalar(select(Notification).where(Notification.kind == "model_home_missed"))
    assert note.user_id == mine.id and note.role is None


def test_an_admin_edits_the_checklists_and_the_tablet_follows(client, login_as, tablet, departments):
    login_as("admin")
    page = client.get("/model-homes/checks").get_data(as_text=True)
    assert "灭火器材是否完好,有无封条" in page and "样板间A户型" in page
    bad = client.post_form("/model-homes/checks", {"new-kind": "hourly", "new-text": "", "new-position": "x",
                                                   "new-department_id": "0"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and field_error(html, "new-text") == "此项必填。"
    assert client.post_form("/model-homes/checks", {
        "new-kind": "hourly", "new-text": "空调温度设定 26℃", "new-position": "50",
        "new-department_id": str(departments["engineering"].id), "new-active": "y"}).status_code == 303
    lights = next(c for c in checks_of("opening") if c.text == "灯全部开启")
    assert client.post_form(f"/model-homes/checks/{lights.id}", {
        f"c{lights.id}-kind": "opening", f"c{lights.id}-text": "灯全部开启",
        f"c{lights.id}-position": "50", f"c{lights.id}-department_id": str(departments["engineering"].id),
    }).status_code == 303  # active unticked: retired
    assert "空调温度设定 26℃" in tablet.get("/model-home/rounds/hourly/0930").get_data(as_text=True)
    assert "灯全部开启" not in tablet.get("/model-home/rounds/opening/0830").get_data(as_text=True)
    assert db.session.get(ModelHomeCheck, lights.id).active is False


def test_a_visitor_alone_calls_the_rotations_first_up(tablet, make_user, clock):
    first, second = make_user("sales", display_name="王敏"), make_user("sales", display_name="张伟")
    clock.set(sh(10, 0))
    response = tablet.post_form("/model-home/call-salesperson", {})
    assert "已通知当值销售顾问 王敏" in tablet.get(response.headers["Location"]).get_data(as_text=True)
    note = db.session.scalar(select(Notification).where(Notification.kind == "model_home_visitor"))
    assert note.user_id == first.id and "有客户独自到访" in note.title and note.level == "urgent"
    # Nobody may receive a customer (both away): the supervisors are told.
    for person in (first, second):
        rotation.record(rotation.DEFAULT_OFFICE, SalespersonLeft(local(sh(10, 1)), rotation.sid(person.id)),
                        actor=None, now=sh(10, 1))
    clock.set(sh(10, 2))
    tablet.post_form("/model-home/call-salesperson", {})
    db.session.rollback()
    last = db.session.scalars(select(Notification).where(Notification.kind == "model_home_visitor")
                              .order_by(Notification.id.desc())).first()
    assert last.role == "supervisor" and "无人在岗" in last.title


def test_another_places_tablet_has_no_butler_pages(paired_client):
    assert paired_client("sales_office").get("/model-home/").status_code == 404


# ---- asset loss and damage ---------------------------------------------------------------------------


def asset_data(**extra) -> dict:
    data = {"item": "客厅装饰花瓶", "event": "damaged", "cause": "by_a_person",
            "happened": "参观儿童碰倒摔碎", "occurred_at": "2026-11-23T08:10", "person": "访客刘某",
            "compensation": "380",
            "reported_by": "李管家"}
    data.update(extra)
    return data


def test_bad_asset_input_is_shown_beside_the_field_and_kept(tablet):
    response = tablet.post_form("/model-home/assets/new", asset_data(person="", compensation="", item=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "item") == "此项必填。"
    assert field_error(html, "person") == "人为损坏请填写损坏人。"
    assert field_error(html, "compensation") == "人为损坏由损坏物品者照价赔偿，请填写金额。"
    assert "参观儿童碰倒摔碎" in html
    damaged = tablet.post_form("/model-home/assets/new", asset_data(cause=""))
    assert field_error(damaged.get_data(as_text=True), "cause") == "损坏时请选择是否人为。"
    later = tablet.post_form("/model-home/assets/new", asset_data(occurred_at="2026-11-23T12:00"))  # now 8:20
    assert field_error(later.get_data(as_text=True), "occurred_at") == "发生时间不能晚于现在。"


def test_photos_must_be_images_of_reasonable_size(tablet):
    text_file = (io.BytesIO(b"not an image at all"), "a.jpg")
    response = tablet.post_form("/model-home/assets/new", {**asset_data(), "photos": [text_file]},
                                content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "photos") == "照片只能是 JPEG、PNG 或 WebP 图片。"
    huge = (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)), "big.jpg")
    response = tablet.post_form("/model-home/assets/new", {**asset_data(), "photos": [huge]},
                                content_type="multipart/form-data")
    assert field_error(response.get_data(as_text=True), "photos") == "每张照片不能超过 5 MB。"
    assert db.session.scalar(select(func.count()).select_from(AssetRecord)) == 0


def photo_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AssetPhoto))


@BOTH_STORAGES
def test_an_asset_record_with_a_photo_is_listed_for_the_supervisor_only(app, tablet, client, auth, make_user,
                                                                        tmp_path):
    response = tablet.post_form("/model-home/assets/new",
                                {**asset_data(), "photos": [(io.BytesIO(PNG), "vase.png")]},
                                content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.rollback()
    record = db.session.scalar(select(AssetRecord))
    assert (record.item, record.cause, record.person, record.compensation) == ("客厅装饰花瓶", "by_a_person",
                                                                                "访客刘某", 380)
    assert record.photos[0]["type"] == "image/png"
    if app.config["ASSET_PHOTO_STORAGE"] == "database":  # every host sees it: the bytes are in the table
        row = db.session.scalar(select(AssetPhoto))
        assert (row.record_id, row.data, row.mime, row.size, row.sha256) == (
            record.id, PNG, "image/png", len(PNG), hashlib.sha256(PNG).hexdigest())
        assert record.photos[0]["photo"] == row.id and not (tmp_path / "photos").exists()
    else:
        assert (tmp_path / "photos" / record.photos[0]["file"]).read_bytes() == PNG and photo_count() == 0
    note = db.session.scalar(select(Notification).where(Notification.kind == "model_home_asset"))
    assert "客厅装饰花瓶" in note.title

    url = f"/model-homes/assets/{record.id}/photos/0"
    assert client.get(url).status_code == 302  # to the login page
    staff = make_user("staff")
    auth.login(staff.username)
    assert client.get(url).status_code == 403
    auth.logout()
    boss = make_user("supervisor")
    auth.login(boss.username)
    listing = client.get("/model-homes/assets").get_data(as_text=True)
    assert "客厅装饰花瓶" in listing and "人为损坏" in listing and "380" in listing
    detail = client.get(f"/model-homes/assets/{record.id}").get_data(as_text=True)
    assert "由损坏物品者照价赔偿" in detail and url in detail
    photo = client.get(url)
    assert photo.status_code == 200 and photo.data == PNG and photo.headers["Content-Type"] == "image/png"
    assert photo.headers["Cache-Control"] == "private, no-store"
    assert photo.headers["X-Content-Type-Options"] == "nosniff"
    assert photo.headers["ETag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
    again = client.get(url, headers={"If-None-Match": photo.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert client.get(f"/model-homes/assets/{record.id}/photos/1").status_code == 404


def test_an_asset_record_dated_outside_the_calendar_is_a_message_not_a_crash(tablet):
    response = tablet.post_form("/model-home/assets/new", asset_data(occurred_at="0001-01-01T00:00"))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "occurred_at") == OUT_OF_YEARS


@BOTH_STORAGES
def test_a_record_that_cannot_be_filed_leaves_no_photo_behind(app, tablet, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("kiosk.services.model_home._tell_supervisor", broken)
    response = tablet.post_form("/model-home/assets/new",
                                {**asset_data(), "photos": [(io.BytesIO(PNG), "vase.png"),
                                                            (io.BytesIO(PNG), "vase-2.png")]},
                                content_type="multipart/form-data")
    assert response.status_code == 500
    assert list((tmp_path / "photos").glob("*")) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AssetRecord)) == 0
    assert photo_count() == 0


@pytest.mark.parametrize("app_config", ["directory"], indirect=True)
def test_photos_kept_as_files_move_into_the_database(app, tablet, runner, tmp_path):
    """``photos-to-database``: each file becomes a row and its file is deleted; a missing file is reported
    and keeps its reference; running it again moves nothing more."""
    for name in ("a.png", "b.png"):
        tablet.post_form("/model-home/assets/new", {**asset_data(item=name), "photos": [
            (io.BytesIO(PNG), name), (io.BytesIO(PNG + name.encode()), name)]},
            content_type="multipart/form-data")
    db.session.rollback()
    first, second = db.session.scalars(select(AssetRecord).order_by(AssetRecord.id)).all()
    lost = second.photos[1]["file"]
    (tmp_path / "photos" / lost).unlink()

    result = runner.invoke(args=["photos-to-database"])
    assert result.exit_code == 0, result.output
    assert "Moved 3 photo(s)" in result.output and "1 photo file(s) not found" in result.output
    assert list((tmp_path / "photos").glob("*")) == []
    db.session.rollback()
    first, second = db.session.scalars(select(AssetRecord).order_by(AssetRecord.id)).all()
    database = DatabasePhotos()
    assert [database.open(ref).data for ref in first.photos] == [PNG, PNG + b"a.png"]
    assert database.open(second.photos[0]).data == PNG and second.photos[1]["file"] == lost
    assert photo_count() == 3
    assert "Moved 0 photo(s)" in runner.invoke(args=["photos-to-database"]).output


def test_a_directory_reference_never_leaves_the_folder(tmp_path):
    (tmp_path / "secret.txt").write_text("x")
    folder = DirectoryPhotos(tmp_path / "photos")
    for name in ("../secret.txt", "/etc/passwd", "", ".hidden", None):
        assert folder.open({"file": name, "type": "image/png"}) is None


def test_an_unknown_photo_storage_stops_the_app_at_start(database_url):
    with pytest.raises(ValueError, match="ASSET_PHOTO_STORAGE"):
        make_app(database_url, ASSET_PHOTO_STORAGE="s3")


def test_a_loss_needs_no_cause(tablet):
    response = tablet.post_form("/model-home/assets/new", asset_data(event="lost", cause="", person="",
                                                                     compensation=""))
    assert response.status_code == 303
    db.session.rollback()
    record = db.session.scalar(select(AssetRecord))
    assert (record.event, record.cause, record.compensation) == ("lost", None, None)


def test_the_supervisors_page_shows_on_the_missed_round_how_the_supervisor_was_told(
    app, channels, standin, tablet, home, clock, login_as, client
):
    from kiosk.services import delivery
    from tests.messaging_support import deliver

    boss = login_as("supervisor")
    delivery.save_preference(boss, mobile=None, email=None, wecom_userid="boss", channels=["wecom_app"],
                             quiet_from=None, quiet_to=None)
    tablet.get("/model-home/")
    clock.set(sh(9, 0))
    model_home.alert_missed_rounds(sh(9, 0))
    deliver(app, sh(9, 0))
    link = db.session.scalar(select(Notification.link).where(Notification.kind == "model_home_missed"))

    page = client.get(link).get_data(as_text=True)

    path, _, anchor = link.partition("#")
    assert path == f"/model-homes/?day={local(sh(9, 0)).date().isoformat()}"
    row = page[page.index(f'id="{anchor}"'):]
    row = row[: row.index("</tr>")]
    assert "未完成" in row and "企业微信" in row and "已发送" in row
