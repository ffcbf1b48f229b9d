"""Every route, every role: the access answer is declared here and proven against the app.

A new route fails ``test_every_route_is_in_the_table`` until a row is added below, and a route whose
view lacks an access rule fails ``test_every_view_declares_an_access_rule``.
"""

from __future__ import annotations

import pytest

from kiosk.models.people import Role

ANONYMOUS = "anonymous"
DEVICE = "device"  # a paired kiosk tablet: no staff login
SALES_DEVICE = "sales_device"  # a tablet paired at the sales office (also shows the front-desk order)
DEVICES = (DEVICE, SALES_DEVICE)
STAFF_ROLES = [r.value for r in Role]
EVERYONE = {ANONYMOUS, *DEVICES, *STAFF_ROLES}
SIGNED_IN = set(STAFF_ROLES)
ADMIN = {Role.ADMIN.value}
TABLET = set(DEVICES)


def only(*roles: Role) -> set[str]:
    return {Role.ADMIN.value, *(r.value for r in roles)}


HOTLINE = only(Role.AGENT, Role.SUPERVISOR)

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
    "admin.jobs": ADMIN,
    "admin.job_runs": ADMIN,
    "admin.audit_log": ADMIN,
    "admin.switchboards": ADMIN,
    "admin.switchboard_token": ADMIN,
    "notifications.index": SIGNED_IN,
    "messages.outbox": ADMIN,
    "messages.send_test": ADMIN,
    "messages.retry": ADMIN,
    "messages.settings": ADMIN,
    "messages.save_routes": ADMIN,
    "messages.save_group": ADMIN,
    "messages.save_template": ADMIN,
    "messages.mine": SIGNED_IN,
    "notifications.bell": SIGNED_IN,
    "notifications.mark_read": SIGNED_IN,
    "kiosk.pair": EVERYONE,
    "kiosk.start": TABLET,
    "kiosk.visit": TABLET,
    "kiosk.appointment": TABLET,
    "kiosk.done": TABLET,
    "kiosk.sign_out": TABLET,
    "kiosk.goodbye": TABLET,
    "visitors.log": SIGNED_IN,
    "visitors.export": SIGNED_IN,
    "visitors.by_mobile": SIGNED_IN,
    "visitors.on_site": SIGNED_IN,
    "visitors.staff_sign_out": SIGNED_IN,
    "visitors.incident_list": SIGNED_IN,
    "visitors.overdue": only(Role.SUPERVISOR),
    "visitors.incident": SIGNED_IN,
    "visitors.acknowledge": SIGNED_IN,
    "visitors.file_report": SIGNED_IN,
    "visitors.case_study": only(Role.SUPERVISOR),
    "visitors.watch_list": only(Role.SUPERVISOR),
    "visitors.watch_delete": only(Role.SUPERVISOR),
    "visitors.appointments": SIGNED_IN,
    "visitors.device_list": ADMIN,
    "visitors.pairing_code": ADMIN,
    "visitors.revoke": ADMIN,
    "cti.events": EVERYONE,
    "cti.generic": EVERYONE,
    "hotline.dial": HOTLINE,
    "hotline.recording": HOTLINE,
    "hotline.console": HOTLINE,
    "hotline.ringing": HOTLINE,
    "hotline.set_state": HOTLINE,
    "hotline.start_call": HOTLINE,
    "hotline.answer": HOTLINE,
    "hotline.call": HOTLINE,
    "hotline.record": HOTLINE,
    "hotline.confirm": HOTLINE,
    "hotline.outcome": HOTLINE,
    "hotline.phrase": HOTLINE,
    "hotline.callers": HOTLINE,
    "hotline.link_caller": HOTLINE,
    "hotline.new_caller": HOTLINE,
    "hotline.wrong_answer": HOTLINE,
    "hotline.search": HOTLINE,
    "hotline.agents": only(Role.SUPERVISOR),
    "hotline.book": HOTLINE,
    "hotline.book_entry": only(Role.SUPERVISOR),
    "hotline.book_delete": only(Role.SUPERVISOR),
    "tasks.index": only(Role.AGENT, Role.SUPERVISOR),
    "tasks.slip": only(Role.AGENT, Role.STAFF, Role.SUPERVISOR),
    "tasks.act": only(Role.AGENT, Role.STAFF, Role.SUPERVISOR),
    "tasks.queue": only(Role.STAFF),
    "tasks.new": only(Role.AGENT, Role.STAFF, Role.SUPERVISOR),
    "tasks.callbacks": only(Role.AGENT, Role.SUPERVISOR),
    "tasks.callback_record": only(Role.AGENT, Role.SUPERVISOR),
    "tasks.policy": ADMIN,
    "supervisor.board_page": only(Role.SUPERVISOR),
    "supervisor.wall": only(Role.SUPERVISOR),
    "supervisor.panel": only(Role.SUPERVISOR),
    "rotation.index": only(Role.SALES, Role.SUPERVISOR),
    "rotation.live": only(Role.SALES, Role.SUPERVISOR),
    "rotation.front_desk": only(Role.SALES, Role.SUPERVISOR) | {SALES_DEVICE},
    "rotation.report": only(Role.SALES, Role.SUPERVISOR),
    "rotation.report_csv": only(Role.SALES, Role.SUPERVISOR),
    "rotation.group": only(Role.SUPERVISOR),
    "rotation.presence": only(Role.SUPERVISOR),
    "rotation.make_up": only(Role.SUPERVISOR),
    "rotation.assist": only(Role.SUPERVISOR),
    "rotation.reassign": only(Role.SUPERVISOR),
    "rotation.reorder": only(Role.SUPERVISOR),
    "rotation.hours": only(Role.SUPERVISOR),
    "rotation.my_status": only(Role.SALES),
    # Hand-off (issues 4 and 6): sales calls on the rotation page, callbacks started as calls. (Changed
    # above: a sales-office tablet sees rotation.front_desk; agents read hotline.book.)
    "rotation.sales_call": only(Role.SALES, Role.SUPERVISOR),
    "tasks.callback_start": only(Role.AGENT, Role.SUPERVISOR),
    "hotline.callback_result": HOTLINE,
    "hotline.books": HOTLINE,
    # Sales follow-through (seed 000 篇3) and model homes (seed 002)
    "sales.today": only(Role.SALES),
    "sales.sign_offs": SIGNED_IN,
    "sales.sign_off": SIGNED_IN,
    "sales.tick": only(Role.SALES, Role.SUPERVISOR),
    "sales.log_call": only(Role.SALES),
    "sales.buyers": only(Role.SALES, Role.SUPERVISOR),
    "sales.register": only(Role.SALES),
    "sales.buyer": only(Role.SALES, Role.SUPERVISOR),
    "sales.take_step": only(Role.SALES, Role.SUPERVISOR),
    "model_home.index": TABLET,
    "model_home.round_page": TABLET,
    "model_home.call_salesperson": TABLET,
    "model_home.asset": TABLET,
    "model_homes.rounds": only(Role.SUPERVISOR),
    "model_homes.assets": only(Role.SUPERVISOR),
    "model_homes.asset": only(Role.SUPERVISOR),
    "model_homes.photo": only(Role.SUPERVISOR),
    "model_homes.checks": ADMIN,
    "model_homes.check_edit": ADMIN,
    "model_homes.set_supervisor": ADMIN,
    # KPIs and reports (issue 7)
    "call_log.index": HOTLINE,
    "call_log.export": HOTLINE,
    "register.search_page": only(Role.AGENT, Role.SUPERVISOR, Role.STAFF),
    "register.person": only(Role.AGENT, Role.SUPERVISOR, Role.STAFF),
    "register.unit": only(Role.AGENT, Role.SUPERVISOR, Role.STAFF),
    "register.profile": HOTLINE,
    "register.add_phone": HOTLINE,
    "register.prefer_phone": HOTLINE,
    "register.remove_phone": HOTLINE,
    "register.add_unit": HOTLINE,
    "register.new_person": HOTLINE,
    "register.merge": only(Role.SUPERVISOR),
    "register.import_page": only(Role.SUPERVISOR),
    "register.import_template": only(Role.SUPERVISOR),
    "register.record_visit": only(Role.AGENT, Role.SUPERVISOR, Role.STAFF),
    "register.coverage_page": only(Role.AGENT, Role.SUPERVISOR, Role.STAFF),
    "register.save_plan": only(Role.SUPERVISOR),
    "kpi.index": only(Role.SUPERVISOR),
    "kpi.drill": only(Role.SUPERVISOR),
    "kpi.report": only(Role.SUPERVISOR),
    "kpi.report_xlsx": only(Role.SUPERVISOR),
    "kpi.report_csv": only(Role.SUPERVISOR),
}


