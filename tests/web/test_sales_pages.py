"""Seed 000 篇3 through the web client: registering a group received through the rotation, each step of the
buyer pipeline with what it records, the reminders on the salesperson's today page, the missed-payment
report and the phone register."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.sales import BuyerReminder, BuyerStep, PhoneEnquiry, UnitLock
from kiosk.services import sales
from tests.sales_support import S, fresh_file, make_team, make_units, new_file, received_group, walk
from tests.support import OUT_OF_YEARS, field_error
from tests.web.slips import client_for

# Monday 23 November 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)


@pytest.fixture
def clock(monkeypatch):
    """The moment the views read; a test moves it with ``clock.set(...)``."""

    class Clock:
        now = NOW

        def set(self, moment):
            self.now = moment

    c = Clock()
    monkeypatch.setattr("kiosk.blueprints.sales.utcnow", lambda: c.now)
    return c


@pytest.fixture
def team(make_user, make_department):
    return make_team(make_user, make_department)


@pytest.fixture
def units(app):
    return make_units(4)


@pytest.fixture
def signed_in(client, auth, team, clock):
    auth.login(team.salesperson.username)
    return team


def count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---- registration (第十步) ----------------------------------------------------------------------------


def test_a_group_received_through_the_rotation_is_registered_with_the_visitors_name(client, signed_in):
    group, reception = received_group(NOW)
    assert reception.receiver.id == signed_in.salesperson.id  # first in the table

    page = client.get(f"/sales/buyers/new?group={group}").get_data(as_text=True)
    assert f'<option selected value="{group}">' in page and "周海" in page and 'value="13512345678"' in page

    response = client.post_form("/sales/buyers/new", {"group_id": group, "customer_name": "周海",
                                                      "mobile": "135 1234 5678"})
    assert response.status_code == 303
    file = fresh_file(int(response.headers["Location"].rsplit("/", 1)[1]))
    assert (file.group_id, file.customer_name, file.mobile, file.step) == (group, "周海", "13512345678",
                                                                             "registered")
    assert file.steps[0].recorded_by_id == signed_in.salesperson.id
    # The group is filed once: it no longer appears among the groups to register.
    assert group not in client.get("/sales/buyers/new").get_data(as_text=True)


def test_bad_registration_input_is_shown_beside_the_field_and_kept(client, signed_in):
    response = client.post_form("/sales/buyers/new", {"group_id": "", "customer_name": "",
                                                      "mobile": "12345"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" not in html and 'id="register_form"' in html
    assert field_error(html, "customer_name") == "此项必填。"
    assert field_error(html, "mobile") == "请填写有效的中国大陆手机号码（11 位）。"
    assert 'value="12345"' in html


# ---- the steps (第十二步–第十七步) --------------------------------------------------------------------


def deposit_data(team, unit, **extra):
    data = {"deposit-version": "1", "deposit-unit_id": str(unit.id), "deposit-amount": "20000",
            "deposit-receipt_no": "SJ-0012", "deposit-received_on": "2026-11-23",
            "deposit-collected_by": str(team.cashier.id), "deposit-second_person": str(team.salesperson.id),
            "deposit-checked_with": str(team.manager.id)}
    data.update(extra)
    return data


def subscription_data(team, file, unit, **extra):
    """A complete subscription form for ``file`` (signed by the buyer, reviewed by the manager);
    ``extra`` replaces fields by their bare names."""
    data = {"version": str(file.version), "unit_id": str(unit.id), "document_no": "RG-0007",
            "signed_on": "2026-11-23", "signer": "buyer", "id_copy_kept": "y",
            "reviewed_by": str(team.manager.id), "down_payment_due_on": "2026-11-30",
            "down_payment_amount": "350000"} | extra
    return {f"subscription-{name}": value for name, value in data.items()}


def test_each_step_records_who_when_and_the_amount_or_document(client, signed_in, units):
    team, unit = signed_in, units[0]
    file = new_file(team, NOW)
    url = f"/sales/buyers/{file.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="step_deposit"' in page and "定金一定由财务人员或项目经理" in page

    assert client.post_form(f"{url}/deposit", deposit_data(team, unit)).status_code == 303
    file = fresh_file(file.id)
    deposit = file.steps[-1]
    assert (file.step, file.unit_id) == ("deposit", unit.id)
    assert (deposit.amount, deposit.document_no, deposit.on_date) == (20000, "SJ-0012", TODAY)
    assert (deposit.collected_by_id, deposit.second_person_id, deposit.checked_by_id) == (
        team.cashier.id, team.salesperson.id, team.manager.id)
    assert deposit.recorded_by_id == team.salesperson.id and deposit.recorded_at == NOW

    response = client.post_form(f"{url}/subscription", subscription_data(team, file, unit))
    assert response.status_code == 303
    file = fresh_file(file.id)
    assert file.step == "subscription" and file.down_payment_due_on == date(2026, 11, 30)
    assert file.steps[-1].checked_by_id == team.manager.id and file.steps[-1].document_no == "RG-0007"
    assert db.session.get(UnitLock, unit.id).file_id == file.id  # sealed at once (第十三步 4))
    # Down payment due 30 Nov: reminders 5 and 2 days before (25 and 28 Nov, calendar days).
    assert [(r.days_before, r.remind_on) for r in sales.reminders_of(file)] == [
        (5, date(2026, 11, 25)), (2, date(2026, 11, 28))]

    assert client.post_form(f"{url}/down_payment", {
        "down_payment-version": str(file.version), "down_payment-paid_on": "2026-11-28",
        "down_payment-amount": "350000", "down_payment-receipt_no": "SQ-1"}).status_code == 303
    file = fresh_file(file.id)
    assert file.step == "down_payment" and file.steps[-1].on_date == date(2026, 11, 28)
    assert file.payment_reported_at is None  # paid on time

    assert client.post_form(f"{url}/purchase_contract", {
        "purchase_contract-version": str(file.version), "purchase_contract-contract_no": "HT-88",
        "purchase_contract-signed_on": "2026-12-01", "purchase_contract-documents_checked": "y"}
    ).status_code == 303
    file = fresh_file(file.id)
    assert file.step == "purchase_contract" and file.steps[-1].document_no == "HT-88"
    page = client.get(url).get_data(as_text=True)
    assert 'id="step_mortgage"' in page and 'id="step_handover"' in page  # a full payer may skip 按揭

    assert client.post_form(f"{url}/mortgage", {
        "mortgage-version": str(file.version), "mortgage-appointment_on": "2026-12-10",
        "mortgage-place": "建设银行岳麓支行", "mortgage-documents": "身份证\n户口本\n\n收入证明",
    }).status_code == 303
    file = fresh_file(file.id)
    assert file.steps[-1].details == {"place": "建设银行岳麓支行",
                                      "documents": ["身份证", "户口本", "收入证明"]}
    mortgage = [(r.days_before, r.remind_on) for r in sales.reminders_of(file) if r.step == "mortgage"]
    assert mortgage == [(7, date(2026, 12, 3)), (3, date(2026, 12, 7)), (1, date(2026, 12, 9))]

    assert client.post_form(f"{url}/handover", {
        "handover-version": str(file.version), "handover-handed_over_on": "2027-03-01",
        "handover-congratulated": "y"}).status_code == 303
    file = fresh_file(file.id)
    assert file.step == "handover" and [s.step for s in file.steps] == [s.value for s in S]
    page = client.get(url).get_data(as_text=True)
    assert "已入伙" in page and "建设银行岳麓支行" in page and "钱会计" in page and "SJ-0012" in page


def test_a_deposit_needs_finance_or_the_project_manager_and_a_second_person(client, signed_in, units):
    team = signed_in
    file = new_file(team, NOW)
    data = deposit_data(team, units[0], **{"deposit-collected_by": str(team.salesperson.id),
                                           "deposit-second_person": str(team.salesperson.id),
                                           "deposit-amount": "", "deposit-receipt_no": "SJ-77"})
    response = client.post_form(f"/sales/buyers/{file.id}/deposit", data, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<form id="step_deposit"')
    assert field_error(html, "deposit-collected_by") == "请选择收取定金的财务人员或项目经理。"
    assert field_error(html, "deposit-amount") == "请填写金额（元）。"
    assert 'value="SJ-77"' in html  # input kept
    assert fresh_file(file.id).step == "registered"

    same = deposit_data(team, units[0], **{"deposit-second_person": str(team.cashier.id)})
    html = client.post_form(f"/sales/buyers/{file.id}/deposit", same).get_data(as_text=True)
    assert field_error(html, "deposit-second_person") == "第二人不能与收取人是同一人。"


def test_the_collector_and_the_reviewer_sign_off_what_the_salesperson_recorded(client, auth, signed_in,
                                                                                units):
    """第十二步 / 第十三步: the salesperson names who took the deposit and who reviewed the subscription;
    those people confirm it in their own session, and nobody else can."""
    team = signed_in
    file = walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW)
    steps = {row.step: row for row in fresh_file(file.id).steps}
    deposit, subscription = steps["deposit"], steps["subscription"]
    assert deposit.confirmed_at is None and subscription.confirmed_at is None
    page = client.get(f"/sales/buyers/{file.id}").get_data(as_text=True)
    assert "待 钱会计 确认" in page and "待 何军 确认" in page
    asked = {n.user_id: n.title for n in db.session.scalars(
        select(Notification).where(Notification.kind == "sales_sign_off"))}
    assert "定金 20,000 元（收据 SJ-001）" in asked[team.cashier.id]
    assert "认购书 RG-001 的审核" in asked[team.manager.id]

    refused = client.post_form(f"/sales/sign-offs/{deposit.id}")  # the salesperson cannot sign for them
    assert refused.status_code == 303
    shown = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "只有登记中指定的收取人或审核人可以确认" in shown
    assert db.session.get(BuyerStep, deposit.id).confirmed_at is None

    auth.logout()
    auth.login(team.cashier.username)
    assert "待我确认的定金和认购书：1 项" in client.get("/workbench").get_data(as_text=True)
    listed = client.get("/sales/sign-offs").get_data(as_text=True)
    assert "周海" in listed and "20,000" in listed and "RG-001" not in listed  # only what names them
    assert client.post_form(f"/sales/sign-offs/{deposit.id}").status_code == 303
    assert client.post_form(f"/sales/sign-offs/{deposit.id}").status_code == 303  # twice: no change
    db.session.rollback()
    assert db.session.get(BuyerStep, deposit.id).confirmed_at == NOW
    assert "没有等待您确认的登记" in client.get("/sales/sign-offs").get_data(as_text=True)
    assert "待我确认" not in client.get("/workbench").get_data(as_text=True)
    told = db.session.scalars(select(Notification).where(Notification.user_id == team.salesperson.id,
                                                         Notification.kind == "sales_sign_off")).all()
    assert len(told) == 1 and "钱会计 已确认" in told[0].title


def test_a_project_manager_who_records_the_review_themselves_has_signed_it_off(app, team, units):
    file = walk(new_file(team, NOW), S.DEPOSIT, team, units[0], NOW)
    sales.sign_subscription(file.id, fresh_file(file.id).version, sales.Subscription(
        unit=units[0], document_no="RG-9", signed_on=TODAY, signed_by_agent=False, agent_name="",
        notarised=False, id_copy_kept=True, reviewed_by=team.manager,
        down_payment_due_on=TODAY + timedelta(10), down_payment_amount=1), actor=team.manager, now=NOW)
    assert fresh_file(file.id).steps[-1].confirmed_at == NOW


def test_the_service_refuses_a_deposit_a_salesperson_takes_alone(app, team, units):
    file = new_file(team, NOW)
    deposit = sales.Deposit(unit=units[0], amount=1, receipt_no="x", collected_by=team.colleague,
                            second_person=team.colleague, checked_with=team.colleague, received_on=TODAY)
    with pytest.raises(sales.PipelineRefused) as refused:
        sales.record_deposit(file.id, file.version, deposit, actor=team.salesperson, now=NOW)
    assert refused.value.message == "定金须由财务人员或项目经理(或其指定人员)收取；收取定金须有二人以上在场"


def test_a_subscription_needs_review_the_id_copy_and_a_notarised_agent(client, signed_in, units):
    team = signed_in
    file = walk(new_file(team, NOW), S.DEPOSIT, team, units[0], NOW)
    response = client.post_form(f"/sales/buyers/{file.id}/subscription", {
        "subscription-version": str(file.version), "subscription-unit_id": str(units[0].id),
        "subscription-document_no": "RG-1", "subscription-signed_on": "2026-11-23",
        "subscription-signer": "agent", "subscription-agent_name": "", "subscription-reviewed_by": "0",
        "subscription-down_payment_due_on": "2026-11-20", "subscription-down_payment_amount": "350000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "subscription-agent_name") == "请填写代理人姓名。"
    assert field_error(html, "subscription-notarised") == "代理人签署须有买方书面委托，且必须公证。"
    assert field_error(html, "subscription-id_copy_kept") == "须交留客户身份证复印件。"
    assert field_error(html, "subscription-reviewed_by") == "签完的认购书须经项目经理或指定人员审核。"
    assert field_error(html, "subscription-down_payment_due_on") == "交纳期限不能早于签署日期。"
    assert db.session.get(UnitLock, units[0].id) is None


def test_a_subscription_whose_payment_date_is_out_of_any_calendar_is_a_message_not_a_crash(client, signed_in,
                                                                                             units):
    team = signed_in
    file = walk(new_file(team, NOW), S.DEPOSIT, team, units[0], NOW)
    response = client.post_form(f"/sales/buyers/{file.id}/subscription", subscription_data(
        team, file, units[0], document_no="RG-1", signed_on="0001-01-01", down_payment_due_on="0001-01-02"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "subscription-down_payment_due_on") == OUT_OF_YEARS
    assert field_error(html, "subscription-signed_on") == OUT_OF_YEARS
    assert 'value="RG-1"' in html
    assert fresh_file(file.id).step == "deposit" and db.session.get(UnitLock, units[0].id) is None


# Each later step: the step before, what is sent, the fields that answer and how, a typed value kept.
LATER_STEPS = {
    "down_payment": (S.SUBSCRIPTION, {"paid_on": "", "amount": "-5", "receipt_no": "SQ-9"},
                     [("paid_on", "请填写日期。"), ("amount", "金额应为正整数（元）。")], 'value="SQ-9"'),
    "purchase_contract": (S.DOWN_PAYMENT, {"contract_no": "HT-9", "signed_on": "2026-11-23",
                                           "paid_by_other": "y"},
                          [("documents_checked", "签约前须协助客户检查按揭所需资料是否齐备。"),
                           ("statement_kept", "代替购房人交楼款者必须出具书面证明。")], 'value="HT-9"'),
    "mortgage": (S.PURCHASE_CONTRACT, {"appointment_on": "9999-12-31", "place": "", "documents": "身份证"},
                 [("appointment_on", OUT_OF_YEARS), ("place", "此项必填。")],
                 "身份证"),
    "handover": (S.MORTGAGE, {"handed_over_on": "2027-03-01", "note": "钥匙两把"},
                 [("congratulated", "一定要向客户表示祝贺。")], 'value="钥匙两把"'),
}


@pytest.mark.parametrize("step", list(LATER_STEPS))
def test_bad_input_on_each_later_step_is_shown_beside_the_field_and_kept(client, signed_in, units, step):
    before, sent, errors, kept = LATER_STEPS[step]
    file = walk(new_file(signed_in, NOW), before, signed_in, units[0], NOW)
    data = {f"{step}-{name}": value for name, value in sent.items()} | {f"{step}-version": str(file.version)}
    response = client.post_form(f"/sales/buyers/{file.id}/{step}", data, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith(f'<form id="step_{step}"')
    for name, message in errors:
        assert field_error(html, f"{step}-{name}") == message
    assert kept in html
    assert fresh_file(file.id).step == before.value


def test_a_sealed_unit_cannot_be_subscribed_again(client, signed_in, units):
    team = signed_in
    mine = walk(new_file(team, NOW), S.DEPOSIT, team, units[1], NOW)
    theirs = walk(new_file(team, NOW, "李芳", salesperson=team.colleague), S.SUBSCRIPTION, team, units[1],
                  NOW)
    response = client.post_form(f"/sales/buyers/{mine.id}/subscription",
                                subscription_data(team, mine, units[1], document_no="RG-2"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "不能重复认购" in field_error(html, "subscription-unit_id")
    # Another salesperson's customer is not named to someone who may not open that file.
    assert "李芳" not in html and team.colleague.display_name not in html
    assert fresh_file(mine.id).step == "deposit"
    assert db.session.get(UnitLock, units[1].id).file_id == theirs.id
    # The sealed unit is no longer offered.
    assert f'value="{units[1].id}"' not in client.get(f"/sales/buyers/{mine.id}").get_data(as_text=True)


def test_the_project_manager_is_told_whose_customer_holds_a_sealed_unit(app, signed_in, units):
    team = signed_in
    mine = walk(new_file(team, NOW), S.DEPOSIT, team, units[1], NOW)
    walk(new_file(team, NOW, "李芳", salesperson=team.colleague), S.SUBSCRIPTION, team, units[1], NOW)
    response = client_for(app, team.manager).post_form(f"/sales/buyers/{mine.id}/subscription",
                                                       subscription_data(team, mine, units[1]))
    message = field_error(response.get_data(as_text=True), "subscription-unit_id")
    assert response.status_code == 422 and "张伟的客户李芳" in message


def test_a_page_shown_before_someone_else_recorded_the_step_is_refused(client, signed_in, units):
    team = signed_in
    file = new_file(team, NOW)
    stale = str(file.version)
    walk(file, S.DEPOSIT, team, units[0], NOW)
    data = deposit_data(team, units[0], **{"deposit-version": stale})
    response = client.post_form(f"/sales/buyers/{file.id}/deposit", data)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "客户目前不在这一步" in page
    assert count(BuyerStep, BuyerStep.file_id == file.id, BuyerStep.step == "deposit") == 1


def test_someone_elses_file_is_closed_to_a_salesperson_and_open_to_the_supervisor(client, auth, signed_in):
    team = signed_in
    theirs = new_file(team, NOW, "李芳", salesperson=team.colleague)
    assert client.get(f"/sales/buyers/{theirs.id}").status_code == 403
    assert "李芳" not in client.get("/sales/buyers").get_data(as_text=True)
    auth.logout()
    auth.login(team.manager.username)
    assert "李芳" in client.get("/sales/buyers").get_data(as_text=True)
    assert client.get(f"/sales/buyers/{theirs.id}").status_code == 200
    fragment = client.get_htmx("/sales/buyers?step=registered").get_data(as_text=True)
    assert fragment.lstrip().startswith('<table id="buyer_rows"') and "李芳" in fragment


# ---- reminders (第十四步, 第十六步) ---------------------------------------------------------------------


def at_ten(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def test_down_payment_reminders_land_on_today_five_and_two_days_before_and_are_ticked_off(client, signed_in,
                                                                                          units, clock):
    team = signed_in
    file = walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW, due_in_days=7)  # due Mon 30 Nov
    assert "今天没有需要提醒的客户" in client.get("/sales/today").get_data(as_text=True)

    clock.set(at_ten(date(2026, 11, 25)))  # 5 days before
    page = client.get("/sales/today").get_data(as_text=True)
    assert "周海" in page and "提前 5 天" in page and "2026-11-30" in page
    assert "首期款（350,000 元）" in page and "按揭所需资料也请提前准备好" in page and "温馨提醒" in page
    reminder = db.session.scalar(select(BuyerReminder).where(BuyerReminder.days_before == 5))
    response = client.post_form(f"/sales/reminders/{reminder.id}", {f"r{reminder.id}-outcome": "notified",
                                                                     f"r{reminder.id}-note": "客户说周五来"})
    assert response.status_code == 303
    db.session.rollback()
    reminder = db.session.get(BuyerReminder, reminder.id)
    assert (reminder.outcome, reminder.note, reminder.done_by_id) == ("notified", "客户说周五来",
                                                                      team.salesperson.id)
    assert "今天没有需要提醒的客户" in client.get("/sales/today").get_data(as_text=True)

    clock.set(at_ten(date(2026, 11, 28)))  # Saturday, 2 days before: a weekend counts
    page = client.get("/sales/today").get_data(as_text=True)
    assert "提前 2 天" in page and "再次提醒" in page
    # Once paid, the reminder is moot.
    walk_paid = sales.record_down_payment(file.id, fresh_file(file.id).version, paid_on=date(2026, 11, 28),
                                          amount=350000, receipt_no="x", actor=team.salesperson,
                                          now=clock.now)
    assert walk_paid.step == "down_payment"
    assert "今天没有需要提醒的客户" in client.get("/sales/today").get_data(as_text=True)


def test_an_unticked_reminder_is_carried_over_until_the_due_date(client, signed_in, units, clock):
    team = signed_in
    walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW, due_in_days=7)
    clock.set(at_ten(date(2026, 11, 26)))
    assert "2026-11-25 的提醒未完成" in client.get("/sales/today").get_data(as_text=True)
    clock.set(at_ten(date(2026, 12, 1)))  # after the due date: the missed-payment report takes over
    assert "今天没有需要提醒的客户" in client.get("/sales/today").get_data(as_text=True)


def test_mortgage_reminders_seven_three_and_one_day_before_say_what_to_bring_and_where(client, signed_in,
                                                                                    units, clock):
    team = signed_in
    walk(new_file(team, NOW), S.MORTGAGE, team, units[0], NOW, appointment_in_days=10)  # 3 Dec
    for day, offset in ((date(2026, 11, 26), 7), (date(2026, 11, 30), 3), (date(2026, 12, 2), 1)):
        clock.set(at_ten(day))
        page = client.get("/sales/today").get_data(as_text=True)
        assert f"提前 {offset} 天" in page and "建设银行岳麓支行" in page and "身份证、户口本" in page
        reminder = db.session.scalar(select(BuyerReminder).where(BuyerReminder.days_before == offset))
        assert client.post_form(f"/sales/reminders/{reminder.id}",
                                {f"r{reminder.id}-outcome": "not_reached"}).status_code == 303
    assert count(BuyerReminder, BuyerReminder.outcome == "not_reached") == 3


def test_a_reminder_needs_an_outcome_and_a_reason_when_the_customer_cannot_pay(client, signed_in, units):
    team = signed_in
    walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW, due_in_days=5)
    reminder = db.session.scalar(select(BuyerReminder))
    html = client.post_form(f"/sales/reminders/{reminder.id}", {}, htmx=True).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="reminders"')
    assert field_error(html, f"r{reminder.id}-outcome") == "请选择提醒结果。"
    response = client.post_form(f"/sales/reminders/{reminder.id}",
                                {f"r{reminder.id}-outcome": "cannot_make_it"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), f"r{reminder.id}-note") == (
        "请写明客户不能按期的原因，将即时报告项目经理。")


def test_a_customer_who_cannot_pay_on_time_is_reported_to_the_project_manager_at_once(client, signed_in,
                                                                                      units):
    team = signed_in
    walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW, due_in_days=5)
    reminder = db.session.scalar(select(BuyerReminder))
    client.post_form(f"/sales/reminders/{reminder.id}", {f"r{reminder.id}-outcome": "cannot_make_it",
                                                         f"r{reminder.id}-note": "贷款审批延迟"})
    db.session.rollback()
    note = db.session.scalar(select(Notification).where(Notification.kind == "sales_payment"))
    assert note.user_id == team.manager.id and "周海" in note.title and "贷款审批延迟" in note.body
    # Ticking twice is refused, nothing is reported again.
    response = client.post_form(f"/sales/reminders/{reminder.id}", {f"r{reminder.id}-outcome": "notified"})
    assert "这条提醒已经记录过了" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(Notification, Notification.kind == "sales_payment") == 1


def test_a_missed_payment_date_is_reported_once_by_the_cron_command(app, runner, team, units):
    file = walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW, due_in_days=3)  # due 26 Nov
    assert sales.report_missed_payments(at_ten(date(2026, 11, 26))) == 0  # the due day itself is still open
    assert sales.report_missed_payments(at_ten(date(2026, 11, 27))) == 1
    assert sales.report_missed_payments(at_ten(date(2026, 11, 28))) == 0
    result = runner.invoke(args=["report-missed-payments"])
    assert "Missed down payments reported: 0." in result.output
    notes = db.session.scalars(select(Notification).where(Notification.kind == "sales_payment")).all()
    assert [n.user_id for n in notes] == [team.manager.id] and "首期款逾期未交" in notes[0].title
    assert fresh_file(file.id).payment_reported_at is not None


def test_a_late_down_payment_is_reported_when_it_is_recorded(app, team, units):
    file = walk(new_file(team, NOW), S.SUBSCRIPTION, team, units[0], NOW, due_in_days=3)
    sales.record_down_payment(file.id, fresh_file(file.id).version, paid_on=date(2026, 11, 28), amount=350000,
                              receipt_no="x", actor=team.salesperson, now=at_ten(date(2026, 11, 28)))
    note = db.session.scalar(select(Notification).where(Notification.kind == "sales_payment"))
    assert "首期款逾期" in note.title and "2026-11-26" in note.body


# ---- the phone register (第一步) ------------------------------------------------------------------------


def test_the_phone_register_and_the_days_count_of_inbound_calls(client, signed_in, clock):
    team = signed_in
    sales.log_enquiry(salesperson=team.colleague, now=NOW - timedelta(hours=1), caller_name="", mobile=None,
                      question="问价格", heard_from="", callback_on=None)
    sales.log_enquiry(salesperson=team.colleague, now=NOW - timedelta(days=1), caller_name="", mobile=None,
                      question="昨天的", heard_from="", callback_on=None)
    response = client.post_form("/sales/calls", {"caller_name": "刘先生", "mobile": "13698765432",
                                                 "question": "三房户型还有吗", "heard_from": "朋友介绍",
                                                 "callback_on": "2026-11-23"})
    assert response.status_code == 303
    page = client.get("/sales/today").get_data(as_text=True)
    assert "今日进线电话：我 1 个，售楼处共 2 个" in page
    assert "三房户型还有吗" in page and "问价格" not in page  # only my own calls are listed
    assert "今日电话回访" in page and "13698765432" in page
    assert count(PhoneEnquiry, PhoneEnquiry.salesperson_id == team.salesperson.id) == 1


def test_bad_phone_register_input_is_shown_beside_the_field(client, signed_in):
    response = client.post_form("/sales/calls", {"caller_name": "刘先生", "mobile": "0731-123",
                                                 "question": ""}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<form id="enquiry_form"')
    assert field_error(html, "mobile") == "请填写有效的中国大陆手机号码（11 位）。"
    assert field_error(html, "question") == "此项必填。"
    assert 'value="刘先生"' in html


def test_navigation_shows_the_sales_pages(client, signed_in):
    page = client.get("/sales/today").get_data(as_text=True)
    assert 'href="/sales/today"' in page and 'href="/sales/buyers"' in page


def test_the_demo_shows_pipelines_reminders_due_today_and_a_model_home_round(app):
    from kiosk.clock import local, utcnow
    from kiosk.devtools.demo import seed_demo
    from kiosk.models.model_home import ModelHomeCheck, ModelHomeRound
    from kiosk.models.people import User

    now = utcnow()
    seed_demo(now)
    seed_demo(now)  # idempotent
    me = db.session.scalar(select(User).where(User.username == "xiaoshou1"))
    due = sales.reminders_due(me, local(now).date())
    assert {(i.reminder.step, i.reminder.days_before) for i in due} >= {("down_payment", 5), ("mortgage", 3)}
    manager = db.session.scalar(select(User).where(User.username == "xiaoshouzg"))
    assert {f.step for f in sales.files_for(manager)} == {s.value for s in S} - {"down_payment",
                                                                                 "purchase_contract"}
    assert count(Notification, Notification.kind == "sales_payment") == 1  # 孙丽's missed down payment
    assert count(PhoneEnquiry) == 3
    assert count(ModelHomeCheck) == 15 and count(ModelHomeRound) <= 3  # the rounds already due
