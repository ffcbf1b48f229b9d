"""The register's migration carries the owners stored before it: each mobile becomes the person's preferred
number, each unit a membership as owner, everyone gets search keys, and the units nobody owns are unsold."""

from __future__ import annotations

from flask_migrate import upgrade
from sqlalchemy import text

from kiosk import create_app
from kiosk.extensions import db

BEFORE = "a4c6e8f0b2d1"  # the revision the register's migration follows (or an ancestor, once re-chained)


def test_the_owners_stored_before_come_into_the_register(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO projects (id, name, address) VALUES (1, '湘江壹号', '')"))
            connection.execute(text("INSERT INTO buildings (id, project_id, name) VALUES (1, 1, '3栋')"))
            connection.execute(text("INSERT INTO units (id, building_id, number) VALUES "
                                    "(1, 1, '201'), (2, 1, '202')"))
            connection.execute(text(
                "INSERT INTO owners (id, name, name_initials, mobile, unit_id, moved_in_on, notes) VALUES "
                "(1, '曾小明', 'zxm', '13900001234', 1, '2025-07-01', ''), "
                "(2, '路人', 'lr', NULL, NULL, NULL, '')"))
        upgrade()
        with db.engine.connect() as connection:
            def rows(sql):
                return [tuple(r) for r in connection.execute(text(sql))]

            assert rows("SELECT owner_id, number, kind, preferred FROM owner_phones") == [
                (1, "13900001234", "mobile", True)]
            assert rows("SELECT owner_id, unit_id, relation, moved_in_on FROM unit_members") == [
                (1, 1, "owner", "2025-07-01")]
            keys = {key for (key,) in rows("SELECT key FROM owner_search_keys WHERE owner_id = 1")}
            assert {"py:zxm", "py:cxm", "nm:小明", "tel:13900001234", "t4:1234"} <= keys
            assert rows("SELECT id, status FROM units ORDER BY id") == [(1, "delivered"), (2, "unsold")]
        db.engine.dispose()


def test_the_people_on_file_with_a_latin_name_are_found_by_its_words_after_the_migration(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision="e4b70a93c1d8")  # the revision the Latin-word keys follow (or an ancestor)
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO owners (id, name, name_initials, notes) VALUES "
                                    "(1, 'Li Na', 'ln', ''), (2, '张建华', 'zjh', '')"))
        upgrade()
        with db.engine.connect() as connection:
            keys = [tuple(r) for r in connection.execute(text(
                "SELECT owner_id, key FROM owner_search_keys WHERE key LIKE 'lw:%' ORDER BY key"))]
    assert keys == [(1, "lw:li"), (1, "lw:na")]
