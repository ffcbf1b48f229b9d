"""A visitor signed in twice is one visit: the same mobile, still on site, returns to its visit and badge."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.domain.classify import VisitPurpose
from kiosk.models.notifications import Notification
from kiosk.models.visits import Incident, Visit
from kiosk.services import visits
from tests.kiosk_support import MOBILE, scalar, scalars, sign_in
from tests.support import in_threads


def counts() -> tuple[int, int, int]:
    return (scalar(select(func.count(Visit.id))), scalar(select(func.count(Incident.id))),
            scalar(select(func.count(Notification.id)).where(Notification.kind == "visitor_incident")))


def test_signing_in_again_while_on_site_returns_to_the_same_visit_and_badge(paired_client, make_department):
    make_department("service_centre", "客服中心")
    tablet = paired_client()
    assert sign_in(tablet, VisitPurpose.COMPLAINT, relation="owner").status_code == 303
    first = tablet.get("/kiosk/done").get_data(as_text=True)
    [visit] = scalars(select(Visit))
    assert visit.badge_code in first and "登记成功" in first
    # Forgot they had signed in, or tapped through again on another tablet: a fresh form, a new key.
    other = paired_client()
    assert sign_in(other, VisitPurpose.COMPLAINT, relation="owner", name="张 三").status_code == 303
    again = other.get("/kiosk/done").get_data(as_text=True)
    assert visit.badge_code in again and "您已登记" in again
    assert counts() == (1, 1, 1)  # one visit, one A-class incident, one urgent alert
    assert visits.on_site_count() == (1, 1)


def test_a_double_tap_of_a_visitor_found_on_site_is_welcomed_back_twice(paired_client):
    """The same form sent twice (one key) by someone already on site: the repeat is answered as the first
    sending was, "您已登记", not as a new sign-in, and still nothing new is made."""
    sign_in(paired_client(), VisitPurpose.REPAIR)
    [visit] = scalars(select(Visit))
    other = paired_client()
    for _tap in range(2):
        assert sign_in(other, VisitPurpose.REPAIR, submission_key="k" * 20).status_code == 303
        page = other.get("/kiosk/done").get_data(as_text=True)
        assert visit.badge_code in page and "您已登记，欢迎回来" in page and "登记成功" not in page
    assert scalar(select(func.count(Visit.id))) == 1


def test_a_double_tap_of_a_new_visitor_shows_the_one_new_visit(paired_client):
    tablet = paired_client()
    for _tap in range(2):
        assert sign_in(tablet, VisitPurpose.REPAIR, submission_key="k" * 20).status_code == 303
        page = tablet.get("/kiosk/done").get_data(as_text=True)
        assert "登记成功，谢谢" in page and "您已登记" not in page
    [visit] = scalars(select(Visit))
    assert visit.badge_code in page


def test_after_signing_out_the_same_mobile_is_a_new_visit(paired_client):
    tablet = paired_client()
    sign_in(tablet, VisitPurpose.REPAIR)
    assert tablet.post_form("/kiosk/sign-out", {"code": MOBILE}).status_code == 303
    sign_in(tablet, VisitPurpose.REPAIR)
    rows = scalars(select(Visit).order_by(Visit.id))
    assert len(rows) == 2 and rows[0].badge_code != rows[1].badge_code
    assert rows[0].signed_out_at is not None and rows[1].signed_out_at is None


def test_another_place_is_another_visit(paired_client):
    sign_in(paired_client("service_centre"), VisitPurpose.REPAIR)
    sign_in(paired_client("management_office"), VisitPurpose.REPAIR)
    assert {v.place for v in scalars(select(Visit))} == {"service_centre", "management_office"}


def test_two_tablets_signing_the_same_person_in_at_once_make_one_visit(app, paired_client, make_department):
    """Two kiosks, the same mobile, the same moment (threads on SQLite and PostgreSQL): one visit, one
    incident, one urgent alert, counted once on site; every tablet shows the same badge."""
    make_department("service_centre", "客服中心")
    tablets = [paired_client() for _ in range(6)]

    def go(n: int) -> str:
        response = sign_in(tablets[n], VisitPurpose.COMPLAINT, relation="owner")
        assert response.status_code == 303
        return tablets[n].get("/kiosk/done").get_data(as_text=True)

    pages = in_threads(app, go, 6)
    [visit] = scalars(select(Visit))
    assert all(visit.badge_code in page for page in pages)
    assert counts() == (1, 1, 1)
    assert visits.on_site_count() == (1, 1)
