"""Every owner can be found by pinyin initials: the migration fills in owners stored before initials
existed, and every way an owner is created or renamed keeps them."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from kiosk import create_app
from kiosk.extensions import db
from kiosk.models.property import Owner
from kiosk.services import register
from tests.web.hotline_support import add_owner

BEFORE = "396e37eed9eb"  # the revision before the backfill


def test_the_migration_fills_in_initials_of_owners_stored_without_them(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO owners (name, name_initials, notes) VALUES "
                "('张建华', '', ''), ('Li Na', '', ''), ('陈晓东', 'cxd', ''), ('—', '', '')"))
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT name, name_initials FROM owners ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("张建华", "zjh"), ("Li Na", "ln"), ("陈晓东", "cxd"), ("—", "")]
        downgrade(revision=BEFORE)  # reversible; the filled-in initials stay
        upgrade()
        db.engine.dispose()


def test_a_new_or_renamed_owner_gets_initials_from_the_model(app):
    owner = add_owner(name="王志强")
    assert owner.name_initials == "wzq"
    owner.name = "刘桂兰"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Owner, owner.id).name_initials == "lgl"
    assert [o.id for o in register.search("lgl")] == [owner.id]


def test_a_caller_saved_from_the_call_screen_gets_initials(client, login_as):
    login_as("agent")
    started = client.post_form("/hotline/calls/start", {"caller_number": "13700001111"})
    call_id = int(started.headers["Location"].rsplit("/", 1)[1])
    response = client.post_form(f"/hotline/calls/{call_id}/new-caller",
                                {"name": "赵雪梅", "mobile": "13700001111", "unit_id": "0"})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Owner.name_initials).where(Owner.name == "赵雪梅")) == "zxm"


def test_every_demo_owner_has_initials(app):
    from kiosk.clock import utcnow
    from kiosk.devtools.demo import seed_demo

    seed_demo(utcnow())
    initials = db.session.scalars(select(Owner.name_initials)).all()
    assert initials and all(initials)
