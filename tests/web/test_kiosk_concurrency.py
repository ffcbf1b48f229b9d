"""Twenty tablets sign visitors in at the same moment: nothing lost, nothing duplicated."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.visits import Incident, Visit
from tests.kiosk_support import visit_data

THREADS = 20


def test_twenty_tablets_signing_in_at_once(app, paired_client, make_department):
    make_department("service_centre", "客服中心")
    tablets = [paired_client() for _ in range(THREADS)]

    def sign_in(n: int) -> int:
        purpose = VisitPurpose.COMPLAINT if n % 2 else VisitPurpose.REPAIR
        data = visit_data(purpose, name=f"访客{chr(0x4e00 + n)}", mobile=f"1381234{n:04d}", relation="owner")
        return tablets[n].post_form(f"/kiosk/visit/{purpose.value}", data).status_code

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        statuses = list(pool.map(sign_in, range(THREADS)))
    assert statuses == [303] * THREADS
    db.session.rollback()
    visits = db.session.scalars(select(Visit)).all()
    assert sorted(v.mobile for v in visits) == sorted(f"1381234{n:04d}" for n in range(THREADS))
    assert len({v.badge_code for v in visits}) == THREADS
    assert len({v.device_id for v in visits}) == THREADS
    assert db.session.scalar(select(func.count(Incident.id))) == THREADS // 2
    assert db.session.scalar(select(func.count(Notification.id))) == THREADS // 2


def test_ten_people_acknowledging_at_once_leave_one_named_owner(app, paired_client, make_department,
                                                                make_user):
    from kiosk.clock import utcnow
    from kiosk.services import incidents
    from tests.kiosk_support import sign_in as kiosk_sign_in

    make_department("service_centre", "客服中心")
    kiosk_sign_in(paired_client(), VisitPurpose.COMPLAINT, relation="owner")
    incident_id = db.session.scalar(select(Incident.id))
    people = [make_user("agent").id for _ in range(10)]

    def acknowledge(user_id: int) -> bool:
        with app.app_context():
            from kiosk.models.people import User

            try:
                return incidents.acknowledge(incident_id, db.session.get(User, user_id), utcnow())
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=10) as pool:
        wins = list(pool.map(acknowledge, people))
    assert wins.count(True) == 1
    db.session.rollback()
    assert db.session.scalar(select(Incident.acknowledged_by_id)) == people[wins.index(True)]
