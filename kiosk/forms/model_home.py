"""Forms of the model home: a round's checklist (built from the checks an admin keeps), the asset loss and
damage record with optional photos, and the admin's checklist editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from kiosk.domain.model_home import AssetEvent, DamageCause
from kiosk.forms.fields import (
    SubmissionKeyField,
    TabletForm,
    max_length,
    options,
    required,
    row_id,
    strip,
    within_years,
)
from kiosk.web import labels

RESULT_CHOICES = options([("ok", _l("正常")), ("problem", _l("有问题"))])

#: Photos of a loss or damage: at most this many, each at most this big, of these kinds (by content).
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_SIGNATURES = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)


def photo_kind(head: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) of a JPEG, PNG or WebP image, judged by its first bytes; None otherwise."""
    for signature, extension, mime in _SIGNATURES:
        if head.startswith(signature):
            return extension, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None


def _butler():
    return StringField(_l("管家姓名"), filters=[strip], validators=[required(), max_length(40)])


def round_form(checks, formdata=None):
    """A form with a result and a note for each check (``result_<id>``, ``note_<id>``) and the butler's
    name."""

    class RoundForm(TabletForm):
        butler_name = _butler()

        def pairs(self):
            return [(c, self[f"result_{c.id}"], self[f"note_{c.id}"]) for c in checks]

        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            for _check, result, note in self.pairs():
                if result.data == "problem" and not note.data:
                    note.errors.append(_l("请写明发现的问题，将开任务单给相关部门。"))
                    valid = False
            return valid

    for check in checks:
        setattr(RoundForm, f"result_{check.id}", RadioField(
            check.text, choices=RESULT_CHOICES, validate_choice=True,
            validators=[InputRequired(message=_l("请选择“正常”或“有问题”。"))]))
        setattr(RoundForm, f"note_{check.id}", StringField(_l("问题说明"), filters=[strip],
                                                           validators=[Optional(), max_length(300)]))
    return RoundForm(formdata=formdata) if formdata is not None else RoundForm()


class AssetForm(TabletForm):
    item = StringField(_l("物品名称"), filters=[strip], validators=[required(), max_length(100)])
    event = RadioField(_l("情况"), choices=options(labels.ASSET_EVENT.items()), validate_choice=True,
                       validators=[InputRequired(message=_l("请选择丢失或损坏。"))])
    # Checked in validate_cause (a loss has none); no Optional(), which would skip that check.
    cause = RadioField(_l("损坏原因"), choices=options(labels.DAMAGE_CAUSE.items()), validate_choice=False)
    happened = TextAreaField(_l("经过"), filters=[strip], validators=[required(), max_length(2000)])
    occurred_at = DateTimeLocalField(_l("发生时间"), format="%Y-%m-%dT%H:%M", validators=[
        InputRequired(message=_l("请填写日期和时间。")), within_years()])
    person = StringField(_l("损坏人"), filters=[strip], validators=[Optional(), max_length(60)])
    compensation = IntegerField(_l("照价赔偿金额（元）"), validators=[
        Optional(), NumberRange(min=0, max=10_000_000, message=_l("金额应为不小于 0 的整数（元）。"))])
    management_fault = BooleanField(_l("存在管理过失"))
    reported_by = _butler()
    photos = MultipleFileField(_l("照片（可选，最多 3 张，每张不超过 5 MB）"))
    submission_key = SubmissionKeyField()

    def validate_cause(self, field):
        if self.event.data == AssetEvent.DAMAGED and field.data not in {c.value for c in DamageCause}:
            raise ValidationError(_l("损坏时请选择是否人为。"))

    def validate(self, extra_validators=None):
        """Damage caused by a person names the person and what they pay (seed 002 二 4) "照价赔偿")."""
        valid = super().validate(extra_validators)
        if self.event.data == AssetEvent.DAMAGED and self.cause.data == DamageCause.BY_A_PERSON:
            if not self.person.data:
                self.person.errors.append(_l("人为损坏请填写损坏人。"))
                valid = False
            if self.compensation.data is None and not self.compensation.errors:
                self.compensation.errors.append(_l("人为损坏由损坏物品者照价赔偿，请填写金额。"))
                valid = False
        return valid

    def validate_photos(self, field):
        files = [f for f in (field.data or []) if f and f.filename]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_l("最多上传 3 张照片。"))
        self.photo_files = []
        for upload in files:
            data = upload.read(MAX_PHOTO_BYTES + 1)
            if len(data) > MAX_PHOTO_BYTES:
                raise ValidationError(_l("每张照片不能超过 5 MB。"))
            kind = photo_kind(data[:16])
            if kind is None:
                raise ValidationError(_l("照片只能是 JPEG、PNG 或 WebP 图片。"))
            self.photo_files.append((data, *kind))


class CheckForm(FlaskForm):
    """Add or edit one checklist item (admin)."""

    class Meta:
        csrf = False  # one per row, prefixed; CSRFProtect checks the page's token

    kind = SelectField(_l("巡查"), choices=options(labels.ROUND_KIND.items()), validate_choice=True)
    text = StringField(_l("检查项"), filters=[strip], validators=[required(), max_length(200)])
    department_id = SelectField(_l("发现问题派往"), coerce=row_id, validate_choice=True, default=0)
    position = IntegerField(_l("顺序"), default=100, validators=[
        InputRequired(message=_l("此项必填。")),
        NumberRange(min=0, max=9999, message=_l("应在 0 到 9999 之间。"))])
    active = BooleanField(_l("启用"), default=True)

    def set_departments(self, departments) -> None:
        self.department_id.choices = options(
            [(0, _l("样板间主管处理"))] + [(d.id, d.name) for d in departments])


class SupervisorForm(FlaskForm):
    class Meta:
        csrf = False

    supervisor_id = SelectField(_l("样板间主管"), coerce=row_id, validate_choice=True, default=0)

    def set_people(self, people) -> None:
        self.supervisor_id.choices = options(
            [(0, _l("（全体主管）"))] + [(u.id, u.display_name) for u in people])
