"""Helpers for the buyer-pipeline tests: a sales team, units for sale, and a file walked to a step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.clock import local
from kiosk.database import begin_write
from kiosk.domain.classify import VisitPurpose
from kiosk.domain.sales_pipeline import PipelineStep
from kiosk.extensions import db
from kiosk.models.people import Department, User
from kiosk.models.property import Building, Project, Unit
from kiosk.models.sales import BuyerFile
from kiosk.models.visits import Visit
from kiosk.services import rotation, sales

S = PipelineStep


@dataclass
class Team:
    sales_department: Department
    finance_department: Department
    salesperson: User
    colleague: User
    manager: User  # the sales supervisor: the project manager of the team's files
    cashier: User  # finance


def make_team(make_user, make_department) -> Team:
    sales_department = make_department("sales", "销售部")
    finance_department = make_department("finance", "财务部")
    return Team(
        sales_department=sales_department,
        finance_department=finance_department,
        salesperson=make_user("sales", display_name="王敏", department=sales_department),
        colleague=make_user("sales", display_name="张伟", department=sales_department),
        manager=make_user("supervisor", "sales", display_name="何军", department=sales_department),
        cashier=make_user("staff", display_name="钱会计", department=finance_department),
    )


def make_units(n: int = 4, project: str = "云著") -> list[Unit]:
    begin_write()
    site = Project(name=project, address="梅溪湖")
    building = Building(project=site, name="5栋")
    units = [Unit(building=building, number=f"{1200 + i + 1}") for i in range(n)]
    db.session.add_all([site, building, *units])
    db.session.commit()
    return units


def fresh_file(file_id: int) -> BuyerFile:
    db.session.rollback()  # end the test's own read snapshot to see what the requests wrote
    return db.session.get(BuyerFile, file_id)


def walk(file: BuyerFile, to: PipelineStep, team: Team, unit: Unit, now: datetime, *,
         due_in_days: int = 10, appointment_in_days: int = 10) -> BuyerFile:
    """Take ``file`` through the service verbs up to and including ``to`` (as the salesperson, at ``now``)."""
    today = local(now).date()
    common = {"actor": team.salesperson, "now": now}
    order = [S.DEPOSIT, S.SUBSCRIPTION, S.DOWN_PAYMENT, S.PURCHASE_CONTRACT, S.MORTGAGE, S.HANDOVER]
    for step in order[: order.index(to) + 1]:
        version = fresh_file(file.id).version
        if step is S.DEPOSIT:
            sales.record_deposit(file.id, version, sales.Deposit(
                unit=unit, amount=20000, receipt_no="SJ-001", collected_by=team.cashier,
                second_person=team.salesperson, checked_with=team.manager, received_on=today), **common)
        elif step is S.SUBSCRIPTION:
            sales.sign_subscription(file.id, version, sales.Subscription(
                unit=unit, document_no="RG-001", signed_on=today, signed_by_agent=False, agent_name="",
                notarised=False, id_copy_kept=True, reviewed_by=team.manager,
                down_payment_due_on=today + timedelta(days=due_in_days), down_payment_amount=350000),
                **common)
        elif step is S.DOWN_PAYMENT:
            sales.record_down_payment(file.id, version, paid_on=today, amount=350000, receipt_no="SQ-001",
                                      **common)
        elif step is S.PURCHASE_CONTRACT:
            sales.sign_contract(file.id, version, contract_no="HT-001", signed_on=today,
                                documents_checked=True, paid_by_other=False, statement_kept=False, **common)
        elif step is S.MORTGAGE:
            appointment = today + timedelta(days=appointment_in_days)
            sales.arrange_mortgage(file.id, version, appointment_on=appointment, place="建设银行岳麓支行",
                                   documents=["身份证", "户口本"], **common)
        else:
            sales.hand_over(file.id, version, handed_over_on=today, congratulated=True, note="", **common)
    return fresh_file(file.id)


def new_file(team: Team, now: datetime, name: str = "周海", salesperson: User | None = None) -> BuyerFile:
    return sales.register(salesperson=salesperson or team.salesperson, customer_name=name,
                          mobile="13512345678", group_id=None, now=now)


def received_group(now: datetime) -> tuple[str, rotation.Reception]:
    """Buyer 周海 (two people) signed in at the sales office and received through the rotation at ``now``:
    the group's id and who received it."""
    visit = Visit(place="sales_office", purpose=VisitPurpose.VIEWING.value, name="周海", mobile="13512345678",
                  party_size=2, badge_code="ABC234", signed_in_at=now, anonymised=False,
                  waiting_for_salesperson=True)
    db.session.add(visit)
    db.session.commit()
    group = f"visit-{visit.id}"
    return group, rotation.receive_customer(rotation.DEFAULT_OFFICE, group, now=now)
