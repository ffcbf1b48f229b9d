"""A populated world for the tests that walk every route, and a crawler.

The world has a row behind every URL argument (the access table's ``sample_values`` plus a visit, an
incident, a watch-list entry, a callback; the salesperson's buyer files, a reminder due today and a phone
enquiry; a model home's tablet, its checklists and an asset record with a photo), somebody in every role,
and personal data with known values, so a test can look for them in pages, links and logs. The crawler
opens, as one person, every GET route and the pages those link to, as a browser would. Routes added later
are walked without more work: they come from ``app.url_map``, and their URL arguments from
``sample_values`` (which the access test makes every new route fill in).

Two tablets are paired: one at the service centre, one in a model home, whose pages answer 404 to any
other tablet; the device identity sends each request to the tablet its route needs. The model-home pages
read a clock stopped at 10:00 today (Shanghai), so the 8:30 opening round can be recorded whatever the
hour the tests run.
"""

from __future__ import annotations

import os
import time as clock
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import cache
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.domain.classify import Place, VisitPurpose
from kiosk.domain.model_home import AssetEvent, DamageCause
from kiosk.extensions import db
from kiosk.forms.sales import STEP_FORMS
from kiosk.models.callbacks import Callback
from kiosk.models.model_home import ModelHomeCheck
from kiosk.models.people import Role, User
from kiosk.models.sales import BuyerReminder
from kiosk.models.visits import WatchPerson
from kiosk.services import devices, model_home, sales
from kiosk.web.access import rule_for_endpoint
from kiosk.web.photo_storage import asset_photos
from tests.html_support import Form, read_page
from tests.kiosk_support import sign_in
from tests.sales_support import S, Team, make_units, walk
from tests.support import PNG, freeze_clock
from tests.web.hotline_support import add_owner
from tests.web.slips import quick_user
from tests.web.test_access import sample_values, url_for_rule

VISITOR_MOBILE = "13712340001"  # signed in at the kiosk
CALLER_MOBILE = "18612340002"  # rang the hotline; its slip went to engineering
OWNER_MOBILE = "13912340003"  # an owner's profile
WATCH_MOBILE = "13312340004"  # on the watch list
BUYER_MOBILE = "13512340011"  # a buyer's file, kept by the world's salesperson
ENQUIRY_MOBILE = "15912340012"  # rang the sales office: in the salesperson's phone register
ID_NUMBER = "11010519491231002X"  # a valid resident ID number, in a caller's notes

ANONYMOUS, DEVICE = "anonymous", "device"
STAFF_ELSEWHERE = "staff_elsewhere"  # department staff, but not of the slip's department
SALES_ELSEWHERE = "sales_elsewhere"  # a salesperson, but not the one who keeps the buyer files
IDENTITIES = [ANONYMOUS, DEVICE, *(r.value for r in Role), STAFF_ELSEWHERE, SALES_ELSEWHERE]
#: Never opened by a crawl: the static files, a language switch (the tests read Chinese), signing out.
NOT_CRAWLED = {"static", "main.set_language", "auth.logout"}
#: Device routes answered only by a tablet standing in a given place, by blueprint (others: the service
#: centre's tablet).
TABLET_PLACES = {"model_home": Place.MODEL_HOME.value}
#: Whose sample rows a route acts on (by endpoint prefix), tried first: the buyer files, reminders and
#: phone register are the salesperson's; the sample incident alerts the supervisors, not the agents.
OWNERS = {"sales.": Role.SALES, "visitors.incident": Role.SUPERVISOR, "visitors.acknowledge": Role.SUPERVISOR,
          "visitors.file_report": Role.SUPERVISOR,
          # the sample deposit's collector (the world's cashier is its supervisor) signs it off
          "sales.sign_off": Role.SUPERVISOR}
#: Routes whose one URL pattern leads to several forms, and the name of each: each step of the buyer
#: pipeline is posted to ``/sales/buyers/<file>/<step>``, on a file waiting at the step before it.
VARIANTS = {"sales.take_step": [step.value for step in STEP_FORMS]}
#: The model-home pages' clock: 10:00 today in Shanghai (the opening round is due at 8:30).
MODEL_HOME_HOUR = time(10, 0)


