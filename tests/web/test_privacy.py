"""Personal data: never in a URL, never in a log line, unmasked only for those who need it, never cached.

OWASP ASVS 14.2.1 (no personal data in URLs), 14.2.6 (masking), 14.3.2 (no-store), 16.2.5 (log masking);
DOMAIN.md §1 (the kiosk never shows a full number back), seed 003 §2(9) (what callers say is not shown to
those who don't need it). Each person in turn opens every page they can reach (every GET route of
``app.url_map``, as page and as htmx fragment, and the pages those link to), in a world holding known
phone numbers.

One kind of link may hold a number: ``tel:``, for a salesperson's own customers (see ``DIALLED``).
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import text

from kiosk.clock import utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.masking import mask_phone
from kiosk.models.people import Role
from kiosk.web.access import rule_for_endpoint
from tests.crawl_support import (
    BUYER_MOBILE,
    CALLER_MOBILE,
    DEVICE,
    ENQUIRY_MOBILE,
    ID_NUMBER,
    IDENTITIES,
    OWNER_MOBILE,
    SALES_ELSEWHERE,
    STAFF_ELSEWHERE,
    VISITOR_MOBILE,
    WATCH_MOBILE,
    build_world,
    client_for,
    crawl,
    endpoint_of,
)
from tests.html_support import read_page, readable_text
from tests.kiosk_support import sign_in
from tests.web.hotline_support import add_pbx, event, post_event

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
NUMBER = re.compile(r"(?<!\d)1[3-9]\d(\d{4}|\*{4})\d{4}(?!\d)")  # full or masked (138****5678)
ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
PERSONAL_ARGUMENT = re.compile(r"mobile|phone|tel|id_?(card|no|number)|identity|ric", re.IGNORECASE)
URL_HEADERS = ("Location", "HX-Redirect", "HX-Location", "HX-Push-Url", "HX-Replace-Url", "Content-Location")

ADMIN, SUPERVISOR, AGENT, STAFF = Role.ADMIN.value, Role.SUPERVISOR.value, Role.AGENT.value, Role.STAFF.value
SALES = Role.SALES.value
#: Who may see each number in full (everyone else: masked or not at all).
FULL_NUMBER_SEEN_BY = {
    # the visitor log: supervisors and admins call visitors back (visitors.sees_full_numbers)
    VISITOR_MOBILE: {SUPERVISOR, ADMIN},
    # a caller: the hotline, and the staff of the department their slip went to (tasks.parties)
    CALLER_MOBILE: {AGENT, SUPERVISOR, ADMIN, STAFF},
    # an owner's profile: the hotline looks callers up by it
    OWNER_MOBILE: {AGENT, SUPERVISOR, ADMIN},
    # the watch list is kept by supervisors
    WATCH_MOBILE: {SUPERVISOR, ADMIN},
    # a buyer's file and a sales enquiry: the salesperson who keeps them phones the customer (reminders,
    # callbacks); the project manager, the admin and the other salespeople see them masked
    BUYER_MOBILE: {SALES},
    ENQUIRY_MOBILE: {SALES},
}
#: Numbers a page may put in a ``tel:`` link, for those who see them in full. A ``tel:`` link hands the
#: number to the phone's dialler: the browser never sends it to our server (no request, so no access log
#: line, Referer or history entry of ours), which is what "no personal data in a URL" guards against. It
#: shows the number in full, so it is allowed only where the full number is: the salesperson calling their
#: own customers from the day's list and the buyer files. Any other link holding a number fails the test.
DIALLED = {BUYER_MOBILE, ENQUIRY_MOBILE}


@pytest.fixture
def world(app, make_department, paired_client, monkeypatch):
    return build_world(app, make_department, paired_client, monkeypatch)


def test_no_route_takes_personal_data_in_its_path(app):
    arguments = {(rule.endpoint, arg) for rule in app.url_map.iter_rules() for arg in rule.arguments}
    assert [pair for pair in arguments if PERSONAL_ARGUMENT.search(pair[1])] == []


def _urls_of(response) -> list[str]:
    urls = [response.headers.get(name, "") for name in URL_HEADERS]
    if response.mimetype == "text/html":
        urls += read_page(response.get_data(as_text=True)).urls
    return [u for u in urls if u]


@pytest.mark.parametrize("identity", IDENTITIES)
def test_what_each_person_is_shown(app, world, identity):
    """Links, redirects and GET forms carry no number (but a salesperson's ``tel:`` links to their own
    customers); full numbers only for those who need them; no answer to a signed-in person or a tablet,
    nor any showing a number, is kept in a cache."""
    pages = crawl(app, client_for(app, world, identity), world.values)
    allowed = {number for number, seen_by in FULL_NUMBER_SEEN_BY.items() if identity in seen_by}
    in_urls, get_forms, shown, cached, dialled = [], [], set(), [], set()
    for url, response in pages:
        body = readable_text(response)
        for link in [url, *_urls_of(response)]:
            if link.startswith("tel:") and link.removeprefix("tel:") in DIALLED & allowed:
                dialled.add(link.removeprefix("tel:"))
            elif MOBILE.search(link) or ID_LIKE.search(link):
                in_urls.append((url, link))
        if response.mimetype == "text/html":
            for form in read_page(body).forms:
                if form.method == "get":
                    get_forms += [(url, name) for name in form.fields if PERSONAL_ARGUMENT.search(name)]
        shown |= {number for number in FULL_NUMBER_SEEN_BY if number in body}
        endpoint = endpoint_of(app, url)
        personal = identity in world.users or rule_for_endpoint(app, endpoint).device or NUMBER.search(body)
        if (personal and endpoint != "static" and response.status_code < 400
                and "no-store" not in response.headers.get("Cache-Control", "")):
            cached.append((url, response.status_code, response.headers.get("Cache-Control")))
    assert in_urls == [], "personal data in a URL"
    assert get_forms == [], "a GET form asks for personal data (it would land in the URL)"
    assert shown - allowed == set(), f"{identity} is shown numbers they need not see in full"
    assert cached == [], "answers a browser may keep"
    if identity == SALES:  # the salesperson can phone their customer and their caller with one tap
        assert dialled == DIALLED


def test_a_salesperson_sees_only_their_own_customers_numbers(app, world):
    """The colleague at the next desk opens the same pages: the files and the phone register are not
    theirs, so they see neither number, in full or masked, and not the file itself."""
    numbers = [BUYER_MOBILE, ENQUIRY_MOBILE, mask_phone(BUYER_MOBILE), mask_phone(ENQUIRY_MOBILE)]
    pages = ["/sales/today", "/sales/buyers", "/rotation/"]
    colleague, owner = client_for(app, world, SALES_ELSEWHERE), client_for(app, world, SALES)
    seen = {page: [n for n in numbers if n in readable_text(colleague.get(page))] for page in pages}
    assert seen == dict.fromkeys(pages, [])
    assert colleague.get(f"/sales/buyers/{world.values['file_id']}").status_code == 403
    assert all(number in readable_text(owner.get("/sales/today")) for number in numbers[:2])


def test_what_a_staff_member_of_the_department_sees_is_not_shown_to_another(app, world):
    """The caller's number reaches the staff of the slip's department, not those of another one."""
    pages = crawl(app, client_for(app, world, STAFF_ELSEWHERE), world.values, fragments=False)
    assert not any(CALLER_MOBILE in readable_text(response) for _url, response in pages)
    assert any(CALLER_MOBILE in readable_text(response)
               for _url, response in crawl(app, client_for(app, world, STAFF), world.values, fragments=False))


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}


def test_no_log_line_holds_a_number(app, world, caplog, monkeypatch):
    """Sign-ins, calls, searches, slips, a sales enquiry and a buyer's file, and errors whose database
    message quotes the refused row."""
    caplog.set_level(logging.DEBUG)
    agent = client_for(app, world, AGENT)
    supervisor = client_for(app, world, SUPERVISOR)
    tablet = world.tablet
    sign_in(tablet, VisitPurpose.REPAIR, mobile="13812340005")
    tablet.post_form("/kiosk/sign-out", {"code": "13812340005"})
    add_pbx()
    post_event(app.test_client(), event("ringing", "pbx-log", caller="13812340006", start=utcnow()))
    supervisor.post_form("/visitors/by-mobile", {"mobile": VISITOR_MOBILE})
    agent.post_form("/hotline/calls/start", {"caller_number": "13812340007"})
    agent.post_form("/tasks/new", {"category": "repair", "priority": "routine", "location": "3栋",
                                   "description": f"身份证 {ID_NUMBER}", "caller_phone": "13812340008"})
    salesperson = client_for(app, world, SALES)
    assert salesperson.post_form("/sales/calls", {"caller_name": "吴先生", "mobile": "13812340011",
                                                  "question": "还有两房吗"}).status_code == 303
    assert salesperson.post_form("/sales/buyers/new", {"customer_name": "吴先生",
                                                       "mobile": "13812340012"}).status_code == 303

    def refused_row(*_args, **_kwargs):  # PostgreSQL's message quotes the whole row it refused
        from kiosk.extensions import db

        db.session.execute(text("INSERT INTO departments (code, name, active) VALUES (:m, NULL, true)"),
                           {"m": "13812340010"})

    monkeypatch.setattr("kiosk.services.visits._tell_host", refused_row)  # in a complaint's transaction
    assert sign_in(tablet, VisitPurpose.COMPLAINT, relation="owner", mobile="13812340010").status_code == 500
    lines = [logging.Formatter().format(record) for record in caplog.records]
    assert any("unhandled error" in line for line in lines)  # the error was logged, masked
    assert [line for line in lines if MOBILE.search(line) or ID_NUMBER in line] == []


def test_the_tablets_never_show_a_number_back(app, world):
    """The service centre's tablet and the model home's, each on the pages its place opens."""
    pages = crawl(app, client_for(app, world, DEVICE), world.values, fragments=False)
    assert [url for url, response in pages if MOBILE.search(readable_text(response))] == []
    assert any(url.startswith("/model-home/rounds/") and response.status_code == 200
               for url, response in pages)