# Open to everyone, but they send a signed-out person on to the login page by design.
LEADS_TO_LOGIN = {"main.index", "auth.logout"}
# Open to everyone, but an unsigned request is refused with 401 (machines sign, they do not log in).
REFUSES_UNSIGNED = {"cti.events", "cti.generic"}


def sample_values(app) -> dict[str, object]:
    """A value for every URL argument used by any route (existing rows where one is needed)."""
    from kiosk.clock import utcnow
    from kiosk.extensions import db
    from kiosk.models.calls import Call
    from kiosk.models.people import Department, User
    from kiosk.models.phrases import ScriptPhrase

    department = db.session.query(Department).first()
    user = db.session.query(User).first()
    call = Call(direction="in", caller_number="13912345678", state="ringing", created_at=utcnow())
    phrase = ScriptPhrase(stage="greeting", text="您好", sort_order=0)
    db.session.add_all([call, phrase])
    db.session.commit()
    return {
        "call_id": call.id,
        "kind": "phrases",
        "entry_id": phrase.id,
        "filename": "css/app.css",
        "code": "en",
        "user_id": user.id,
        "department_id": department.id,
        "day": "2026-10-01",
        "purpose": "complaint",
        "visit_id": 1,
        "incident_id": 1,
        "message_id": 1,
        "person_id": 1,
        "number_id": 1,
        "unit_id": 1,
        "device_id": 1,
        "slip_id": _sample_slip(owner=user, department=department).id,
        "action": "note",
        "callback_id": 1,
        "name": "unassigned",
        # sales follow-through and model homes
        "reminder_id": 1,
        "step_id": 1,
        "file_id": 1,
        "step": "deposit",
        "round_kind": "opening",
        "slot": "0830",
        "record_id": 1,
        "n": 0,
        "check_id": 1,
        "kpi_code": "slips_overdue",
        "label": "2026-10",
        "job": "escalate-overdue",
        "token": "no-such-token",
    }