def place_for(endpoint: str | None) -> str:
    """Where the tablet stands that a device route needs."""
    return TABLET_PLACES.get((endpoint or "").partition(".")[0], Place.SERVICE_CENTRE.value)


class Tablets:
    """The world's paired tablets as one browser: each request goes to the tablet standing where its route
    needs one (the model-home pages answer 404 to the service centre's tablet, as they should)."""

    def __init__(self, app: Flask, by_place: dict):
        self.app, self.by_place = app, by_place

    def for_endpoint(self, endpoint: str | None):
        return self.by_place[place_for(endpoint)]

    def _for(self, url: str, method: str):
        return self.for_endpoint(endpoint_of(self.app, url, method))

    def get(self, url: str, **kwargs):
        return self._for(url, "GET").get(url, **kwargs)

    def get_htmx(self, url: str, **kwargs):
        return self._for(url, "GET").get_htmx(url, **kwargs)

    def post(self, url: str, **kwargs):
        return self._for(url, "POST").post(url, **kwargs)


@dataclass
class World:
    values: dict
    users: dict
    tablet: object  # the paired service-centre tablet (a test client)
    tablets: Tablets  # both tablets, each request to the one its route needs
    variants: dict = field(default_factory=dict)  # endpoint -> variant name -> the URL values it needs

    def values_for(self, endpoint: str, variant: str | None = None) -> dict:
        """The URL values to reach ``endpoint``'s form named ``variant`` (see ``VARIANTS``)."""
        return {**self.values, **self.variants.get(endpoint, {}).get(variant, {})}


def _person(username: str, role: str, department=None) -> User:
    return quick_user(role, username=username, display_name=f"{username}员工", department=department)


def build_world(app: Flask, make_department, paired_client, monkeypatch) -> World:
    engineering = make_department("engineering", "工程部")
    owner = _person("agent", Role.AGENT.value, engineering)  # the sample slip's owner
    values = sample_values(app)
    centre = make_department("service_centre", "客服中心")
    users = {
        Role.AGENT.value: owner,
        Role.SUPERVISOR.value: _person("supervisor", Role.SUPERVISOR.value),
        Role.ADMIN.value: _person("admin", Role.ADMIN.value),
        Role.STAFF.value: _person("staff", Role.STAFF.value, engineering),
        Role.SALES.value: _person("sales", Role.SALES.value),
        STAFF_ELSEWHERE: _person("elsewhere", Role.STAFF.value, centre),
        SALES_ELSEWHERE: _person("colleague", Role.SALES.value),
    }
    # Every page reads one moment, 10:00 today (the model home is open), so a run across midnight in
    # Shanghai still finds "today's" visits, reminders and rounds.
    freeze_clock(monkeypatch, datetime.combine(local(utcnow()).date(), MODEL_HOME_HOUR, SHANGHAI))
    tablet = paired_client()
    assert sign_in(tablet, VisitPurpose.COMPLAINT, relation="owner", mobile=VISITOR_MOBILE).status_code == 303
    add_owner(mobile=OWNER_MOBILE)
    _call_with_slip(owner, engineering)
    now = utcnow()
    db.session.add(WatchPerson(name="钱多多", mobile=WATCH_MOBILE, note="多次投诉",
                               created_by_id=users[Role.SUPERVISOR.value].id, created_at=now))
    db.session.add(Callback(kind="slip", slip_id=values["slip_id"], agent_id=owner.id, due_at=now,
                            created_at=now))
    db.session.commit()
    variants = {"sales.take_step": _buyer_files(users, values, now)}
    home = _model_home(app, paired_client, monkeypatch, values)
    tablets = Tablets(app, {Place.SERVICE_CENTRE.value: tablet, Place.MODEL_HOME.value: home})
    return World(values, users, tablet, tablets, variants)


def _call_with_slip(agent, department) -> None:
    from kiosk.domain.hotline import Disposition
    from kiosk.services import hotline
    from kiosk.services.directory import working_calendar

    call = hotline.start_call(agent, CALLER_MOBILE, utcnow())
    hotline.save_record(call.id, category="service_request", surname="王", location="3栋 201",
                        description="厨房漏水", notes=f"身份证 {ID_NUMBER}")
    hotline.confirm_record(call.id, utcnow())
    hotline.dispose(call.id, agent, disposition=Disposition.SLIP, now=utcnow(), calendar=working_calendar(),
                    department=department)


