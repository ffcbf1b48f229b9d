"""Routing alerts reads the admins' switches (``message_routes``) once per transaction; a switch an admin
saves, in this worker or another, counts from the next transaction on."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.clock import utcnow
from kiosk.database import unit_of_work
from kiosk.domain.messaging import ROUTED_CHANNELS, ROUTES, Channel
from kiosk.extensions import db
from kiosk.models.messaging import OutboxMessage
from kiosk.services import delivery
from kiosk.services.notifications import notify
from tests.conftest import make_app
from tests.support import statements_sent

KIND = "slip_dispatched"  # its default route: the department's WeCom group and the WeCom app


def routing_reads():
    return statements_sent(db.engine, lambda statement: "message_routes" in statement
                           and statement.lstrip().upper().startswith("SELECT"))


def _alert(department, title: str = "派单") -> None:
    notify(kind=KIND, title=title, now=utcnow(), department=department, link="/tasks/1")


def _group_messages() -> int:
    db.session.rollback()
    return len(db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "wecom_group")).all())


def _all_switched_on_but(off: tuple[str, str]) -> set[tuple[str, str]]:
    return {(kind, channel.value) for kind in ROUTES for channel in ROUTED_CHANNELS} - {off}


def test_an_event_telling_several_departments_reads_the_routing_table_once(app, channels, make_department):
    departments = [make_department() for _ in range(3)]
    with routing_reads() as seen, unit_of_work():
        for department in departments:
            _alert(department)
    assert len(seen) == 1
    with routing_reads() as seen, unit_of_work():
        _alert(departments[0])
    assert len(seen) == 1  # the next transaction reads them again


def test_a_switch_saved_by_another_worker_counts_from_the_next_transaction(
    app, channels, make_department, database_url
):
    department = make_department("service_centre", "客服中心")
    delivery.set_group(department.id, "kf-robot")
    with unit_of_work():
        _alert(department, "一")
    assert _group_messages() == 1
    other = make_app(database_url, **{k: app.config[k] for k in (
        "WECOM_API_URL", "WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET")})
    with other.app_context():
        delivery.set_routes(_all_switched_on_but((KIND, Channel.WECOM_GROUP.value)))
        db.session.remove()
    with unit_of_work():
        _alert(department, "二")
    assert _group_messages() == 1  # the group was switched off before this alert
    with other.app_context():
        delivery.set_routes(_all_switched_on_but(("none", "none")))
        db.session.remove()
        db.engine.dispose()
    with unit_of_work():
        _alert(department, "三")
    assert _group_messages() == 2
