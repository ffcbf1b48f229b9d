"""Right role, someone else's record: every state-changing route with a record id, and who owns the record.

``test_access.py`` proves who may open a route at all (route × role). This table goes one step further
(route × role × owner): for each POST route that acts on one record, who owns that record, and a proof
that a user of the right role who is not the owner is refused (403, or a refusal that changes nothing),
while the owner (and a supervisor where the rules allow) succeeds.

A new POST route with a record id in its URL fails ``test_every_record_route_has_an_owner_row`` until it
has a row here: an ``Owned`` row with its scenarios, or a ``Shared`` row saying why the record belongs to
everyone who may open the route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count as count_from
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.database import begin_write
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.hotline import Disposition
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.calls import Call, CallPhraseUse
from kiosk.models.notifications import NotificationRead
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.sales import BuyerFile, BuyerReminder, BuyerStep
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident
from kiosk.services import hotline
from kiosk.services.directory import working_calendar
from kiosk.services.notifications import notify
from tests.kiosk_support import sign_in
from tests.sales_support import S, make_team, make_units, new_file, walk
from tests.web.hotline_support import add_owner
from tests.web.slips import bring_to, client_for, make_cast, pending_callback, quick_user

# --- the table ---------------------------------------------------------------------------------------


@dataclass
class Case:
    """One record and the people around it. ``refused`` are of the right role but not its owners;
    ``allowed`` succeed, the owner first (each on a record of their own)."""

    url: str
    data: dict
    refused: list
    allowed: list
    state: Callable[[], object]  # what the route changes, read fresh
    refused_with: int = 403  # 403, or the status of a refusal that changes nothing (a message)
    ok_with: int = 303
    changes: bool = True  # the owner's request changes ``state`` (False: it opens what is there)
    by_allowed: dict = field(default_factory=dict)  # extra form data an allowed user sends


@dataclass(frozen=True)
class Owned:
    owner: str  # who owns the record, in words
    scenarios: tuple[Callable[[SimpleNamespace, int], Case], ...]


@dataclass(frozen=True)
class Shared:
    why: str  # why every user who may open the route may act on any of its records


def fresh(model, row_id: int, *columns: str):
    db.session.expire_all()
    row = db.session.get(model, row_id)
    return tuple(getattr(row, c) for c in columns)


def count(column, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(column)).where(*where))


# --- hotline calls: the call's agent, or a supervisor (首问责任制, seed 003 §2(3)) ------------------------


def live_call(w, recorded: bool = False, confirmed: bool = False) -> Call:
    call = hotline.start_call(w.cast.owner, "13700001111", w.now)
    if recorded:
        hotline.save_record(call.id, category="suggestion", surname="张", location="3栋",
                            description="建议增加路灯", notes="")
    if confirmed:
        hotline.confirm_record(call.id, w.now)
    return call


def settled_call(w, disposition: Disposition = Disposition.SUGGESTION) -> Call:
    call = live_call(w, recorded=True, confirmed=True)
    return hotline.dispose(call.id, w.cast.owner, disposition=disposition, now=w.now,
                           calendar=working_calendar(), answer_text="已登记")


def call_case(w, call: Call, move: str, data: dict, columns: tuple[str, ...], **kwargs) -> Case:
    return Case(f"/hotline/calls/{call.id}/{move}", data, refused=[w.cast.other_agent],
                allowed=[w.cast.owner, w.cast.supervisor], state=lambda: fresh(Call, call.id, *columns),
                **kwargs)


def record(w, _n):
    return call_case(w, live_call(w), "record", {"category": "complaint", "caller_surname": "王",
                                                 "location": "5栋", "description": "改写"},
                     ("category", "description"))


def confirm(w, _n):
    return call_case(w, live_call(w, recorded=True), "confirm", {"read_back": "y"}, ("confirmed_at",))


def outcome(w, _n):
    return call_case(w, live_call(w, recorded=True, confirmed=True), "outcome",
                     {"disposition": "suggestion"}, ("disposition",))


def phrase(w, _n):
    call = live_call(w)
    chosen = ScriptPhrase(stage="greeting", text=f"您好{call.id}", sort_order=0)
    db.session.add(chosen)
    db.session.commit()
    case = call_case(w, call, "phrase", {"phrase_id": chosen.id}, (), ok_with=200)
    case.state = lambda: count(CallPhraseUse.id, CallPhraseUse.call_id == call.id)
    return case


_owners = count_from(1)


def an_owner():
    n = next(_owners)
    return add_owner(name=f"刘洋{n}", mobile=f"1390000{n:04d}", unit_number=f"8{n:03d}")


def link_caller(w, n):
    return call_case(w, live_call(w), "caller", {"owner_id": an_owner().id}, ("owner_id",))


def new_caller(w, _n):
    return call_case(w, live_call(w), "new-caller", {"name": "刘洋", "mobile": "", "unit_id": "0"},
                     ("owner_id",))


def settled(case: Case, w) -> Case:
    """Once settled, only a supervisor changes the call, giving the reason: its own agent is refused too."""
    case.refused = [w.cast.owner, w.cast.other_agent]
    case.allowed = [w.cast.supervisor]
    case.by_allowed = {"reason": "业主来电更正身份"}
    return case


def link_caller_settled(w, n):
    return settled(call_case(w, settled_call(w), "caller", {"owner_id": an_owner().id},
                             ("owner_id",)), w)


def new_caller_settled(w, _n):
    return settled(call_case(w, settled_call(w), "new-caller", {"name": "刘洋", "mobile": "", "unit_id": "0"},
                             ("owner_id",)), w)


def wrong_answer(w, _n):
    call = settled_call(w, Disposition.ANSWERED_ON_SPOT)
    case = call_case(w, call, "wrong-answer", {}, ())
    case.state = lambda: count(Call.id, Call.correction_of_id == call.id)
    return case


def callback_call(w) -> tuple[Callback, Call]:
    """A periodic callback (shared by the agents) that the owner agent has started as a call."""
    begin_write()
    callback = Callback(kind="periodic", property_owner=an_owner(), due_at=w.now,
                        created_at=w.now)
    db.session.add(callback)
    db.session.commit()
    return callback, hotline.start_callback(callback.id, w.cast.owner, w.now)


def callback_data(callback: Callback) -> dict:
    return {f"cb{callback.id}-result": "satisfied", f"cb{callback.id}-version": str(callback.version)}


def callback_result(w, _n):
    callback, call = callback_call(w)
    case = call_case(w, call, "callback", callback_data(callback), ())
    case.state = lambda: fresh(Callback, callback.id, "status")
    return case


def answer(w, _n):
    """A call ringing for one agent (the switchboard named their extension): another agent is told it was
    taken; nothing changes."""
    begin_write()
    call = Call(direction="in", caller_number="13700003333", agent_id=w.cast.owner.id, state="ringing",
                ringing_at=w.now, created_at=w.now)
    db.session.add(call)
    db.session.commit()
    return Case(f"/hotline/calls/{call.id}/answer", {}, refused=[w.cast.other_agent], allowed=[w.cast.owner],
                state=lambda: fresh(Call, call.id, "state", "agent_id"), refused_with=303)


# --- task slips and callbacks: the slip's people (seed 003 §2(3), DOMAIN.md §4) ---------------------------


def slip_accept(w, _n):
    slip = bring_to(w.cast, "dispatched")
    return Case(f"/tasks/{slip.id}/accept", {"accept-version": str(slip.version)},
                refused=[w.cast.other_staff], allowed=[w.cast.staff],
                state=lambda: fresh(TaskSlip, slip.id, "status"))


def slip_dispatch(w, _n):
    slip = bring_to(w.cast, "new")
    return Case(f"/tasks/{slip.id}/dispatch", {"dispatch-version": str(slip.version),
                                              "dispatch-department_id": str(w.cast.department.id)},
                refused=[w.cast.other_agent, w.cast.other_staff], allowed=[w.cast.owner, w.cast.supervisor],
                state=lambda: fresh(TaskSlip, slip.id, "status"))


def slip_note(w, _n):
    slip = bring_to(w.cast, "in_progress")
    return Case(f"/tasks/{slip.id}/note", {"note-version": str(slip.version), "note-note": "已联系业主"},
                refused=[w.cast.other_agent, w.cast.other_staff],
                allowed=[w.cast.owner, w.cast.staff, w.cast.supervisor],
                state=lambda: count(TaskEvent.id, TaskEvent.slip_id == slip.id))


def slip_callback(w) -> Callback:
    return pending_callback(bring_to(w.cast, "resolved").id)


def callback_record(w, _n):
    callback = slip_callback(w)
    return Case(f"/tasks/callbacks/{callback.id}", callback_data(callback), refused=[w.cast.other_agent],
                allowed=[w.cast.owner, w.cast.supervisor],
                state=lambda: fresh(Callback, callback.id, "status"))


def callback_record_on_a_call(w, _n):
    """A shared callback one agent is making on a call: while that call is open it is theirs."""
    callback, _call = callback_call(w)
    return Case(f"/tasks/callbacks/{callback.id}", callback_data(callback), refused=[w.cast.other_agent],
                allowed=[w.cast.owner, w.cast.supervisor],
                state=lambda: fresh(Callback, callback.id, "status"))


def callback_start(w, _n):
    callback = slip_callback(w)
    return Case(f"/tasks/callbacks/{callback.id}/start", {}, refused=[w.cast.other_agent],
                allowed=[w.cast.owner, w.cast.supervisor],
                state=lambda: count(Call.id, Call.callback_id == callback.id))


def callback_start_on_a_call(w, _n):
    callback, _call = callback_call(w)
    return Case(f"/tasks/callbacks/{callback.id}/start", {}, refused=[w.cast.other_agent],
                allowed=[w.cast.owner, w.cast.supervisor], changes=False,
                state=lambda: count(Call.id, Call.callback_id == callback.id,
                                    Call.agent_id != w.cast.owner.id))


# --- sales: the salesperson's own customer file (seed 000 篇3) ---------------------------------------------


def team(w):
    if not hasattr(w, "team"):
        w.team = make_team(lambda *roles, **kw: quick_user(*roles, **kw), w.make_department)
    return w.team


def take_step(w, n):
    t = team(w)
    file = walk(new_file(t, w.now, f"周海{n}"), S.PURCHASE_CONTRACT, t, make_units(1, f"云著{n}")[0], w.now)
    return Case(f"/sales/buyers/{file.id}/handover",
                {"handover-version": str(file.version), "handover-handed_over_on": "2027-03-01",
                 "handover-congratulated": "y"},
                refused=[t.colleague], allowed=[t.salesperson, t.manager],
                state=lambda: fresh(BuyerFile, file.id, "step"))


def tick(w, n):
    t = team(w)
    file = walk(new_file(t, w.now, f"周海{n}"), S.SUBSCRIPTION, t, make_units(1, f"云著{n}")[0], w.now)
    reminder = db.session.scalar(select(BuyerReminder).where(BuyerReminder.file_id == file.id))
    return Case(f"/sales/reminders/{reminder.id}", {f"r{reminder.id}-outcome": "notified"},
                refused=[t.colleague], allowed=[t.salesperson, t.manager],
                state=lambda: fresh(BuyerReminder, reminder.id, "done_at"))


def sign_off(w, n):
    """The deposit names its collector (finance): only they confirm it; another of finance is told so."""
    t = team(w)
    file = walk(new_file(t, w.now, f"周海{n}"), S.DEPOSIT, t, make_units(1, f"云著{n}")[0], w.now)
    step = db.session.scalar(select(BuyerStep).where(BuyerStep.file_id == file.id,
                                                     BuyerStep.step == "deposit"))
    other_cashier = quick_user("staff", display_name="孙出纳", department=t.finance_department)
    return Case(f"/sales/sign-offs/{step.id}", {}, refused=[other_cashier, t.colleague], allowed=[t.cashier],
                state=lambda: fresh(BuyerStep, step.id, "confirmed_at"), refused_with=303)


# --- incidents: the departments alerted (seed 000 §3), and supervisors --------------------------------


def an_incident(w, closed: bool = False) -> tuple[Incident, SimpleNamespace]:
    from kiosk.models.people import Department

    centre = db.session.scalar(select(Department).where(Department.code == "service_centre")) or \
        w.make_department("service_centre", "客服中心")
    # Each incident another visitor: the same mobile still on site would return to its first visit.
    earlier = db.session.scalar(select(func.count(Incident.id)))
    assert sign_in(w.tablet, VisitPurpose.COMPLAINT, relation="owner",
                   mobile=f"1390000{earlier:04d}").status_code == 303
    incident = db.session.scalar(select(Incident).order_by(Incident.id.desc()))
    if closed:
        incident.closed_at, incident.report_due_at = w.now, w.now + timedelta(days=2)
        db.session.commit()
    people = SimpleNamespace(alerted=quick_user("agent", display_name="李娜", department=centre),
                             elsewhere=w.cast.staff)  # staff of 工程部, not alerted
    return incident, people


def incident_case(w, incident, people, url: str, data: dict, columns: tuple[str, ...]) -> Case:
    return Case(url, data, refused=[people.elsewhere], allowed=[people.alerted, w.cast.supervisor],
                state=lambda: fresh(Incident, incident.id, *columns))


def incident_handling(w, _n):
    incident, people = an_incident(w)
    return incident_case(w, incident, people, f"/visitors/incidents/{incident.id}",
                         {"handled_by": "陈静", "actions": "引导到洽谈室", "outcome": "业主接受"},
                         ("handled_by",))


def acknowledge(w, _n):
    incident, people = an_incident(w)
    return incident_case(w, incident, people, f"/visitors/incidents/{incident.id}/acknowledge", {},
                         ("acknowledged_by_id",))


def file_report(w, _n):
    incident, people = an_incident(w, closed=True)
    return incident_case(w, incident, people, f"/visitors/incidents/{incident.id}/report", {},
                         ("report_filed_at",))


# --- notifications: the person (or role, department) a notification is for -----------------------------


def mark_read(w, _n):
    """Marking read is per person: another agent posting the id of a notification meant for one agent marks
    nothing (it is not theirs to see)."""
    begin_write()
    note = notify(kind="test", title="请回拨", now=w.now, user=w.cast.owner)
    db.session.commit()
    return Case("/notifications/read", {"id": str(note.id)}, refused=[w.cast.other_agent],
                allowed=[w.cast.owner],
                state=lambda: count(NotificationRead.id, NotificationRead.notification_id == note.id),
                refused_with=303)


SUPERVISORS_BOOK = Shared("the phrase book, the “114” directory and the answer book are the centre's, "
                          "kept by every supervisor")
SETTLED_CALL = "the call's agent, or a supervisor; once settled, a supervisor giving a reason"
ADMIN_SETTING = Shared("an admin setting: admins keep all of them")
REGISTER = Shared("the owner register is the centre's: every agent and supervisor keeps every owner's "
                  "file up to date (seed 004 §2 建立并及时更新业主档案库), each change kept in its history")

OWNERS: dict[str, Owned | Shared] = {
    "hotline.answer": Owned("the agent it rings for (or any agent while it rings for nobody)", (answer,)),
    "hotline.record": Owned("the call's agent, or a supervisor", (record,)),
    "hotline.confirm": Owned("the call's agent, or a supervisor", (confirm,)),
    "hotline.outcome": Owned("the call's agent, or a supervisor", (outcome,)),
    "hotline.phrase": Owned("the call's agent, or a supervisor", (phrase,)),
    "hotline.link_caller": Owned(SETTLED_CALL, (link_caller, link_caller_settled)),
    "hotline.new_caller": Owned(SETTLED_CALL, (new_caller, new_caller_settled)),
    "hotline.wrong_answer": Owned("the agent who gave the answer, or a supervisor", (wrong_answer,)),
    "hotline.callback_result": Owned("the agent making the callback call, or a supervisor",
                                     (callback_result,)),
    "hotline.book_entry": SUPERVISORS_BOOK,
    "hotline.book_delete": SUPERVISORS_BOOK,
    "tasks.act": Owned("the slip's parties: its first-contact agent, the staff of the department it is "
                       "dispatched to, supervisors (each action its own; slip_lifecycle.RULES)",
                       (slip_accept, slip_dispatch, slip_note)),
    "tasks.callback_record": Owned("the slip's agent (a shared callback: the agent on its call), or a "
                                   "supervisor", (callback_record, callback_record_on_a_call)),
    "tasks.callback_start": Owned("the slip's agent (a shared callback: the agent on its call), or a "
                                  "supervisor", (callback_start, callback_start_on_a_call)),
    "sales.take_step": Owned("the file's salesperson, or a supervisor (the project manager)", (take_step,)),
    "sales.tick": Owned("the file's salesperson, or a supervisor (the project manager)", (tick,)),
    "sales.sign_off": Owned("the collector or reviewer the step names", (sign_off,)),
    "visitors.incident": Owned("the departments alerted, and supervisors", (incident_handling,)),
    "visitors.acknowledge": Owned("the departments alerted, and supervisors", (acknowledge,)),
    "visitors.file_report": Owned("the departments alerted, and supervisors", (file_report,)),
    "visitors.case_study": Shared("supervisors mark case studies among every incident"),
    "visitors.staff_sign_out": Shared("a visit is the front desk's, not one person's: whoever is at the desk "
                                      "signs a visitor out (seed 001 ch. 2–6)"),
    "register.profile": REGISTER,
    "register.add_phone": REGISTER,
    "register.prefer_phone": REGISTER,
    "register.remove_phone": REGISTER,
    "register.add_unit": REGISTER,
    "register.record_visit": Shared("a visit to a unit is recorded by whoever made it, on the centre's "
                                    "register"),
    "register.merge": Shared("merging two files of one person: a supervisor's decision on the centre's "
                             "register"),
    "visitors.watch_list": Shared("the watch list is one list kept by every supervisor"),
    "visitors.watch_delete": Shared("the watch list is one list kept by every supervisor"),
    "visitors.pairing_code": ADMIN_SETTING,
    "visitors.revoke": ADMIN_SETTING,
    "admin.user_edit": ADMIN_SETTING,
    "admin.department_edit": ADMIN_SETTING,
    "admin.calendar_delete": ADMIN_SETTING,
    "admin.switchboard_token": ADMIN_SETTING,
    "messages.retry": ADMIN_SETTING,
    "model_homes.check_edit": ADMIN_SETTING,
    "model_homes.set_supervisor": ADMIN_SETTING,
    "notifications.mark_read": Owned("the person, role or department it is for", (mark_read,)),
}

#: Routes whose record id comes in the form rather than the URL.
ID_IN_FORM = {"notifications.mark_read", "admin.switchboard_token"}


def _acts_on_a_record(rule) -> bool:
    return "POST" in rule.methods and any(arg.endswith("_id") or arg == "day" for arg in rule.arguments)


def test_every_record_route_has_an_owner_row(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if _acts_on_a_record(rule)}
    assert routes - OWNERS.keys() == set(), "POST routes with a record id and no row in OWNERS"
    assert OWNERS.keys() - routes - ID_IN_FORM == set(), "rows in OWNERS for routes that act on no record"
    assert all(e in {r.endpoint for r in app.url_map.iter_rules()} for e in ID_IN_FORM)


# --- the proof, row by row ---------------------------------------------------------------------------


SCENARIOS = [pytest.param(endpoint, scenario, id=f"{endpoint}-{scenario.__name__}")
             for endpoint, row in OWNERS.items() if isinstance(row, Owned) for scenario in row.scenarios]


@pytest.fixture
def world(app, make_department, paired_client):
    return SimpleNamespace(now=utcnow(), cast=make_cast(make_department), make_department=make_department,
                           tablet=paired_client())


@pytest.mark.parametrize(("endpoint", "scenario"), SCENARIOS)
def test_right_role_someone_elses_record_is_refused_and_the_owner_succeeds(app, world, endpoint, scenario):
    case = scenario(world, 1)
    before = case.state()
    for stranger in case.refused:
        response = client_for(app, stranger).post_form(case.url, case.data)
        assert response.status_code == case.refused_with, (stranger.display_name, response.status_code)
        assert case.state() == before, f"{stranger.display_name} changed someone else's record"
    for n, person in enumerate(case.allowed):
        if n:
            case = scenario(world, n + 1)  # each allowed person on a record of their own
            before = case.state()
        response = client_for(app, person).post_form(case.url, case.data | case.by_allowed)
        assert response.status_code == case.ok_with, (person.display_name,
                                                      response.get_data(as_text=True)[:400])
        assert (case.state() != before) is case.changes, person.display_name

