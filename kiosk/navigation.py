"""The navigation bar by role, and each role's home page after sign-in."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from kiosk.models.people import Role

ROLE_LABELS = {
    Role.ADMIN.value: _l("管理员"),
    Role.SUPERVISOR.value: _l("主管"),
    Role.AGENT.value: _l("热线坐席"),
    Role.STAFF.value: _l("部门员工"),
    Role.SALES.value: _l("销售顾问"),
}

# (endpoint, label, roles that see it); admins see everything.
MENU = [
    ("main.home", _l("工作台"), None),
    ("notifications.index", _l("通知"), None),
    ("rotation.index", _l("轮值表"), {Role.SALES, Role.SUPERVISOR}),
    ("rotation.report", _l("接待统计"), {Role.SALES, Role.SUPERVISOR}),
    ("admin.users", _l("用户"), {Role.ADMIN}),
    ("admin.departments", _l("部门"), {Role.ADMIN}),
    ("admin.calendar", _l("工作日历"), {Role.ADMIN}),
]


def navigation_for(user) -> list[tuple[str, str]]:
    if not user.is_authenticated:
        return []
    return [
        (url_for(endpoint), str(label))
        for endpoint, label, roles in MENU
        if roles is None or user.has_role(Role.ADMIN, *roles)
    ]


def home_endpoint(user) -> str:
    """Where a person lands after signing in."""
    if user.has_role(Role.ADMIN):
        return "admin.users"
    if user.has_role(Role.SALES):
        return "rotation.index"
    return "main.home"