def _buyer_files(users: dict, values: dict, now: datetime) -> dict[str, dict]:
    """The salesperson's buyer files: the sample one, its down payment due in five days (so its first
    reminder is today's), and one waiting at the step before each step form; a phone enquiry to call back
    today. Fills in the sample values and returns each step form's (``VARIANTS``)."""
    salesperson, supervisor = users[Role.SALES.value], users[Role.SUPERVISOR.value]
    # The supervisor plays the project manager: takes the deposit, checks the unit, reviews the subscription.
    team = Team(sales_department=None, finance_department=None, salesperson=salesperson,
                colleague=users[SALES_ELSEWHERE], manager=supervisor, cashier=supervisor)
    units = iter(make_units(len(STEP_FORMS) + 1))

    def file_at(step: S, name: str, mobile: str | None = None, due_in_days: int = 10):
        file = sales.register(salesperson=salesperson, customer_name=name, mobile=mobile, group_id=None,
                              now=now)
        if step is S.REGISTERED:
            return file
        return walk(file, step, team, next(units), now, due_in_days=due_in_days)

    sample = file_at(S.SUBSCRIPTION, "周海", BUYER_MOBILE, due_in_days=5)
    before = {S.DEPOSIT: S.REGISTERED, S.SUBSCRIPTION: S.DEPOSIT, S.DOWN_PAYMENT: S.SUBSCRIPTION,
              S.PURCHASE_CONTRACT: S.DOWN_PAYMENT, S.MORTGAGE: S.PURCHASE_CONTRACT, S.HANDOVER: S.MORTGAGE}
    variants = {step.value: {"file_id": file_at(before[step], f"客户{n}").id, "step": step.value}
                for n, step in enumerate(STEP_FORMS, start=1)}
    today = local(now).date()
    reminder = db.session.scalars(select(BuyerReminder).where(
        BuyerReminder.file_id == sample.id, BuyerReminder.remind_on == today)).one()
    sales.log_enquiry(salesperson=salesperson, now=now, caller_name="赵先生", mobile=ENQUIRY_MOBILE,
                      question="两房还有吗", heard_from="朋友介绍", callback_on=today)
    deposit = next(row for row in sample.steps if row.step == S.DEPOSIT)  # waits for the collector
    values.update(file_id=sample.id, step=S.DOWN_PAYMENT.value, reminder_id=reminder.id, step_id=deposit.id)
    return variants


def _model_home(app: Flask, paired_client, monkeypatch, values: dict):
    """The model home's tablet (open 8:30–19:00, as in seed 002), its default checklists and an asset
    record with a photo. Returns the paired tablet."""
    device = devices.register_device(name="样板间A户型", place=Place.MODEL_HOME.value, opens_at=time(8, 30),
                                     closes_at=time(19, 0), now=utcnow())
    client = paired_client(device=device)
    model_home.ensure_default_checks()
    report = model_home.AssetReport(
        item="青瓷花瓶", event=AssetEvent.DAMAGED, happened="参观客户的小孩碰倒",
        occurred_at=utcnow() - timedelta(hours=1), cause=DamageCause.BY_A_PERSON, person="李先生",
        compensation=800, management_fault=False, reported_by="陈管家")
    record = model_home.record_asset_event(device, report, [model_home.Photo(PNG, "png", "image/png")],
                                           storage=asset_photos(), now=utcnow())
    first_check = db.session.scalars(select(ModelHomeCheck.id).order_by(ModelHomeCheck.id)).first()
    values.update(device_id=device.id, round_kind="opening", slot="0830", record_id=record.id, n=0,
                  check_id=first_check)
    return client


def client_for(app: Flask, world: World, identity: str, endpoint: str | None = None):
    """A test client as this person: signed in (staff), a paired tablet, or nobody.

    The device identity is the tablet that ``endpoint`` needs, or without one, both tablets as one browser
    (``Tablets``). Staff are signed in by writing the session a login writes (the login itself is tested in
    test_auth.py): checking a password costs a tenth of a second, and these tests sign in hundreds of times.
    """
    if identity == DEVICE:
        return world.tablets.for_endpoint(endpoint) if endpoint else world.tablets
    client = app.test_client()
    if identity != ANONYMOUS:
        user = db.session.get(User, world.users[identity].id)
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
            session["login_at"] = session["seen_at"] = int(clock.time())
    return client