def _sample_slip(owner, department):
    """A dispatched slip of the sample department, opened by the first user (an agent)."""
    from kiosk.clock import utcnow
    from kiosk.extensions import db
    from kiosk.models.tasks import TaskSlip
    from kiosk.services.directory import working_calendar
    from kiosk.services.tasks import open_slip

    slip = db.session.query(TaskSlip).first()
    if slip is None:
        slip = open_slip(source="staff", category="repair", priority="routine", description="样例",
                         owner=owner, department=department, now=utcnow(), calendar=working_calendar())
        db.session.commit()
    return slip


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


@pytest.mark.parametrize("who", [ANONYMOUS, *DEVICES, *STAFF_ROLES])
def test_each_route_answers_each_role_as_declared(app, make_user, make_department, paired_client, who):
    department = make_department()
    owner = make_user("agent", department=department)
    values = sample_values(app)
    assert values["user_id"] == owner.id
    devices = {DEVICE: lambda: paired_client(), SALES_DEVICE: lambda: paired_client("sales_office")}
    client = devices.get(who, app.test_client)()
    if who not in (ANONYMOUS, *DEVICES):
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
        if rule.endpoint in REFUSES_UNSIGNED:
            ok = status == 401
        elif allowed:
            ok = status < 500 and status not in (401, 403) and (
                not sent_to_login or rule.endpoint in LEADS_TO_LOGIN
            )
        elif ACCESS[rule.endpoint] == TABLET:
            ok = status == 403  # the "this tablet is not paired" page; never the login page
        elif who in (ANONYMOUS, *DEVICES):
            ok = sent_to_login
        else:
            ok = status == 403
        if not ok:
            wrong.append((rule.endpoint, method, url, status))
        if rule.endpoint == "auth.logout" and who not in (ANONYMOUS, *DEVICES):
            client.post_form("/auth/login", {"username": user.username, "password": "correct-horse-9"})
    assert wrong == []
