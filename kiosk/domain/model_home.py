"""Model-home (样板间) rounds kept by the butler (管家) -- seed 002 "物业售楼处样板间管家工作流程".

* Opening round (§1 "8:30准时上岗"): handover from the night security guard, items present and in place,
  entrance, carpet, lights, hygiene, plants, shoe covers.
* Hourly inventory round (§2 "每小时须对样板间大堂内物品进行清点"): items, facilities, fire extinguishers and
  their seals, lighting.
* Closing round (§4 "19:00闭店关好门窗…离开前关闭所有电源"): doors and windows, items counted and put
  back, power off.

Choices where the seed is silent:

* Hourly rounds fall every whole hour after opening, strictly before closing: 9:30, 10:30 … 18:30 for an
  8:30–19:00 day (ten rounds). A slot at the closing time itself is covered by the closing round.
* A round is **done** when it is completed within its window: from its earliest start up to ``due_at +
  grace`` (default 15 minutes). Earliest start: the opening round 30 minutes before opening (§二 4: "每日于
  正式开放前半小时进入样板间进行有关物品检查"); an hourly round ``grace`` before its slot; the closing round
  not before the closing time (doors are not locked on visitors).
* A round not done by ``due_at + grace`` is **missed**, even if it is completed later (then it is also
  *late*, shown as such on the board).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from kiosk.domain.working_days import SHANGHAI

OPENING_TIME = time(8, 30)
CLOSING_TIME = time(19, 0)
ROUND_INTERVAL = timedelta(hours=1)
DEFAULT_GRACE = timedelta(minutes=15)
#: Seed 002 §二 4): enter half an hour before the official opening to check the items.
OPENING_EARLY_START = timedelta(minutes=30)


class RoundKind(StrEnum):
    OPENING = "opening"  # 8:30 上岗检查
    HOURLY = "hourly"  # 每小时清点
    CLOSING = "closing"  # 19:00 闭店

    @property
    def label_zh(self) -> str:
        return {"opening": "开店检查", "hourly": "每小时清点", "closing": "闭店检查"}[self.value]


@dataclass(frozen=True)
class ChecklistItem:
    """One check of a round. ``department``: the code of the department a failed check is sent to as a task
    slip (engineering for lights and power, environment for cleaning, carpet and plants, security for the
    night handover, fire equipment, doors and windows); ``None``: the model-home supervisor deals with it
    (items missing or out of place, shoe covers: "如发现问题及时与主管人员联系")."""

    code: str
    text_zh: str
    department: str | None = None


#: The default checklist of each round, in the seed's words (seed 002 §1, §2, §4).
CHECKLISTS: Mapping[RoundKind, tuple[ChecklistItem, ...]] = MappingProxyType(
    {
        RoundKind.OPENING: (
            ChecklistItem("night_handover", "与值夜班的安管员做好交接记录", "security"),
            ChecklistItem("items_in_place", "核对样板房内的物品是否齐全、摆放如初"),
            ChecklistItem("entrance", "检查入口处及入口通道", "environment"),
            ChecklistItem("carpet", "地毯摆放平坦、干净", "environment"),
            ChecklistItem("lights", "灯全部开启", "engineering"),
            ChecklistItem("hygiene", "卫生情况达标", "environment"),
            ChecklistItem("plants", "绿植设施摆放到位", "environment"),
            ChecklistItem("shoe_covers", "鞋套数量备齐,按双放入自封袋,注意鞋套大小、正反"),
        ),
        RoundKind.HOURLY: (
            ChecklistItem("items", "清点大堂内物品,检查房内物品是否完好齐全"),
            ChecklistItem("facilities", "所有设施是否有异常", "engineering"),
            ChecklistItem("fire_extinguishers", "灭火器材是否完好,有无封条", "security"),
            ChecklistItem("lighting", "照明系统是否明亮", "engineering"),
        ),
        RoundKind.CLOSING: (
            ChecklistItem("doors_windows", "关好门窗", "security"),
            ChecklistItem("items_back", "对房内物品进行清点、归位摆放,检查是否完好齐全"),
            ChecklistItem("power_off", "离开前关闭所有电源", "engineering"),
        ),
    }
)


class DueRound(NamedTuple):
    """A round that falls due: its kind and its slot (aware, Asia/Shanghai)."""

    kind: RoundKind
    due_at: datetime


class CompletedRound(NamedTuple):
    kind: RoundKind
    due_slot: datetime
    completed_at: datetime


class RoundStatus(StrEnum):
    PENDING = "pending"  # not done yet, window still open
    DONE = "done"  # done within its window
    LATE = "late"  # done, but after due_at + grace (counts as missed)
    MISSED = "missed"  # not done and the window has closed


def rounds_due(
    day: date, opening: time = OPENING_TIME, closing: time = CLOSING_TIME, tz=SHANGHAI
) -> list[DueRound]:
    """The rounds of ``day`` in time order: opening at ``opening``, hourly after it (strictly before
    ``closing``), closing at ``closing`` (seed 002 §1, §2, §4; see the module docstring)."""
    if isinstance(day, datetime):
        raise TypeError("day must be a local date")
    if closing <= opening:
        raise ValueError(f"closing ({closing}) must be after opening ({opening})")
    open_at = datetime.combine(day, opening, tzinfo=tz)
    close_at = datetime.combine(day, closing, tzinfo=tz)
    out = [DueRound(RoundKind.OPENING, open_at)]
    slot = open_at + ROUND_INTERVAL
    while slot < close_at:
        out.append(DueRound(RoundKind.HOURLY, slot))
        slot += ROUND_INTERVAL
    out.append(DueRound(RoundKind.CLOSING, close_at))
    return out


def earliest_start(kind: RoundKind, due_at: datetime, grace: timedelta = DEFAULT_GRACE) -> datetime:
    """The earliest completion that counts for a round (module docstring)."""
    if kind is RoundKind.OPENING:
        return due_at - OPENING_EARLY_START
    if kind is RoundKind.HOURLY:
        return due_at - grace
    return due_at


def can_start(kind: RoundKind, due_at: datetime, now: datetime, grace: timedelta = DEFAULT_GRACE) -> bool:
    """May the butler record this round now? From its earliest start on (module docstring); a late round
    may still be recorded, and then shows as late."""
    return now >= earliest_start(RoundKind(kind), due_at, grace)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def round_statuses(
    due_rounds: Sequence[DueRound],
    completed: Iterable[tuple[RoundKind, datetime, datetime]],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> list[tuple[DueRound, RoundStatus]]:
    """Each due round with its status at ``now``. A completion matches a round by kind and slot (the same
    instant); completions before the round's earliest start do not count; the earliest counting one wins."""
    _require_aware(now, "now")
    if grace < timedelta(0):
        raise ValueError("grace must not be negative")
    done: dict[tuple[RoundKind, datetime], list[datetime]] = {}
    for kind, slot, at in completed:
        _require_aware(slot, "due_slot")
        _require_aware(at, "completed_at")
        done.setdefault((RoundKind(kind), slot), []).append(at)
    out = []
    for due in due_rounds:
        deadline = due.due_at + grace
        first = earliest_start(due.kind, due.due_at, grace)
        times = sorted(t for t in done.get((due.kind, due.due_at), ()) if t >= first and t <= now)
        if times and times[0] <= deadline:
            status = RoundStatus.DONE
        elif times:
            status = RoundStatus.LATE
        elif now > deadline:
            status = RoundStatus.MISSED
        else:
            status = RoundStatus.PENDING
        out.append((due, status))
    return out


