"""Demo data for a first look: departments, about fifteen staff, two projects with owners, the phrase book
(the standard one, as ``flask seed-phrases`` loads it).

Idempotent: running it again adds what is missing and changes nothing that exists.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from kiosk.clock import SHANGHAI, local
from kiosk.domain.callbacks import scheduled_periodic_callback
from kiosk.domain.deadlines import DeadlinePolicy, Priority, due_at, incident_report_due, near_due_from
from kiosk.domain.hotline import CallState, CallTimes
from kiosk.domain.rotation import BackAtDesk, BusyWithOtherWork, CustomerArrived
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.calls import AnswerBookEntry, Call, DirectoryEntry, PbxSecret
from kiosk.models.people import Department, Role, User
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.rotation import RotationDay
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident, KioskDevice, Visit, WatchPerson
from kiosk.services import rotation
from kiosk.services.directory import working_calendar

OFFICE = rotation.DEFAULT_OFFICE

DEMO_PASSWORD = "demo-pass-2026"

DEPARTMENTS = [
    ("service_centre", "客服中心", "073188001000", "A座 1 楼大堂东侧"),
    ("engineering", "工程部", "073188001010", "A座 负一楼"),
    ("security", "秩序部", "073188001020", "A座 1 楼监控中心"),
    ("environment", "环境部", "073188001030", "B座 负一楼"),
    ("hr", "人力资源部", "073188001040", "A座 5 楼"),
    ("pr_admin", "行政公关部", "073188001050", "A座 5 楼"),
    ("sales", "销售部", "073188001060", "售楼处"),
    ("finance", "财务部", "073188001070", "A座 6 楼"),
    ("management_office", "管理处", "073188001080", "B座 1 楼"),
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
    ("xiaoshouzg", "何军", [Role.SUPERVISOR, Role.SALES], "sales", "8701"),
    ("xiaoshou1", "王敏", [Role.SALES], "sales", "8711"),
    ("xiaoshou2", "张伟", [Role.SALES], "sales", "8712"),
    ("xiaoshou3", "杨帆", [Role.SALES], "sales", "8713"),
    ("zhuren", "黄建国（管理处主任）", [Role.SUPERVISOR, Role.STAFF], "management_office", "8801"),
    ("caiwu", "钱芳（财务）", [Role.STAFF], "finance", "8901"),
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
    ("样板间A户型", "model_home", time(8, 30), time(19, 0)),
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
    ("客服中心", "A座 1 楼大堂东侧", "073188001000", "8:30–20:00 办理业主事务、钥匙、装修登记"),
    ("工程部报修", "A座 负一楼", "073188001010", "水电、电梯、门窗维修；24 小时值班"),
    ("秩序部监控中心", "A座 1 楼", "073188001020", "治安、停车、门禁卡；24 小时"),
    ("环境部", "B座 负一楼", "073188001030", "保洁、垃圾清运、绿化、消杀"),
    ("管理处", "B座 1 楼", "073188001080", "物业费、停车月卡、证明开具"),
    ("财务部", "A座 6 楼", "073188001070", "发票、收据；工作日 9:00–17:00"),
    ("销售部（售楼处）", "售楼处", "073188001060", "购房咨询、签约、按揭进度"),
    ("会议中心", "A座 3 楼", "073188001090", "会议室预订请提前一天登记"),
    ("供电抢修", "外部", "95598", "国家电网长沙供电服务热线"),
    ("燃气抢修", "外部", "073184220000", "燃气泄漏请立即关闭阀门、开窗、勿开关电器"),
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
    from kiosk.services.hotline import load_standard_phrases

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
    load_standard_phrases()
    seed_demo_slips(now)
    seed_demo_board(now)
    receptions = seed_rotation(now)
    seed_sales(now)
    seed_model_home(now)
    _seed_register(now)
    db.session.commit()
    return {"users_added": users_added, "owners": owner_index, "pairing_codes": pairing_codes,
            "receptions": receptions}


# The register beyond one owner per unit: co-owners, tenants and household members (some with surnames
# read two ways: 曾, 单, 解, 查, 区, 仇), landlines, units' area, layout and status, and this year's visits.
HOUSEHOLD = [
    # (unit label, name, relation, mobile, landline, preferred contact time)
    ("湘江壹号 1栋 101", "曾晓梅", "co_owner", "13907310001", "073188001001", "工作日晚上"),
    ("湘江壹号 1栋 102", "单志远", "tenant", "13907310002", None, "周末上午"),
    ("湘江壹号 2栋 201", "解丽", "family", "13907310003", None, ""),
    ("湘江壹号 3栋 201", "查文博", "co_owner", "13907310004", "073188001004", "中午"),
    ("麓谷花园 A栋 101", "区家豪", "tenant", "13907310005", None, "晚上七点后"),
    ("麓谷花园 B栋 202", "仇雅琴", "family", "13907310006", None, ""),
]
LAYOUTS = ["三室两厅", "两室两厅", "四室两厅", "三室一厅"]


def _seed_register(now) -> None:
    from kiosk.domain.register import Relation, UnitStatus, VisitKind
    from kiosk.models.coverage import UnitVisit, VisitPlan
    from kiosk.models.property import OwnerPhone, UnitMember

    units = {u.label: u for u in db.session.scalars(select(Unit))}
    for n, unit in enumerate(sorted(units.values(), key=lambda u: u.id)):
        if unit.layout:
            continue
        unit.area = 89 + (n * 7) % 60
        unit.layout = LAYOUTS[n % len(LAYOUTS)]
        if unit.owners:
            in_use = (UnitStatus.OCCUPIED, UnitStatus.OCCUPIED, UnitStatus.RENTED, UnitStatus.VACANT)
            unit.status = in_use[n % 4]
        else:
            unit.status = UnitStatus.UNSOLD
    for label, name, relation, mobile, landline, contact_time in HOUSEHOLD:
        unit = units.get(label)
        if unit is None or db.session.scalar(select(Owner.id).where(Owner.mobile == mobile)):
            continue
        person = Owner(name=name, mobile=mobile, moved_in_on=unit.building.project.delivered_on,
                       preferred_contact_time=contact_time, notes="", unit_id=unit.id)
        person.memberships.append(UnitMember(unit_id=unit.id, relation=Relation(relation).value,
                                             moved_in_on=person.moved_in_on))
        person.phones.append(OwnerPhone(number=mobile, kind="mobile", preferred=True, note=""))
        if landline:
            person.phones.append(OwnerPhone(number=landline, kind="landline", preferred=False, note="家"))
        db.session.add(person)
    db.session.flush()
    # Two profiles left incomplete, for the completeness KPI and the file's "what is missing".
    for owner in db.session.scalars(select(Owner).order_by(Owner.id).offset(5).limit(2)):
        owner.moved_in_on = None
    today = local(now).date()
    staff = {u.username: u for u in db.session.scalars(select(User))}
    if db.session.scalar(select(UnitVisit.id).limit(1)) is None:
        kinds = list(VisitKind)
        for n, unit in enumerate(sorted((u for u in units.values() if u.owners), key=lambda u: u.id)):
            if n % 3 == 2:
                continue  # a third not visited yet this year
            visitor = staff["gongcheng" if n % 2 else "kefu1"]
            on_date = max(date(today.year, 1, 2), today - timedelta(days=7 + n * 5))
            db.session.add(UnitVisit(unit_id=unit.id, owner_id=unit.owners[0].id, kind=kinds[n % 3].value,
                                     on_date=on_date, by_id=visitor.id, created_at=now,
                                     note="了解居住情况，征求对物业服务的意见"))
    for project in db.session.scalars(select(Project)):
        for username, planned in (("kefu1", 20), ("gongcheng", 12)):
            key = {"year": today.year, "project_id": project.id, "user_id": staff[username].id}
            _get_or_add(VisitPlan, key, planned=planned)


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

    # The caller of each slip: the owner of the unit it names, else one of the demo owners (so a
    # callback has a number to dial and the caller's profile comes up).
    owners = db.session.scalars(select(Owner).order_by(Owner.id)).all()
    by_unit = {o.unit.label: o for o in owners if o.unit}
    added = 0
    for n, (description, location, priority, category, department, owner, hours, steps) in enumerate(SLIPS):
        if db.session.scalar(select(TaskSlip.id).where(TaskSlip.description == description)):
            continue
        at = now - timedelta(hours=hours)
        caller = by_unit.get(location) or owners[(3 * n) % len(owners)]
        begin_write()
        slip = tasks.open_slip(
            source=SlipSource.CALL, category=category, priority=priority, description=description,
            owner=user(owner), now=at, calendar=working_calendar(), location=location,
            caller_name=caller.name, caller_phone=caller.mobile,
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


# The hotline as the supervisor's board sees it: (username, state, minutes in that state).
AGENT_STATES = [("kefu1", "available", 20), ("kefu2", "on_call", 2), ("kefu3", "available", 6)]
# Calls going on: (switchboard id, owner index, agent, answered how many seconds ago or None if ringing,
# seconds it has been ringing). kefu3's extension is ringing; kefu2 is nearing the three minutes.
LIVE_CALLS = [("demo-live-1", 3, "kefu2", 150, 7), ("demo-ringing-1", 6, "kefu3", None, 9)]
# Sign-ins that raised office incidents (seed 000 §3): name, mobile, purpose, relation, organisation,
# minutes ago, closed minutes ago (None: still open), acknowledged by.
INCIDENT_VISITS = [
    ("王志强", "13900025838", "complaint", "owner", None, 12, None, None),
    ("林记者", "13611112222", "media_interview", None, "长沙晚报", 26 * 60, 25 * 60, "zhuguan"),
    ("赵科长", "13722223333", "government_inspection", None, "市场监管局", 11520, 11430, "gongguan"),
]


def refresh_live_calls(now, settings) -> None:
    """The demo's calls going on, as of ``now``: those of an earlier run that nothing was heard of for too
    long are closed as lost (the worker's close-lost-calls job, run here once), and while none of
    ``LIVE_CALLS`` is still live a fresh set starts now, so a demo opened days later shows a call in
    progress and one ringing, not calls that have rung for ever."""
    from kiosk.services import hotline

    hotline.close_lost_calls(now, ringing_after=timedelta(minutes=settings["CALL_RINGING_LOST_MINUTES"]),
                             answered_after=timedelta(minutes=settings["CALL_ANSWERED_LOST_MINUTES"]))
    live = db.session.scalar(select(Call.id).where(Call.pbx_call_id.like("demo-%"), Call.direction == "in",
                                                   Call.state != CallState.ENDED.value).limit(1))
    if live is not None:
        return
    owners = db.session.scalars(select(Owner).order_by(Owner.id)).all()
    for pbx_id, owner_index, agent, answered_ago, rang_for in LIVE_CALLS:
        answered = now - timedelta(seconds=answered_ago) if answered_ago is not None else None
        rang = (answered or now) - timedelta(seconds=rang_for)
        times = CallTimes(rang, answered, None)
        owner = owners[owner_index]
        agent_id = db.session.scalar(select(User.id).where(User.username == agent))
        db.session.add(Call(pbx_call_id=f"{pbx_id}-{rang:%Y%m%d%H%M%S}", direction="in",
                            caller_number=owner.mobile, called_number="4008001234", agent_id=agent_id,
                            owner_id=owner.id, state=times.state.value, ringing_at=rang, answered_at=answered,
                            ring_seconds=times.ring_seconds, created_at=rang,
                            category="service_request" if answered else None))
    db.session.commit()


def seed_demo_board(now) -> None:
    """Something on every panel of the supervisor's board: agents' states, a call in progress and one
    ringing, an open incident, incident reports due and overdue (visitors on site come from VISITS)."""
    from kiosk.services import hotline

    def user(name):
        return db.session.scalar(select(User).where(User.username == name))

    for username, state, minutes in AGENT_STATES:
        hotline.set_agent_state(user(username), state, now - timedelta(minutes=minutes))
    refresh_live_calls(now, current_app.config)
    _seed_incidents(now, user)


def _seed_incidents(now, user) -> None:
    from kiosk.domain.classify import VisitPurpose
    from kiosk.models.visits import Incident
    from kiosk.services import incidents, visits
    from kiosk.services.directory import working_calendar

    desk = db.session.scalar(select(KioskDevice).where(KioskDevice.place == "service_centre"))
    for name, mobile, purpose, relation, organisation, minutes, closed, acknowledger in INCIDENT_VISITS:
        if db.session.scalar(select(Visit.id).where(Visit.name == name, Visit.purpose == purpose)):
            continue
        at = now - timedelta(minutes=minutes)
        typed = visits.SignIn(purpose=VisitPurpose(purpose), name=name, mobile=mobile, relation=relation,
                              organisation=organisation)
        visit = visits.sign_in_visitor(desk, typed, at)
        incident = db.session.scalar(select(Incident).where(Incident.visit_id == visit.id))
        if closed is None:
            continue
        handler, closed_at = user(acknowledger), now - timedelta(minutes=closed)
        incidents.acknowledge(incident.id, handler, at + timedelta(minutes=3))
        visits.sign_out_by_staff(visit.id, closed_at)
        incidents.record_handling(db.session.get(Incident, incident.id), handled_by=handler.display_name,
                                  actions="引导至会议室，奉茶，耐心倾听", outcome="来访者满意离开",
                                  close=True, user=handler, now=closed_at, calendar=working_calendar())


def seed_rotation(now) -> int:
    """Today's rotation table for the demo sales team with two walk-in receptions (only on an empty day)."""
    day = local(now).date()
    view = rotation.current_state(rotation.DEFAULT_OFFICE, day)
    if view is not None and view.row.last_seq:
        return 0
    for n in (1, 2):
        rotation.receive_customer(rotation.DEFAULT_OFFICE, f"demo-{day.isoformat()}-{n}", now=now)
    return 2


# A project on sale (seed 000 篇3): its units have no owners yet.
ON_SALE = ("梅溪湖·云著", "长沙市岳麓区梅溪湖路 9 号", ["5栋", "6栋"], range(10, 13), (1, 2))

# Buyer files: customer, mobile, salesperson, the step reached, days ago, and (for subscriptions) the down
# payment due in this many days from today; for mortgages, the appointment in this many days.
BUYERS = [
    ("刘建国", "13607310001", "xiaoshou1", "subscription", 2, 5),  # first reminder today (5 days before)
    ("陈晓梅", "13607310002", "xiaoshou1", "mortgage", 6, 3),  # second mortgage reminder today
    ("赵志刚", "13607310003", "xiaoshou1", "deposit", 1, None),
    ("孙丽", "13607310004", "xiaoshou2", "subscription", 9, -1),  # due yesterday, unpaid: reported
    ("吴海波", "13607310005", "xiaoshou2", "handover", 40, None),
    ("郑佳", None, "xiaoshou3", "registered", 0, None),
]

# The phone register (来电登记): salesperson, minutes ago, caller, mobile, question, heard from.
ENQUIRIES = [
    ("xiaoshou1", 95, "黄女士", "13807310011", "三房户型还有哪些楼层？", "朋友介绍"),
    ("xiaoshou1", 40, "", None, "问首付比例和按揭银行", "网络广告"),
    ("xiaoshou2", 20, "林先生", "13807310012", "周末样板间几点开放？", "路过看到"),
]


def seed_sales(now) -> int:
    """A project on sale, buyer files at every step (reminders due today), and today's phone register."""
    from kiosk.domain.sales_pipeline import ReminderOutcome
    from kiosk.models.sales import BuyerFile
    from kiosk.services import sales

    project = _get_or_add(Project, {"name": ON_SALE[0]}, address=ON_SALE[1], delivered_on=None)
    for building_name in ON_SALE[2]:
        building = _get_or_add(Building, {"project_id": project.id, "name": building_name})
        for floor in ON_SALE[3]:
            for door in ON_SALE[4]:
                _get_or_add(Unit, {"building_id": building.id, "number": f"{floor}0{door}"})
    db.session.commit()
    if db.session.scalar(select(BuyerFile.id).limit(1)) is not None:
        return 0

    def user(name):
        return db.session.scalar(select(User).where(User.username == name))

    manager, cashier = user("xiaoshouzg"), user("caiwu")
    units = sales.units_for_sale()
    today = local(now).date()
    for n, (name, mobile, seller, step, days_ago, due_in) in enumerate(BUYERS):
        at = now - timedelta(days=days_ago)
        salesperson = user(seller)
        file = sales.register(salesperson=salesperson, customer_name=name, mobile=mobile, group_id=None,
                              now=at)
        _walk_demo_file(file, step, salesperson, manager, cashier, units[n], at, today, due_in)
        for reminder in sales.reminders_of(file):
            if reminder.remind_on < today:  # the calls already made
                made = datetime.combine(reminder.remind_on, time(10), SHANGHAI)
                sales.tick_reminder(reminder.id, outcome=ReminderOutcome.NOTIFIED, note="", actor=salesperson,
                                    now=made)
    for seller, minutes, caller, mobile, question, heard in ENQUIRIES:
        sales.log_enquiry(salesperson=user(seller), now=now - timedelta(minutes=minutes), caller_name=caller,
                          mobile=mobile, question=question, heard_from=heard, callback_on=today)
    sales.report_missed_payments(now)
    return len(BUYERS)


def _walk_demo_file(file, step, salesperson, manager, cashier, unit, at, today, due_in) -> None:
    from kiosk.domain.sales_pipeline import PipelineStep as S
    from kiosk.services import sales

    order = [S.DEPOSIT, S.SUBSCRIPTION, S.DOWN_PAYMENT, S.PURCHASE_CONTRACT, S.MORTGAGE, S.HANDOVER]
    if step == "registered":
        return
    day = local(at).date()
    common = {"actor": salesperson, "now": at}
    for taken in order[: order.index(S(step)) + 1]:
        version = db.session.get(type(file), file.id).version
        if taken is S.DEPOSIT:
            sales.record_deposit(file.id, version, sales.Deposit(
                unit=unit, amount=20000, receipt_no=f"DJ{file.id:05d}", collected_by=cashier,
                second_person=salesperson, checked_with=manager, received_on=day), **common)
        elif taken is S.SUBSCRIPTION:
            due = today + timedelta(days=due_in) if step == "subscription" else day + timedelta(days=7)
            sales.sign_subscription(file.id, version, sales.Subscription(
                unit=unit, document_no=f"RG{file.id:05d}", signed_on=day, signed_by_agent=False,
                agent_name="",
                notarised=False, id_copy_kept=True, reviewed_by=manager, down_payment_due_on=due,
                down_payment_amount=380000), **common)
        elif taken is S.DOWN_PAYMENT:
            sales.record_down_payment(file.id, version, paid_on=day, amount=380000,
                                      receipt_no=f"SF{file.id:05d}",
                                      **common)
        elif taken is S.PURCHASE_CONTRACT:
            sales.sign_contract(file.id, version, contract_no=f"HT{file.id:05d}", signed_on=day,
                                documents_checked=True, paid_by_other=False, statement_kept=False, **common)
        elif taken is S.MORTGAGE:
            appointment = today + timedelta(days=due_in) if step == "mortgage" else day + timedelta(days=7)
            sales.arrange_mortgage(file.id, version, appointment_on=appointment, place="建设银行长沙岳麓支行",
                                   documents=["身份证", "户口本", "婚姻状况证明", "收入证明",
                                              "近六个月银行流水"],
                                   **common)
        else:
            sales.hand_over(file.id, version, handed_over_on=day, congratulated=True,
                            note="已带客户到管理处办理入伙",
                            **common)


def seed_model_home(now) -> int:
    """The model home's checklists, its supervisor, the rounds already due today and one asset record."""
    from kiosk.domain.model_home import AssetEvent, DamageCause
    from kiosk.models.model_home import AssetRecord, ModelHomeRound
    from kiosk.services import model_home
    from kiosk.services.photos import DatabasePhotos

    model_home.ensure_default_checks()
    tablet = db.session.scalar(select(KioskDevice).where(KioskDevice.name == "样板间A户型"))
    if tablet is None or db.session.scalar(select(ModelHomeRound.id).limit(1)) is not None:
        return 0
    model_home.set_supervisor(tablet, db.session.scalar(select(User).where(User.username == "zhuguan")))
    done = 0
    for due in model_home.day_rounds(tablet, local(now).date())[:3]:
        moment = due.due_at - timedelta(minutes=5)
        if moment > now:
            break
        checks = model_home.checklist(due.kind)
        results = [model_home.CheckResult(check, True, "") for check in checks]
        if done == 1:  # the first hourly round finds a flickering light
            results[-1] = model_home.CheckResult(checks[-1], False, "B 卧室筒灯闪烁")
        model_home.complete_round(tablet, due, butler_name="李管家", results=results, now=moment)
        done += 1
    if db.session.scalar(select(AssetRecord.id).limit(1)) is None:
        model_home.record_asset_event(tablet, model_home.AssetReport(
            item="儿童房毛绒玩具", event=AssetEvent.DAMAGED, happened="参观儿童拉扯，玩具耳朵开线",
            occurred_at=now - timedelta(days=1), cause=DamageCause.BY_A_PERSON, person="访客家长（已登记）",
            compensation=120, management_fault=False, reported_by="李管家"), [],
            storage=DatabasePhotos(), now=now)
    return done


# ---- A year of history, so the KPI page and the reports have trends to show ------------------------

HISTORY_DAYS = 365
ROTATION_HISTORY_DAYS = 14
_HISTORY_CALL = "demo-hist-"
# Call categories with their weight, and the slip priority each opens (None: answered on the spot).
_CALL_MIX = [("inquiry", 45, None), ("service_request", 30, "routine"), ("complaint", 12, "complaint"),
             ("emergency", 3, "emergency"), ("suggestion", 6, None), ("other", 4, None)]
_SLIP_DEPARTMENT = {"service_request": "engineering", "complaint": "service_centre", "emergency": "security"}
_ANSWERS = ["satisfied"] * 16 + ["basically_satisfied"] * 3 + ["unsatisfied"]


def seed_history(now) -> int:
    """A year of past calls, slips, callbacks and incidents, and two weeks of sales-office rotation.

    Random but repeatable (seeded), shaped like a busy service centre: a few calls an hour, most picked up
    within three rings and kept within three minutes, most slips done in time, owners called back
    monthly (a project in its first year) or quarterly. Added once: nothing when the history is there.
    Returns the number of calls added. ``flask seed-demo`` adds it (``seed_demo`` alone does not: the
    browser tests start from the small set), so the KPI page and the reports have a year to chart.
    """
    if db.session.scalar(select(Call.id).where(Call.pbx_call_id.like(f"{_HISTORY_CALL}%")).limit(1)):
        return 0
    import random

    rng = random.Random(2026)
    today = local(now).date()
    agents = db.session.scalars(select(User).where(User.username.in_(["kefu1", "kefu2", "kefu3"]))).all()
    owners = db.session.scalars(select(Owner).order_by(Owner.id)).all()
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    calls = _history_calls(rng, today, agents, owners, departments)
    _history_owner_callbacks(rng, today, owners, agents)
    _history_incidents(rng, today)
    db.session.commit()
    _history_rotation(rng, today)
    return calls


def _at(day: date, hour: float) -> datetime:
    """``hour`` hours after Shanghai midnight of ``day``, in UTC."""
    return (datetime.combine(day, time(0), tzinfo=SHANGHAI) + timedelta(hours=hour)).astimezone(UTC)


def _history_calls(rng, today, agents, owners, departments) -> int:
    """Inbound calls; each service request, complaint or emergency with its slip and the slip's callback.

    Written with bulk INSERTs (a year is a few thousand rows): calls, then their slips, then the slips'
    events and callbacks, then each call's link to its slip.
    """
    calendar, policy = working_calendar(), DeadlinePolicy()
    history_end = _at(today, 0)
    categories = [c for c, weight, _ in _CALL_MIX for _ in range(weight)]
    priority_of = {c: p for c, _, p in _CALL_MIX}
    calls, slips = [], []  # slips: (index of its call, priority, department, agent)
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        for _ in range(rng.randint(3, 9)):
            rang = _at(day, rng.uniform(8.5, 20))
            owner = rng.choice(owners) if rng.random() < 0.8 else None
            ring = rng.choice([rng.randint(2, 14)] * 15 + [rng.randint(16, 30)])
            row = dict(pbx_call_id=f"{_HISTORY_CALL}{len(calls)}", direction="in", called_number="4008001234",
                       caller_number=owner.mobile if owner else "13800000000", ringing_at=rang,
                       created_at=rang, owner_id=owner.id if owner else None, state="ended", agent_id=None,
                       answered_at=None,
                       ended_at=None, ring_seconds=None, talk_seconds=None, category=None,
                       caller_surname=owner.name[:1] if owner else "", description="历史来电",
                       confirmed_at=None, disposition=None, disposed_at=None, version=1)
            calls.append(row)
            if rng.random() < 0.04:  # the caller gave up
                row["ended_at"] = rang + timedelta(seconds=ring + rng.randint(5, 25))
                continue
            agent, category = rng.choice(agents), rng.choice(categories)
            answered = rang + timedelta(seconds=ring)
            times = CallTimes(rang, answered, answered + timedelta(
                seconds=rng.choice([rng.randint(40, 175)] * 9 + [rng.randint(181, 320)])))
            row.update(agent_id=agent.id, state=times.state.value, category=category, answered_at=answered,
                       ended_at=times.ended_at, confirmed_at=answered, ring_seconds=times.ring_seconds,
                       talk_seconds=times.talk_seconds, disposed_at=times.ended_at,
                       disposition={"complaint": "complaint", "emergency": "emergency"}.get(
                           category, "answered_on_spot" if priority_of[category] is None else "slip"))
            if priority_of[category] is not None:
                major = category == "service_request" and rng.random() < 0.12
                slips.append((len(calls) - 1, Priority("major" if major else priority_of[category]),
                              departments[_SLIP_DEPARTMENT[category]], agent))
    call_ids = _insert_returning_ids(Call, calls)
    slip_rows, resolved_at = [], []
    for index, priority, department, agent in slips:
        call = calls[index]
        opened = call["ended_at"]
        due = due_at(opened, priority, policy, calendar)
        late = rng.random() < 0.1  # one in ten done late
        resolved = due + (due - opened) * rng.uniform(0.05, 0.6) if late else \
            opened + (due - opened) * rng.uniform(0.2, 0.95)
        # The history ends yesterday: nothing in it happens today or later (the board's feed, the KPIs).
        resolved = max(opened + timedelta(minutes=10), min(resolved, history_end - timedelta(hours=4)))
        resolved_at.append(resolved)
        slip_rows.append(dict(
            number=f"RW{local(opened):%Y%m%d}-H{index % 1000:03d}", source="call", source_ref=call_ids[index],
            category=call["category"], priority=priority.value, status="closed", department_id=department.id,
            assignee_id=None, owner_id=agent.id, caller_name="来电业主", caller_phone=call["caller_number"],
            location="", description="历史工单", opened_at=opened, due_at=due,
            warn_at=near_due_from(due, opened, policy), deadline_set_by_hand=False, resolved_at=resolved,
            closed_at=resolved + timedelta(hours=3), result="已处理", version=1))
    slip_ids = _insert_returning_ids(TaskSlip, slip_rows)
    events, callbacks = [], []
    for slip_id, row, resolved in zip(slip_ids, slip_rows, resolved_at, strict=True):
        agent_id, reached = row["owner_id"], rng.random() < 0.93
        events += [dict(slip_id=slip_id, at=row["opened_at"], actor_id=agent_id, kind="opened",
                        from_status=None, to_status="dispatched", note=""),
                   dict(slip_id=slip_id, at=resolved, actor_id=agent_id, kind="resolve",
                        from_status="in_progress", to_status="resolved", note="已处理")]
        callbacks.append(dict(
            kind="slip", slip_id=slip_id, property_owner_id=None, agent_id=agent_id,
            due_at=resolved + timedelta(hours=2), status="done" if reached else "unreachable",
            attempts=1 if reached else 3, result=rng.choice(_ANSWERS) if reached else "unreachable",
            done_at=min(resolved + timedelta(hours=rng.uniform(2, 20)), history_end), done_by_id=agent_id,
            note="",
            created_at=resolved, version=1))
    db.session.execute(TaskEvent.__table__.insert(), events)
    db.session.execute(Callback.__table__.insert(), callbacks)
    calls_table = Call.__table__
    db.session.execute(calls_table.update().where(calls_table.c.id == bindparam("call_id"))
                       .values(slip_id=bindparam("new_slip_id")),
                       [{"call_id": call_ids[index], "new_slip_id": slip_id}
                        for (index, *_rest), slip_id in zip(slips, slip_ids, strict=True)])
    return len(calls)


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert the rows in one go (Core ``INSERT``, executemany) and return their ids in order."""
    table = model.__table__
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(statement, rows).scalars())


def _history_owner_callbacks(rng, today, owners, agents) -> None:
    """Periodic owner callbacks (seed 001 制度3 §5): monthly in a project's first year, quarterly after."""
    start = today - timedelta(days=HISTORY_DAYS)
    for owner in owners:
        delivered = owner.unit.building.project.delivered_on if owner.unit else None
        last = None
        while delivered is not None:
            day = scheduled_periodic_callback(delivered, last)
            if day >= today:
                break
            last = day
            if day < start:
                continue
            due, made = _at(day, 9), rng.random() < 0.9
            db.session.add(Callback(kind="periodic", property_owner_id=owner.id, due_at=due,
                                    status="done" if made else "unreachable", attempts=1 if made else 3,
                                    result="satisfied" if made else "unreachable",
                                    done_at=due + timedelta(hours=rng.uniform(0.5, 8)),
                                    done_by_id=rng.choice(agents).id, created_at=due - timedelta(days=1)))


def _history_incidents(rng, today) -> None:
    """About two office incidents a month, each with its report (《突发事件处理记录表》, seed 000 §5 C5)."""
    calendar = working_calendar()
    device = db.session.scalar(select(KioskDevice).where(KioskDevice.place == "service_centre"))
    for n in range(HISTORY_DAYS // 15):
        day = today - timedelta(days=HISTORY_DAYS - 15 * n - rng.randint(0, 10))
        opened = _at(day, rng.uniform(9, 17))
        closed = opened + timedelta(minutes=rng.randint(20, 120))
        due = incident_report_due(closed, calendar)
        if rng.random() < 0.85:
            filed = closed + (due - closed) * rng.uniform(0.1, 0.9)
        else:
            filed = due + timedelta(hours=rng.randint(2, 48))
        visit = Visit(place="service_centre", device_id=device.id if device else None, purpose="complaint",
                      name="历史访客", party_size=1, relation="owner", badge_code=f"DH{n:04d}",
                      signed_in_at=opened, signed_out_at=closed, sign_out_method="staff", incident_class="A",
                      anonymised=False)
        db.session.add(visit)
        db.session.add(Incident(
            visit=visit, incident_class="A", rule="seed 000 §3 A", reason="业主无预约投诉来访",
            instruction="引导至会客室，奉茶，耐心倾听", alert_roles="service_centre", opened_at=opened,
            handled_by="陈静", actions="接待并记录诉求", outcome="已安抚", closed_at=closed,
            report_due_at=due, report_filed_at=filed))


def _history_rotation(rng, today) -> None:
    """The sales office's last two weeks: walk-ins in table order, now and then someone busy.

    Stored after today's table, which keeps the opening order it was given.
    """
    first = today - timedelta(days=ROTATION_HISTORY_DAYS)
    past = select(RotationDay.id).where(RotationDay.day.between(first, today - timedelta(days=1))).limit(1)
    if db.session.scalar(past):
        return
    people = rotation.sales_user_ids()
    for back in range(ROTATION_HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        busy = rng.choice(people) if rng.random() < 0.3 else None
        for n in range(rng.randint(4, 9)):
            at = _at(day, 9.5 + n * 0.9)
            if busy is not None and n in (2, 4):
                event = BusyWithOtherWork if n == 2 else BackAtDesk
                rotation.record(OFFICE, event(local(at), rotation.sid(busy)), actor=None, now=at)
            group = f"hist-{day.isoformat()}-{n}"
            rotation.record(OFFICE, CustomerArrived(local(at), group), actor=None, now=at)
