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
    ("supervisor.board_page", _l("看板"), {Role.SUPERVISOR}),
    ("kpi.index", _l("指标与报表"), {Role.SUPERVISOR}),
    ("tasks.index", _l("任务单"), {Role.AGENT, Role.SUPERVISOR}),
    ("tasks.queue", _l("本部门任务单"), {Role.STAFF}),
    ("tasks.callbacks", _l("我的回访"), {Role.AGENT}),
    ("notifications.index", _l("通知"), None),
    ("visitors.log", _l("访客登记"), None),
    ("visitors.incident_list", _l("突发事件"), None),
    ("visitors.overdue", _l("逾期报告"), {Role.SUPERVISOR}),
    ("visitors.watch_list", _l("关注名单"), {Role.SUPERVISOR}),
    ("visitors.appointments", _l("访客预约"), None),
    ("visitors.device_list", _l("访客终端"), {Role.ADMIN}),
    ("hotline.console", _l("热线"), {Role.AGENT, Role.SUPERVISOR}),
    ("hotline.agents", _l("坐席状态"), {Role.SUPERVISOR}),
    ("hotline.books", _l("话术与资料"), {Role.SUPERVISOR}),
    ("rotation.index", _l("轮值表"), {Role.SALES, Role.SUPERVISOR}),
    ("rotation.report", _l("接待统计"), {Role.SALES, Role.SUPERVISOR}),
    ("sales.today", _l("今日待办"), {Role.SALES}),
    ("sales.buyers", _l("客户档案"), {Role.SALES, Role.SUPERVISOR}),
    ("model_homes.rounds", _l("样板间巡查"), {Role.SUPERVISOR}),
    ("model_homes.assets", _l("资产备案"), {Role.SUPERVISOR}),
    ("model_homes.checks", _l("样板间检查项"), {Role.ADMIN}),
    ("admin.users", _l("用户"), {Role.ADMIN}),
    ("admin.departments", _l("部门"), {Role.ADMIN}),
    ("admin.calendar", _l("工作日历"), {Role.ADMIN}),
    ("tasks.policy", _l("时限设置"), {Role.ADMIN}),
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
    if user.has_role(Role.SUPERVISOR):
        return "supervisor.board_page"
    if user.has_role(Role.AGENT):
        return "hotline.console"
    return "main.home"
