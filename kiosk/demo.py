"""Demo data for a first look: departments, about fifteen staff, two projects with owners, the phrase book.

Idempotent: running it again adds what is missing and changes nothing that exists.
"""

from __future__ import annotations

import secrets
from datetime import date, time, timedelta

from sqlalchemy import select

from kiosk.clock import local
from kiosk.domain.hotline import CallTimes
from kiosk.extensions import db
from kiosk.models.calls import AnswerBookEntry, Call, DirectoryEntry, PbxSecret
from kiosk.models.people import Department, Role, User
from kiosk.models.phrases import ScriptPhrase
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.visits import KioskDevice, Visit, WatchPerson
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


# Kiosk tablets: name, place, opening hours. seed-demo prints a fresh pairing code for each unpaired one.
DEVICES = [
    ("客服中心大堂", "service_centre", time(8, 30), time(18, 0)),
    ("售楼处前台", "sales_office", time(9, 0), time(18, 30)),
]

# badge, device, purpose, name, mobile, party, host, minutes ago, signed out?
VISITS = [
    ("DMV234", "客服中心大堂", "owner_business", "张建华", "13900000000", 1, None, 95, True),
    ("DMV235", "客服中心大堂", "repair", "李秀英", "13900017919", 2, None, 40, False),
    ("DMV236", "售楼处前台", "viewing", "周海", "13512345678", 3, None, 25, False),
    ("DMV237", "客服中心大堂", "visiting_person", "孙晓", "13698765432", 1, "陈静", 10, False),
]

WATCH_LIST = [("钱多多", "13311112222", "曾多次到访投诉，情绪激动")]

DEMO_PBX = "demo-pbx"

# The "114" directory (seed 003 §2(7), (8)): floors, departments, numbers, common information.
DIRECTORY = [
    ("客服中心", "A座 1 楼大堂东侧", "0731-8800 1000", "8:30–20:00 办理业主事务、钥匙、装修登记"),
    ("工程部报修", "A座 负一楼", "0731-8800 1010", "水电、电梯、门窗维修；24 小时值班"),
    ("秩序部监控中心", "A座 1 楼", "0731-8800 1020", "治安、停车、门禁卡；24 小时"),
    ("环境部", "B座 负一楼", "0731-8800 1030", "保洁、垃圾清运、绿化、消杀"),
    ("管理处", "B座 1 楼", "0731-8800 1080", "物业费、停车月卡、证明开具"),
    ("财务部", "A座 6 楼", "0731-8800 1070", "发票、收据；工作日 9:00–17:00"),
    ("销售部（售楼处）", "售楼处", "0731-8800 1060", "购房咨询、签约、按揭进度"),
    ("会议中心", "A座 3 楼", "0731-8800 1090", "会议室预订请提前一天登记"),
    ("供电抢修", "外部", "95598", "国家电网长沙供电服务热线"),
    ("燃气抢修", "外部", "0731-8422 0000", "燃气泄漏请立即关闭阀门、开窗、勿开关电器"),
]

# The answer book (答客问): questions callers ask most, with the answer we give.
ANSWER_BOOK = [
    ("物业费怎么交？", "可在管理处柜台、业主小程序或银行代扣缴纳；按季度收取，逾期不收滞纳金。"),
    ("装修需要办什么手续？", "到客服中心办理装修登记，提交图纸与施工队资质，缴纳装修押金，领取施工证。"),
    ("停车月卡怎么办理？", "携带行驶证、房产证明到管理处办理，月卡 300 元，次月 1 日生效。"),
    ("家里停水停电怎么办？", "先看楼栋公告；无公告请拨工程部 0731-8800 1010，我们 30 分钟内到场。"),
    ("垃圾什么时候清运？", "每天 7:00 和 19:00 各清运一次；大件垃圾请预约环境部。"),
    ("门禁卡丢了怎么补？", "到秩序部监控中心登记，工本费 20 元，当场补办。"),
    ("快递可以代收吗？", "大堂快递柜 24 小时可用；大件可由客服中心代收保管三天。"),
    ("宠物有什么规定？", "遛狗请牵绳并清理粪便；犬只需办理登记，禁止进入儿童游乐区。"),
    ("房屋保修期多久？", "主体结构 50 年，防水 5 年，水电管线 2 年；保修范围内维修免费。"),
    ("发票怎么开？", "缴费后到财务部或在小程序申请电子发票，3 个工作日内发送到邮箱。"),
]

