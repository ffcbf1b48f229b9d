"""Helpers for the kiosk tests: a valid sign-in per purpose, and reads of what requests committed."""

from __future__ import annotations

from kiosk.domain.classify import VisitPurpose
from kiosk.extensions import db

MOBILE = "13812345678"


def scalar(statement):
    """Read what the requests committed (end the test's own snapshot first)."""
    db.session.rollback()
    return db.session.scalar(statement)


def scalars(statement):
    db.session.rollback()
    return db.session.scalars(statement).all()


def fresh(row):
    db.session.rollback()
    db.session.refresh(row)


def visit_data(purpose: VisitPurpose, **extra) -> dict:
    data = {"name": "张三", "mobile": MOBILE, "party_size": "1", "consent": "y"}
    data.update({
        VisitPurpose.VIEWING: {"buyer_says": "before", "salesperson": "0"},
        VisitPurpose.COMPLAINT: {"relation": "other"},
        VisitPurpose.VISITING_PERSON: {"host_name": "李娜", "host_department_id": "0"},
        VisitPurpose.JOB_INTERVIEW: {"host_name": "", "host_department_id": "0"},
        VisitPurpose.DELIVERY_PROMOTION: {"organisation": "顺丰速运", "host_department_id": "0"},
        VisitPurpose.MEDIA_INTERVIEW: {"organisation": "长沙晚报", "host_name": ""},
        VisitPurpose.GOVERNMENT_INSPECTION: {"organisation": "岳麓区税务局", "host_name": ""},
        VisitPurpose.FORMER_EMPLOYEE: {"host_department_id": "0"},
        VisitPurpose.OTHER: {"host_name": ""},
    }.get(purpose, {}))
    data.update(extra)
    return data


def sign_in(client, purpose: VisitPurpose, htmx: bool = False, **extra):
    return client.post_form(f"/kiosk/visit/{purpose.value}", visit_data(purpose, **extra), htmx=htmx)
