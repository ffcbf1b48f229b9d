"""Importing the register from an ERP's export: dry run row by row, then all or nothing; again: unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.domain.register_import import Reason
from kiosk.extensions import db
from kiosk.models.property import ImportUpload, Owner, OwnerChange, OwnerPhone, Project, Unit, UnitMember
from kiosk.services import register
from kiosk.services import register_import as importer
from kiosk.services.register import Actor
from tests.support import in_threads
from tests.web.register_support import HEADER, csv_bytes, rows_for, xlsx

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
ACTOR = Actor(None, NOW)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _import(data: bytes, name: str = "owners.xlsx", *, create: bool = True):
    columns, body = importer.read_file(name, data)
    return importer.apply(columns, body, actor=ACTOR, create_buildings=create)


def test_a_first_import_creates_projects_buildings_units_and_people(app):
    data = xlsx(rows_for(250))
    columns, body = importer.read_file("owners.xlsx", data)
    dry = importer.dry_run(columns, body, create_buildings=True)
    assert dry.counts == {"created": 250}
    assert _count(Owner) == 0  # a dry run writes nothing
    done = _import(data)
    assert done.counts == {"created": 250}
    assert (_count(Owner), _count(Unit), _count(UnitMember), _count(OwnerPhone)) == (250, 250, 250, 250)
    project = db.session.scalar(select(Project))
    assert project.delivered_on == date(2025, 6, 30)
    person = register.search("3栋101")[0]
    assert person.mobile == "13900000200" and person.moved_in_on == date(2025, 6, 30)
    assert [m.relation for m in person.memberships] == ["owner"]


def test_importing_the_same_file_again_changes_nothing(app):
    data = xlsx(rows_for(40))
    _import(data)
    changes = _count(OwnerChange)
    again = _import(data)
    assert again.counts == {"unchanged": 40}
    assert (_count(Owner), _count(OwnerChange)) == (40, changes)


def test_a_changed_row_is_an_update_with_its_fields_and_history(app):
    rows = rows_for(3)
    _import(xlsx(rows))
    rows[1][4] = "13900000001/0731-88001000"
    rows[1][7] = "四室两厅"
    outcome = _import(csv_bytes(rows), "owners.csv")
    assert [o.kind for o in outcome.outcomes] == ["unchanged", "updated", "unchanged"]
    assert outcome.outcomes[1].details == [Reason("changed", "layout"), Reason("changed", "phones")]
    person = register.search("073188001000")[0]
    assert [p.number for p in person.phones] == ["13900000001", "073188001000"]
    assert [c.field for c in register.history(person)][:1] == ["phones"]


def test_refused_rows_say_why_and_nothing_is_imported(app):
    rows = rows_for(4)
    rows[1][4] = "12345"
    rows[2][5] = "2025-02-30"
    rows[3][3] = "=1+1"
    rows.append(list(rows[0]))
    columns, body = importer.read_file("owners.csv", csv_bytes(rows))
    dry = importer.dry_run(columns, body, create_buildings=True)
    assert [(o.line, o.kind, o.details) for o in dry.outcomes] == [
        (2, "created", [Reason("unit_created")]), (3, "refused", [Reason("phone_invalid", value="12345")]),
        (4, "refused", [Reason("date_impossible", value="2025-02-30")]),
        (5, "refused", [Reason("formula", "name", "=1+1")]), (6, "refused", [Reason("duplicate", value="2")])]
    with pytest.raises(importer.RowsRefused):
        importer.apply(columns, body, actor=ACTOR, create_buildings=True)
    assert _count(Owner) == _count(Unit) == _count(Project) == 0


def test_an_unknown_building_is_refused_unless_creating_is_allowed(app):
    _import(xlsx(rows_for(2)))
    rows = rows_for(1, start=500)
    columns, body = importer.read_file("owners.xlsx", xlsx(rows))
    dry = importer.dry_run(columns, body)
    assert [o.details for o in dry.outcomes] == [[Reason("building_unknown", value="6栋")]]


def test_a_person_with_two_units_is_one_file(app):
    rows = rows_for(2)
    rows[1][3], rows[1][4] = rows[0][3], rows[0][4]
    outcome = _import(xlsx(rows))
    assert [o.kind for o in outcome.outcomes] == ["created", "created"]
    assert _count(Owner) == 1
    assert len(register.search(rows[0][3])[0].memberships) == 2


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("owners.xlsx", b"PK\x03\x04 not really", Reason("xlsx_unreadable")),
    ("owners.xlsx", b"x" * (5 * 1024 * 1024 + 1), Reason("too_large", value="5")),
    ("owners.pdf", b"%PDF", Reason("wrong_type")),
    ("owners.csv", "姓名,电话\n张三,139\n".encode(), Reason("no_header")),
    ("owners.csv", b"", Reason("empty")),
])
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(app, name, data, reason):
    with pytest.raises(importer.ImportFileRefused) as refused:
        importer.read_file(name, data)
    assert refused.value.reason == reason


def test_a_gbk_csv_from_an_older_erp_is_read(app):
    columns, body = importer.read_file("owners.csv", csv_bytes(rows_for(2), encoding="gb18030"))
    assert columns["name"] == HEADER.index("业主姓名") and len(body) == 2


def test_the_template_is_a_file_the_import_reads(app):
    columns, body = importer.read_file("template.xlsx", importer.template())
    assert importer.dry_run(columns, body, create_buildings=True).counts == {"created": 1}


def test_two_imports_of_one_file_at_once_write_it_once(app):
    data = xlsx(rows_for(30))

    def work(_n):
        return _import(data).counts

    results = in_threads(app, work, 2)
    by_created = sorted(results, key=lambda counts: counts.get("created", 0))
    assert by_created == [{"unchanged": 30}, {"created": 30}]
    db.session.rollback()
    assert _count(Owner) == 30


def _kept(make_user, rows: int = 20) -> tuple[int, str]:
    """(the uploader's id, the token of the file kept)."""
    user_id = make_user("supervisor").id
    return user_id, importer.keep("owners.xlsx", xlsx(rows_for(rows)), create_buildings=True, user_id=user_id,
                                  now=NOW)


def test_two_imports_of_one_kept_dry_run_at_once_import_it_once(app, make_user):
    user_id, token = _kept(make_user)

    def work(_n):
        try:
            return importer.apply_kept(token, actor=ACTOR, user_id=user_id, now=NOW).counts
        except importer.ImportFileRefused as refused:
            return refused.reason

    results = in_threads(app, work, 2)
    assert Reason("upload_gone") in results and {"created": 20} in results
    db.session.rollback()
    assert (_count(Owner), _count(ImportUpload)) == (20, 0)


def test_a_kept_file_expires_and_the_nightly_job_deletes_it(app, make_user):
    user_id, token = _kept(make_user, 2)
    later = NOW + importer.KEEP_UPLOAD
    with pytest.raises(importer.ImportFileRefused):
        importer.apply_kept(token, actor=ACTOR, user_id=user_id, now=later)
    assert importer.purge_uploads(later - timedelta(seconds=1)) == 0
    assert importer.purge_uploads(later) == 1
    assert _count(ImportUpload) == _count(Owner) == 0


def test_a_kept_file_whose_rows_are_refused_now_stays_kept(app, make_user):
    user = make_user("supervisor")
    token = importer.keep("owners.xlsx", xlsx(rows_for(2)), create_buildings=False, user_id=user.id, now=NOW)
    with pytest.raises(importer.RowsRefused):
        importer.apply_kept(token, actor=ACTOR, user_id=user.id, now=NOW)
    assert _count(ImportUpload) == 1


def test_the_command_line_does_a_dry_run_then_the_import(app, runner, tmp_path):
    path = tmp_path / "owners.xlsx"
    path.write_bytes(xlsx(rows_for(3)))
    dry = runner.invoke(args=["import-owners", str(path), "--dry-run", "--create-buildings"])
    assert dry.exit_code == 0, dry.output
    assert "created 3, updated 0, unchanged 0, refused 0. (dry run: nothing written)" in dry.output
    assert _count(Owner) == 0
    done = runner.invoke(args=["import-owners", str(path), "--create-buildings"])
    assert done.exit_code == 0 and "Imported." in done.output
    db.session.rollback()
    assert _count(Owner) == 3


def test_the_command_line_names_refused_rows_and_imports_nothing(app, runner, tmp_path):
    rows = rows_for(2)
    rows[1][4] = "110"
    path = tmp_path / "owners.csv"
    path.write_bytes(csv_bytes(rows))
    result = runner.invoke(args=["import-owners", str(path), "--create-buildings"])
    assert result.exit_code == 1
    assert "3 refused" in result.output and "电话号码无效：110" in result.output
    assert "Nothing imported" in result.output
    db.session.rollback()
    assert _count(Owner) == 0
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    bad = runner.invoke(args=["import-owners", str(tmp_path / "bad.xlsx")])
    assert bad.exit_code == 1 and "无法读取这个 Excel 文件" in bad.output


def test_an_import_shows_at_once_in_the_kpis_standing_figures(app):
    """The import writes owners, units and households in bulk statements (no ORM flush sees them): it
    marks the KPIs' standing figures (households on file, owner profiles) itself, so they are counted
    again from the rows rather than read from the refresh's count."""
    from kiosk.models.kpi import KpiStandingMark
    from kiosk.services import kpi
    from kiosk.services.kpi import daily

    _import(xlsx(rows_for(5)))  # the project and building are there: the next file adds rows in bulk only
    kpi.refresh(NOW, 15.0, horizon=1)
    assert daily.standing("total")[0]["households"] == 5 and _count(KpiStandingMark) == 0
    _import(xlsx(rows_for(5, start=5)))
    assert _count(KpiStandingMark) > 0
    assert daily.standing("total")[0]["households"] == 10
