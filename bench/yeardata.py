"""A year of a service centre's data for benchmarks, bulk-loaded through SQLAlchemy Core.

Each loader takes a SQLAlchemy ``Connection`` or ``Session`` (anything with ``execute``) on a migrated
database, a count and ``now``, writes in batches and leaves committing to the caller::

    with engine.begin() as connection:
        people = load_people(connection, now=now)
        load_calls(connection, 100_000, now=now, people=people)
        load_slips(connection, 50_000, now=now, people=people)
        load_visits(connection, 100_000, now=now, people=people)

Or ``load_year(connection, calls=..., slips=..., visits=..., now=now)`` for all four. For the KPIs
also ``load_owners`` (the register: homes in five projects with their people, numbers and search keys;
calls then come from owners, slips from calls), ``load_unit_visits`` (visits recorded to homes),
``load_periodic_callbacks`` and ``load_sales_office`` (salespeople and a year of the rotation). The
shape of the year: calls over working hours (3 % abandoned while ringing), a few calls ringing and in
progress right now with every agent in a state; slips over the year with their audit events and
callbacks, the recent ones still open (some near due, some overdue); visits over the year at four places
with 0.5 % raising an incident (most closed and reported, a few open, a few reports due or overdue) and a
dozen visitors on site now; owners called back every quarter; ~20 walk-ins a day at the sales office.
Random but reproducible (``seed``). Nothing here runs in the test suite.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from kiosk.clock import SHANGHAI
from kiosk.domain.deadlines import DeadlinePolicy, Priority, due_at, incident_report_due, near_due_from
from kiosk.domain.hotline import AgentStatus, CallCategory, Disposition
from kiosk.domain.rotation import CustomerArrived
from kiosk.domain.working_days import WorkingCalendar
from kiosk.models.callbacks import Callback
from kiosk.models.calls import AgentState, Call
from kiosk.models.people import Department, User, UserRole
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.rotation import RotationDay, RotationEvent
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident, KioskDevice, Visit
from kiosk.services.rotation import encode

PASSWORD = "bench-pass-2026"
SUPERVISOR = "boss"
BATCH = 5000
YEAR = timedelta(days=365)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
]
PLACES = ["service_centre"] * 5 + ["sales_office"] * 3 + ["model_home"] + ["management_office"]
PURPOSES = (
    ["viewing"] * 6
    + ["owner_business"] * 6
    + ["repair"] * 4
    + ["visiting_person"] * 3
    + ["delivery_promotion"] * 2
    + ["job_interview", "complaint", "other"]
)
PRIORITIES = [Priority.ROUTINE] * 6 + [Priority.MAJOR, Priority.COMPLAINT, Priority.EMERGENCY]
CATEGORIES = (
    [CallCategory.INQUIRY] * 5
    + [CallCategory.SERVICE_REQUEST] * 3
    + [CallCategory.COMPLAINT, CallCategory.SUGGESTION, CallCategory.EMERGENCY]
)
BADGE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class People:
    supervisor_id: int
    agent_ids: list[int]
    staff_ids: list[int]
    department_ids: list[int]
    device_ids: dict[str, int]  # place -> kiosk tablet


def _batches(rows, size: int = BATCH):
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def _insert_returning_ids(connection, model, rows: list[dict]) -> list[int]:
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    return [row[0] for row in connection.execute(statement, rows)]


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _working_hour(rng: random.Random, now: datetime, age: timedelta) -> datetime:
    """A moment ``age`` before now, moved into the day's opening hours (8:00–20:00 Shanghai time)."""
    local = (now - age).astimezone(SHANGHAI)
    moment = datetime.combine(local.date(), time(8), SHANGHAI) + timedelta(seconds=rng.randrange(12 * 3600))
    return min(moment.astimezone(UTC), now - timedelta(minutes=1))


def _user(username: str, name: str, department_id: int, *, password_hash: str, now: datetime) -> dict:
    return {
        "username": username,
        "display_name": name,
        "password_hash": password_hash,
        "department_id": department_id,
        "active": True,
        "session_token": username,
        "created_at": now,
        "version": 1,
    }


