"""Signing in and out: the happy path, wrong input, session invalidation (throttling: its own file)."""

from __future__ import annotations

import time

from kiosk.extensions import db
from tests.support import PASSWORD, field_error


def test_login_lands_on_the_role_home(client, auth, make_user):
    make_user("staff", username="lina")
    response = auth.login("lina")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/workbench")
    page = client.get("/workbench").get_data(as_text=True)
    assert "您好" in page


def test_admin_lands_on_user_administration(auth, make_user):
    make_user("admin", username="root1")
    assert auth.login("root1").headers["Location"].endswith("/admin/users")


def test_username_is_case_insensitive_and_trimmed(auth, make_user):
    make_user("agent", username="Wangfang")
    assert auth.login("  wangfang ").status_code == 303


def test_wrong_password_is_refused_with_a_chinese_message_and_username_kept(auth, make_user):
    make_user("agent", username="lina")
    response = auth.login("lina", "wrong-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "用户名或密码不正确" in page
    assert 'value="lina"' in page
    assert "wrong-password" not in page  # a password is never echoed back


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(auth):
    response = auth.login("nobody", "whatever-1")
    assert response.status_code == 422
    assert "用户名或密码不正确" in response.get_data(as_text=True)


def test_empty_fields_are_marked_beside_each_field(client):
    response = client.post_form("/auth/login", {"username": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "username") == "此项必填。"
    assert field_error(page, "password") == "此项必填。"


def test_overlong_username_is_refused_beside_the_field(client):
    response = client.post_form("/auth/login", {"username": "x" * 500, "password": "p"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "username") == "最多 40 个字符。"


def test_inactive_user_cannot_sign_in(auth, make_user):
    make_user("agent", username="gone", active=False)
    assert auth.login("gone").status_code == 422


def test_next_parameter_only_redirects_within_the_site(client, make_user):
    make_user("agent", username="lina")
    data = {"username": "lina", "password": PASSWORD}
    response = client.post_form("/auth/login?next=https://evil.example/x", data)
    assert response.headers["Location"].endswith("/hotline/")
    client.post_form("/auth/logout")
    response = client.post_form("/auth/login?next=/notifications/", data)
    assert response.headers["Location"].endswith("/notifications/")


def test_htmx_login_redirects_the_whole_page(client, make_user):
    make_user("agent", username="lina")
    response = client.post_form("/auth/login", {"username": "lina", "password": PASSWORD}, htmx=True)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/hotline/")


def test_htmx_login_error_returns_only_the_form_with_422(client):
    response = client.post_form("/auth/login", {"username": "lina", "password": "x"}, htmx=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.lstrip().startswith('<form id="login_form"')
    assert "<html" not in page


def test_logout_ends_sessions_on_every_device(app, make_user):
    make_user("agent", username="lina")
    phone, desk = app.test_client(), app.test_client()
    for device in (phone, desk):
        device.post_form("/auth/login", {"username": "lina", "password": PASSWORD})
        assert device.get("/workbench").status_code == 200
    phone.post_form("/auth/logout")
    assert desk.get("/workbench").status_code == 302


def test_password_change_keeps_this_session_and_ends_the_others(app, make_user):
    make_user("agent", username="lina")
    here, elsewhere = app.test_client(), app.test_client()
    for device in (here, elsewhere):
        device.post_form("/auth/login", {"username": "lina", "password": PASSWORD})
    response = here.post_form(
        "/auth/password", {"current": PASSWORD, "new": "brand-new-pass", "confirm": "brand-new-pass"}
    )
    assert response.status_code == 303
    assert here.get("/workbench").status_code == 200
    assert elsewhere.get("/workbench").status_code == 302


def test_password_change_validation_messages(client, login_as):
    login_as("agent")
    response = client.post_form("/auth/password", {"current": "nope", "new": "short", "confirm": "other"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "current") == "当前密码不正确。"
    assert field_error(page, "new") == "长度应为 8 到 128 个字符。"
    assert field_error(page, "confirm") == "两次输入的新密码不一致。"


def test_deactivating_a_user_ends_their_session(app, client, make_user):
    user = make_user("agent", username="lina")
    client.post_form("/auth/login", {"username": "lina", "password": PASSWORD})
    user.active = False
    db.session.commit()
    assert client.get("/workbench").status_code == 302


def test_idle_session_expires(client, login_as):
    login_as("agent")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 31 * 60
    response = client.get("/workbench")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_absolute_session_lifetime_expires_even_when_active(client, login_as):
    login_as("agent")
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - 13 * 3600
    assert client.get("/workbench").status_code == 302


def test_polling_the_bell_does_not_keep_an_idle_session_alive(client, login_as):
    login_as("agent")
    idle_since = int(time.time()) - 10 * 60
    with client.session_transaction() as session:
        session["seen_at"] = idle_since
    client.get("/notifications/bell")
    with client.session_transaction() as session:
        assert session["seen_at"] == idle_since


def test_expired_session_on_htmx_request_redirects_the_page(client, login_as):
    login_as("agent")
    with client.session_transaction() as session:
        session["seen_at"] = 0
    response = client.get_htmx("/notifications/bell")
    assert response.status_code == 401
    assert "/auth/login" in response.headers["HX-Redirect"]


def test_passwords_are_hashed_with_scrypt_unless_a_setting_says_otherwise(app, make_user):
    """Production keeps Werkzeug's scrypt; only the test configuration picks a cheap method."""
    from kiosk import create_app
    from kiosk.models.people import dummy_password_hash, hash_password

    assert make_user("agent").password_hash.startswith("pbkdf2:sha256:1$")  # the suite's setting
    assert dummy_password_hash().startswith("pbkdf2:sha256:1$")
    production = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                             "SECRET_KEY": "x"})
    with production.app_context():
        assert hash_password("s3cret-pass").startswith("scrypt:")
        assert dummy_password_hash().startswith("scrypt:")
    assert dummy_password_hash().startswith("pbkdf2:sha256:1$")
