"""The engine's dispatch tables are complete: every event type has a handler (``apply``), every kind of
customer a rule (``assign``)."""

from datetime import date, datetime
from typing import get_args

import pytest

from kiosk.domain.rotation import CustomerArrived, CustomerKind, Event, Outcome, Roster, assign, start_day
from kiosk.domain.rotation.folding import _HANDLERS


def test_every_event_type_has_a_handler():
    assert set(_HANDLERS) == set(get_args(Event))


@pytest.mark.parametrize("kind", list(CustomerKind))
def test_every_kind_of_customer_has_a_rule_citing_an_article(kind):
    day = start_day(Roster(date(2026, 12, 4), ("甲", "乙", "丙")))
    decided = assign(day, CustomerArrived(datetime(2026, 12, 4, 10), "g1", kind))
    assert decided.outcome is Outcome.RECEIVED
    assert decided.article.startswith("制度") and decided.count_article.startswith("制度")
