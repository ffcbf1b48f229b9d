"""Reading a property ERP's register export, row by row (业主档案导入).

Seed 004 §2 asks the centre to "建立并及时更新业主档案库"; a company starts by loading the register its
property ERP keeps. ERPs export one row per person and unit, with Chinese headers that vary from one
product to the next: :data:`HEADERS` maps the common ones to our fields. Each row is read on its own and
either gives a :class:`RegisterRow` or the reasons it is refused -- nothing is guessed. A reason is a
:class:`Reason` (a code and the values it names), worded in the reader's language at the web edge:

* a number that is neither a mainland mobile nor a landline with its area code is refused (号码无效);
* a date that does not exist (2025-02-30) or lies outside 2000–2099 is refused;
* a cell holding a formula (``=…``, also ``+``/``-``/``@`` followed by a letter, as spreadsheets read them) is
  refused: the value shown in the ERP is not in the file, and such a cell is a known injection vector;
* a row without building, room number or name is refused.

Several numbers in one cell are split on ``/ , ， ; ； 、`` and spaces; the first is the one to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from kiosk.domain.phone_numbers import PhoneKind, normalise_phone
from kiosk.domain.register import Relation, UnitStatus


@dataclass(frozen=True)
class Reason:
    """Why a row or a file is refused, or what an import changes: a code (``phone_invalid``, ``changed`` ...),
    the field it concerns and the value it quotes. Words are the web edge's (``kiosk.web.labels``)."""

    code: str
    field: str = ""
    value: str = ""


#: Our field -> the headers ERPs use for it (compared without spaces and brackets' contents).
HEADERS: dict[str, tuple[str, ...]] = {
    "project": ("楼盘", "项目", "项目名称", "楼盘名称", "小区", "小区名称", "管理处"),
    "building": ("楼栋", "楼号", "栋号", "楼栋号", "楼栋名称", "幢号", "楼座"),
    "entrance": ("单元", "单元号"),
    "number": ("房号", "房间号", "门牌号", "房屋编号", "室号"),
    "name": ("业主姓名", "姓名", "客户姓名", "业主", "住户姓名", "客户名称"),
    "phones": ("联系电话", "手机", "手机号", "手机号码", "电话", "联系方式", "移动电话", "电话号码"),
    "handed_over_on": ("交房日期", "交付日期", "收房日期", "入住日期", "入伙日期"),
    "area": ("面积", "建筑面积", "房屋面积"),
    "layout": ("户型",),
    "relation": ("关系", "与业主关系", "身份", "客户类型", "住户类型"),
    "status": ("房屋状态", "状态", "使用状态"),
    "contact_time": ("方便联系时间", "联系时间", "回访时间"),
    "notes": ("备注", "说明"),
}
#: The columns a file must have.
REQUIRED = ("project", "building", "number", "name")
#: The columns of the downloadable template, in order (the first header of each field).
TEMPLATE_FIELDS = ("project", "building", "entrance", "number", "name", "phones", "handed_over_on", "area",
                   "layout", "relation", "status", "contact_time", "notes")
TEMPLATE_EXAMPLE = ("湘江壹号", "3栋", "", "1201", "张建华", "13900001234/0731-88001000", "2025-06-30",
                    "98.5", "三室两厅", "业主", "已入住", "工作日晚上", "")

RELATIONS = {"业主": Relation.OWNER, "产权人": Relation.OWNER, "房主": Relation.OWNER,
             "共有人": Relation.CO_OWNER, "共同产权人": Relation.CO_OWNER, "共有产权人": Relation.CO_OWNER,
             "租户": Relation.TENANT, "租客": Relation.TENANT, "承租人": Relation.TENANT,
             "家属": Relation.FAMILY, "家庭成员": Relation.FAMILY, "配偶": Relation.FAMILY,
             "子女": Relation.FAMILY, "父母": Relation.FAMILY, "亲属": Relation.FAMILY}
STATUSES = {"未售": UnitStatus.UNSOLD, "已交付": UnitStatus.DELIVERED, "已交房": UnitStatus.DELIVERED,
            "交付未入住": UnitStatus.DELIVERED, "已入住": UnitStatus.OCCUPIED, "自住": UnitStatus.OCCUPIED,
            "入住": UnitStatus.OCCUPIED, "出租": UnitStatus.RENTED, "已出租": UnitStatus.RENTED,
            "空置": UnitStatus.VACANT, "闲置": UnitStatus.VACANT}
