"""The navigation bar by role, and each role's home page after sign-in."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_request_context, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from kiosk.models.people import Role

#: Menu groups, by face: a group folds into one drop-down when a person's menu is long.
GROUPS = {
    "tasks": _l("任务"),
    "hotline": _l("热线"),
    "visitors": _l("访客"),
    "sales": _l("销售"),
    "model_homes": _l("样板间"),
    "admin": _l("系统管理"),
}

# (endpoint, label, roles that see it, group); admins see everything.
MENU = [
    ("main.home", _l("工作台"), None, None),
    ("supervisor.board_page", _l("看板"), {Role.SUPERVISOR}, None),
    ("kpi.index", _l("指标与报表"), {Role.SUPERVISOR}, None),
    ("tasks.index", _l("任务单"), {Role.AGENT, Role.SUPERVISOR}, "tasks"),
    ("tasks.queue", _l("本部门任务单"), {Role.STAFF}, "tasks"),
    ("tasks.callbacks", _l("我的回访"), {Role.AGENT}, "tasks"),
    ("notifications.index", _l("通知"), None, None),
    ("visitors.log", _l("访客登记"), None, "visitors"),
    ("visitors.incident_list", _l("突发事件"), None, "visitors"),
    ("visitors.overdue", _l("逾期报告"), {Role.SUPERVISOR}, "visitors"),
    ("visitors.watch_list", _l("关注名单"), {Role.SUPERVISOR}, "visitors"),
    ("visitors.appointments", _l("访客预约"), None, "visitors"),
    ("visitors.device_list", _l("访客终端"), {Role.ADMIN}, "visitors"),
    ("hotline.console", _l("热线"), {Role.AGENT, Role.SUPERVISOR}, "hotline"),
    ("hotline.agents", _l("坐席状态"), {Role.SUPERVISOR}, "hotline"),
    ("call_log.index", _l("通话记录"), {Role.AGENT, Role.SUPERVISOR}, "hotline"),
    ("hotline.books", _l("话术与资料"), {Role.SUPERVISOR}, "hotline"),
    ("register.search_page", _l("业主档案"), {Role.AGENT, Role.SUPERVISOR, Role.STAFF}, "hotline"),
    ("register.import_page", _l("档案导入"), {Role.SUPERVISOR}, "hotline"),
    ("register.coverage_page", _l("走访覆盖"), {Role.SUPERVISOR, Role.STAFF}, "hotline"),
    ("rotation.index", _l("轮值表"), {Role.SALES, Role.SUPERVISOR}, "sales"),
    ("rotation.report", _l("接待统计"), {Role.SALES, Role.SUPERVISOR}, "sales"),
    ("sales.today", _l("今日待办"), {Role.SALES}, "sales"),
    ("sales.buyers", _l("客户档案"), {Role.SALES, Role.SUPERVISOR}, "sales"),
    ("model_homes.rounds", _l("样板间巡查"), {Role.SUPERVISOR}, "model_homes"),
    ("model_homes.assets", _l("资产备案"), {Role.SUPERVISOR}, "model_homes"),
    ("model_homes.checks", _l("样板间检查项"), {Role.ADMIN}, "model_homes"),
    ("admin.users", _l("用户"), {Role.ADMIN}, "admin"),
    ("admin.departments", _l("部门"), {Role.ADMIN}, "admin"),
    ("admin.calendar", _l("工作日历"), {Role.ADMIN}, "admin"),
    ("admin.switchboards", _l("总机"), {Role.ADMIN}, "admin"),
    ("tasks.policy", _l("时限设置"), {Role.ADMIN}, "admin"),
    ("admin.jobs", _l("定时任务"), {Role.ADMIN}, "admin"),
    ("messages.outbox", _l("消息发送"), {Role.ADMIN}, "admin"),
    ("admin.audit_log", _l("操作日志"), {Role.ADMIN}, "admin"),
]

#: Up to this many links the menu is one flat row; a longer one folds its groups into drop-downs.
FLAT_MENU_LIMIT = 10


@dataclass(frozen=True)
class MenuLink:
    href: str
    label: str


@dataclass(frozen=True)
class MenuGroup:
    label: str
    links: tuple[MenuLink, ...]

    def holds(self, path: str) -> bool:
        return any(link.href == path for link in self.links)


def navigation_for(user) -> list[MenuLink | MenuGroup]:
    """The menu a person sees: the pages of their roles in MENU order.

    A menu of at most ``FLAT_MENU_LIMIT`` links (an agent's, a salesperson's, a department's) stays flat,
    one click to each page. A longer one (a supervisor's, an admin's) would wrap over two lines, so each
    group with two or more links becomes one drop-down at the place of its first link.
    """
    if not user.is_authenticated:
        return []
    # The same for everyone with these roles in this language: built once per app (a page's menu was
    # twenty ``url_for`` and as many translations on every page).
    held = frozenset(user.roles)
    key = (held, str(get_locale()), request.script_root if has_request_context() else "")
    menus = current_app.extensions.setdefault("menus", {})
    if key not in menus:
        menus[key] = tuple(_menu(held))
    return list(menus[key])


def _menu(held: frozenset[str]) -> list[MenuLink | MenuGroup]:
    visible = [(MenuLink(url_for(endpoint), str(label)), group) for endpoint, label, roles, group in MENU
               if roles is None or Role.ADMIN in held or held.intersection(roles)]
    if len(visible) <= FLAT_MENU_LIMIT:
        return [link for link, _group in visible]
    members: dict[str, list[MenuLink]] = {}
    for link, group in visible:
        if group is not None:
            members.setdefault(group, []).append(link)
    items: list[MenuLink | MenuGroup] = []
    for link, group in visible:
        if group is None or len(members[group]) == 1:
            items.append(link)
        elif members[group][0] is link:
            items.append(MenuGroup(str(GROUPS[group]), tuple(members[group])))
    return items


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
