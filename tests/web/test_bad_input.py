"""Bad input at every door: no 5xx, every refusal readable, nothing stored from a refused request.

Hypothesis drives every POST route of ``app.url_map`` (found at collection, so routes added later are
driven too) through the test client, as somebody its access rule lets in: the fields of the form that
posts there (read from the pages of its blueprint), each missing, repeated or replaced by arbitrary
text, huge values, numbers where text belongs and markup; a valid CSRF token or none or a forged one;
as a page or as htmx. A route reaching several forms (each step of a buyer's file) is driven through each.
The switchboard's endpoint gets arbitrary bodies, signed and unsigned. Then the same requests with a wrong
role, an expired session and a bad token; and markup stored through every form must come back escaped on
every page. ``KIOSK_FUZZ_EXAMPLES`` sets the examples per route.

A refusal is an error status, the login page, or a redirect that flashes why (``REFUSAL_FLASHES``): the
app answers so when the refusal is best read on the next page (a round somebody already did, a buyer's
step out of turn, a reminder already ticked, an invalid choice in a one-field form).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from kiosk import create_app
from kiosk.clock import local, utcnow
from kiosk.domain.classify import VisitPurpose
from kiosk.web.access import rule_for_endpoint
from tests.crawl_support import (
    ANONYMOUS,
    DEVICE,
    IDENTITIES,
    VARIANTS,
    build_world,
    client_for,
    crawl,
    forms_posting_to,
    identity_for,
    snapshot,
)
from tests.html_support import Field
from tests.kiosk_support import sign_in
from tests.web.hotline_support import add_pbx, post_event
from tests.web.test_access import REFUSES_UNSIGNED, url_for_rule

EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                derandomize=not os.environ.get("KIOSK_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
CJK = re.compile(r"[\u4e00-\u9fff]")
MARKUP = '"><svg onload=alert(1)>'
NASTY = [MARKUP, "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "\u3000", "\u202e", "{{ 7*7 }}",
         "%(x)s", "../../etc/passwd", "-1", "0", "1e309", "NaN", "99999999999999999999999", "2026-02-30",
         "2026-13-01T25:61", "true", "[]", " ", "\r\n"]
HUGE = ["9" * 5000, "长" * 20_000, "x" * 1_100_000]  # the last is over the 1 MB body limit

ROUTES_APP = create_app({"TESTING": True, "SECRET_KEY": "collect", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
POST_RULES = sorted((r for r in ROUTES_APP.url_map.iter_rules() if "POST" in r.methods),
                    key=lambda r: (r.endpoint, r.rule))
# Machines sign their requests instead of sending forms: they have a test of their own below.
FORM_RULES = [r for r in POST_RULES if r.endpoint not in REFUSES_UNSIGNED]
#: Each form: its route and, where the route reaches several, which one (``VARIANTS``).
FORMS = [(rule, variant) for rule in FORM_RULES for variant in VARIANTS.get(rule.endpoint, [None])]
#: Flash categories of a refusal. Read in the code: every ``flash(..., "warning")`` follows a refusal
#: that stored nothing (the service rolled back, or was never called), except the routes below;
#: what was stored is flashed "success" or "info".
REFUSAL_FLASHES = {"warning", "error"}
#: Routes whose warning tells what was done instead, so rows may change behind it.
WARNS_AFTER_DOING = {
    # nobody is on the rotation: the supervisors are told instead of the duty salesperson
    "model_home.call_salesperson",
}


def form_id(case) -> str:
    rule, variant = case
    return f"{rule.endpoint}:{rule.rule}" + (f":{variant}" if variant else "")


@pytest.fixture
def world(app, make_department, paired_client, monkeypatch):
    return build_world(app, make_department, paired_client, monkeypatch)


def values_for(field: Field | None):
    choices = [st.text(max_size=40), st.sampled_from(NASTY), st.sampled_from(HUGE), st.integers().map(str)]
    if field is not None:
        choices.insert(0, st.sampled_from(field.values or [""]))  # right values take it deeper
    return st.one_of(*choices)


def payloads(fields: dict[str, Field]):
    """Every field missing ([]), sent once or repeated, with right or wrong values; a few unknown ones."""
    named = {name: st.lists(values_for(f), max_size=3) for name, f in fields.items() if name != "csrf_token"}
    unknown = st.lists(st.tuples(st.text(min_size=1, max_size=12), values_for(None)), max_size=2)
    return st.tuples(st.fixed_dictionaries(named), unknown).map(
        lambda parts: [(name, v) for name, sent in parts[0].items() for v in sent] + parts[1])


def goes_to_login(response) -> bool:
    target = response.headers.get("Location", "") + response.headers.get("HX-Redirect", "")
    return response.status_code in (302, 303, 401) and "/auth/login" in target


def redirects(response) -> bool:
    return 300 <= response.status_code < 400 or "HX-Redirect" in response.headers


def readable(text: str, english: bool) -> bool:
    """The refusal says why in words: Chinese, or English for somebody who chose English."""
    return bool(CJK.search(text) or (english and re.search(r"[A-Za-z]{4,} [a-z]{2,}", text)))


def after(client) -> tuple[bool, list[tuple[str, str]]]:
    """Whether the person chose English, and the messages flashed for the next page (taken, as that page
    would take them, so each answer is judged by its own)."""
    with client.session_transaction() as session:
        return session.get("lang") == "en", session.pop("_flashes", [])


def refusal(response, client, endpoint: str) -> str | None:
    """Why this answer refuses the request (module docstring), or None when it does not."""
    english, flashes = after(client)
    if goes_to_login(response):
        return "login"
    if response.status_code >= 400:
        return "status" if readable(response.get_data(as_text=True), english) else "unreadable status"
    refused = [message for category, message in flashes if category in REFUSAL_FLASHES]
    if redirects(response) and refused and endpoint not in WARNS_AFTER_DOING:
        return "flash" if all(readable(message, english) for message in refused) else "unreadable flash"
    return None


def assert_refused_cleanly(response, before, client, who: str = "", endpoint: str = "") -> None:
    """A refusal says why in words (or sends the person to sign in) and leaves every row as it was."""
    status = response.status_code
    assert status < 500, (who, response.get_data(as_text=True)[:500])
    why = refusal(response, client, endpoint)
    if why is not None:
        assert why in ("login", "status", "flash"), (who, status, why)
        assert snapshot() == before, f"{who}: a refused request ({status}, {why}) changed stored rows"


def assert_no_raw_markup(response) -> None:
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        assert "<svg onload" not in body and "<script>alert" not in body


def lets_in(access, world, identity: str) -> bool:
    if access.public:
        return True
    if access.device:
        return identity == DEVICE
    return identity not in (ANONYMOUS, DEVICE) and access.admits_user(world.users[identity])


#: Text inputs that hold a checked value, not free text (a code, a number, a login): the filled-in form
#: sends what the page gave them.
NOT_FREE_TEXT = {
    "admin.user_edit": {"extension"},
    "admin.user_new": {"extension"},
    "auth.login": {"username"},
    "kiosk.appointment": {"code"},
    "kiosk.pair": {"code"},
    "kiosk.sign_out": {"code"},
    "kiosk.visit": {"party_size"},
}
#: Checked values a person types where the page leaves them empty (a new code or username, a name that
#: takes no symbols, hours that make sense); not free text either.
TYPED = {
    "admin.department_edit": {"code": "markup_test"},
    "admin.user_new": {"username": "markup_tester"},
    "kiosk.visit": {"name": "王先生"},
    "visitors.appointments": {"visitor_name": "李女士"},
    "visitors.watch_list": {"name": "孙某"},
    "visitors.device_list": {"opens_at": "08:00", "closes_at": "18:00"},
    "rotation.hours": {"hours-on_call_start": "12:00", "hours-on_call_end": "13:00"},
}
#: Check boxes a person ticks to be let through (a role, the confirmations of a buyer's steps).
TICKED = {
    "admin.user_new": {"roles"},
    "hotline.confirm": {"read_back"},
    "sales.take_step": {"subscription-id_copy_kept", "purchase_contract-documents_checked",
                        "handover-congratulated"},
}


def fill(form, endpoint: str, text: str, today) -> list[tuple[str, str]]:
    """The form filled in as a person would (``Form.filled``), ``text`` in its free-text fields."""
    return form.filled(text, today, validated=NOT_FREE_TEXT.get(endpoint, ()), typed=TYPED.get(endpoint, {}),
                       ticked=TICKED.get(endpoint, ()))


def free_text(form, endpoint: str) -> list[str]:
    return form.free_text_fields({*NOT_FREE_TEXT.get(endpoint, ()), *TYPED.get(endpoint, {})})


@pytest.mark.parametrize(("rule", "variant"), FORMS, ids=map(form_id, FORMS))
def test_every_post_route_refuses_bad_requests_cleanly(app, world, rule, variant):
    """Its own form, untouched, from the wrong people, an expired session or without a valid token; then
    from somebody it lets in: the form filled in as a person would (taken, or refused if the world cannot
    take it), the same again as htmx (what can be done once is now refused), and hypothesis's arbitrary
    fields."""
    values = world.values_for(rule.endpoint, variant)
    url = url_for_rule(rule, values)
    access = rule_for_endpoint(app, rule.endpoint)
    right = identity_for(app, world, rule.endpoint)
    client = client_for(app, world, right, rule.endpoint)
    forms = forms_posting_to(app, client, values, rule.endpoint, url)
    assert forms or not VARIANTS.get(rule.endpoint), "the world holds no row that shows this form"
    form = forms[0].defaults() if forms else []
    untouched = [(name, value) for name, value in form if name != "csrf_token"]
    forged = app.test_client().csrf_token()  # valid for another session, not this one

    attempts = [(who, client_for(app, world, who, rule.endpoint)) for who in IDENTITIES
                if not lets_in(access, world, who)]
    if access.device and world.tablet is not client:  # a model-home page, from the service centre's tablet
        attempts.append(("tablet elsewhere", world.tablet))
    if not (access.device or access.public):
        expired = client_for(app, world, right)
        with expired.session_transaction() as session:
            session["seen_at"] = 0  # idle far longer than the timeout
        attempts.append(("expired session", expired))
    for who, other in attempts:
        before = snapshot()
        response = other.post(url, data=MultiDict([("csrf_token", other.csrf_token()), *untouched]))
        assert response.status_code >= 400 or goes_to_login(response), (who, response.status_code)
        assert_refused_cleanly(response, before, other, who, rule.endpoint)
    if rule.endpoint.partition(".")[0] in TABLETS:
        refusals = [(who, [client.csrf_token()], headers) for who, headers in (
            ("another site", {"Sec-Fetch-Site": "cross-site"}), ("another origin", {"Origin": "https://x.example"}))]
    else:
        refusals = [("forged token", [forged], {}), ("no token", [], {})]
    for who, token, headers in refusals:
        before = snapshot()
        data = MultiDict([("csrf_token", t) for t in token] + untouched)
        response = client.post(url, data=data, headers=headers)
        assert response.status_code == 403, (who, response.status_code)
        assert_refused_cleanly(response, before, client, who, rule.endpoint)

    filled = [(name, value) for name, value in fill(forms[0], rule.endpoint, MARKUP, local(utcnow()).date())
              if name != "csrf_token"] if forms else []

    @FUZZ
    @example(pairs=filled, token="valid", htmx=False)
    @example(pairs=filled, token="valid", htmx=True)
    @given(pairs=payloads(forms[0].fields if forms else {}),
           token=st.sampled_from(["valid"] * 4 + ["missing", "forged", "garbage"]), htmx=st.booleans())
    def post(pairs, token, htmx):
        tokens = {"valid": [client.csrf_token()], "missing": [], "forged": [forged], "garbage": ["x" * 40]}
        data = MultiDict([("csrf_token", t) for t in tokens[token]] + pairs)
        before = snapshot()
        response = client.post(url, data=data, headers={"HX-Request": "true"} if htmx else {})
        assert_refused_cleanly(response, before, client, right, rule.endpoint)
        assert_no_raw_markup(response)

    post()


#: The tablets' blueprints: their POSTs are checked by where they come from, not by a token
#: (``kiosk.web.security.tablet_posts``).
TABLETS = ("kiosk", "model_home")

#: Blueprints whose every page and form the world reaches (build_world makes their rows for it).
REACHED = ("sales", "model_home", "model_homes")


def test_the_world_reaches_every_sales_and_model_home_page_and_form(app, world):
    """Their pages open, and each of their POST routes is driven through its own form at its own URL, for
    the person (or tablet) the tests above use: none of them is fuzzed or crawled as a 404."""
    missed = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] not in REACHED:
            continue
        client = client_for(app, world, identity_for(app, world, rule.endpoint), rule.endpoint)
        for variant in VARIANTS.get(rule.endpoint, [None]):
            values = world.values_for(rule.endpoint, variant)
            url = url_for_rule(rule, values)
            if "GET" in rule.methods and (status := client.get(url).status_code) != 200:
                missed.append((url, status))
            if "POST" in rule.methods and not any(
                    form.action == url for form in forms_posting_to(app, client, values, rule.endpoint, url)):
                missed.append((url, "no form"))
    assert missed == []


@pytest.mark.parametrize("number", ["²", "9" * 5000, "99999999999", "-1"])
def test_numbers_no_database_can_hold_are_refused_not_500(app, world, number):
    """Found by this suite: ``str.isdigit()`` admits "²" and 5000 digits, which ``int()`` or the
    database then refused with a 500 (a party size, a phrase, an owner, a version, a department)."""
    slip, call = world.values["slip_id"], world.values["call_id"]
    supervisor, agent = client_for(app, world, "supervisor"), client_for(app, world, "agent")
    reassign = {"reassign-version": "1", "reassign-department_id": "1", "reassign-note": "换人"}
    answers = [
        sign_in(world.tablet, VisitPurpose.REPAIR, party_size=number),
        agent.post_form(f"/hotline/calls/{call}/phrase", {"phrase_id": number}),
        agent.post_form(f"/hotline/calls/{call}/caller", {"owner_id": number}),
        agent.post_form("/notifications/read", {"id": number}),
        supervisor.get(f"/supervisor/?slip={number}"),
        supervisor.get(f"/tasks/?department={number}"),
        supervisor.post_form(f"/tasks/{slip}/reassign", {**reassign, "reassign-version": number}),
        supervisor.post_form(f"/tasks/{slip}/reassign", {**reassign, "reassign-department_id": number}),
    ]
    assert [(n, a.status_code) for n, a in enumerate(answers) if a.status_code >= 500] == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**12) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)
timestamps = (st.datetimes(timezones=st.sampled_from([UTC]) | st.timezones()).map(lambda d: d.isoformat())
              | st.sampled_from(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00",
                                 "2026-11-23T09:00"]))
events = st.fixed_dictionaries({}, optional={
    "event": st.sampled_from(["ringing", "answered", "hangup", "transfer", ""]) | json_values,
    "call_id": st.text(max_size=100) | json_values,
    "timestamp": timestamps | json_values,
    "from": st.sampled_from(["13812345678", MARKUP, ""]) | json_values,
    "to": st.text(max_size=40),
    "direction": st.sampled_from(["in", "out", "up"]) | json_values,
    "extension": st.text(max_size=25) | json_values,
})


def test_the_switchboard_door_survives_arbitrary_bodies(app, client):
    add_pbx()

    @FUZZ
    @given(body=events.map(lambda e: json.dumps(e).encode()) | st.binary(max_size=300)
           | json_values.map(lambda v: json.dumps(v).encode()),
           signing=st.sampled_from(["good", "good", "wrong secret", "unknown switchboard"]))
    def post(body, signing):
        before = snapshot()
        if signing == "good":
            response = post_event(client, body)
        else:
            response = post_event(client, body, **({"secret": "wrong"} if signing == "wrong secret"
                                                    else {"pbx": "nobody"}))
        assert response.status_code in (200, 400, 401), response.get_data(as_text=True)[:300]
        answer = response.get_json()
        if response.status_code != 200:
            assert answer["error"] and snapshot() == before

    post()


STORES_NOTHING_TO_SHOW = ("logout", "delete", "revoke", "set_language")
#: Forms with free text that the world's state refuses however they are filled in, and why.
REFUSED_WHEN_FILLED = {
    "register.add_phone:/register/people/<int:person_id>/phones": "markup in the number is no phone number",
    "register.add_unit:/register/people/<int:person_id>/units": "markup in the unit names no unit",
    "register.new_person:/register/people/new": "markup in the number or the unit names neither",
    "rotation.assist:/rotation/assist": "no customer group has been received today",
    "rotation.make_up:/rotation/make-up": "nobody missed a turn on company business",
    "rotation.reassign:/rotation/reassign": "no customer group has been received today",
    "tasks.callback_record:/tasks/callbacks/<int:callback_id>":
        "the world's callback is on a slip not yet resolved, so recording it is forbidden (403)",
    "messages.mine:/messages/mine": "an e-mail address and a WeCom account are checked: markup is neither",
    "messages.save_group:/admin/messages/groups": "a robot key is letters, digits and _ . @ -",
    "messages.save_template:/admin/messages/templates": "a template code is letters, digits and _ . @ -",
    "messages.send_test:/admin/messages/test": "the world has no provider set up: the test fails (422)",
}
#: Forms whose free text, once stored, no page shows back, and why.
SHOWS_NO_TEXT: dict[str, str] = {}
#: Forms no page of the world offers at its own URL, and why.
NOT_ON_A_PAGE = {
    "hotline.callback_result:/hotline/calls/<int:call_id>/callback":
        "on a call started for a callback only (the world's callback cannot be started yet)",
    "hotline.link_caller:/hotline/calls/<int:call_id>/caller": "in the caller search's results only",
    "hotline.dial:/hotline/dial": "its button shows only while a switch's connector is connected",
    "hotline.phrase:/hotline/calls/<int:call_id>/phrase":
        "its buttons post the record form there by formaction, which html_support does not follow",
    "register.prefer_phone:/register/people/<int:person_id>/phones/<int:number_id>/prefer":
        "on a file with a second number only",
    "visitors.case_study:/visitors/incidents/<int:incident_id>/case-study": "once the incident is closed",
    "visitors.file_report:/visitors/incidents/<int:incident_id>/report": "once the incident is closed",
    "messages.retry:/admin/messages/<int:message_id>/retry": "on a failed message only (the world has none)",
    "admin.switchboard_token:/admin/switchboards/token": "beside each switchboard (the world has none)",
}


def marker(n: int) -> str:
    """Markup numbered after its form, short enough for a 20-character field."""
    return f'"><svg onload=a{n}>'


def escaped(n: int) -> str:
    return f"&lt;svg onload=a{n}&gt;"


@dataclass
class Posted:
    free: list[str]  # the free-text fields, holding the marker
    refused: str | None  # why it was refused (``refusal``), or None: taken
    identity: str
    location: str | None  # where it sent the person


def post_filled(app, world, case, n: int, today) -> Posted | None:
    """The form of ``case`` filled in as a person would, the marker ``n`` in its free text (None: no page
    offers the form)."""
    rule, variant = case
    identity = identity_for(app, world, rule.endpoint)
    client = client_for(app, world, identity, rule.endpoint)
    values = world.values_for(rule.endpoint, variant)
    url = url_for_rule(rule, values)
    forms = forms_posting_to(app, client, values, rule.endpoint, url)[:1]
    if not forms:
        return None
    data = fill(forms[0], rule.endpoint, marker(n), today)
    response = client.post(forms[0].action or url, data=MultiDict(data))
    assert response.status_code < 500, (form_id(case), response.get_data(as_text=True)[:500])
    assert_no_raw_markup(response)
    return Posted(free_text(forms[0], rule.endpoint), refusal(response, client, rule.endpoint), identity,
                  response.headers.get("Location"))


def test_markup_stored_through_any_form_comes_back_escaped(app, world):
    """Markup typed into every free-text field of every form (each form its own, numbered), the rest filled
    in as a person would: each form takes it (or is listed, with why), and every page showing it back
    shows it escaped, on the page it sends the person to or any other."""
    today = local(utcnow()).date()
    cases = {form_id(case): (n, case) for n, case in enumerate(FORMS, start=100)
             if not any(word in case[0].endpoint for word in STORES_NOTHING_TO_SHOW)}
    posted: dict[str, Posted | None] = {}
    for _round in range(2):  # the second round: forms waiting for another (a call's outcome for its record)
        for name, (n, case) in cases.items():
            if name not in posted or posted[name] is None or posted[name].refused:
                posted[name] = post_filled(app, world, case, n, today)
    add_pbx()
    rang = post_event(app.test_client(), {"event": "ringing", "call_id": MARKUP, "from": MARKUP[:20],
                                          "timestamp": utcnow().isoformat(), "extension": MARKUP[:20]})
    assert rang.json["status"] == "stored"
    bodies = []
    for identity in IDENTITIES:
        for _url, response in crawl(app, client_for(app, world, identity), world.values, follow=10,
                                   fragments=False):
            assert_no_raw_markup(response)
            if response.mimetype == "text/html":  # not the XLSX downloads or the photos
                bodies.append(response.get_data(as_text=True))
    taken = {name: p for name, p in posted.items() if p is not None and p.free and p.refused is None}
    for name, p in taken.items():
        if p.location:
            response = client_for(app, world, p.identity, cases[name][1][0].endpoint).get(p.location)
            assert_no_raw_markup(response)
            bodies.append(response.get_data(as_text=True))
    everything = "\n".join(bodies)
    not_found = sorted(name for name, p in posted.items() if p is None)
    assert not_found == sorted(NOT_ON_A_PAGE), "forms no page offers (NOT_ON_A_PAGE)"
    refused = {name: p.refused for name, p in posted.items() if p and p.free and p.refused}
    assert refused == dict.fromkeys(REFUSED_WHEN_FILLED, "status"), "free text refused (REFUSED_WHEN_FILLED)"
    unseen = [name for name in taken if escaped(cases[name][0]) not in everything]
    assert sorted(unseen) == sorted(SHOWS_NO_TEXT), "free text taken but never shown back (SHOWS_NO_TEXT)"
    # What a switchboard sends reaches pages only as a caller's number; markup is no number, so the call
    # rings for everyone as an unknown number and the markup is stored nowhere.
    assert "&lt;svg onload=alert(" not in everything and "未知号码" in everything
