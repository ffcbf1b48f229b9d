"""The front-desk screen on a sales-office tablet (制度2 第1条) and sales calls to the last in rotation
(制度1 第38条), through the web client."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from kiosk.domain.rotation import OnLeave
from kiosk.extensions import db
from kiosk.models.rotation import RotationEvent
from kiosk.models.visits import KioskDevice
from kiosk.services import devices, rotation
from kiosk.services.rotation import DEFAULT_OFFICE as OFFICE
from kiosk.services.rotation import sid

TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def ten_oclock(monkeypatch):
    monkeypatch.setattr("kiosk.blueprints.rotation.utcnow", lambda: TEN)


@pytest.fixture
def team(make_user):
    """Four salespeople: 王敏 一接, 张伟 二接, 杨帆 三接, 刘洋 fourth (not at the front desk)."""
    return [make_user("sales", display_name=name) for name in ("王敏", "张伟", "杨帆", "刘洋")]


def events() -> list[RotationEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(RotationEvent).order_by(RotationEvent.seq)))


# --- the front-desk screen on a tablet --------------------------------------------------------------


def test_a_sales_office_tablet_shows_first_second_third_up_without_staff_login(paired_client, team):
    tablet = paired_client("sales_office")
    page = tablet.get("/rotation/front-desk")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "front-desk-screen" in html and 'class="menu"' not in html
    positions = [html.index(text) for text in ("一接", "王敏", "二接", "张伟", "三接", "杨帆")]
    assert positions == sorted(positions)
    assert "刘洋" in html  # the last in rotation, who answers sales calls
    fragment = tablet.get_htmx("/rotation/front-desk")
    assert "<html" not in fragment.get_data(as_text=True)
    etag = fragment.headers["ETag"]
    assert tablet.get_htmx("/rotation/front-desk", headers={"If-None-Match": etag}).status_code == 304
    rotation.receive_customer(OFFICE, "visit-1", now=TEN)
    moved = tablet.get_htmx("/rotation/front-desk", headers={"If-None-Match": etag})
    text = moved.get_data(as_text=True)
    assert moved.status_code == 200 and text.index("张伟") < text.index("杨帆") < text.index("刘洋")


@pytest.mark.parametrize("place", ["service_centre", "model_home"])
def test_tablets_elsewhere_are_sent_to_the_login_page(paired_client, team, place):
    response = paired_client(place).get("/rotation/front-desk")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_revoked_sales_office_tablet_loses_the_screen(paired_client, team):
    tablet = paired_client("sales_office")
    assert tablet.get("/rotation/front-desk").status_code == 200
    devices.revoke(db.session.get(KioskDevice, tablet.device_id))
    assert tablet.get("/rotation/front-desk").status_code == 302


def test_the_tablet_sees_no_other_rotation_page(paired_client, team):
    tablet = paired_client("sales_office")
    for url in ("/rotation/", "/rotation/live", "/rotation/report"):
        assert tablet.get(url).status_code == 302


# --- 制度1 第38条: sales calls to the last in rotation ------------------------------------------------


def test_the_page_names_who_answers_a_sales_call(client, login_as, team):
    login_as("supervisor")
    html = client.get("/rotation/").get_data(as_text=True)
    assert "销售电话由末位接听" in html and "制度1 第38条" in html
    assert 'class="call-answerer">刘洋<' in html and 'action="/rotation/sales-call"' in html


def test_a_supervisor_logs_a_sales_call_and_the_last_in_rotation_takes_it(client, login_as, team):
    boss = login_as("supervisor")
    response = client.post_form("/rotation/sales-call")
    assert response.status_code == 303
    [event] = events()
    assert (event.type, event.actor_id) == ("SalesCall", boss.id)
    page = client.get("/rotation/").get_data(as_text=True)
    assert "销售电话由末位 刘洋 接听。（制度1 第38条）" in page  # the flash
    state = rotation.current_state(OFFICE, DAY).state
    assert state.calls[-1].answerer == sid(team[3].id)
    assert state.queue == tuple(sid(u.id) for u in team)  # nobody moves


@pytest.mark.parametrize("position", [0, 1, 2])
def test_salespeople_at_the_front_desk_log_calls(client, auth, team, position):
    auth.login(team[position].username)
    assert 'action="/rotation/sales-call"' in client.get("/rotation/").get_data(as_text=True)
    assert client.post_form("/rotation/sales-call", htmx=True).headers["HX-Redirect"] == "/rotation/"
    assert [e.type for e in events()] == ["SalesCall"]


@pytest.mark.parametrize("htmx", [False, True])
def test_a_salesperson_away_from_the_front_desk_is_told_why_not(client, auth, team, htmx):
    auth.login(team[3].username)
    assert 'action="/rotation/sales-call"' not in client.get("/rotation/").get_data(as_text=True)
    response = client.post_form("/rotation/sales-call", htmx=htmx)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "只有前台（一接至三接）" in html
    assert ("<html" in html) is not htmx
    assert events() == []


def test_with_nobody_on_the_floor_the_call_is_refused_with_the_article(client, login_as, team):
    login_as("supervisor")
    for person in team:
        rotation.record(OFFICE, OnLeave(rotation.local(TEN), sid(person.id)), actor=None, now=TEN)
    response = client.post_form("/rotation/sales-call", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "现场无人可接听销售电话" in html
    assert html.lstrip().startswith('<section id="rotation_live"')
    assert [e.type for e in events()] == ["OnLeave"] * 4