def load_people(
    connection, *, now: datetime, departments: int = 9, agents: int = 12, staff: int = 27
) -> People:
    """Departments, one supervisor (``boss``, password ``PASSWORD``), agents, department staff, and a kiosk
    tablet at each place."""
    department_ids = _insert_returning_ids(
        connection,
        Department,
        [{"code": f"bench{i}", "name": f"部门{i}", "active": True} for i in range(1, departments + 1)],
    )
    password = generate_password_hash(PASSWORD)

    def user(username: str, name: str, department_id: int) -> dict:
        return _user(username, name, department_id, password_hash=password, now=now)

    rows = [user(SUPERVISOR, "主管", department_ids[0])]
    rows += [
        user(f"agent{i}", f"坐席{i}", department_ids[0]) | {"extension": f"8{i:03d}"}
        for i in range(1, agents + 1)
    ]
    rows += [user(f"staff{i}", f"员工{i}", department_ids[i % departments]) for i in range(1, staff + 1)]
    ids = _insert_returning_ids(connection, User, rows)
    supervisor_id, agent_ids, staff_ids = ids[0], ids[1 : agents + 1], ids[agents + 1 :]
    connection.execute(
        insert(UserRole),
        [{"user_id": supervisor_id, "role": "supervisor"}]
        + [{"user_id": i, "role": "agent"} for i in agent_ids]
        + [{"user_id": i, "role": "staff"} for i in staff_ids],
    )
    places = sorted(set(PLACES))
    device_ids = _insert_returning_ids(
        connection,
        KioskDevice,
        [
            {
                "name": f"平板-{place}",
                "place": place,
                "opens_at": time(8),
                "closes_at": time(20),
                "created_at": now,
                "revoked": False,
            }
            for place in places
        ],
    )
    return People(
        supervisor_id, agent_ids, staff_ids, department_ids, dict(zip(places, device_ids, strict=True))
    )


# --- homes and owners ----------------------------------------------------------------------------------


#: Surnames of the register, with those read two ways (曾, 单, 解, 查, 区, 仇) among them.
REGISTER_SURNAMES = SURNAMES + "曾单解查区仇"
LAYOUTS = ("三室两厅", "两室两厅", "四室两厅", "三室一厅")


