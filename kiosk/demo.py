"""Demo data for a first look: departments, about fifteen staff, two projects with owners, the phrase book.

Idempotent: running it again adds what is missing and changes nothing that exists.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from kiosk.clock import local
from kiosk.extensions import db
from kiosk.models.people import Department, Role, User
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.services import rotation

DEMO_PASSWORD = "demo-pass-2026"

DEPARTMENTS = [
    ("service_centre", "客服中心", "0731-8800 1000", "A座 1 楼大堂东侧"),
    ("engineering", "工程部", "0731-8800 1010", "A座 负一楼"),
    ("security", "秩序部", "0731-8800 1020", "A座 1 楼监控中心"),
    ("environment", "环境部", "0731-8800 1030", "B座 负一楼"),
    ("hr", "人力资源部", "0731-8800 1040", "A座 5 楼"),
    ("pr_admin", "行政公关部", "0731-8800 1050", "A座 5 楼"),
    ("sales", "销售部", "0731-8800 1060", "售楼处"),
    ("finance", "财务部", "0731-8800 1070", "A座 6 楼"),
    ("management_office", "管理处", "0731-8800 1080", "B座 1 楼"),
]

# username, display name, roles, department code, extension
STAFF = [
    ("admin", "系统管理员", [Role.ADMIN], "service_centre", None),
    ("zhuguan", "陈静（客服主管）", [Role.SUPERVISOR], "service_centre", "8001"),
    ("kefu1", "李娜", [Role.AGENT], "service_centre", "8101"),
    ("kefu2", "王芳", [Role.AGENT], "service_centre", "8102"),
    ("kefu3", "刘洋", [Role.AGENT], "service_centre", "8103"),
    ("gongcheng", "赵强", [Role.STAFF], "engineering", "8201"),
    ("gongcheng2", "孙磊", [Role.STAFF], "engineering", "8202"),
    ("zhixu", "周勇", [Role.STAFF], "security", "8301"),
    ("huanjing", "吴敏", [Role.STAFF], "environment", "8401"),
    ("renli", "郑丽", [Role.STAFF], "hr", "8501"),
    ("gongguan", "冯涛", [Role.STAFF], "pr_admin", "8601"),
    ("xiaoshouzg", "何军（销售主管）", [Role.SUPERVISOR, Role.SALES], "sales", "8701"),
    ("xiaoshou1", "王敏", [Role.SALES], "sales", "8711"),
    ("xiaoshou2", "张伟", [Role.SALES], "sales", "8712"),
    ("xiaoshou3", "杨帆", [Role.SALES], "sales", "8713"),
    ("zhuren", "黄建国（管理处主任）", [Role.SUPERVISOR, Role.STAFF], "management_office", "8801"),
]

# Seed 003 §2(12): the hotline's standard phrases, grouped by the stage of the call they serve.
PHRASES = [
    ("greeting", "您好，这里是{hotline}服务热线，请问需要什么服务？请讲……"),
    ("ask_repeat", "对不起，您可以讲慢点吗？"),
    ("ask_surname", "请问您贵姓？"),
    ("calming", "{surname}先生/女士，您别急，慢慢说……"),
    ("ask_repeat", "不好意思，有些问题没有听清楚，请您再说一遍。"),
    ("recording", "您稍等，我正在记录您的问题。"),
    ("waiting", "不好意思，让您久等了。"),
    ("anything_else", "您还有什么需要补充的吗？请讲……"),
    ("transferring", "不好意思，这个问题我给您转相关部门主管，他会给您详细解答，请稍等……"),
    ("complaint_accepted", "您的投诉已经受理，我们会尽快办理，并尽快给您答复。"),
    ("suggestion_thanks", "谢谢，我们做得还不够，请多提宝贵意见。"),
    ("suggestion_thanks", "非常感谢您提出的宝贵意见，我们一定认真改正。"),
    ("suggestion_thanks", "您的建议很好，我们一定尽力去做。"),
    ("goodbye", "谢谢您拨打服务热线，再见。"),
]

PROJECTS = [
    ("湘江壹号", "长沙市岳麓区滨江路 88 号", date(2026, 3, 28), ["1栋", "2栋", "3栋"]),
    ("麓谷花园", "长沙市高新区麓谷大道 166 号", date(2023, 9, 30), ["A栋", "B栋"]),
]

OWNERS = [
    "张建华", "李秀英", "王志强", "刘桂兰", "陈晓东", "杨丽娟", "黄国平", "赵雪梅", "周文斌", "吴海燕",
    "徐明", "孙静", "胡志刚", "朱丽华", "高峰", "林小红", "何勇", "郭敏", "马俊", "罗晓燕",
]


def _get_or_add(model, lookup: dict, **values):
    row = db.session.scalar(select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        db.session.flush()
    return row


def seed_demo(now) -> dict[str, int]:
    departments = {
        code: _get_or_add(Department, {"code": code}, name=name, phone=phone, location=where, active=True)
        for code, name, phone, where in DEPARTMENTS
    }
    users_added = 0
    for username, name, roles, department, extension in STAFF:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            user = User(username=username, display_name=name, department=departments[department],
                        extension=extension, created_at=now, active=True)
            user.set_password(DEMO_PASSWORD)
            user.set_roles(roles)
            db.session.add(user)
            users_added += 1
    for order, (stage, text) in enumerate(PHRASES):
        _get_or_add(ScriptPhrase, {"stage": stage, "text": text}, sort_order=order)
    owner_index = 0
    for name, address, delivered, buildings in PROJECTS:
        project = _get_or_add(Project, {"name": name}, address=address, delivered_on=delivered)
        for building_name in buildings:
            building = _get_or_add(Building, {"project_id": project.id, "name": building_name})
            for floor in (1, 2):
                for door in (1, 2):
                    unit = _get_or_add(Unit, {"building_id": building.id, "number": f"{floor}0{door}"})
                    owner_name = OWNERS[owner_index % len(OWNERS)]
                    mobile = f"139{owner_index:04d}{(owner_index * 7919) % 10000:04d}"
                    _get_or_add(Owner, {"mobile": mobile}, name=owner_name, unit_id=unit.id,
                                moved_in_on=delivered)
                    owner_index += 1
    db.session.commit()
    return {"users_added": users_added, "owners": owner_index, "receptions": seed_rotation(now)}


def seed_rotation(now) -> int:
    """Today's rotation table for the demo sales team with two walk-in receptions (only on an empty day)."""
    day = local(now).date()
    view = rotation.current_state(rotation.DEFAULT_OFFICE, day)
    if view is not None and view.row.last_seq:
        return 0
    for n in (1, 2):
        rotation.receive_customer(rotation.DEFAULT_OFFICE, f"demo-{day.isoformat()}-{n}", now=now)
    return 2
