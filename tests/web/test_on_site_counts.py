"""The visits and people on site per place the database keeps (``OnSiteCount``, triggers on ``visits``), and
the board read from them: always what counting the visits on site says, and every change to a visit on site
a new visitors version."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import column, delete, func, select, table, text, update

from kiosk.clock import utcnow
from kiosk.domain.call_timer import Thresholds
from kiosk.domain.wallboard import Headline
from kiosk.extensions import db
from kiosk.models.visits import KioskDevice, OnSiteCount, Visit
from kiosk.services import board, visits
from tests.support import in_threads
from tests.web.test_board_live_panels import sign_in_visitor

#: SQLite's catalogue of the schema.
sqlite_master = table("sqlite_master", column("type"), column("name"), column("tbl_name"))


def kept_counts() -> dict:
    rows = db.session.execute(select(OnSiteCount.place, OnSiteCount.visits, OnSiteCount.people))
    return {place: (count, people) for place, count, people in rows if count or people}


def live_counts() -> dict:
    rows = db.session.execute(select(Visit.place, func.count(), func.sum(Visit.party_size))
                              .where(Visit.signed_out_at.is_(None)).group_by(Visit.place))
    return {place: (count, people) for place, count, people in rows}


def version() -> str:
    return board.panel_version("visitors", utcnow())[0]


def test_the_counts_and_the_version_follow_every_arrival_departure_and_change(make_device):
    desk = make_device("service_centre", closes_at=time(0, 0))  # closed by tomorrow: auto sign-out
    sales = make_device("sales_office")
    seen = {version()}

    def step(description: str) -> None:
        db.session.commit()
        assert kept_counts() == live_counts(), description
        now = version()
        assert now not in seen, description
        seen.add(now)

    first = sign_in_visitor(desk, name="孙晓", party_size=3)
    step("a sign-in")
    sign_in_visitor(desk, name="钱多")
    sign_in_visitor(sales, name="赵敏", party_size=2)
    deleted = sign_in_visitor(sales, name="周芳")
    step("sign-ins at two places")
    assert kept_counts() == {"service_centre": (2, 4), "sales_office": (2, 3)}
    assert visits.on_site_count() == (4, 7)
    visits.sign_out_by_staff(first.id, utcnow())
    step("a sign-out by staff")
    mobile = db.session.scalar(select(Visit.mobile).where(Visit.name == "赵敏"))
    visits.sign_out_at_kiosk("", mobile, utcnow())
    step("a sign-out at the kiosk")
    assert visits.purge_visitors(0, utcnow() + timedelta(seconds=1)) == 4
    step("the purge anonymising the visits on site too (the panel shows their names)")
    # Written behind the services' back (a script, an admin's fix): the database keeps the counts the same.
    db.session.execute(update(Visit).where(Visit.place == "service_centre", Visit.signed_out_at.is_(None))
                       .values(place="model_home", party_size=5))
    step("a visit on site moved to another place, with more people")
    db.session.execute(update(Visit).where(Visit.id == first.id).values(signed_out_at=None))
    step("a visit signed out by mistake back on site")
    seen_counts = kept_counts()
    gone = update(Visit).where(Visit.signed_out_at.is_not(None)).values(name="某某")
    assert db.session.execute(gone).rowcount == 1
    db.session.commit()
    assert kept_counts() == seen_counts and version() in seen  # a visit gone is not on the panel
    db.session.execute(delete(Visit).where(Visit.id == deleted.id))
    step("a visit on site deleted")
    assert visits.auto_sign_out(utcnow() + timedelta(days=1)) == 2
    step("the automatic sign-out at closing")
    assert kept_counts() == {} and visits.on_site_count() == (0, 0)
    assert board.visitors().by_place == []


def test_the_panel_and_the_headlines_show_the_counts(make_device):
    sign_in_visitor(make_device("service_centre"), name="孙晓", party_size=3)
    sign_in_visitor(make_device("model_home"), name="赵敏", party_size=2)
    sign_in_visitor(make_device("model_home"), name="周芳")
    on_site = board.visitors()
    assert on_site.by_place == [("model_home", 2, 3), ("service_centre", 1, 3)]
    assert (on_site.groups, on_site.people) == (3, 6) and len(on_site.visits) == 3
    values = {value.headline: value.value for value in board.headlines(
        utcnow(), ring_target_seconds=15, visitors_thresholds=Thresholds(20, 40))}
    assert values[Headline.VISITORS_ON_SITE] == 6


def test_the_headlines_version_follows_the_people_on_site_alone(make_device):
    """The wallboard shows how many people are on site: a party leaving as as many people arrive changes the
    visitors panel, not the headlines."""
    desk = make_device("service_centre")
    sign_in_visitor(desk, name="孙晓", party_size=2)
    headlines, panel = (board.panel_version(name, utcnow())[0] for name in ("headlines", "visitors"))
    sign_in_visitor(desk, name="钱多", party_size=2)
    visits.sign_out_by_staff(db.session.scalar(select(Visit.id).where(Visit.name == "孙晓")), utcnow())
    assert board.panel_version("visitors", utcnow())[0] != panel
    assert board.panel_version("headlines", utcnow())[0] == headlines
    sign_in_visitor(desk, name="赵敏")
    assert board.panel_version("headlines", utcnow())[0] != headlines


def test_tablets_at_one_place_signing_in_at_once_are_all_counted(app, make_device):
    """Each sign-in raises its place's row (on PostgreSQL, at its commit): those at once wait for each other
    there, none is lost, whether the place's row is yet to be made (the first round) or there."""
    tablets = [make_device("sales_office").id for _ in range(4)]
    db.session.commit()
    for round_ in range(2):
        def sign_in(i, round_=round_):
            device = db.session.get(KioskDevice, tablets[i])
            return sign_in_visitor(device, name=f"来访{round_}-{i}", party_size=i + 1).id

        assert len(set(in_threads(app, sign_in, len(tablets)))) == len(tablets)
        db.session.rollback()
        assert kept_counts() == live_counts() == {"sales_office": (4 * (round_ + 1), 10 * (round_ + 1))}


def test_the_triggers_that_keep_the_counts_are_there_at_the_newest_schema(app):
    """A later migration that rebuilds ``visits`` (SQLite's copy-and-move) drops its triggers: the counts
    would then stop following the visits without any error."""
    if db.engine.dialect.name == "sqlite":
        names = db.session.scalars(select(sqlite_master.c.name).where(
            sqlite_master.c.type == "trigger", sqlite_master.c.tbl_name == "visits"))
        assert set(names) >= {"on_site_counts_insert", "on_site_counts_delete", "on_site_counts_leave",
                              "on_site_counts_arrive"}
    else:
        names = db.session.scalars(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'visits'::regclass AND NOT tgisinternal"))
        assert set(names) >= {"on_site_counts_arrive", "on_site_counts_leave"}
