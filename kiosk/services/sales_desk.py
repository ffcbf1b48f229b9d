"""The sales-office tablet hands a buyer to the salesperson the rotation names (seed 001 制度1 第3–17条).

A buyer who signs in at the sales office answers the on-duty salesperson's first question on the tablet
(制度1 第12条: been here before, and with whom?). Once the visit is stored, :func:`hand_off` asks the
rotation who receives the group. The group is the visit (``visit-<id>``), so asking twice gives the same
person and nobody is told twice (制度1 第10条). The same buyer again today (by a keyed hash of their
mobile number, never the number itself) goes back to whoever has them (制度2 第8条).

The sign-in never fails because of this step: when the rotation cannot decide (an error), the visit
stays recorded, the front desk (the salespeople) is told and the tablet says the reception desk will
help. Outside the table's hours nobody is named (``table_in_force``) and the sales supervisor is told.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from kiosk.clock import local
from kiosk.database import unit_of_work
from kiosk.domain.classify import Place, VisitPurpose
from kiosk.domain.rotation import BuyerSays, kind_from_kiosk, table_in_force
from kiosk.extensions import db
from kiosk.models.people import Role, User
from kiosk.models.visits import Visit
from kiosk.services import rotation, submissions
from kiosk.services.notifications import notify

log = logging.getLogger(__name__)

OFFICE = rotation.DEFAULT_OFFICE
#: The hand-off claims the sign-in's key under this form name: one rotation event per sign-in.
HAND_OFF_FORM = "kiosk_hand_off"


def hands_off(place: Place, purpose: VisitPurpose) -> bool:
    """Only a buyer (看房) at the sales office is handed to a salesperson by the rotation (制度1 第3条)."""
    return place is Place.SALES_OFFICE and purpose is VisitPurpose.VIEWING


def group_id(visit: Visit) -> str:
    """The rotation's customer group for a kiosk visit: one visit, one group."""
    return f"visit-{visit.id}"


def customer_key(mobile: str | None, secret: str) -> str | None:
    """The same buyer across the day without storing their number (HMAC of the mobile, 制度2 第8条)."""
    if not mobile:
        return None
    return "m-" + hmac.new(secret.encode(), mobile.encode(), hashlib.sha256).hexdigest()[:20]


def _label(visit: Visit) -> str:
    return f"{visit.name}（{visit.party_size} 人）"


def hand_off(visit_id: int, answer: BuyerSays, named_salesperson_id: int | None, *, now: datetime,
             secret: str, submission: submissions.Submission | None = None) -> User | None:
    """Decide and store who receives a signed-in buyer; the receiver, or None (the desk will help).

    The caller has committed the visit. Any error here is logged, rolled back and reported to the front
    desk; it is never raised to the tablet. ``submission`` is the sign-in's: a sign-in sent twice asks
    twice (the repeat must answer with the salesperson too, and completes a hand-off the first request
    never got to), but the rotation stores one event, whichever asks first, and the supervisors hear of
    a buyer out of hours once.
    """
    label = f"visit-{visit_id}"
    try:
        visit = db.session.get(Visit, visit_id)
        label = _label(visit)
        state = rotation.replay_day(rotation.open_day(OFFICE, local(now).date(), now))
        if not table_in_force(state.roster, local(now)):
            if submission is None or not submission.repeat:
                with unit_of_work():
                    rotation.tell_sales_supervisors(
                        f"售楼处工作时间以外有客户到访：{label}",
                        "不在轮值表的工作时间内，请安排接待（制度1 第4条）。", now)
            return None
        reception = rotation.receive_customer(
            OFFICE, group_id(visit), kind_from_kiosk(answer), named_salesperson_id,
            customer_key=customer_key(visit.mobile, secret), label=label, now=now,
            submission=replace(submission, form=HAND_OFF_FORM, repeat=False) if submission else None,
        )
        return reception.receiver
    except Exception:
        db.session.rollback()
        log.exception("rotation hand-off failed for visit %s", visit_id)
        _tell_front_desk(label, now)
        return None


def _tell_front_desk(label: str, now: datetime) -> None:
    try:
        with unit_of_work():
            notify(kind="rotation", title=f"售楼处访客已登记，未能自动分配置业顾问：{label}",
                   body="请前台按轮值表接待，并由销售主管补记。", link=rotation.PAGE_PATH, level="urgent",
                   role=Role.SALES.value, now=now)
    except Exception:
        log.exception("could not tell the sales front desk about %s", label)


def receiver_for(visit: Visit) -> User | None:
    """Who receives this kiosk visit, as the rotation stored it (None: the reception desk will help)."""
    return receivers_for([visit]).get(visit.id)


def receivers_for(visits: Iterable[Visit]) -> dict[int, User]:
    """Who received each handed-off visit, by visit id, for the visitor log: one replay per day.

    Visits the rotation never saw (not a buyer at the sales office) and groups nobody received are left out.
    """
    by_day: dict[date, dict[str, int]] = defaultdict(dict)
    for visit in visits:
        if hands_off(Place(visit.place), VisitPurpose(visit.purpose)):
            by_day[local(visit.signed_in_at).date()][group_id(visit)] = visit.id
    found = {}
    for day, groups in by_day.items():
        for group, user in rotation.receivers_of(OFFICE, day, groups).items():
            found[groups[group]] = user
    return found
