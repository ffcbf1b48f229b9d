"""Security baseline: CSRF on every POST (htmx too), headers, size limit, error pages, cookies."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.visits import Visit
from tests.kiosk_support import visit_data


def test_post_without_csrf_token_is_refused_with_a_chinese_message(client, make_user):
    make_user("agent", username="lina")
    response = client.post("/auth/login", data={"username": "lina", "password": "correct-horse-9"})
    assert response.status_code == 403
    assert "页面已过期或请求来源无法验证" in response.get_data(as_text=True)


def test_htmx_post_without_csrf_token_is_refused_into_the_flash_area(client, login_as):
    login_as("agent")
    response = client.post("/notifications/read", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response.headers["HX-Retarget"] == "#flash"
    assert "请刷新页面" in response.get_data(as_text=True)


def test_htmx_post_with_the_token_in_a_header_is_accepted(client, login_as):
    login_as("agent")
    response = client.post("/notifications/read", headers={"HX-Request": "true",
                                                           "X-CSRFToken": client.csrf_token()})
    assert response.status_code == 200


def test_a_forged_token_is_refused(client, login_as):
    login_as("agent")
    response = client.post("/notifications/read", data={"csrf_token": "forged"})
    assert response.status_code == 403


def test_pages_carry_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_for_signed_in_staff_are_never_cached(client, login_as):
    login_as("agent")
    assert client.get("/workbench").headers["Cache-Control"] == "no-store"


def test_templates_contain_no_inline_script_or_style():
    from pathlib import Path

    for template in Path("kiosk/templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and " style=" not in text and "hx-on" not in text, template


def test_session_cookie_is_httponly_and_samesite(client, make_user):
    make_user("agent", username="lina")
    response = client.post_form("/auth/login", {"username": "lina", "password": "correct-horse-9"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_secure_cookie_and_hsts_when_configured(client, make_user, app_config):
    make_user("agent", username="lina")
    response = client.post_form("/auth/login", {"username": "lina", "password": "correct-horse-9"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_oversized_body_is_refused_with_413_and_a_chinese_message(client):
    response = client.post("/auth/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "提交的内容太大" in response.get_data(as_text=True)


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "找不到此页面" in response.get_data(as_text=True)


def test_unexpected_error_shows_no_stack_trace(app, client, login_as, monkeypatch):
    login_as("agent")

    def explode(*_args, **_kwargs):
        raise RuntimeError("database exploded: secret detail")

    monkeypatch.setattr("kiosk.services.notifications.recent_for", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/workbench")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统出现错误" in page
    assert "Traceback" not in page and "secret detail" not in page


def test_wrong_method_is_a_readable_405(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "不支持此操作方式" in response.get_data(as_text=True)


def test_malformed_ids_in_urls_are_404_not_500(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/99999").status_code == 404
    assert client.post_form("/admin/calendar/not-a-date/delete").status_code == 404


def test_a_concurrent_change_answers_409_and_keeps_the_database_usable(app, client, login_as, make_user):
    """A lost-update guard (version column) that fires becomes a readable 409, never a 500."""
    from sqlalchemy.orm.exc import StaleDataError

    login_as("admin")
    target = make_user("agent")

    def collide(*_args, **_kwargs):
        raise StaleDataError("UPDATE statement on table 'users' expected to update 1 row(s); 0 were matched.")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    import kiosk.services.accounts as accounts

    original = accounts.update_user
    accounts.update_user = collide
    try:
        response = client.post_form(f"/admin/users/{target.id}", {
            "username": target.username, "display_name": "新名字", "roles": "agent", "department_id": "0",
        })
    finally:
        accounts.update_user = original
    assert response.status_code == 409
    assert "数据已被他人修改" in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 200


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling host of the same site
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # the browser's word first
    {"Origin": "https://attacker.example"},  # a browser without Fetch Metadata
    {"Origin": "null"},  # a sandboxed frame or a page of a file
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Origin": "http://localhost:8080"},  # another port too
    {"Referer": "https://attacker.example/page"},  # a browser older still
], ids=["cross-site", "same-site", "fetch-metadata-first", "other-origin", "null-origin", "other-scheme",
        "other-port", "other-referer"])
def test_a_tablet_post_made_by_another_origin_is_refused_and_signs_no_one_in(paired_client, headers):
    """A tablet's POST is checked by where the browser says it comes from, not by a token
    (``security.tablet_posts``): another site's page cannot sign a visitor in through the tablet, even
    with a token of the tablet's session."""
    tablet = paired_client()
    refused = tablet.post_form("/kiosk/visit/repair", visit_data(VisitPurpose.REPAIR), headers=headers)
    assert refused.status_code == 403 and "页面已过期或请求来源无法验证" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Visit.id))) == 0


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    {"Sec-Fetch-Site": "none"},  # the person at the tablet
    {"Origin": "http://localhost"},  # a browser without Fetch Metadata, from the tablet's own page
    {"Origin": "http://LOCALHOST:80"},  # the same origin, as browsers compare them
    {"Referer": "http://localhost/kiosk/visit/repair"},  # a browser older still, from the tablet's page
    {},  # no browser page at all
], ids=["same-origin", "typed", "own-origin", "own-origin-spelt-otherwise", "own-referer", "no-browser"])
def test_a_tablet_post_from_its_own_page_signs_in_without_a_token(paired_client, headers):
    tablet = paired_client()
    page = tablet.get("/kiosk/visit/repair").get_data(as_text=True)
    assert 'name="csrf_token"' not in page.split('id="visit_form"')[1].split("</form>")[0]
    response = tablet.post("/kiosk/visit/repair", data=visit_data(VisitPurpose.REPAIR), headers=headers)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Visit.id))) == 1


def test_a_post_from_another_origin_is_refused_before_the_tablet_is_looked_up(app):
    """As Flask-WTF's check did, the origin's comes before every other hook: a browser that is no tablet
    hears why its POST was refused, not that it is unpaired."""
    refused = app.test_client().post("/kiosk/visit/repair", data=visit_data(VisitPurpose.REPAIR),
                                     headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403 and "页面已过期或请求来源无法验证" in refused.get_data(as_text=True)


def test_the_model_home_tablet_refuses_a_post_another_site_made(paired_client):
    tablet = paired_client("model_home")
    refused = tablet.post_form("/model-home/call-salesperson", {}, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403 and "页面已过期或请求来源无法验证" in refused.get_data(as_text=True)


def test_staff_pages_still_need_their_token_from_their_own_origin(client, login_as):
    """Only the tablets' blueprints trade the token for the origin check."""
    login_as("agent")
    response = client.post("/notifications/read", headers={"Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 403
