"""A populated world for the tests that walk every route, and a crawler.

The world has a row behind every URL argument (the access table's ``sample_values`` plus a visit, an
incident, a watch-list entry, a callback), somebody in every role, and personal data with known values,
so a test can look for them in pages, links and logs. The crawler opens, as one person, every GET route
and the pages those link to, as a browser would. Routes added later are walked without more work: they
come from ``app.url_map``, and their URL arguments from ``sample_values`` (which the access test makes
every new route fill in).
"""

from __future__ import annotations

import os
import time
from collections import deque
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from kiosk.access import rule_for_endpoint
from kiosk.clock import utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.people import Role, User
from kiosk.models.visits import WatchPerson
from tests.html_support import Form, read_page
from tests.kiosk_support import sign_in
from tests.web.hotline_support import add_owner
from tests.web.slips import quick_user
from tests.web.test_access import sample_values, url_for_rule

VISITOR_MOBILE = "13712340001"  # signed in at the kiosk
CALLER_MOBILE = "18612340002"  # rang the hotline; its slip went to engineering
OWNER_MOBILE = "13912340003"  # an owner's profile
WATCH_MOBILE = "13312340004"  # on the watch list
ID_NUMBER = "11010519491231002X"  # a valid resident ID number, in a caller's notes

ANONYMOUS, DEVICE = "anonymous", "device"
STAFF_ELSEWHERE = "staff_elsewhere"  # department staff, but not of the slip's department
IDENTITIES = [ANONYMOUS, DEVICE, *(r.value for r in Role), STAFF_ELSEWHERE]
#: Never opened by a crawl: the static files, a language switch (the tests read Chinese), signing out.
NOT_CRAWLED = {"static", "main.set_language", "auth.logout"}


@dataclass
class World:
    values: dict
    users: dict
    tablet: object  # the paired kiosk test client


def _person(username: str, role: str, department=None) -> User:
    return quick_user(role, username=username, display_name=f"{username}员工", department=department)


def build_world(app: Flask, make_department, paired_client) -> World:
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
    }
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
    return World(values, users, tablet)


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


def client_for(app: Flask, world: World, identity: str):
    """A test client as this person: signed in (staff), the paired tablet, or nobody.

    Staff are signed in by writing the session a login writes (the login itself is tested in
    test_auth.py): checking a password costs a tenth of a second, and these tests sign in hundreds of times.
    """
    if identity == DEVICE:
        return world.tablet
    client = app.test_client()
    if identity != ANONYMOUS:
        user = db.session.get(User, world.users[identity].id)
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
            session["login_at"] = session["seen_at"] = int(time.time())
    return client


def identity_for(app: Flask, world: World, endpoint: str) -> str:
    """Somebody the route's access rule lets in: the sample slip's owner if possible (an agent, a party
    to the slips), else a supervisor, staff, sales, the admin; the tablet or nobody for device and
    public routes."""
    rule = rule_for_endpoint(app, endpoint)
    if rule.device:
        return DEVICE
    if rule.public:
        return ANONYMOUS
    for role in (Role.AGENT, Role.SUPERVISOR, Role.STAFF, Role.SALES, Role.ADMIN):
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
        if table.name == "login_attempts":  # a refused login is counted, by design
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
