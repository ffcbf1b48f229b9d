"""What the web app asks of the switch stays single under concurrency: a double tap on a callback's dial
button starts one call and one request, and two copies of a connector carry out each request once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.calls import Call, SwitchRequest
from kiosk.services import hotline, switch
from tests.support import in_threads
from tests.web.slips import bring_to, make_cast, pending_callback


@pytest.fixture
def cast(app, make_department):
    cast = make_cast(make_department)
    cast.owner.extension = "8101"
    db.session.commit()
    switch.connector_connected("asterisk-1", "10.0.0.5:5038", utcnow(), reconnect=False)
    return cast


def test_five_taps_on_a_callbacks_dial_button_at_once_start_one_call_and_one_request(app, cast):
    callback = pending_callback(bring_to(cast, "resolved").id)
    agent_id, callback_id = cast.owner.id, callback.id

    def tap(_n):
        from kiosk.models.people import User

        return hotline.dial(db.session.get(User, agent_id), utcnow(), callback_id=callback_id).id

    assert len(set(in_threads(app, tap, 5))) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count(Call.id))) == 1
    assert db.session.scalar(select(func.count(SwitchRequest.id))) == 1


def test_two_connectors_of_one_switch_carry_out_each_request_once(app, cast):
    now = utcnow()
    for number in ("13900001234", "13900005678", "13700001111"):
        hotline.dial(cast.owner, now, number=number)

    def claim(_n):
        claimed, _expired = switch.claim_requests("asterisk-1", utcnow())
        return [request.id for request in claimed]

    first, second = in_threads(app, claim, 2)
    assert sorted(first + second) == sorted(set(first + second)) and len(first + second) == 3
    db.session.rollback()
    assert set(db.session.scalars(select(SwitchRequest.status))) == {"sent"}


def test_a_request_the_switch_could_not_take_within_a_minute_expires_instead_of_ringing_late(app, cast):
    from datetime import timedelta

    call = hotline.dial(cast.owner, utcnow() - timedelta(seconds=61), number="13900001234")
    claimed, expired = switch.claim_requests("asterisk-1", utcnow())
    assert claimed == [] and [r.pbx_call_id for r in expired] == [call.pbx_call_id]
    db.session.rollback()
    assert db.session.scalar(select(SwitchRequest.status)) == "expired"
