"""Ten buyers sign in at once on the sales office's three tablets, through the kiosk's own endpoint: ten
visits, ten groups, each handed to exactly one salesperson, in table order (seed 001 制度1 第3、10、27条)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

from sqlalchemy import select

from kiosk.domain.classify import VisitPurpose
from kiosk.domain.rotation import Outcome, reception_counts
from kiosk.extensions import db
from kiosk.models.notifications import Notification
from kiosk.models.rotation import RotationDay
from kiosk.models.visits import Visit
from kiosk.services import devices, rotation
from tests.kiosk_support import visit_data

TEN = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DAY = date(2026, 11, 23)
GROUPS = 10


def test_ten_buyers_on_three_tablets_at_once_get_ten_distinct_rule_correct_salespeople(
        app, paired_client, make_user, monkeypatch):
    # The tablets pair at 10:00 of the test's day, hours ago by the real clock, so every request also
    # refreshes the tablet's last-seen time: three tablets writing that at once must not fail either.
    monkeypatch.setattr("kiosk.blueprints.visitor_kiosk.utcnow", lambda: TEN)
    team = [make_user("sales", display_name=name) for name in ("王敏", "张伟", "杨帆")]
    tablets = [paired_client("sales_office") for _ in range(3)]
    credentials = [t.get_cookie(devices.COOKIE_NAME).value for t in tablets]
    # One browser session per buyer, each on one of the three tablets (the device cookie is the tablet).
    buyers = []
    for n in range(GROUPS):
        client = app.test_client()
        client.set_cookie(devices.COOKIE_NAME, credentials[n % 3])
        client.csrf_token()
        buyers.append(client)
    start = threading.Barrier(GROUPS)

    def sign_in(n: int) -> int:
        data = visit_data(VisitPurpose.VIEWING, name=f"客户{chr(0x4e00 + n)}", mobile=f"1391234{n:04d}",
                          buyer_says="first", salesperson="0")
        start.wait()
        return buyers[n].post_form("/kiosk/visit/viewing", data).status_code

    with ThreadPoolExecutor(max_workers=GROUPS) as pool:
        statuses = list(pool.map(sign_in, range(GROUPS)))

    assert statuses == [303] * GROUPS
    db.session.rollback()
    visits = db.session.scalars(select(Visit)).all()
    assert len(visits) == GROUPS and {v.device_id for v in visits} == {t.device_id for t in tablets}
    row = db.session.scalar(select(RotationDay))
    assert [e.seq for e in row.events] == list(range(1, GROUPS + 1))
    state = rotation.replay_day(row)
    # Every visit is one group, received once, by one person.
    assert sorted(a.group_id for a in state.assignments) == sorted(f"visit-{v.id}" for v in visits)
    assert all(a.outcome is Outcome.RECEIVED for a in state.assignments)
    # In the order the tablets were served, the receivers go round the table.
    order = [u.id for u in team]
    assert [rotation.uid(a.receiver) for a in state.assignments] == [order[i % 3] for i in range(GROUPS)]
    counts = reception_counts(state).values()
    assert max(counts) - min(counts) <= 1
    # Each receiver was told once per group, and each tablet shows its last buyer their salesperson.
    told = Counter(db.session.scalars(select(Notification.user_id)))
    assert told == Counter(rotation.uid(a.receiver) for a in state.assignments)
    for n, client in enumerate(buyers):
        visit = next(v for v in visits if v.mobile == f"1391234{n:04d}")
        receiver = state.received(f"visit-{visit.id}").receiver
        name = next(u.display_name for u in team if u.id == rotation.uid(receiver))
        assert f"顾问 {name} 马上来接待您" in client.get("/kiosk/done").get_data(as_text=True)
