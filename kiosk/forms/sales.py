"""Forms of the buyer pipeline (one per step), the reminder tick and the phone register.

The step forms share the buyer's page, each with its own prefix; the app-wide CSRFProtect checks the
page's token on every POST. Each carries the file's version, so a page shown before someone else recorded
the step is refused instead of applied twice.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from kiosk.domain.phone_numbers import MOBILE_ONLY
from kiosk.domain.sales_pipeline import MORTGAGE_DOCUMENTS, PipelineStep, ReminderOutcome
from kiosk.forms.fields import (
    PhoneField,
    SubmissionKeyField,
    VersionField,
    max_length,
    offered,
    options,
    required,
    row_id,
    strip,
    within_years,
)
from kiosk.web import labels


def _date(label):
    return DateField(label, validators=[InputRequired(message=_l("请填写日期。")), within_years()])


def _yuan(label):
    return IntegerField(label, validators=[
        InputRequired(message=_l("请填写金额（元）。")),
        NumberRange(min=1, max=100_000_000, message=_l("金额应为正整数（元）。"))])


def _text(label, n: int, optional: bool = False):
    first = Optional() if optional else required()
    return StringField(label, filters=[strip], validators=[first, max_length(n)])


class _StepForm(FlaskForm):
    class Meta:
        csrf = False

    version = VersionField()
    submission_key = SubmissionKeyField()

    @staticmethod
    def people(field, users):
        field.choices = options([(0, _l("（请选择）"))] + [(u.id, u.display_name) for u in users])


def _person(label):
    return SelectField(label, coerce=row_id, validate_choice=False, default=0)


def _chosen(field, message):
    if not field.data or field.data not in offered(field):
        raise ValidationError(message)


class RegisterForm(FlaskForm):
    group_id = SelectField(_l("接待的客户组（轮值表）"), validate_choice=True, default="")
    customer_name = _text(_l("客户姓名"), 40)
    mobile = PhoneField(_l("手机号码"), kinds=MOBILE_ONLY, description=_l("客户执意不留电话，不得勉强。"))
    submission_key = SubmissionKeyField()

    def set_groups(self, groups: list[tuple[str, str]]) -> None:
        self.group_id.choices = options([("", _l("（来电或其他客户，不关联）"))] + groups)


class UnitChoice:
    """A unit select grouped by project and building (optgroups)."""

    @staticmethod
    def fill(field, units, allowed: set[int]) -> None:
        """Offer ``units`` (those for sale); accept any of ``allowed`` (units nobody owns), so a unit another
        subscription sealed a moment ago reaches the service, which says who has it."""
        field.choices = options([(0, _l("（请选择房号）"))]) + [
            SelectChoice(unit.id, unit.number, optgroup=f"{unit.building.project.name} {unit.building.name}")
            for unit in units
        ]
        field.allowed = allowed


class _UnitStepForm(_StepForm):
    """A step that names the unit (deposit, subscription)."""

    unit_id = SelectField(_l("房号"), coerce=row_id, validate_choice=False, default=0)

    def validate_unit_id(self, field):
        if field.data not in getattr(field, "allowed", set()):
            raise ValidationError(_l("请选择可售房号。"))


class DepositForm(_UnitStepForm):
    amount = _yuan(_l("定金金额（元）"))
    receipt_no = _text(_l("收据编号"), 40)
    received_on = _date(_l("收取日期"))
    collected_by = _person(_l("收取人（财务人员或项目经理/指定人员）"))
    second_person = _person(_l("在场第二人"))
    checked_with = _person(_l("房号核查报备（项目经理或销控人员）"))

    def validate_collected_by(self, field):
        _chosen(field, _l("请选择收取定金的财务人员或项目经理。"))

    def validate_second_person(self, field):
        _chosen(field, _l("收取定金须有二人以上在场，请选择第二人。"))
        if field.data == self.collected_by.data:
            raise ValidationError(_l("第二人不能与收取人是同一人。"))

    def validate_checked_with(self, field):
        _chosen(field, _l("请选择核查房号的项目经理或销控人员。"))


class SubscriptionForm(_UnitStepForm):
    document_no = _text(_l("认购书编号"), 40)
    signed_on = _date(_l("签署日期"))
    signer = RadioField(_l("签署人"), choices=options(labels.SIGNER.items()), default="buyer",
                        validate_choice=True)
    # No Optional(): it would stop the chain before validate_agent_name.
    agent_name = StringField(_l("代理人姓名"), filters=[strip], validators=[max_length(40)])
    notarised = BooleanField(_l("委托书已经公证"))
    id_copy_kept = BooleanField(_l("已交留客户身份证复印件"))
    reviewed_by = _person(_l("审核人（项目经理或指定人员）"))
    down_payment_due_on = _date(_l("首期款交纳期限"))
    down_payment_amount = _yuan(_l("首期款金额（元）"))

    def validate_agent_name(self, field):
        if self.signer.data == "agent" and not field.data:
            raise ValidationError(_l("请填写代理人姓名。"))

    def validate_notarised(self, field):
        if self.signer.data == "agent" and not field.data:
            raise ValidationError(_l("代理人签署须有买方书面委托，且必须公证。"))

    def validate_id_copy_kept(self, field):
        if not field.data:
            raise ValidationError(_l("须交留客户身份证复印件。"))

    def validate_reviewed_by(self, field):
        _chosen(field, _l("签完的认购书须经项目经理或指定人员审核。"))

    def validate_down_payment_due_on(self, field):
        if self.signed_on.data and field.data and field.data < self.signed_on.data:
            raise ValidationError(_l("交纳期限不能早于签署日期。"))


class DownPaymentForm(_StepForm):
    paid_on = _date(_l("交纳日期"))
    amount = _yuan(_l("实收金额（元）"))
    receipt_no = _text(_l("收据编号"), 40)


class ContractForm(_StepForm):
    contract_no = _text(_l("合同编号"), 40)
    signed_on = _date(_l("签署日期"))
    documents_checked = BooleanField(_l("已协助客户检查按揭资料齐备"))
    paid_by_other = BooleanField(_l("有他人代替购房人交楼款"))
    statement_kept = BooleanField(_l("已收代交款人的书面证明"),
                                  description=_l("“本人自愿替**交款，金额为**元”"))

    def validate_documents_checked(self, field):
        if not field.data:
            raise ValidationError(_l("签约前须协助客户检查按揭所需资料是否齐备。"))

    def validate_statement_kept(self, field):
        if self.paid_by_other.data and not field.data:
            raise ValidationError(_l("代替购房人交楼款者必须出具书面证明。"))


class MortgageForm(_StepForm):
    appointment_on = _date(_l("按揭办理日期"))
    place = _text(_l("办理地点"), 100)
    documents = TextAreaField(_l("客户必须携带的资料（每行一项）"), filters=[strip],
                              validators=[required(), max_length(300)], default="\n".join(MORTGAGE_DOCUMENTS))

    def document_list(self) -> list[str]:
        return [line.strip() for line in (self.documents.data or "").splitlines() if line.strip()]


class HandoverForm(_StepForm):
    handed_over_on = _date(_l("入伙日期"))
    congratulated = BooleanField(_l("已向客户表示祝贺"))
    note = _text(_l("备注"), 200, optional=True)

    def validate_congratulated(self, field):
        if not field.data:
            raise ValidationError(_l("一定要向客户表示祝贺。"))


STEP_FORMS = {
    PipelineStep.DEPOSIT: DepositForm,
    PipelineStep.SUBSCRIPTION: SubscriptionForm,
    PipelineStep.DOWN_PAYMENT: DownPaymentForm,
    PipelineStep.PURCHASE_CONTRACT: ContractForm,
    PipelineStep.MORTGAGE: MortgageForm,
    PipelineStep.HANDOVER: HandoverForm,
}


class ReminderForm(FlaskForm):
    class Meta:
        csrf = False  # one per reminder, prefixed; CSRFProtect checks the page's token

    outcome = RadioField(_l("提醒结果"), choices=options(labels.REMINDER_OUTCOME.items()),
                         validate_choice=True,
                         validators=[InputRequired(message=_l("请选择提醒结果。"))])
    note = StringField(_l("备注"), filters=[strip], validators=[max_length(300)])

    def validate_note(self, field):
        if self.outcome.data == ReminderOutcome.CANNOT_MAKE_IT and not field.data:
            raise ValidationError(_l("请写明客户不能按期的原因，将即时报告项目经理。"))


class EnquiryForm(FlaskForm):
    caller_name = _text(_l("来电客户"), 40, optional=True)
    mobile = PhoneField(_l("联系电话"), kinds=MOBILE_ONLY)  # called back from the phone register
    question = TextAreaField(_l("咨询内容"), filters=[strip], validators=[required(), max_length(300)])
    heard_from = _text(_l("获知渠道"), 60, optional=True)
    callback_on = DateField(_l("计划回访日期"), validators=[Optional(), within_years()])
    submission_key = SubmissionKeyField()
