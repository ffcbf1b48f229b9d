"""The day's roster and the events folded into it (seed 001 制度1 第3–50条, 制度2 第1–9条)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from kiosk.domain.rotation.vocabulary import CustomerKind


@dataclass(frozen=True)
class Roster:
    """The day's 客户轮值表 (seed 001 制度1 第3、6条).

    ``order`` is the rotation order (first is 一接). ``present_at_opening`` lists who is at the desk when
    the day starts; ``None`` means everyone in ``order``. ``on_call_shift`` / ``on_call_salesperson``
    describe the 值班 period (制度1 第48条). ``peer_research_by_last`` selects the 制度2 第7条 reading for
    peers (see module doc).
    """

    date: date
    order: tuple[str, ...]
    working_hours: tuple[time, time] = (time(9, 0), time(18, 0))
    on_call_shift: tuple[time, time] | None = None
    on_call_salesperson: str | None = None
    present_at_opening: tuple[str, ...] | None = None
    peer_research_by_last: bool = False

    def __post_init__(self) -> None:
        if len(set(self.order)) != len(self.order):
            raise ValueError("轮值表中同一销售人员不能出现两次")
        if self.working_hours[0] >= self.working_hours[1]:
            raise ValueError("工作时间的开始必须早于结束")


@dataclass(frozen=True)
class SalespersonArrived:
    """A salesperson comes to the desk. Someone not on the table joins at the end (制度1 第8条)."""

    at: datetime
    salesperson: str


@dataclass(frozen=True)
class SalespersonLeft:
    """A salesperson leaves the sales floor for personal reasons: turns are forfeited (制度1 第9条)."""

    at: datetime
    salesperson: str


@dataclass(frozen=True)
class OnLeave:
    """Leave, holiday or absence: turns are forfeited, no make-up (制度1 第9条)."""

    at: datetime
    salesperson: str
    reason: str = "请假"


@dataclass(frozen=True)
class AwayOnCompanyBusiness:
    """Away on company or leader-assigned business: missed turns may be made up (制度1 第9条 后段)."""

    at: datetime
    salesperson: str
    reason: str = "公务"


@dataclass(frozen=True)
class BusyWithOtherWork:
    """Busy with other work (制度2 第7条): turn passes to 二接, lost unless the work was leader-assigned."""

    at: datetime
    salesperson: str
    assigned_by_leader: bool = False


@dataclass(frozen=True)
class BackAtDesk:
    """Back at the desk after absence or other work; takes the queue place it has (制度2 第6、7条)."""

    at: datetime
    salesperson: str


@dataclass(frozen=True)
class CustomerArrived:
    """A customer group walks in (制度1 第3、12条).

    ``named_salesperson``: the salesperson the customer names (指定/点名), or for ``RETURNING_RECOGNISED``
    the one who recognised them at the door. ``together_with``: the group_id of an earlier group they came
    with (第50条). ``customer_key``: identifies the same customer across the day (制度2 第8条).
    ``last_contact``: the last visit or tracking record of a returning customer (第17条).
    """

    at: datetime
    group_id: str
    kind: CustomerKind = CustomerKind.NEW_WALK_IN
    named_salesperson: str | None = None
    together_with: str | None = None
    customer_key: str | None = None
    last_contact: date | None = None


@dataclass(frozen=True)
class SalesCall:
    """A sales phone call; answered by the last in rotation (制度1 第38条)."""

    at: datetime
    call_id: str = ""


@dataclass(frozen=True)
class MakeUpGranted:
    """The sales supervisor grants a make-up turn (制度1 第8、9条, 制度2 第7条)."""

    at: datetime
    salesperson: str
    reason: str = ""


@dataclass(frozen=True)
class Reordered:
    """The supervisor or sales manager sets a new queue order (制度1 第4、5、8条)."""

    at: datetime
    new_order: tuple[str, ...]
    reason: str = ""


@dataclass(frozen=True)
class AssistRecorded:
    """A salesperson assisted with a group (制度1 第10、15、18条); not a reception (第46条)."""

    at: datetime
    assistant: str
    group_id: str


@dataclass(frozen=True)
class Reassigned:
    """At the customer's strong request the group changes salesperson (制度1 第16条)."""

    at: datetime
    group_id: str
    to: str
    reason: str = "客户要求更换销售人员"


@dataclass(frozen=True)
class HoursSet:
    """The supervisor sets the working hours and the on-call shift (制度1 第4、43、48条).

    It changes the day's roster from this moment on: receptions already decided keep their decision,
    so a replay of the day gives the same answers whatever is set later.
    """

    at: datetime
    working_hours: tuple[time, time]
    on_call_shift: tuple[time, time] | None = None
    on_call_salesperson: str | None = None


Event = (
    SalespersonArrived
    | SalespersonLeft
    | OnLeave
    | AwayOnCompanyBusiness
    | BusyWithOtherWork
    | BackAtDesk
    | CustomerArrived
    | SalesCall
    | MakeUpGranted
    | Reordered
    | AssistRecorded
    | Reassigned
    | HoursSet
)