def identity_for(app: Flask, world: World, endpoint: str) -> str:
    """Somebody the route's access rule lets in: the owner of its sample rows (``OWNERS``), else the
    sample slip's owner if possible (an agent, a party to the slips), else a supervisor, staff, sales,
    the admin; the tablet or nobody for device and public routes."""
    rule = rule_for_endpoint(app, endpoint)
    if rule.device:
        return DEVICE
    if rule.public:
        return ANONYMOUS
    # the longest matching prefix first: "sales.sign_off" before "sales."
    owners = [role for prefix, role in sorted(OWNERS.items(), key=lambda item: -len(item[0]))
              if endpoint.startswith(prefix)]
    for role in (*owners, Role.AGENT, Role.SUPERVISOR, Role.STAFF, Role.SALES,
                 Role.ADMIN):
        if rule.admits_user(world.users[role.value]):
            return role.value
    raise AssertionError(f"nobody may use {endpoint}")


def endpoint_of(app: Flask, url: str, method: str = "GET") -> str | None:
    try:
        return app.url_map.bind("localhost").match(urlsplit(url).path, method=method)[0]
    except (HTTPException, RequestRedirect):
        return None


def route_urls(app: Flask, values: dict, method: str = "GET", blueprint: str | None = None) -> list[str]:
    """One URL per route answering ``method`` (of one blueprint, if given)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint in NOT_CRAWLED:
            continue
        if blueprint is None or rule.endpoint.partition(".")[0] == blueprint:
            urls.append(url_for_rule(rule, values))
    return urls


def crawl(app: Flask, client, values: dict, *, follow: int = 60, fragments: bool = True) -> list[tuple]:
    """(url, response) for every GET route, its htmx fragment, and up to ``follow`` pages they link to."""
    start = route_urls(app, values)
    queue, seen, visited, queued = deque(start), set(), [], 0
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        visited.append((url, response))
        if fragments and url in start:
            visited.append((url, client.get_htmx(url)))
        if response.mimetype != "text/html":
            continue
        for link in read_page(response.get_data(as_text=True)).urls:
            link = link.split("#")[0]
            if (queued < follow and link.startswith("/") and not link.startswith("//") and link not in seen
                    and endpoint_of(app, link) not in (None, *NOT_CRAWLED)):
                queue.append(link)
                queued += 1
    return visited


def forms_posting_to(app: Flask, client, values: dict, endpoint: str, url: str) -> list[Form]:
    """The forms posting to ``endpoint`` on the pages of its blueprint, one posting to ``url`` first.

    Pages nearest to ``url`` are read first (``/hotline/calls/1`` for ``/hotline/calls/1/record``), and
    the search stops at the first form posting to ``url`` itself.
    """
    pages = route_urls(app, values, blueprint=endpoint.partition(".")[0])
    pages.sort(key=lambda page: -len(os.path.commonprefix([page, url])))
    found = []
    for page in pages:
        response = client.get(page)
        if response.mimetype == "text/html":
            found += [f for f in read_page(response.get_data(as_text=True)).forms
                      if f.method == "post" and endpoint_of(app, f.action or page, "POST") == endpoint]
        if any(f.action == url for f in found):
            break
    return sorted(found, key=lambda f: f.action != url)


@cache
def _snapshot_queries() -> tuple[tuple[str, str], ...]:
    """One SELECT per table, every column but the tablets' last-seen time (a read may move it)."""
    queries = []
    for table in db.metadata.sorted_tables:
        if table.name in ("login_attempts", "cti_refusals"):  # a refused login or event is counted, by design
            continue
        columns = ", ".join(f'"{c.name}"' for c in table.columns
                            if (table.name, c.name) != ("kiosk_devices", "last_seen"))
        order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
        queries.append((table.name, f'SELECT {columns} FROM "{table.name}" ORDER BY {order}'))
    return tuple(queries)


def snapshot() -> dict[str, list]:
    """Every stored row, table by table (what the requests committed, not an old snapshot)."""
    db.session.rollback()
    connection = db.session.connection()
    rows = {name: connection.exec_driver_sql(sql).all() for name, sql in _snapshot_queries()}
    db.session.rollback()
    return rows
