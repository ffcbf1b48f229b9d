"""Bad input at every door: no 5xx, every refusal readable, nothing stored from a refused request.

Hypothesis drives every POST route of ``app.url_map`` (found at collection, so routes added later are
driven too) through the test client, as somebody its access rule lets in: the fields of the form that
posts there (read from the pages of its blueprint), each missing, repeated or replaced by arbitrary
text, huge values, numbers where text belongs and markup; a valid CSRF token or none or a forged one;
as a page or as htmx. The switchboard's endpoint gets arbitrary bodies, signed and unsigned. Then the
same requests with a wrong role, an expired session and a bad token; and markup stored through every
form must come back escaped on every page. ``KIOSK_FUZZ_EXAMPLES`` sets the examples per route.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from kiosk import create_app
from kiosk.access import rule_for_endpoint
from kiosk.domain.classify import VisitPurpose
from tests.crawl_support import (
    ANONYMOUS,
    DEVICE,
    IDENTITIES,
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


@pytest.fixture
def world(app, make_department, paired_client):
    return build_world(app, make_department, paired_client)


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


def readable(response, client) -> bool:
    """The refusal says why in words: Chinese, or English for somebody who chose English."""
    body = response.get_data(as_text=True)
    with client.session_transaction() as session:
        english = session.get("lang") == "en"
    return bool(CJK.search(body) or (english and re.search(r"[A-Za-z]{4,} [a-z]{2,}", body)))


def assert_refused_cleanly(response, before, client, who: str = "") -> None:
    """A refusal says why in words (or sends the person to sign in) and leaves every row as it was."""
    status = response.status_code
    assert status < 500, (who, response.get_data(as_text=True)[:500])
    if status >= 400 or goes_to_login(response):
        assert goes_to_login(response) or readable(response, client), (who, status)
        assert snapshot() == before, f"{who}: a refused request ({status}) changed stored rows"


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


@pytest.mark.parametrize("rule", FORM_RULES, ids=lambda r: f"{r.endpoint}:{r.rule}")
def test_every_post_route_refuses_bad_requests_cleanly(app, world, rule):
    """Its own form, untouched, from the wrong people, an expired session or without a valid token; then
    hypothesis's arbitrary fields from somebody it lets in."""
    url = url_for_rule(rule, world.values)
    access = rule_for_endpoint(app, rule.endpoint)
    right = identity_for(app, world, rule.endpoint)
    client = client_for(app, world, right)
    forms = forms_posting_to(app, client, world.values, rule.endpoint, url)
    form = forms[0].defaults() if forms else []
    untouched = [(name, value) for name, value in form if name != "csrf_token"]
    forged = app.test_client().csrf_token()  # valid for another session, not this one

    attempts = [(who, client_for(app, world, who)) for who in IDENTITIES if not lets_in(access, world, who)]
    if not (access.device or access.public):
        expired = client_for(app, world, right)
        with expired.session_transaction() as session:
            session["seen_at"] = 0  # idle far longer than the timeout
        attempts.append(("expired session", expired))
    for who, other in attempts:
        before = snapshot()
        response = other.post(url, data=MultiDict([("csrf_token", other.csrf_token()), *untouched]))
        assert response.status_code >= 400 or goes_to_login(response), (who, response.status_code)
        assert_refused_cleanly(response, before, other, who)
    for who, token in (("forged token", [forged]), ("no token", [])):
        before = snapshot()
        response = client.post(url, data=MultiDict([("csrf_token", t) for t in token] + untouched))
        assert response.status_code == 403, (who, response.status_code)
        assert_refused_cleanly(response, before, client, who)

    @FUZZ
    @given(pairs=payloads(forms[0].fields if forms else {}),
           token=st.sampled_from(["valid"] * 4 + ["missing", "forged", "garbage"]), htmx=st.booleans())
    def post(pairs, token, htmx):
        tokens = {"valid": [client.csrf_token()], "missing": [], "forged": [forged], "garbage": ["x" * 40]}
        data = MultiDict([("csrf_token", t) for t in tokens[token]] + pairs)
        before = snapshot()
        response = client.post(url, data=data, headers={"HX-Request": "true"} if htmx else {})
        assert_refused_cleanly(response, before, client, right)
        assert_no_raw_markup(response)

    post()


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


STORES_NOTHING_TO_SHOW = ("logout", "delete", "revoke")


def test_markup_stored_through_any_form_comes_back_escaped(app, world):
    shown_escaped = 0
    for rule in FORM_RULES:
        if any(word in rule.endpoint for word in STORES_NOTHING_TO_SHOW):
            continue
        identity = identity_for(app, world, rule.endpoint)
        client = client_for(app, world, identity)
        url = url_for_rule(rule, world.values)
        for form in forms_posting_to(app, client, world.values, rule.endpoint, url)[:1]:
            text = set(form.text_fields())
            data = [(name, MARKUP if name in text else value) for name, value in form.defaults()]
            response = client.post(form.action or url, data=MultiDict(data))
            assert response.status_code < 500
            assert_no_raw_markup(response)
    add_pbx()
    post_event(app.test_client(), {"event": "ringing", "call_id": MARKUP, "from": MARKUP[:20],
                                   "timestamp": "2026-11-23T01:00:00+00:00", "extension": MARKUP[:20]})
    for identity in IDENTITIES:
        for _url, response in crawl(app, client_for(app, world, identity), world.values, follow=10,
                                   fragments=False):
            assert_no_raw_markup(response)
            if response.mimetype == "text/html":  # not the XLSX downloads or the photos
                shown_escaped += response.get_data(as_text=True).count("&lt;svg onload")
    assert shown_escaped > 0, "no stored markup was shown at all: the test proves nothing"