# A few past calls: (owner index, days ago, category, description, disposition, answer)
PAST_CALLS = [
    (0, 3, "inquiry", "询问物业费缴纳方式", "answered_on_spot", "可在管理处或小程序缴纳。"),
    (0, 1, "service_request", "厨房水龙头漏水", "transferred", ""),
    (2, 2, "suggestion", "建议增加儿童游乐设施", "suggestion", ""),
    (5, 5, "inquiry", "询问停车月卡办理", "answered_on_spot", "携带行驶证到管理处办理。"),
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
    pairing_codes = _seed_kiosk(now, users=db.session.scalars(select(User)).all())
    _seed_hotline(now)
    db.session.commit()
    seed_demo_slips(now)
    return {"users_added": users_added, "owners": owner_index, "pairing_codes": pairing_codes,
            "receptions": seed_rotation(now)}


def _seed_kiosk(now, users) -> dict[str, str]:
    from kiosk.services.devices import issue_pairing_code

    tablets = {
        name: _get_or_add(KioskDevice, {"name": name}, place=place, opens_at=opens, closes_at=closes,
                          created_at=now, revoked=False)
        for name, place, opens, closes in DEVICES
    }
    for badge, tablet, purpose, name, mobile, party, host, minutes, out in VISITS:
        device = tablets[tablet]
        at = now - timedelta(minutes=minutes)
        _get_or_add(Visit, {"badge_code": badge}, place=device.place, device_id=device.id, purpose=purpose,
                    name=name, mobile=mobile, party_size=party, host_name=host, signed_in_at=at,
                    signed_out_at=now - timedelta(minutes=5) if out else None,
                    sign_out_method="kiosk" if out else None, anonymised=False,
                    waiting_for_salesperson=purpose == "viewing")
    creator = next(u for u in users if u.username == "zhuguan")
    for name, mobile, note in WATCH_LIST:
        _get_or_add(WatchPerson, {"name": name}, mobile=mobile, note=note, created_by_id=creator.id,
                    created_at=now)
    return {name: issue_pairing_code(device, now) for name, device in tablets.items()
            if device.credential_hash is None}


def _seed_hotline(now) -> None:
    _get_or_add(PbxSecret, {"name": DEMO_PBX}, secret=secrets.token_urlsafe(24))
    for name, floor, phone, info in DIRECTORY:
        _get_or_add(DirectoryEntry, {"name": name}, floor=floor, phone=phone, info=info)
    for question, answer in ANSWER_BOOK:
        _get_or_add(AnswerBookEntry, {"question": question}, answer=answer)
    _seed_past_calls(now)


def _seed_past_calls(now) -> None:
    if db.session.scalar(select(Call.id).where(Call.pbx_call_id.like("demo-past-%"))) is not None:
        return
    agent = db.session.scalar(select(User).where(User.username == "kefu1"))
    owners = db.session.scalars(select(Owner).order_by(Owner.id)).all()
    for n, (owner_index, days_ago, category, description, disposition, answer) in enumerate(PAST_CALLS):
        owner = owners[owner_index]
        rang = now - timedelta(days=days_ago, hours=2)
        times = CallTimes(rang, rang + timedelta(seconds=6 + 4 * n), rang + timedelta(seconds=100 + 30 * n))
        db.session.add(Call(
            pbx_call_id=f"demo-past-{n}", direction="in", caller_number=owner.mobile,
            called_number="4008001234",
            agent_id=agent.id, owner_id=owner.id, state=times.state.value, ringing_at=times.ringing_at,
            answered_at=times.answered_at, ended_at=times.ended_at, ring_seconds=times.ring_seconds,
            talk_seconds=times.talk_seconds, category=category, caller_surname=owner.name[:1],
            description=description, confirmed_at=times.answered_at, disposition=disposition,
            disposed_at=times.ended_at, answer_text=answer, created_at=rang,
        ))


# description, location, priority, category, department code (None: not dispatched), owner, hours ago, steps.
# Steps: the lifecycle verbs the demo slip goes through, each (verb, username, text).
SLIPS = [
    ("3栋 201 厨房水管漏水", "湘江壹号 3栋 201", "routine", "repair", "engineering", "kefu1", 2, []),
    ("地下车库 B2 照明损坏", "湘江壹号 地下车库 B2", "routine", "repair", "engineering", "kefu2", 5,
     [("accept", "gongcheng", ""), ("start", "gongcheng", ""), ("note", "gongcheng", "已领灯管，下午更换")]),
    ("2栋 电梯运行异响", "湘江壹号 2栋 电梯", "major", "repair", "engineering", "kefu1", 20,
     [("accept", "gongcheng2", ""), ("start", "gongcheng2", ""),
      ("wait", "gongcheng2", "需业主配合开放机房钥匙")]),
    ("小区东门道闸无法抬杆", "湘江壹号 东门", "emergency", "security", "security", "kefu2", 3,
     [("accept", "zhixu", ""), ("resolve", "zhixu", "已重启道闸控制器，恢复正常")]),
    ("楼道垃圾未及时清运", "麓谷花园 A栋 3楼", "routine", "cleaning", "environment", "kefu3", 30,
     [("accept", "huanjing", ""), ("resolve", "huanjing", "已清运并加派一次巡查"),
      ("callback", "kefu3", "satisfied")]),
    ("物业费发票未收到", "麓谷花园 B栋 202", "routine", "service_request", "engineering", "kefu1", 4,
     [("reject", "gongcheng", "发票问题应由财务部处理")]),
    ("业主投诉楼上装修噪音", "湘江壹号 1栋 302", "complaint", "complaint", None, "kefu3", 1, []),
    ("1栋 102 卫生间渗水至楼下", "湘江壹号 1栋 102", "emergency", "repair", "engineering", "kefu2", 50, []),
    ("花园喷淋头损坏", "麓谷花园 中心花园", "routine", "repair", None, "kefu1", 1, []),
    ("绿化带枯枝清理", "麓谷花园 北门", "routine", "cleaning", "environment", "kefu2", 80,
     [("accept", "huanjing", ""), ("resolve", "huanjing", "已清理"), ("callback", "kefu2", "unsatisfied")]),
]


def seed_demo_slips(now) -> int:
    """About ten task slips in various states, each opened and moved through the real service verbs."""
    from kiosk.database import begin_write
    from kiosk.domain.callbacks import CallbackResult
    from kiosk.models.callbacks import Callback
    from kiosk.models.tasks import SlipSource, TaskSlip
    from kiosk.services import tasks
    from kiosk.services.directory import working_calendar

    def user(name):
        return db.session.scalar(select(User).where(User.username == name))

    added = 0
    for description, location, priority, category, department, owner, hours, steps in SLIPS:
        if db.session.scalar(select(TaskSlip.id).where(TaskSlip.description == description)):
            continue
        at = now - timedelta(hours=hours)
        begin_write()
        slip = tasks.open_slip(
            source=SlipSource.CALL, category=category, priority=priority, description=description,
            owner=user(owner), now=at, calendar=working_calendar(), location=location, caller_name="业主",
            department=db.session.scalar(select(Department).where(Department.code == department))
            if department else None,
        )
        db.session.commit()
        for step, (verb, who, text) in enumerate(steps, start=1):
            when, actor = at + timedelta(minutes=20 * step), user(who)
            if verb == "callback":
                callback = db.session.scalar(select(Callback).where(Callback.slip_id == slip.id))
                tasks.record_callback(callback.id, actor=actor, now=when, result=CallbackResult(text),
                                      note="" if text == "satisfied" else "业主反映仍未处理干净")
                continue
            verb_function, text_argument = {
                "accept": (tasks.accept, None), "start": (tasks.start, None),
                "note": (tasks.add_note, "note"), "wait": (tasks.wait_on_owner, "reason"),
                "reject": (tasks.reject, "reason"), "resolve": (tasks.resolve, "result"),
            }[verb]
            extra = {text_argument: text} if text_argument else {}
            verb_function(slip.id, actor=actor, now=when, **extra)
        added += 1
    return added


def seed_rotation(now) -> int:
    """Today's rotation table for the demo sales team with two walk-in receptions (only on an empty day)."""
    day = local(now).date()
    view = rotation.current_state(rotation.DEFAULT_OFFICE, day)
    if view is not None and view.row.last_seq:
        return 0
    for n in (1, 2):
        rotation.receive_customer(rotation.DEFAULT_OFFICE, f"demo-{day.isoformat()}-{n}", now=now)
    return 2