def load_owners(connection, households: int, *, projects: int = 5, buildings: int = 50,
                seed: int = 2031) -> list[int]:
    """The register: ``projects`` projects delivered in mid-2023 (over a year ago, so their owners are called
    back every quarter), ``buildings`` buildings and ``households`` homes (area, layout, status) with an
    owner each, as the import writes them (numbers, membership, search keys); one home in ten also has a
    tenant or a household member with a number and a landline of their own; one owner in ten lacks the
    move-in date (an incomplete profile). Returns the owners' ids."""
    from kiosk.domain.hotline import pinyin_initials
    from kiosk.domain.register import Relation, UnitStatus, search_keys
    from kiosk.models.property import OwnerPhone, OwnerSearchKey, UnitMember

    rng = random.Random(seed)
    project_ids = _insert_returning_ids(
        connection,
        Project,
        [
            {"name": f"项目{p}", "address": "", "delivered_on": date(2023, 6, 30)}
            for p in range(1, projects + 1)
        ],
    )
    building_ids = _insert_returning_ids(
        connection,
        Building,
        [{"project_id": project_ids[b % projects], "name": f"{b + 1}栋"} for b in range(buildings)],
    )
    per_building = -(-households // buildings)
    statuses = (UnitStatus.OCCUPIED,) * 3 + (UnitStatus.RENTED, UnitStatus.VACANT)
    unit_ids = _insert_returning_ids(
        connection,
        Unit,
        [{"building_id": building_ids[u % buildings],
          "number": f"{(u // buildings) // 4 + 1}0{(u // buildings) % 4 + 1}" if per_building <= 400
          else f"{u // buildings + 1}",
          "area": 80 + u % 70, "layout": LAYOUTS[u % len(LAYOUTS)],
          "status": statuses[u % len(statuses)].value}
         for u in range(households)],
    )
    people = []
    for n, unit_id in enumerate(unit_ids, start=1):
        name = rng.choice(REGISTER_SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        moved_in = None if n % 10 == 0 else date(2023, 7, 1)
        people.append((name, f"139{n:08d}", unit_id, Relation.OWNER, moved_in))
        if n % 10 == 5:
            relation = Relation.TENANT if n % 20 == 5 else Relation.FAMILY
            name = rng.choice(REGISTER_SURNAMES) + rng.choice(GIVEN)
            people.append((name, f"137{n:08d}", unit_id, relation, date(2024, 3, 1)))
    ids = _insert_returning_ids(
        connection,
        Owner,
        [{"name": name, "name_initials": pinyin_initials(name), "mobile": mobile, "unit_id": unit_id,
          "notes": "", "preferred_contact_time": "", "moved_in_on": moved_in}
         for name, mobile, unit_id, _relation, moved_in in people],
    )
    phones, members, keys = [], [], []
    for owner_id, (name, mobile, unit_id, relation, moved_in) in zip(ids, people, strict=True):
        numbers = [mobile] + ([f"0731{owner_id % 10**8:08d}"] if relation is not Relation.OWNER else [])
        phones += [{"owner_id": owner_id, "number": number, "kind": "mobile" if i == 0 else "landline",
                    "preferred": i == 0, "note": ""} for i, number in enumerate(numbers)]
        members.append({"owner_id": owner_id, "unit_id": unit_id, "relation": relation.value,
                        "moved_in_on": moved_in})
        keys += [{"owner_id": owner_id, "key": key} for key in sorted(search_keys(name, numbers))]
    for model, rows in ((OwnerPhone, phones), (UnitMember, members), (OwnerSearchKey, keys)):
        for rows_batch in _batches(rows):
            connection.execute(insert(model), rows_batch)
    return [owner_id for owner_id, person in zip(ids, people, strict=True) if person[3] is Relation.OWNER]


def load_unit_visits(connection, owner_ids: Sequence[int], *, now: datetime, people: People,
                     seed: int = 2032) -> int:
    """Visits recorded to homes over the past year (上门走访 / 电话回访 / 座谈), about one per home, by the
    department staff. Returns the visits written."""
    from sqlalchemy import select

    from kiosk.domain.register import VisitKind
    from kiosk.models.coverage import UnitVisit
    from kiosk.models.property import UnitMember

    rng = random.Random(seed)
    today = now.astimezone(SHANGHAI).date()
    wanted = set(owner_ids)
    homes = [(owner_id, unit_id) for owner_id, unit_id in connection.execute(
        select(UnitMember.owner_id, UnitMember.unit_id)) if owner_id in wanted]
    rows = [{"unit_id": unit_id, "owner_id": owner_id, "kind": rng.choice(list(VisitKind)).value,
             "on_date": today - timedelta(days=rng.randrange(365)), "by_id": rng.choice(people.staff_ids),
             "note": "", "created_at": now} for owner_id, unit_id in homes if rng.random() < 0.9]
    for rows_batch in _batches(rows):
        connection.execute(insert(UnitVisit), rows_batch)
    return len(rows)


def load_periodic_callbacks(
    connection, owner_ids: Sequence[int], *, now: datetime, people: People, seed: int = 2029
) -> int:
    """Every owner called back once a quarter over the past year (seed 001 制度3 §5: projects delivered over
    a year ago), each by one of the agents. Returns the callbacks written."""
    rng = random.Random(seed)
    rows = []
    for owner_id in owner_ids:
        for quarter in range(4):
            due = now - timedelta(days=91 * quarter + owner_id % 91)
            rows.append(
                {
                    "kind": "periodic",
                    "property_owner_id": owner_id,
                    "due_at": due,
                    "status": "done",
                    "attempts": 1,
                    "result": "satisfied",
                    "note": "",
                    "done_at": due + timedelta(hours=3),
                    "done_by_id": rng.choice(people.agent_ids),
                    "last_attempt_at": due + timedelta(hours=3),
                    "created_at": due,
                    "version": 1,
                }
            )
    for batch in _batches(rows):
        connection.execute(insert(Callback), batch)
    return len(rows)


# --- calls ----------------------------------------------------------------------------------------------


#: Every call row carries every column (an executemany takes its columns from the first row).
CALL = {
    "pbx_call_id": None,
    "direction": "in",
    "caller_number": "",
    "called_number": "4008001234",
    "agent_id": None,
    "state": "ended",
    "ringing_at": None,
    "answered_at": None,
    "ended_at": None,
    "ring_seconds": None,
    "talk_seconds": None,
    "category": None,
    "caller_surname": "",
    "owner_id": None,
    "location": "",
    "description": "",
    "notes": "",
    "confirmed_at": None,
    "disposition": None,
    "disposed_at": None,
    "answer_text": "",
    "created_at": None,
    "version": 1,
}


def _finished_call(
    rng: random.Random, n: int, now: datetime, people: People, owner_ids: Sequence[int]
) -> dict:
    age = timedelta(seconds=rng.randrange(int(YEAR.total_seconds()))) + timedelta(hours=1)
    rang = _working_hour(rng, now, age)
    row = CALL | {
        "pbx_call_id": f"year-{n}",
        "direction": "out" if rng.random() < 0.1 else "in",
        "caller_number": _mobile(rng),
        "ringing_at": rang,
        "created_at": rang,
        "owner_id": rng.choice(owner_ids) if owner_ids and rng.random() < 0.8 else None,
    }
    ring = rng.choice([3, 5, 6, 8, 9, 11, 12, 14, 17, 22, 31])
    if rng.random() < 0.03:  # the caller gave up before anyone answered
        return row | {"agent_id": None, "ended_at": rang + timedelta(seconds=ring), "ring_seconds": ring}
    answered = rang + timedelta(seconds=ring)
    talk = int(rng.lognormvariate(4.6, 0.5))  # median ≈ 100 s, a tail past three minutes
    category = rng.choice(CATEGORIES)
    disposition = {
        CallCategory.COMPLAINT: Disposition.COMPLAINT,
        CallCategory.EMERGENCY: Disposition.EMERGENCY,
        CallCategory.SUGGESTION: Disposition.SUGGESTION,
        CallCategory.SERVICE_REQUEST: Disposition.SLIP,
    }.get(category, Disposition.ANSWERED_ON_SPOT)
    ended = answered + timedelta(seconds=talk)
    return row | {
        "agent_id": rng.choice(people.agent_ids),
        "answered_at": answered,
        "ended_at": ended,
        "ring_seconds": ring,
        "talk_seconds": talk,
        "category": category.value,
        "caller_surname": rng.choice(SURNAMES),
        "description": "来电内容",
        "confirmed_at": answered,
        "disposition": disposition.value,
        "disposed_at": ended,
    }


def load_calls(
    connection,
    count: int,
    *,
    now: datetime,
    people: People,
    live: int = 3,
    ringing: int = 2,
    owner_ids: Sequence[int] = (),
    seed: int = 2026,
) -> int:
    """``count`` calls over the past year, of which ``live`` in progress and ``ringing`` ringing now; every
    agent in a state. Four past calls in five come from one of ``owner_ids`` (if given). Returns the number
    of calls written."""
    rng = random.Random(seed)
    past = count - live - ringing
    for batch in _batches(_finished_call(rng, n, now, people, owner_ids) for n in range(past)):
        connection.execute(insert(Call), batch)
    busy = people.agent_ids[:live]
    current = []
    for n, agent_id in enumerate(busy):
        answered = now - timedelta(seconds=40 + 70 * n)
        current.append(
            CALL
            | {
                "pbx_call_id": f"year-live-{n}",
                "caller_number": _mobile(rng),
                "agent_id": agent_id,
                "state": "answered",
                "ringing_at": answered - timedelta(seconds=6),
                "answered_at": answered,
                "ring_seconds": 6,
                "created_at": answered,
                "version": 2,
            }
        )
    for n in range(ringing):
        rang = now - timedelta(seconds=4 + 9 * n)
        current.append(
            CALL
            | {
                "pbx_call_id": f"year-ringing-{n}",
                "caller_number": _mobile(rng),
                "state": "ringing",
                "ringing_at": rang,
                "created_at": rang,
            }
        )
    if current:
        connection.execute(insert(Call), current)
    states = [
        AgentStatus.ON_CALL
        if agent_id in busy
        else rng.choice(
            [AgentStatus.AVAILABLE, AgentStatus.AVAILABLE, AgentStatus.WRAP_UP, AgentStatus.PAUSED]
        )
        for agent_id in people.agent_ids
    ]
    connection.execute(
        insert(AgentState),
        [
            {
                "user_id": agent_id,
                "state": state.value,
                "since": now - timedelta(seconds=rng.randrange(30, 3600)),
            }
            for agent_id, state in zip(people.agent_ids, states, strict=True)
        ],
    )
    return past + len(current)


# --- task slips -----------------------------------------------------------------------------------------


def _slip(
    rng: random.Random,
    n: int,
    now: datetime,
    people: People,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy,
    call_ids: Sequence[int],
) -> tuple[dict, list[tuple[str, timedelta, str]], str | None]:
    """One slip's row, its events (kind, after opening, status), and its callback result if called back."""
    opened = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
    priority = rng.choice(PRIORITIES)
    due = due_at(opened, priority, policy, calendar)
    recent = now - opened < timedelta(days=4)
    if recent:
        status = rng.choice(
            ["new", "dispatched", "accepted", "in_progress", "in_progress", "waiting_on_owner", "resolved"]
        )
    else:
        status = rng.choice(["closed"] * 40 + ["resolved", "in_progress", "rejected"])
    steps = {
        "new": [],
        "rejected": ["dispatch", "reject"],
        "dispatched": ["dispatch"],
        "accepted": ["dispatch", "accept"],
        "in_progress": ["dispatch", "accept", "start"],
        "waiting_on_owner": ["dispatch", "accept", "start", "wait"],
        "resolved": ["dispatch", "accept", "start", "resolve"],
        "closed": ["dispatch", "accept", "start", "resolve", "callback", "close"],
    }[status]
    span = (due - opened) * rng.uniform(0.2, 1.3)  # some are done late
    events = [("opened", timedelta(0), "new")] + [
        (kind, span * (k + 1) / (len(steps) + 1), status) for k, kind in enumerate(steps)
    ]
    after = dict((kind, offset) for kind, offset, _status in events)
    department_id = None if status == "new" else people.department_ids[n % len(people.department_ids)]
    assignee = (
        None if status in ("new", "dispatched", "rejected") else people.staff_ids[n % len(people.staff_ids)]
    )
    source = rng.choice(["call", "visit", "staff"])
    row = {
        "number": f"RW{opened.astimezone(SHANGHAI):%Y%m%d}-Y{n:06d}",
        "source": source,
        "source_ref": rng.choice(call_ids) if source == "call" and call_ids else None,
        "category": rng.choice(["repair", "cleaning", "security", "complaint", "service_request"]),
        "priority": priority.value,
        "status": status,
        "department_id": department_id,
        "assignee_id": assignee,
        "owner_id": rng.choice(people.agent_ids),
        "caller_name": _name(rng),
        "caller_phone": _mobile(rng),
        "location": f"{n % 12 + 1}栋 {n % 30 + 1}0{n % 4 + 1}",
        "description": "报修事项描述",
        "opened_at": opened,
        "due_at": due,
        "warn_at": near_due_from(due, opened, policy),
        "deadline_set_by_hand": False,
        "result": "",
        "version": len(events),
        "resolved_at": opened + after["resolve"] if "resolve" in after else None,
        "closed_at": opened + after["close"] if "close" in after else None,
    }
    result = (
        rng.choice(["satisfied"] * 8 + ["basically_satisfied", "unsatisfied"]) if status == "closed" else None
    )
    return row, events, result


def load_slips(
    connection,
    count: int,
    *,
    now: datetime,
    people: People,
    call_ids: Sequence[int] = (),
    seed: int = 2027,
) -> int:
    """``count`` task slips over the past year with their audit events and callbacks; a slip from a call was
    opened from one of ``call_ids`` (if given). Returns the events."""
    rng = random.Random(seed)
    calendar = WorkingCalendar(years=range(now.year - 1, now.year + 2))
    policy = DeadlinePolicy()
    events_written = 0
    for batch in _batches(
        _slip(rng, n, now, people, calendar, policy, call_ids) for n in range(1, count + 1)
    ):
        ids = _insert_returning_ids(connection, TaskSlip, [row for row, _events, _result in batch])
        events, callbacks = [], []
        for slip_id, (row, steps, result) in zip(ids, batch, strict=True):
            actor = row["assignee_id"] or row["owner_id"]
            events += [
                {
                    "slip_id": slip_id,
                    "at": row["opened_at"] + offset,
                    "actor_id": actor,
                    "kind": kind,
                    "from_status": None,
                    "to_status": status,
                    "note": "",
                }
                for kind, offset, status in steps
            ]
            if row["status"] in ("resolved", "closed"):
                done = row["closed_at"]
                callbacks.append(
                    {
                        "kind": "slip",
                        "slip_id": slip_id,
                        "agent_id": row["owner_id"],
                        "due_at": row["resolved_at"] + timedelta(days=1),
                        "status": "done" if done else "pending",
                        "attempts": 1 if done else 0,
                        "result": result,
                        "note": "",
                        "done_at": done,
                        "done_by_id": row["owner_id"] if done else None,
                        "last_attempt_at": done,
                        "created_at": row["resolved_at"],
                        "version": 1,
                    }
                )
        connection.execute(insert(TaskEvent), events)
        if callbacks:
            connection.execute(insert(Callback), callbacks)
        events_written += len(events)
    return events_written


# --- visits and incidents -------------------------------------------------------------------------------


def _badge(n: int) -> str:
    code = ""
    for _ in range(6):
        n, digit = divmod(n, len(BADGE_ALPHABET))
        code += BADGE_ALPHABET[digit]
    return code


INCIDENT_PURPOSES = {"A": "complaint", "B": "former_employee", "C": "media_interview"}


def _visit(rng: random.Random, n: int, now: datetime, people: People, on_site: bool) -> dict:
    place = rng.choice(PLACES)
    age = (
        timedelta(minutes=rng.randrange(5, 240))
        if on_site
        else (timedelta(seconds=rng.randrange(int(YEAR.total_seconds()))) + timedelta(hours=6))
    )
    signed_in = now - age if on_site else _working_hour(rng, now, age)
    incident = rng.choice("ABC") if rng.random() < 0.005 else None
    purpose = INCIDENT_PURPOSES[incident] if incident else rng.choice(PURPOSES)
    out = None if on_site else signed_in + timedelta(minutes=rng.randrange(10, 150))
    return {
        "place": place,
        "device_id": people.device_ids[place],
        "purpose": purpose,
        "name": _name(rng),
        "mobile": _mobile(rng),
        "party_size": rng.choice([1, 1, 1, 2, 2, 3, 4]),
        "badge_code": _badge(n),
        "signed_in_at": signed_in,
        "signed_out_at": out,
        "sign_out_method": "kiosk" if out else None,
        "incident_class": incident,
        "waiting_for_salesperson": purpose == "viewing" and place != "service_centre",
        "anonymised": False,
        "been_before": None,
    }


def _incident(
    rng: random.Random,
    visit_id: int,
    visit: dict,
    now: datetime,
    people: People,
    calendar: WorkingCalendar,
    state: str,
) -> dict:
    """state: open (unacknowledged), reported, report_due (closed, not reported; due or overdue)."""
    opened = visit["signed_in_at"]
    row = {
        "visit_id": visit_id,
        "incident_class": visit["incident_class"],
        "watch_list_hit": False,
        "rule": "bench",
        "reason": f"{visit['incident_class']}类突发事件",
        "instruction": "引导至会议室",
        "alert_roles": "service_centre",
        "opened_at": opened,
        "handled_by": "",
        "actions": "",
        "outcome": "",
        "case_study": False,
        "acknowledged_by_id": None,
        "acknowledged_at": None,
        "closed_at": None,
        "closed_by_id": None,
        "report_due_at": None,
        "report_filed_at": None,
    }
    if state == "open":
        return row
    closed = min(opened + timedelta(minutes=rng.randrange(30, 180)), now - timedelta(minutes=1))
    due = incident_report_due(closed, calendar)
    return row | {
        "acknowledged_by_id": people.supervisor_id,
        "acknowledged_at": opened + timedelta(minutes=2),
        "closed_at": closed,
        "closed_by_id": people.supervisor_id,
        "report_due_at": due,
        "handled_by": "主管",
        "actions": "引导至会议室，耐心倾听",
        "outcome": "已平息",
        "report_filed_at": None if state == "report_due" else min(closed + timedelta(days=1), now),
    }


def load_visits(
    connection, count: int, *, now: datetime, people: People, on_site: int = 12, seed: int = 2028
) -> int:
    """``count`` visits over the past year (``on_site`` of them still on site), with the incidents their
    sign-ins raised: the latest two still open, the three before them with reports due. Returns incidents."""
    rng = random.Random(seed)
    calendar = WorkingCalendar(years=range(now.year - 1, now.year + 2))
    rows = sorted(
        (_visit(rng, n, now, people, on_site=n >= count - on_site) for n in range(count)),
        key=lambda row: row["signed_in_at"],
    )
    raised = []
    for batch in _batches(rows):
        ids = _insert_returning_ids(connection, Visit, batch)
        raised += [(visit_id, row) for visit_id, row in zip(ids, batch, strict=True) if row["incident_class"]]
    states = ["reported"] * max(0, len(raised) - 5) + ["report_due"] * 3 + ["open"] * 2
    incidents = (
        [
            _incident(rng, visit_id, row, now, people, calendar, state)
            for (visit_id, row), state in zip(raised, states[-len(raised) :], strict=True)
        ]
        if raised
        else []
    )
    if incidents:
        connection.execute(insert(Incident), incidents)
    return len(incidents)


# --- the sales office ------------------------------------------------------------------------------------


def load_sales_office(
    connection, *, now: datetime, people: People, salespeople: int = 6, seed: int = 2030
) -> int:
    """``salespeople`` salespeople (who do not sign in) and a year of days at the sales office: the opening
    order turning by one a day, 12 to 28 walk-ins a day stored as the rotation engine's events (so every
    day replays). Returns the events written."""
    rng = random.Random(seed)
    department_id = people.department_ids[-1]
    sales = _insert_returning_ids(
        connection,
        User,
        [
            _user(f"sales{i}", f"销售{i}", department_id, password_hash="!", now=now)
            for i in range(1, salespeople + 1)
        ],
    )
    connection.execute(insert(UserRole), [{"user_id": i, "role": "sales"} for i in sales])
    today = now.astimezone(SHANGHAI).date()
    days = [today - timedelta(days=back) for back in range(365, 0, -1)]
    walk_ins = [rng.randint(12, 28) for _ in days]
    day_ids = _insert_returning_ids(
        connection,
        RotationDay,
        [
            {
                "office": "sales_office",
                "day": day,
                "opening_order": sales[n % salespeople :] + sales[: n % salespeople],
                "work_start": time(9),
                "work_end": time(18),
                "on_call_start": None,
                "on_call_end": None,
                "on_call_user_id": None,
                "last_seq": arrived,
                "opened_at": now,
            }
            for n, (day, arrived) in enumerate(zip(days, walk_ins, strict=True))
        ],
    )
    events = []
    for day_id, day, arrived in zip(day_ids, days, walk_ins, strict=True):
        for seq in range(1, arrived + 1):
            at = datetime.combine(day, time(9, 30), tzinfo=SHANGHAI) + timedelta(minutes=18 * seq)
            kind, payload = encode(CustomerArrived(at, f"g{day_id}-{seq}"))
            events.append(
                {
                    "day_id": day_id,
                    "seq": seq,
                    "type": kind,
                    "payload": payload,
                    "actor_id": None,
                    "at": at,
                    "reason": "",
                }
            )
    for batch in _batches(events):
        connection.execute(insert(RotationEvent), batch)
    return len(events)


def load_year(connection, *, calls: int, slips: int, visits: int, now: datetime) -> dict[str, int]:
    """People, then a year of calls, slips and visits. Returns what was written."""
    people = load_people(connection, now=now)
    return {
        "calls": load_calls(connection, calls, now=now, people=people),
        "slips": slips,
        "events": load_slips(connection, slips, now=now, people=people),
        "visits": visits,
        "incidents": load_visits(connection, visits, now=now, people=people),
    }
