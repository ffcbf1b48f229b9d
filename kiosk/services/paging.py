"""A list read a page at a time: the rows of one page, how many in all, which page of how many."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from kiosk.extensions import db

#: Rows on one page of a staff list.
PER_PAGE = 50


@dataclass(frozen=True)
class Page:
    rows: list
    total: int
    page: int
    pages: int


def page_of(statement: Select, page: int, per_page: int = PER_PAGE) -> Page:
    """Page ``page`` (kept within 1 … the last page) of ``statement``'s rows, in its own order."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    rows = db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total, page, pages)
