"""Two salespeople subscribing the same unit at the same moment (seed 000 篇3 第十三步 "即时销控、封贴
该房号"):
one subscription seals the unit, the other is told clearly who has it; a unit is never subscribed twice.

Threads with their own clients against the file (SQLite) or server (PostgreSQL) database.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Barrier

import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models.sales import BuyerFile, UnitLock
from kiosk.services import sales
from tests.sales_support import S, make_team, make_units, new_file, walk
from tests.support import field_error
from tests.web.slips import client_for

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ROUNDS = 4


@pytest.fixture
def team(make_user, make_department):
    return make_team(make_user, make_department)


def subscription(file, unit, manager) -> dict:
    return {
        "subscription-version": str(file.version), "subscription-unit_id": str(unit.id),
        "subscription-document_no": f"RG-{file.id}", "subscription-signed_on": "2026-11-23",
        "subscription-signer": "buyer", "subscription-id_copy_kept": "y",
        "subscription-reviewed_by": str(manager.id), "subscription-down_payment_due_on": "2026-11-30",
        "subscription-down_payment_amount": "350000",
    }


def test_two_salespeople_subscribing_the_same_unit_at_once_one_wins_the_other_is_told(app, team):
    units = make_units(ROUNDS)
    people = [team.salesperson, team.colleague]
    clients = [client_for(app, person) for person in people]
    for n, unit in enumerate(units):
        files = [walk(new_file(team, NOW, f"客户{n}{i}", salesperson=person), S.DEPOSIT, team, unit, NOW)
                 for i, person in enumerate(people)]
        forms = [subscription(file, unit, team.manager) for file in files]
        tokens = [client.csrf_token() for client in clients]
        barrier = Barrier(2)

        def sign(i, files=files, forms=forms, tokens=tokens, barrier=barrier):
            barrier.wait()
            response = clients[i].post(f"/sales/buyers/{files[i].id}/subscription",
                                       data={"csrf_token": tokens[i], **forms[i]})
            return response.status_code, response.get_data(as_text=True)

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(sign, range(2)))
        assert sorted(status for status, _ in results) == [303, 422], results
        winner = next(i for i, (status, _) in enumerate(results) if status == 303)
        loser_html = results[1 - winner][1]
        message = field_error(loser_html, "subscription-unit_id")
        # Each is the other's colleague: the refusal does not name the customer who won.
        assert "不能重复认购，请另选房号" in message and f"客户{n}{winner}" not in message
        db.session.rollback()
        assert db.session.get(UnitLock, unit.id).file_id == files[winner].id
        steps = [db.session.get(BuyerFile, f.id).step for f in files]
        assert steps[winner] == "subscription" and steps[1 - winner] == "deposit"
    assert db.session.scalar(select(func.count()).select_from(UnitLock)) == ROUNDS


def test_many_subscriptions_of_one_unit_through_the_service_seal_it_once(app, team, make_user):
    unit = make_units(1)[0]
    people = [make_user("sales", department=team.sales_department) for _ in range(6)]
    files = [walk(new_file(team, NOW, f"客户{i}", salesperson=p), S.DEPOSIT, team, unit, NOW)
             for i, p in enumerate(people)]
    ids = [(f.id, f.version) for f in files]
    barrier = Barrier(len(ids))

    def sign(pair) -> str:
        file_id, version = pair
        with app.app_context():
            try:
                actor = db.session.get(type(team.salesperson), team.salesperson.id)
                deal = sales.Subscription(
                    unit=db.session.get(type(unit), unit.id), document_no="RG", signed_on=NOW.date(),
                    signed_by_agent=False, agent_name="", notarised=False, id_copy_kept=True,
                    reviewed_by=db.session.get(type(team.manager), team.manager.id),
                    down_payment_due_on=NOW.date(), down_payment_amount=1)
                barrier.wait()
                sales.sign_subscription(file_id, version, deal, actor=actor, now=NOW)
                return "sealed"
            except sales.PipelineRefused as refused:
                assert "不能重复认购" in refused.message
                return "refused"
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        outcomes = list(pool.map(sign, ids))
    assert sorted(outcomes) == ["refused"] * (len(ids) - 1) + ["sealed"]
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(UnitLock)) == 1
