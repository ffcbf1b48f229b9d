"""Two tablets (or a double tap) completing the same round, and overlapping cron runs of the missed-round
check: the round is recorded once and the supervisor alerted once. Threads against the file (SQLite) or
server (PostgreSQL) database."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import func, select, update

from kiosk.clock import utcnow
from kiosk.extensions import db
from kiosk.models.model_home import ModelHomeRound, RoundCheck
from kiosk.models.notifications import Notification
from kiosk.models.visits import KioskDevice
from kiosk.services import devices, model_home
from tests.support import in_threads

THREADS = 6
EIGHT_TWENTY = datetime(2026, 11, 23, 0, 20, tzinfo=UTC)  # 8:20 in Shanghai


def _home(make_user):
    make_user("supervisor")
    home = devices.register_device(name="样板间C户型", place="model_home", opens_at=time(8, 30),
                                   closes_at=time(19, 0), now=utcnow())
    db.session.execute(update(KioskDevice).where(KioskDevice.id == home.id)
                       .values(paired_at=datetime(2026, 11, 22, 16, tzinfo=UTC)))
    db.session.commit()
    model_home.ensure_default_checks()
    return home.id


def _in_threads(app, work):
    return in_threads(app, work, THREADS)


def test_a_round_completed_from_several_tablets_at_once_is_recorded_once(app, make_user):
    home_id = _home(make_user)

    def complete(n):
        home = db.session.get(KioskDevice, home_id)
        due = model_home.day_rounds(home, EIGHT_TWENTY.date())[0]
        results = [model_home.CheckResult(c, True, "") for c in model_home.checklist(due.kind)]
        try:
            model_home.complete_round(home, due, butler_name=f"管家{n}", results=results, now=EIGHT_TWENTY)
            return "done"
        except model_home.RoundRefused as refused:
            assert "已经有人完成了" in refused.message
            return "refused"

    outcomes = _in_threads(app, complete)
    assert sorted(outcomes) == ["done"] + ["refused"] * (THREADS - 1)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ModelHomeRound)) == 1
    assert db.session.scalar(select(func.count()).select_from(RoundCheck)) == 8


def test_overlapping_missed_round_checks_alert_once(app, make_user):
    _home(make_user)
    nine = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    counts = _in_threads(app, lambda _n: model_home.alert_missed_rounds(nine))
    assert sum(counts) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "model_home_missed")) == 1