def missed_rounds(
    due_rounds: Sequence[DueRound],
    completed: Iterable[tuple[RoundKind, datetime, datetime]],
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> list[DueRound]:
    """Rounds not done by ``due_at + grace`` (seed 002 §1, §2, §4), as of ``now``: MISSED and LATE ones.

    A round whose window is still open at ``now`` is not missed yet; exactly at ``due_at + grace`` it is
    still on time.
    """
    return [
        due
        for due, status in round_statuses(due_rounds, completed, now, grace)
        if status in (RoundStatus.MISSED, RoundStatus.LATE)
    ]


# ---- asset loss and damage (seed 002 二 2), 4)) ----------------------------------------------------------


class AssetEvent(StrEnum):
    LOST = "lost"  # 丢失
    DAMAGED = "damaged"  # 损坏


class DamageCause(StrEnum):
    NOT_BY_A_PERSON = "not_by_a_person"  # 非人为损坏
    BY_A_PERSON = "by_a_person"  # 人为损坏


@dataclass(frozen=True)
class AssetHandling:
    """What follows a loss or damage: report to the head butler, file the 备案表, who pays, any penalty."""

    report_to_head_butler: bool
    file_loss_damage_record: bool
    person_pays: bool
    management_penalty: bool


#: 《样板间资产丢失损坏备案表》
ASSET_RECORD_FORM = "样板间资产丢失损坏备案表"


def asset_handling(event: AssetEvent, cause: DamageCause | None, management_fault: bool) -> AssetHandling:
    """Seed 002 二 2) "如发生物品损坏或丢失事件,应及时上报大管家并做好相关确认和记录工作"; 4) "样板间物品非
    人为损坏,如无存在管理过失,填写《样板间资产丢失损坏备案表》报项目公司;样板间物品人为损坏,由损坏物品者
    照价赔偿。如存在管理过失将根据公司制度给予相应处罰".

    Every event is reported to the head butler. The form is filed for a loss, and for damage not caused
    by a person without management fault (the seed's case); a loss has no cause (``cause`` ignored) and
    always gets the form, since the form is named for losses too. Person-caused damage: that person pays.
    Management fault: penalty under company rules (and for non-person damage, no form -- it becomes a
    disciplinary matter, reported instead).
    """
    event = AssetEvent(event)
    if event is AssetEvent.LOST:
        return AssetHandling(True, True, False, management_fault)
    if cause is None:
        raise ValueError("damage needs a cause (by a person or not)")
    by_person = DamageCause(cause) is DamageCause.BY_A_PERSON
    return AssetHandling(
        report_to_head_butler=True,
        file_loss_damage_record=not by_person and not management_fault,
        person_pays=by_person,
        management_penalty=management_fault,
    )
