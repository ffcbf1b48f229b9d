"""Administration of users, departments and the company calendar."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models.people import User
from kiosk.services.directory import working_calendar
from tests.support import OUT_OF_YEARS, field_error, statements_sent


def _user_form(**overrides):
    data = {
        "username": "wangmin",
        "display_name": "王敏",
        "roles": ["sales"],
        "department_id": "0",
        "extension": "8711",
        "password": "a-good-password",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_can_then_sign_in(app, client, auth, login_as, make_department):
    sales = make_department("sales", "销售部")
    login_as("admin")
    response = client.post_form("/admin/users/new", _user_form(department_id=str(sales.id)))
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "wangmin"))
    assert user.roles == {"sales"} and user.department_id == sales.id and user.extension == "8711"
    other = app.test_client()
    assert (
        other.post_form("/auth/login", {"username": "wangmin", "password": "a-good-password"}).status_code
        == 303
    )


def test_the_user_list_reads_every_department_in_one_query(client, login_as, make_user, make_department):
    for n in range(4):
        make_user("agent", department=make_department(name=f"部门甲{n}"))
    login_as("admin")
    with statements_sent(db.engine, lambda statement: "FROM departments" in statement) as reads:
        page = client.get("/admin/users").get_data(as_text=True)
    assert all(f"部门甲{n}" in page for n in range(4))
    assert len(reads) == 1


def test_user_form_errors_are_beside_the_fields_and_keep_what_was_typed(client, login_as, make_user):
    make_user("agent", username="taken")
    login_as("admin")
    response = client.post_form(
        "/admin/users/new",
        _user_form(username="taken", roles=[], password="short", extension="12a", display_name="<b>王敏</b>"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "username") == "该用户名已被使用。"
    assert field_error(page, "roles") == "请至少选择一个角色。"
    assert field_error(page, "password") == "长度应为 8 到 128 个字符。"
    assert field_error(page, "extension") == "分机号应为 3 到 6 位数字。"
    assert 'value="&lt;b&gt;王敏&lt;/b&gt;"' in page  # kept, and escaped


def test_user_form_refuses_a_role_that_does_not_exist(client, login_as):
    login_as("admin")
    response = client.post_form("/admin/users/new", _user_form(roles=["emperor"]))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "roles")


def test_user_form_refuses_an_unknown_department(client, login_as):
    login_as("admin")
    response = client.post_form("/admin/users/new", _user_form(department_id="99999"))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "department_id")


def test_user_form_survives_garbage_in_a_number_field(client, login_as):
    login_as("admin")
    response = client.post_form("/admin/users/new", _user_form(department_id="abc"))
    assert response.status_code == 422


def test_htmx_invalid_user_form_returns_just_the_form(client, login_as):
    login_as("admin")
    response = client.post_form("/admin/users/new", _user_form(username=""), htmx=True)
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith('<form id="user_form"')


def test_admin_edits_roles_and_deactivates_a_user(app, client, login_as, make_user):
    target = make_user("agent", username="lina")
    victim = app.test_client()
    victim.post_form("/auth/login", {"username": "lina", "password": "correct-horse-9"})
    login_as("admin")
    response = client.post_form(
        f"/admin/users/{target.id}",
        _user_form(
            username="lina", display_name="李娜", roles=["agent", "supervisor"], password="", active=""
        ),
    )
    assert response.status_code == 303
    db.session.expire_all()
    user = db.session.get(User, target.id)
    assert user.roles == {"agent", "supervisor"} and not user.active
    assert victim.get("/workbench").status_code == 302


def test_user_list_searches_by_name_as_page_and_fragment(client, login_as, make_user):
    make_user("agent", username="lina", display_name="李娜")
    make_user("agent", username="wangfang", display_name="王芳")
    login_as("admin")
    page = client.get("/admin/users?q=王").get_data(as_text=True)
    assert "wangfang" in page and "lina" not in page and "<html" in page
    fragment = client.get_htmx("/admin/users?q=李")
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('<tbody id="user_rows">') and "lina" in body and "wangfang" not in body


def test_departments_are_editable_data_with_unique_codes(client, login_as, make_department):
    make_department("engineering", "工程部")
    login_as("admin")
    response = client.post_form("/admin/departments/new", {"code": "engineering", "name": "工程部"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "code") == "该代码已被使用。"
    assert field_error(page, "name") == "该名称已被使用。"
    response = client.post_form(
        "/admin/departments/new", {"code": "greening", "name": "绿化部", "active": "y"}
    )
    assert response.status_code == 303
    assert "绿化部" in client.get("/admin/departments").get_data(as_text=True)


def test_company_override_makes_a_public_workday_a_day_off(client, login_as):
    login_as("admin")
    monday = date(2026, 11, 30)
    assert working_calendar().is_working_day(monday)
    response = client.post_form(
        "/admin/calendar", {"day": monday.isoformat(), "is_working_day": "0", "note": "公司年会"}
    )
    assert response.status_code == 303
    assert not working_calendar().is_working_day(monday)
    assert "公司年会" in client.get("/admin/calendar").get_data(as_text=True)
    client.post_form(f"/admin/calendar/{monday.isoformat()}/delete")
    assert working_calendar().is_working_day(monday)


def test_calendar_form_refuses_a_bad_date_beside_the_field(client, login_as):
    login_as("admin")
    response = client.post_form("/admin/calendar", {"day": "2026-13-45", "is_working_day": "0"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "day")


def test_calendar_dates_outside_the_years_we_keep_are_refused(client, login_as):
    login_as("admin")
    response = client.post_form("/admin/calendar", {"day": "0001-01-01", "is_working_day": "0"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "day") == OUT_OF_YEARS
    assert client.post_form("/admin/calendar/0001-01-01/delete").status_code == 404


def test_an_admin_cannot_lock_themselves_out(client, login_as):
    me = login_as("admin", username="root1")
    response = client.post_form(
        f"/admin/users/{me.id}", _user_form(username="root1", roles=["agent"], password="", active="")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "roles") == "不能移除自己的管理员角色，以免无人能管理系统。"
    assert field_error(page, "active") == "不能停用自己的账号。"
