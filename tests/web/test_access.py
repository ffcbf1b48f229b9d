"""Every route, every role: the access answer is declared here and proven against the app.

A new route fails ``test_every_route_is_in_the_table`` until a row is added below, and a route whose
view lacks an access rule fails ``test_every_view_declares_an_access_rule``.
"""

from __future__ import annotations

import pytest

from kiosk.models.people import Role

ANONYMOUS = "anonymous"
STAFF_ROLES = [r.value for r in Role]
EVERYONE = {ANONYMOUS, *STAFF_ROLES}
SIGNED_IN = set(STAFF_ROLES)
ADMIN = {Role.ADMIN.value}


def only(*roles: Role) -> set[str]:
    return {Role.ADMIN.value, *(r.value for r in roles)}


# endpoint -> who gets in. Anonymous people outside the set are sent to the login page;
# signed-in people outside it get 403.
ACCESS = {
    "static": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": EVERYONE,
    "auth.password": SIGNED_IN,
    "main.index": EVERYONE,
    "main.home": SIGNED_IN,
    "main.set_language": EVERYONE,
    "admin.users": ADMIN,
    "admin.user_new": ADMIN,
    "admin.user_edit": ADMIN,
    "admin.departments": ADMIN,
    "admin.department_edit": ADMIN,
    "admin.calendar": ADMIN,
    "admin.calendar_delete": ADMIN,
    "notifications.index": SIGNED_IN,
    "notifications.bell": SIGNED_IN,
    "notifications.mark_read": SIGNED_IN,
    "rotation.index": only(Role.SALES, Role.SUPERVISOR),
    "rotation.live": only(Role.SALES, Role.SUPERVISOR),
    "rotation.front_desk": only(Role.SALES, Role.SUPERVISOR),
    "rotation.report": only(Role.SALES, Role.SUPERVISOR),
    "rotation.report_csv": only(Role.SALES, Role.SUPERVISOR),
    "rotation.presence": only(Role.SUPERVISOR),
    "rotation.make_up": only(Role.SUPERVISOR),
    "rotation.assist": only(Role.SUPERVISOR),
    "rotation.reassign": only(Role.SUPERVISOR),
    "rotation.reorder": only(Role.SUPERVISOR),
    "rotation.hours": only(Role.SUPERVISOR),
    "rotation.my_status": only(Role.SALES),
}


# Open to everyone, but they send a signed-out person on to the login page by design.
LEADS_TO_LOGIN = {"main.index", "auth.logout"}


def sample_values(app) -> dict[str, object]:
    """A value for every URL argument used by any route (existing rows where one is needed)."""
    from kiosk.extensions import db
    from kiosk.models.people import Department, User

    department = db.session.query(Department).first()
    user = db.session.query(User).first()
    return {
        "filename": "css/app.css",
        "code": "en",
        "user_id": user.id,
        "department_id": department.id,
        "day": "2026-10-01",
    }


def url_for_rule(rule, values: dict) -> str:
    missing = [arg for arg in rule.arguments if arg not in values and arg not in (rule.defaults or {})]
    assert not missing, f"add sample values for {missing} (route {rule.rule}) to sample_values()"
    return rule.build({arg: values[arg] for arg in rule.arguments if arg in values}, append_unknown=False)[1]


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ACCESS.keys() == set(), "routes without a row in ACCESS"
    assert ACCESS.keys() - endpoints == set(), "rows in ACCESS for routes that no longer exist"


def test_every_view_declares_an_access_rule(app):
    undeclared = [e for e, view in app.view_functions.items() if not hasattr(view, "access_rule")]
    assert undeclared == []


@pytest.mark.parametrize("who", [ANONYMOUS, *STAFF_ROLES])
def test_each_route_answers_each_role_as_declared(app, make_user, make_department, who):
    department = make_department()
    owner = make_user("agent", department=department)
    values = sample_values(app)
    assert values["user_id"] == owner.id
    client = app.test_client()
    if who != ANONYMOUS:
        user = make_user(who, department=department)
        client.post_form("/auth/login", {"username": user.username, "password": "correct-horse-9"})
    wrong = []
    for rule in app.url_map.iter_rules():
        url = url_for_rule(rule, values)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.get(url) if method == "GET" else client.post_form(url, {})
        allowed = who in ACCESS[rule.endpoint]
        status = response.status_code
        sent_to_login = status in (302, 303, 401) and "/auth/login" in response.headers.get(
            "Location", response.headers.get("HX-Redirect", "")
        )
        if allowed:
            ok = status < 500 and status not in (401, 403) and (
                not sent_to_login or rule.endpoint in LEADS_TO_LOGIN
            )
        elif who == ANONYMOUS:
            ok = sent_to_login
        else:
            ok = status == 403
        if not ok:
            wrong.append((rule.endpoint, method, url, status))
        if rule.endpoint == "auth.logout" and who != ANONYMOUS:
            client.post_form("/auth/login", {"username": user.username, "password": "correct-horse-9"})
    assert wrong == []
