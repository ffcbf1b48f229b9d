"""The menu: one flat row for a short menu, drop-downs by face for a long one (it would wrap otherwise)."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from kiosk.extensions import db
from kiosk.web.navigation import FLAT_MENU_LIMIT, MenuGroup, MenuLink, navigation_for


def menu_of(html: str) -> str:
    return re.search(r'<nav class="menu".*?</nav>', html, re.S).group(0)


def top_level(html: str) -> list[str]:
    """The menu's top-level entries as a person sees them: link texts and drop-down titles."""
    menu = re.sub(r'<div class="menu-list">.*?</div>', "", menu_of(html), flags=re.S)
    return [text.strip() for text in re.findall(r"<(?:a|summary)\b[^>]*>([^<]*)</", menu)]


@pytest.mark.parametrize("roles, landing", [(("agent",), "/hotline/"), (("sales",), "/rotation/"),
                                            (("staff",), "/tasks/queue")])
def test_a_short_menu_is_one_flat_row_one_click_to_each_page(client, login_as, roles, landing):
    login_as(*roles)
    html = client.get(landing).get_data(as_text=True)
    assert "menu-group" not in menu_of(html)
    assert len(top_level(html)) <= FLAT_MENU_LIMIT


def test_a_supervisors_long_menu_folds_its_faces_into_drop_downs(client, login_as):
    login_as("supervisor")
    html = client.get("/visitors/").get_data(as_text=True)
    assert top_level(html) == ["工作台", "看板", "指标与报表", "任务单", "通知",
                               "访客", "热线", "销售", "样板间"]
    group = r'<details class="menu-group">\s*<summary class="current">访客</summary>(.*?)</details>'
    visitors = re.search(group, menu_of(html), re.S)
    assert visitors, "the group of the page one is on is marked"
    assert re.findall(r">([^<]+)</a>", visitors.group(1)) == ["访客登记", "突发事件", "逾期报告", "关注名单",
                                                             "访客预约"]
    assert 'href="/visitors/" aria-current="page"' in visitors.group(1)
    assert '<summary class="current">' not in menu_of(html).replace(visitors.group(0), "")


def test_every_page_of_a_long_menu_is_still_in_it(app, make_user):
    admin = make_user("admin")
    with app.test_request_context():
        items = navigation_for(admin)
        links = [link for item in items for link in (item.links if isinstance(item, MenuGroup) else (item,))]
        assert all(isinstance(link, MenuLink) for link in links)
        assert len(links) == len({link.href for link in links}) == 35
        groups = [item.label for item in items if isinstance(item, MenuGroup)]
        assert groups == ["任务", "访客", "热线", "销售", "样板间", "系统管理"]
        assert len(items) <= FLAT_MENU_LIMIT


def test_the_menu_built_once_is_each_role_s_and_each_language_s(app, make_user):
    """Menus are kept per set of roles and language (kiosk.web.navigation): never one for another."""
    supervisor, agent = make_user("supervisor"), make_user("agent")
    labels = {}
    for language in ("zh", "en", "zh"):
        with app.test_request_context(), force_locale(language):
            for person in (supervisor, agent, supervisor):
                labels[language, person.id] = [item.label for item in navigation_for(person)]
    assert "看板" in labels["zh", supervisor.id] and "看板" not in labels["zh", agent.id]
    assert "Board" in labels["en", supervisor.id] and "看板" not in labels["en", supervisor.id]
    assert "Board" not in labels["en", agent.id]


def test_the_menu_kept_per_worker_follows_a_change_of_roles_at_the_next_page(client, login_as):
    """The menu's HTML is kept per set of roles, language and current page (templating.menu): a person
    given another role sees its pages at their next page, and loses them as soon."""
    supervisor = login_as("supervisor")
    assert "系统管理" not in top_level(client.get("/workbench").get_data(as_text=True))
    supervisor.set_roles(("supervisor", "admin"))
    db.session.commit()
    assert "系统管理" in top_level(client.get("/workbench").get_data(as_text=True))
    supervisor.set_roles(("supervisor",))
    db.session.commit()
    assert "系统管理" not in top_level(client.get("/workbench").get_data(as_text=True))


def test_the_kept_menu_marks_the_page_one_is_on_and_speaks_the_language_chosen(client, login_as):
    login_as("supervisor")
    on_tasks = menu_of(client.get("/tasks/").get_data(as_text=True))
    on_board = menu_of(client.get("/supervisor/").get_data(as_text=True))
    assert re.findall(r'href="([^"]+)" aria-current="page"', on_tasks) == ["/tasks/"]
    assert re.findall(r'href="([^"]+)" aria-current="page"', on_board) == ["/supervisor/"]
    elsewhere = menu_of(client.get("/tasks/1").get_data(as_text=True))  # not a page of the menu
    assert "aria-current" not in elsewhere and 'class="current"' not in elsewhere
    client.post_form("/lang/en", {"next": "/tasks/"})
    english = menu_of(client.get("/tasks/").get_data(as_text=True))
    assert "Board" in english and "看板" not in english
    assert re.findall(r'href="([^"]+)" aria-current="page"', english) == ["/tasks/"]