YEARS = range(2000, 2100)
_SPLIT = re.compile(r"[/,，;；、\s]+")
_BRACKETS = re.compile(r"[(（\[【].*?[)）\]】]")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_PHONE_KINDS = frozenset({PhoneKind.MOBILE, PhoneKind.LANDLINE})
MAX_TEXT = {"project": 80, "building": 40, "number": 20, "name": 60, "layout": 40, "contact_time": 40,
            "notes": 500}


def _header_key(text: str) -> str:
    return _BRACKETS.sub("", str(text or "")).replace(" ", "").replace("\u3000", "").replace("*", "").strip()


def map_headers(headers: list[object]) -> tuple[dict[str, int], list[str]]:
    """``({field: column index}, [required fields missing])`` for a header row; the first column wins."""
    wanted = {alias: name for name, aliases in HEADERS.items() for alias in aliases}
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = wanted.get(_header_key(header))
        if name is not None and name not in found:
            found[name] = index
    return found, [name for name in REQUIRED if name not in found]


@dataclass
class RegisterRow:
    """One row read: the unit, the person, their numbers (first: the one to call)."""

    line: int
    project: str = ""
    building: str = ""
    number: str = ""
    name: str = ""
    phones: list[str] = field(default_factory=list)
    handed_over_on: date | None = None
    area: Decimal | None = None
    layout: str = ""
    relation: Relation = Relation.OWNER
    status: UnitStatus | None = None
    contact_time: str = ""
    notes: str = ""


def is_formula(value: object) -> bool:
    """A cell a spreadsheet would compute (``=SUM(A1)``, ``+cmd|…``, ``@A1``), not a value."""
    if not isinstance(value, str):
        return False
    text = value.lstrip()
    return text.startswith("=") or (len(text) > 1 and text[0] in "+-@" and not text[1:2].isdigit()
                                    and not text[1:2].isspace())


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_date(value: object) -> date | None | Reason:
    """A date cell: a date, ``None`` when blank, or the reason it is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value if value.year in YEARS else Reason("date_out_of_range")
    match = _DATE.match(_text(value))
    if not match:
        return Reason("date_unreadable", value=_text(value))
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return Reason("date_impossible", value=_text(value))
    return day if day.year in YEARS else Reason("date_out_of_range")


def read_phones(value: object) -> tuple[list[str], list[Reason]]:
    """(stored numbers, refusals) of a phone cell; a mobile written as a number keeps its digits."""
    numbers, refused = [], []
    for part in _SPLIT.split(_text(value)):
        if not part:
            continue
        stored = normalise_phone(part, _PHONE_KINDS)
        if stored is None:
            refused.append(Reason("phone_invalid", value=part))
        elif stored not in numbers:
            numbers.append(stored)
    return numbers, refused


def _read_area(value: object) -> Decimal | None | Reason:
    text = _text(value).removesuffix("㎡").removesuffix("平方米").removesuffix("m²").strip()
    if not text:
        return None
    try:
        area = Decimal(text)
    except InvalidOperation:
        return Reason("area_unreadable", value=text)
    if not area.is_finite() or not 0 < area < 100000:
        return Reason("area_unreasonable", value=text)
    return area.quantize(Decimal("0.01"))


def read_row(line: int, cells: list[object], columns: dict[str, int]) -> RegisterRow | list[Reason]:
    """The row as a :class:`RegisterRow`, or the reasons it is refused (every one of them)."""
    def cell(name: str) -> object:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    reasons = [Reason("formula", name, _text(cell(name))[:30]) for name in columns if is_formula(cell(name))]
    if reasons:
        return reasons
    row = RegisterRow(line=line)
    for name in ("project", "building", "name", "layout", "contact_time", "notes"):
        setattr(row, name, _text(cell(name)))
    entrance, number = _text(cell("entrance")), _text(cell("number"))
    row.number = f"{entrance.removesuffix('单元')}-{number}" if entrance and number else number
    for name in REQUIRED:
        if not getattr(row, name):
            reasons.append(Reason("missing", name))
    for name, limit in MAX_TEXT.items():
        if len(getattr(row, name)) > limit:
            reasons.append(Reason("too_long", name, str(limit)))
    row.phones, refused = read_phones(cell("phones"))
    reasons += refused
    for name, reader in (("handed_over_on", read_date), ("area", _read_area)):
        value = reader(cell(name))
        if isinstance(value, Reason):
            reasons.append(value)
        else:
            setattr(row, name, value)
    relation, status = _text(cell("relation")), _text(cell("status"))
    if relation:
        if relation not in RELATIONS:
            reasons.append(Reason("relation_unknown", value=relation))
        else:
            row.relation = RELATIONS[relation]
    if status:
        if status not in STATUSES:
            reasons.append(Reason("status_unknown", value=status))
        else:
            row.status = STATUSES[status]
    return reasons or row
