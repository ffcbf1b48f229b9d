"""Hotline rules: how a call is classified, which deadline path its outcome takes, how a call's state
is merged from switchboard events, how phrases are filled in, and when a wrong answer is corrected.

* Seed 003 §2(1): answer → record → confirm (read it back) → handle on the spot or pass on → follow up.
* Classification (seed 003 §2(2)–(5), DOMAIN.md §3): an **inquiry** is answered at once when possible
  (no slip, no deadline); a **service request** becomes a task slip, routine (1 working day) or major
  (3 working days, seed 004 §2); a **complaint** is a slip with the 24-hour answer deadline (seed 003 篇3
  §12); an **emergency/hazard** is reported at once with the short emergency deadline (seed 003 §2(5));
  a **suggestion** is thanked and logged (seed 003 篇3 §13).
* A complaint must be passed on as a complaint and an emergency as an emergency: an agent cannot
  "answer on the spot" a gas leak (seed 003 §2(4), §2(5)). Other categories may take any outcome.
* First-contact responsibility (首问责任制, seed 003 §2(3), DOMAIN.md §3): the agent who took the call owns
  what it leads to (its slip, its correction callback) until it is closed. Another agent does not work on
  that call; a supervisor may, and the call's agent stays the owner.
* A settled call is what the centre answered (seed 003 §2(1) 记录 → 确认 → 处理): only a supervisor
  corrects it afterwards (who the caller was), and says why; the reason stays in the call's history
  (``settled_call_change``).
* Seed 003 §2(5) "对发现答复错误，立即致电纠正并道歉": a call answered on the spot whose answer proves wrong
  gets an immediate correction callback, owned by the agent who gave the answer; a second report while
  one correction is still open adds nothing.
* Seed 003 §2(12): the standard phrases (``STANDARD_PHRASES``) a new phrase book starts with.
* Seed 003 §2(2)(1) "三声内接听" is measured from the switchboard's own times, so a switchboard event is
  taken only when it is dated close to our clock (``event_time_refused``): a live switchboard sends each
  event as it happens, and one dated 2001 or 2099 would leave a call ringing for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kiosk.domain.deadlines import Priority


class CallCategory(StrEnum):
    INQUIRY = "inquiry"  # 咨询
    SERVICE_REQUEST = "service_request"  # 报修/服务需求
    COMPLAINT = "complaint"  # 投诉
    EMERGENCY = "emergency"  # 应急/隐患
    SUGGESTION = "suggestion"  # 建议
    OTHER = "other"


class Disposition(StrEnum):
    ANSWERED_ON_SPOT = "answered_on_spot"
    SLIP = "slip"
    TRANSFERRED = "transferred"
    COMPLAINT = "complaint"
    EMERGENCY = "emergency"
    SUGGESTION = "suggestion"
    # An outbound callback (回访, seed 003 §2(1) 结果跟踪回访): settled by the callback's result.
    CALLBACK = "callback"

    @property
    def opens_slip(self) -> bool:
        return self in (Disposition.SLIP, Disposition.COMPLAINT, Disposition.EMERGENCY)


class CallState(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


class AgentStatus(StrEnum):
    AVAILABLE = "available"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    #: Signed out of the console (or set 离线): out of the switch's queues, handed no calls.
    OFFLINE = "offline"


class CtiEvent(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    HANGUP = "hangup"
    # A switch's own events (kiosk.domain.asterisk): the answered call moved to another agent's extension
    # (a transfer), and the name of the switch's recording of the call.
    TRANSFER = "transfer"
    RECORDING = "recording"


@dataclass(frozen=True)
class CtiPayload:
    """One call event as the app applies it, whichever door it came through (the signed webhook, the
    generic webhook, the Asterisk connector): what happened to which call of the switchboard, when (the
    switch's clock), and at which agent's extension."""

    event: CtiEvent
    call_id: str
    at: datetime
    caller: str = ""
    called: str = ""
    direction: str = "in"
    extension: str = ""
    queue: str = ""
    recording: str = ""
    cause: str = ""  # a hangup's HangupCause, when the switch tells it

    @property
    def detail(self) -> str:
        """What tells this event apart from another of its kind on the same call: a queue rings one agent
        after another and a call may be transferred more than once, so a ring or a transfer is one per
        extension; a recording one per file; the answer and the hangup are once per call."""
        if self.event in (CtiEvent.RINGING, CtiEvent.TRANSFER):
            return self.extension
        if self.event is CtiEvent.RECORDING:
            return self.recording
        return ""


#: The events a webhook sends (a transfer and a recording are told by the Asterisk connector only).
WEBHOOK_EVENTS = (CtiEvent.RINGING, CtiEvent.ANSWERED, CtiEvent.HANGUP)

#: Zammad's generic CTI API names its events newCall / answer / hangup; both spellings are accepted.
CTI_EVENT_ALIASES = {"newcall": CtiEvent.RINGING, "answer": CtiEvent.ANSWERED}


def cti_event(name: str) -> CtiEvent | None:
    """The event a switchboard names, or ``None`` for one we do not know."""
    key = (name or "").strip().lower()
    if key in CTI_EVENT_ALIASES:
        return CTI_EVENT_ALIASES[key]
    return next((event for event in WEBHOOK_EVENTS if event.value == key), None)


class CtiRefusal(StrEnum):
    """Why a switchboard's event was refused (counted per switchboard and day for the administrator)."""

    BAD_SIGNATURE = "bad_signature"
    CLOCK_SKEW = "clock_skew"
    TOO_DEEP = "too_deep"
    MALFORMED = "malformed"
    BAD_TOKEN = "bad_token"  # the generic webhook's address carries no switchboard's token


def event_time_refused(at: datetime, now: datetime, max_skew: timedelta) -> bool:
    """Is an event dated ``at`` further than ``max_skew`` (either way) from our clock's ``now``?"""
    return abs(at - now) > max_skew


def category_priority(category: CallCategory, major: bool = False) -> Priority | None:
    """The deadline path of a call's category (seed 004 §2, seed 003 篇3 §12, seed 003 §2(5)).

    inquiry, suggestion, other → no slip and no deadline of their own; service request → routine
    (1 working day) or, when the agent marks it major, major (3 working days); complaint → 24 hours;
    emergency → the emergency allowance.
    """
    category = CallCategory(category)
    if category is CallCategory.SERVICE_REQUEST:
        return Priority.MAJOR if major else Priority.ROUTINE
    if category is CallCategory.COMPLAINT:
        return Priority.COMPLAINT
    if category is CallCategory.EMERGENCY:
        return Priority.EMERGENCY
    return None


def dispatch_priority(disposition: Disposition, category: CallCategory,
                      major: bool = False) -> Priority | None:
    """The priority of the slip an outcome opens, or ``None`` when it opens none.

    A complaint outcome is always 24 h and an emergency outcome always the emergency allowance. A plain
    slip takes its category's path; a category without one (an inquiry nobody could answer at once) is
    routine, or major when marked so.
    """
    disposition = Disposition(disposition)
    if disposition is Disposition.COMPLAINT:
        return Priority.COMPLAINT
    if disposition is Disposition.EMERGENCY:
        return Priority.EMERGENCY
    if disposition is Disposition.SLIP:
        return category_priority(category, major) or (Priority.MAJOR if major else Priority.ROUTINE)
    return None


#: Categories that allow only one outcome (seed 003 §2(4), §2(5)).
REQUIRED_DISPOSITION = {
    CallCategory.COMPLAINT: Disposition.COMPLAINT,
    CallCategory.EMERGENCY: Disposition.EMERGENCY,
}


def disposition_allowed(category: CallCategory, disposition: Disposition) -> bool:
    required = REQUIRED_DISPOSITION.get(CallCategory(category))
    return required is None or required is Disposition(disposition)


def can_report_wrong_answer(disposition: str | None, open_correction: bool) -> bool:
    """A correction callback is due for a call answered on the spot, unless one is already open."""
    return disposition == Disposition.ANSWERED_ON_SPOT and not open_correction


def first_contact_owner(call_agent_id: int | None, acting_id: int) -> int:
    """Who owns what a call leads to (its slip, its correction callback): the agent who took the call,
    whoever settles it or finds the wrong answer; a call nobody took belongs to whoever acts on it."""
    return call_agent_id if call_agent_id is not None else acting_id


def may_work_on_call(call_agent_id: int | None, user_id: int, *, supervises: bool) -> bool:
    """Record, confirm, settle a call or use a phrase on it: its own agent, or anyone while it has none;
    a supervisor on any call. Another agent's call is not theirs to work on."""
    return supervises or call_agent_id is None or call_agent_id == user_id


def may_hear_recording(call_agent_id: int | None, user_id: int, *, supervises: bool) -> bool:
    """A call's recording is what the caller said (seed 003 §2(9) confidentiality): supervisors play any
    call's, an agent only the calls they took themselves."""
    return supervises or (call_agent_id is not None and call_agent_id == user_id)


class SettledChange(StrEnum):
    """The answer to "may this change be made to a call?" once its owner rule is met."""

    ALLOWED = "allowed"
    SUPERVISORS_ONLY = "supervisors_only"
    REASON_REQUIRED = "reason_required"


def settled_call_change(settled: bool, *, supervises: bool, reason: str) -> SettledChange:
    """A call not yet settled is changed by whoever may work on it. A settled call is the centre's record
    of what was answered and passed on (seed 003 §2(1)): its agent no longer changes it; a supervisor may
    correct it, giving the reason, which is kept in the call's history."""
    if not settled:
        return SettledChange.ALLOWED
    if not supervises:
        return SettledChange.SUPERVISORS_ONLY
    if not reason.strip():
        return SettledChange.REASON_REQUIRED
    return SettledChange.ALLOWED


@dataclass(frozen=True)
class CallTimes:
    ringing_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None

    @property
    def state(self) -> CallState:
        if self.ended_at is not None:
            return CallState.ENDED
        if self.answered_at is not None:
            return CallState.ANSWERED
        return CallState.RINGING

    @property
    def ring_seconds(self) -> int | None:
        """First ring to pick-up; never negative when events carry skewed clocks."""
        if self.ringing_at is None or self.answered_at is None:
            return None
        return max(0, round((self.answered_at - self.ringing_at).total_seconds()))

    @property
    def talk_seconds(self) -> int | None:
        if self.answered_at is None or self.ended_at is None:
            return None
        return max(0, round((self.ended_at - self.answered_at).total_seconds()))


def _earliest(current: datetime | None, new: datetime) -> datetime:
    return new if current is None else min(current, new)


def merge_event(times: CallTimes, event: CtiEvent, at: datetime) -> CallTimes:
    """Fold one switchboard event into a call's times, whatever order the events arrive in.

    Each event only ever sets its own moment, keeping the earliest report of it, so repeats change
    nothing and a hangup that overtakes its answer, or an answer that overtakes its ring, still leaves
    the right state and durations once all have arrived. A call answered without a ring event rang from
    the moment it was answered (a ring we never saw is not counted against the agent).
    """
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    if event is CtiEvent.RINGING:
        return CallTimes(_earliest(times.ringing_at, at), times.answered_at, times.ended_at)
    if event is CtiEvent.ANSWERED:
        return CallTimes(_earliest(times.ringing_at, at), _earliest(times.answered_at, at), times.ended_at)
    if event in (CtiEvent.TRANSFER, CtiEvent.RECORDING):  # the call's own moments are not touched
        return times
    return CallTimes(_earliest(times.ringing_at, at), times.answered_at, _earliest(times.ended_at, at))


class HangupCause(StrEnum):
    """Why the switch says a call ended: the ``cause`` of the generic CTI format's hangup (the names
    Zammad's format uses), kept on the call and shown on its screen."""

    NORMAL = "normal"  # normalClearing
    BUSY = "busy"
    CANCEL = "cancel"  # the caller hung up before the answer
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    NOT_FOUND = "not_found"
    FORWARDED = "forwarded"


_GENERIC_CAUSES = {"normalclearing": HangupCause.NORMAL, "busy": HangupCause.BUSY,
                   "cancel": HangupCause.CANCEL, "noanswer": HangupCause.NO_ANSWER,
                   "congestion": HangupCause.CONGESTION, "notfound": HangupCause.NOT_FOUND,
                   "forwarded": HangupCause.FORWARDED}


def generic_hangup_cause(text: str) -> HangupCause | None:
    """The generic format's ``cause`` (``normalClearing``, ``noAnswer``, ``no_answer`` … in any case);
    ``None`` for a cause it does not name (a switch's own words are not shown as if they were ours)."""
    return _GENERIC_CAUSES.get(text.replace("_", "").replace("-", "").lower())


class CallLost(StrEnum):
    """Why a call was closed without its hangup (kept on the call, shown on its screen)."""

    NO_EVENT = "no_event"  # the switchboard (or the agent) sent nothing for longer than the setting


def lost_since(times: CallTimes, created_at: datetime, *, direction: str, ringing_after: timedelta,
               answered_after: timedelta, now: datetime) -> bool:
    """Is a call still open on the boards lost: nothing heard of it for longer than its setting?

    A board shows a ringing or answered call with its clock until the hangup comes; a switchboard that
    drops the hangup (or an agent who leaves a hand-taken call open) would keep it red for ever. Seed 003
    §2(2)(1) asks for an answer within three rings (15 s): a call ringing for ``ringing_after`` (minutes)
    has long been given up by its caller. Seed 003 §2(11) keeps calls within three minutes; an answered
    call with no event for ``answered_after`` (hours) is no call any more. An outbound call still
    "ringing" is a callback or correction waiting for its agent, a duty, never lost.
    """
    if times.state is CallState.ENDED:
        return False
    if times.state is CallState.ANSWERED:
        return now - times.answered_at > answered_after
    if direction != "in":
        return False
    return now - (times.ringing_at or created_at) > ringing_after


def agent_status_after(event: CtiEvent, times: CallTimes, *, settled: bool) -> AgentStatus | None:
    """The agent's state after a pick-up or hang-up event, judged by the call once the event is merged.

    On a call while it is answered and not ended. Once an answered call has ended (also when the hangup
    overtook the answer): wrap-up while the call is still to be settled, available when the agent
    settled it before the caller hung up (nothing is left to write up). A ring, or the hangup of a call
    nobody answered, says nothing about the agent.
    """
    if event in (CtiEvent.RINGING, CtiEvent.RECORDING):
        return None
    if times.state is CallState.ANSWERED:
        return AgentStatus.ON_CALL
    if times.state is CallState.ENDED and times.answered_at is not None:
        return AgentStatus.AVAILABLE if settled else AgentStatus.WRAP_UP
    return None


PLACEHOLDERS = ("{hotline}", "{surname}")

#: Seed 003 §2(12): the standard phrases a phrase book starts with, as (stage, text) in the order of a
#: call. Supervisors edit the book afterwards (``flask seed-phrases`` loads these into an empty one).
STANDARD_PHRASES = (
    ("greeting", "您好，这里是{hotline}服务热线，请问需要什么服务？请讲……"),
    ("ask_repeat", "对不起，您可以讲慢点吗？"),
    ("ask_surname", "请问您贵姓？"),
    ("calming", "{surname}先生/女士，您别急，慢慢说……"),
    ("ask_repeat", "不好意思，有些问题没有听清楚，请您再说一遍。"),
    ("recording", "您稍等，我正在记录您的问题。"),
    ("waiting", "不好意思，让您久等了。"),
    ("anything_else", "您还有什么需要补充的吗？请讲……"),
    ("transferring", "不好意思，这个问题我给您转相关部门主管，他会给您详细解答，请稍等……"),
    ("complaint_accepted", "您的投诉已经受理，我们会尽快办理，并尽快给您答复。"),
    ("suggestion_thanks", "谢谢，我们做得还不够，请多提宝贵意见。"),
    ("suggestion_thanks", "非常感谢您提出的宝贵意见，我们一定认真改正。"),
    ("suggestion_thanks", "您的建议很好，我们一定尽力去做。"),
    ("goodbye", "谢谢您拨打服务热线，再见。"),
)


def fill_phrase(text: str, *, hotline: str, surname: str = "") -> str:
    """A standard phrase with ``{hotline}`` and ``{surname}`` filled in; other braces stay as written.

    Without a known surname the polite form is kept without it ("先生/女士，您别急……").
    """
    return text.replace("{hotline}", hotline).replace("{surname}", surname.strip())


def surname_of(name: str) -> str:
    """The surname in a Chinese full name: its first character (two-character surnames are rare)."""
    return name.strip()[:1]


def pinyin_initials(name: str) -> str:
    """``'张建华' -> 'zjh'``: the first letter of each character's pinyin (of each word in a Latin name).

    ``pypinyin`` is imported here, when a name is first indexed or searched: its phrase dictionary takes
    55 MB in each process that loads it (tests/web/test_lazy_imports.py)."""
    from pypinyin import Style, lazy_pinyin

    parts = lazy_pinyin(name.strip(), style=Style.FIRST_LETTER, errors="default")
    return "".join(word[0] for part in parts for word in part.split()
                   if word[0].isascii() and word[0].isalnum()).lower()
