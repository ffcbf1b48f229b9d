"""Shared by the KPI tests: a world with data behind every KPI, and a reader for the KPI pages.

``build`` writes random calls, slips, callbacks, incident reports, owners and a few days of the sales
rotation (a seeded ``random.Random``: the same rows every run), over fourteen months around June 2026,
and keeps what it wrote as plain dicts so that ``tests/web/test_kpi_service.py`` can recount every KPI
row by row with the domain's verdicts. ``tests/web/test_kpi_pages.py`` compares the page with the
downloads on the same world.

``read_page`` reads the KPI page (or the printable report) as a browser shows it: each KPI card's
value and trend bars, the tables and what they say under them.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from kiosk.clock import SHANGHAI
from kiosk.domain import kpi as rules
from kiosk.domain.kpi import parse_period
from kiosk.extensions import db
from kiosk.models.callbacks import Callback
from kiosk.models.calls import Call
from kiosk.models.property import Building, Owner, Project, Unit
from kiosk.models.tasks import TaskEvent, TaskSlip
from kiosk.models.visits import Incident, Visit

PERIOD = parse_period("2026-06")
SPAN_START = datetime(2025, 5, 1, tzinfo=SHANGHAI)
SPAN_DAYS = 440
#: Days of June 2026 with walk-ins at the sales office: (day, customer groups). Three salespeople
#: take turns: 5 groups give 2, 2, 1 (a spread of 1), 3 groups give 1, 1, 1 (0).
ROTATION_DAYS = ((date(2026, 6, 9), 5), (date(2026, 6, 10), 3))


def _moment(rng: random.Random) -> datetime:
    return (SPAN_START + timedelta(seconds=rng.randrange(SPAN_DAYS * 86400))).astimezone(UTC)


class World:
    """The rows the test wrote, kept as plain dicts for the Python recount."""

    def __init__(self):
        self.calls, self.slips, self.callbacks, self.incidents = [], [], [], []


def build(rng: random.Random, make_user, make_department) -> World:
    """Calls, slips, callbacks, incidents, owners in two projects and two days of the sales rotation.

    Agents 0 and 1 belong to the two departments, agent 2 to none (a "no department" row).
    """
    w = World()
    departments = [make_department() for _ in range(2)]
    agents = [make_user("agent", display_name=f"坐席{i}", department=d)
              for i, d in enumerate([*departments, None])]
    w.agent_department = {a.id: a.department_id for a in agents}
    projects = [Project(name=f"项目{i}") for i in range(2)]
    db.session.add_all(projects)
    db.session.flush()
    units, unit_project = [], {}
    for project in projects:
        building = Building(project_id=project.id, name="1栋")
        db.session.add(building)
        db.session.flush()
        for n in range(2):
            unit = Unit(building_id=building.id, number=f"10{n}")
            db.session.add(unit)
            db.session.flush()
            units.append(unit)
            unit_project[unit.id] = project.id
    owners = [Owner(name="张三", mobile="13900000001", unit_id=units[0].id, moved_in_on=date(2025, 1, 1)),
              Owner(name="李四", mobile="13900000002", unit_id=units[2].id, moved_in_on=None),
              Owner(name="王五", mobile="13900000003", unit_id=units[2].id, moved_in_on=date(2025, 1, 1)),
              Owner(name="赵六", mobile=" ", unit_id=None, moved_in_on=date(2025, 1, 1))]
    db.session.add_all(owners)
    db.session.flush()
    w.owner_project = {o.id: unit_project.get(o.unit_id) for o in owners}
    w.owner_has_home = {o.id: o.unit_id is not None for o in owners}
    w.households = {None: 2}  # units[0] and units[2] have owners
    w.households_by_project = {projects[0].id: 1, projects[1].id: 1}
    w.profiles = (2, 4)  # 张三 and 王五 complete; 李四 has no move-in date; 赵六 no mobile, no home
    w.profiles_by_project = {projects[0].id: (1, 1), projects[1].id: (1, 2), None: (0, 1)}

    calls = []
    for _ in range(260):
        rang = _moment(rng)
        inbound = rng.random() < 0.9
        answered = rng.random() < 0.85
        ended = rng.random() < 0.95
        ring = rng.randint(0, 40)
        talk = rng.randint(10, 400)
        owner = rng.choice(owners + [None])
        agent = rng.choice(agents) if answered or rng.random() < 0.3 else None
        call = Call(direction="in" if inbound else "out", caller_number="13900000000", created_at=rang,
                    ringing_at=rang, agent_id=agent.id if agent else None,
                    owner_id=owner.id if owner else None,
                    state="ended" if ended else ("answered" if answered else "ringing"))
        if answered:
            call.answered_at = rang + timedelta(seconds=ring)
            call.ring_seconds = ring if rng.random() < 0.9 else None  # some taken by hand
            if ended:
                call.ended_at = call.answered_at + timedelta(seconds=talk)
                call.talk_seconds = talk
        elif ended:
            call.ended_at = rang + timedelta(seconds=ring)
        db.session.add(call)
        calls.append(call)
    db.session.flush()
    for c in calls:
        abandoned_ring = round((c.ended_at - c.ringing_at).total_seconds()) if c.answered_at is None and \
            c.ended_at else None
        w.calls.append(dict(at=c.created_at, agent=c.agent_id, department=w.agent_department.get(c.agent_id),
                            project=w.owner_project.get(c.owner_id),
                            inbound=c.direction == "in", answered=c.answered_at is not None,
                            ended=c.ended_at is not None,
                            ring=c.ring_seconds if c.answered_at is not None else abandoned_ring,
                            talk=c.talk_seconds))

    for n in range(220):
        due = _moment(rng)
        opened = due - timedelta(hours=rng.randint(1, 72))
        done = rng.random() < 0.7
        resolved = due + timedelta(hours=rng.uniform(-30, 30)) if done else None
        waiting = not done and rng.random() < 0.3
        paused_since = due + timedelta(hours=rng.uniform(-20, 20)) if waiting else None
        call = rng.choice(calls) if rng.random() < 0.6 else None
        priority = rng.choice(["routine", "routine", "major", "complaint", "emergency"])
        category = rng.choice(["repair", "complaint", "cleaning"])
        department = rng.choice(departments + [None])
        owner_agent = rng.choice(agents)
        slip = TaskSlip(number=f"T{n:05d}", source="call" if call else "staff",
                        source_ref=call.id if call else None, category=category, priority=priority,
                        status="closed" if done else ("waiting_on_owner" if waiting else "in_progress"),
                        department_id=department.id if department else None, owner_id=owner_agent.id,
                        description="x", opened_at=opened, due_at=due, resolved_at=resolved)
        if waiting:
            slip.events = [TaskEvent(at=paused_since, kind="wait", from_status="in_progress",
                                     to_status="waiting_on_owner"),
                           TaskEvent(at=paused_since + timedelta(hours=30), kind="note",
                                     from_status="waiting_on_owner", to_status="waiting_on_owner")]
        db.session.add(slip)
        w.slips.append(dict(due=due, done=resolved, paused=paused_since, priority=priority, category=category,
                            agent=owner_agent.id, department=department.id if department else None,
                            project=w.owner_project.get(call.owner_id) if call else None, slip=slip))
    db.session.flush()

    pending = set()  # one pending callback per owner and per slip (a unique index)
    for _ in range(160):
        due = _moment(rng)
        periodic = rng.random() < 0.4
        status = rng.choice(["pending", "done", "done", "unreachable"])
        slip_row = None if periodic else rng.choice(w.slips)
        owner = rng.choice(owners) if periodic else None
        whom = owner.id if periodic else slip_row["slip"].id
        if status == "pending" and (periodic, whom) in pending:
            status = "done"
        if status == "pending":
            pending.add((periodic, whom))
        result = rng.choice(["satisfied", "basically_satisfied", "unsatisfied"]) if status == "done" else (
            "unreachable" if status == "unreachable" else None)
        done_at = due + timedelta(hours=rng.uniform(0, 40)) if status != "pending" else None
        agent = rng.choice(agents + [None])
        done_by = rng.choice(agents) if status != "pending" else None
        db.session.add(Callback(kind="periodic" if periodic else "slip", due_at=due, status=status,
                                slip_id=None if periodic else whom,
                                property_owner_id=whom if periodic else None,
                                agent_id=agent.id if agent else None, result=result, done_at=done_at,
                                done_by_id=done_by.id if done_by else None, created_at=due))
        owner_id = owner.id if owner else None
        if slip_row is not None:
            source = next((c for c in calls if c.id == slip_row["slip"].source_ref), None) \
                if slip_row["slip"].source == "call" else None
            owner_id = source.owner_id if source else None
        caller_agent = (done_by or agent).id if (done_by or agent) else None
        w.callbacks.append(dict(due=due, status=status, result=result, done_at=done_at, periodic=periodic,
                                agent=caller_agent, department=w.agent_department.get(caller_agent),
                                complaint_slip=slip_row is not None and rules.is_complaint(
                                    slip_row["category"], slip_row["priority"]),
                                # a complaint's answer counts for its slip's agent, department, project
                                answer_agent=slip_row["agent"] if slip_row else None,
                                answer_department=slip_row["department"] if slip_row else None,
                                answer_project=slip_row["project"] if slip_row else None,
                                project=w.owner_project.get(owner_id),
                                home=w.owner_has_home.get(owner_id, False)))

    for n in range(40):
        due = _moment(rng)
        filed = rng.choice([None, due - timedelta(hours=5), due + timedelta(hours=5)])
        closer = rng.choice(agents + [None])
        visit = Visit(place="service_centre", purpose="complaint", name="访客", party_size=1,
                      badge_code=f"K{n:05d}", signed_in_at=due - timedelta(days=2))
        db.session.add(visit)
        db.session.add(Incident(visit=visit, incident_class=rng.choice(["A", "B", None]), rule="r",
                                reason="r", instruction="i", alert_roles="service_centre",
                                opened_at=due - timedelta(days=2), closed_at=due - timedelta(days=2),
                                closed_by_id=closer.id if closer else None,
                                report_due_at=due, report_filed_at=filed))
        w.incidents.append(dict(due=due, filed=filed, agent=closer.id if closer else None,
                                department=w.agent_department.get(closer.id) if closer else None))
    db.session.commit()
    _walk_ins(make_user)
    return w


def _walk_ins(make_user) -> None:
    """Customers walking into the sales office on ``ROTATION_DAYS``, received in rotation order."""
    from kiosk.domain.rotation import CustomerArrived
    from kiosk.services import rotation

    for name in ("销售甲", "销售乙", "销售丙"):
        make_user("sales", display_name=name)
    for day, groups in ROTATION_DAYS:
        opening = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        for n in range(groups):
            at = opening + timedelta(minutes=10 * n)
            rotation.record(rotation.DEFAULT_OFFICE, CustomerArrived(at, f"{day}-{n}"), actor=None, now=at)


# ---- reading a page ------------------------------------------------------------------------------------

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                   "track", "wbr"})


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)  # Element | str

    @property
    def text(self) -> str:
        """The text a reader sees, whitespace collapsed (an SVG ``<title>`` included)."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, tag: str | None = None, *, css: str | None = None, **attrs: str) -> list[Element]:
        """Every descendant with the tag, the class and the attribute values given (``data_kpi`` for
        ``data-kpi``), in document order."""
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        found = []
        for child in self.children:
            if isinstance(child, str):
                continue
            if ((tag is None or child.tag == tag) and (css is None or css in child.classes())
                    and all(child.attrs.get(k) == v for k, v in wanted.items())):
                found.append(child)
            found += child.find_all(tag, css=css, **attrs)
        return found

    def find(self, tag: str | None = None, **kwargs) -> Element:
        found = self.find_all(tag, **kwargs)
        assert found, f"no <{tag}> {kwargs}"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


def read_table(table: Element) -> Table:
    head = table.find("thead")
    header = [cell.text for cell in head.find_all("th")]
    rows = [[cell.text for cell in tr.find_all() if cell.tag in ("td", "th")]
            for tr in table.find("tbody").find_all("tr")]
    return Table(header, [r for r in rows if not (len(r) == 1 and len(header) > 1)])  # "本期没有数据。"


@dataclass
class KpiPage:
    """What the KPI page shows: each card's number, each card's trend bars as (period, number) from
    their tooltips, and each breakdown with the note and the KPIs it leaves out (name → why)."""

    values: dict[str, str]
    trends: dict[str, list[tuple[str, str]]]
    breakdowns: dict[str, Table]
    notes: dict[str, str]
    not_broken_down: dict[str, dict[str, str]]
    salespeople: Table


def bar_titles(svg: Element) -> list[tuple[str, str]]:
    """A trend chart's bars as (period label, the number as shown), from each bar's ``<title>``."""
    return [tuple(rect.find("title").text.split(": ", 1)) for rect in svg.find_all("rect")]


def _breakdowns(page: Element) -> tuple[dict[str, Table], dict[str, dict[str, str]], Table]:
    tables, left_out = {}, {}
    for table in page.find_all("table", css="kpi-breakdown"):
        tables[table.attrs["data-dimension"]] = read_table(table)
    for block in page.find_all("div", css="not-broken-down"):
        names = [dt.text for dt in block.find_all("dt")]
        reasons = [dd.text for dd in block.find_all("dd")]
        left_out[block.attrs["data-dimension"]] = dict(zip(names, reasons, strict=True))
    salespeople = tables.pop("salesperson")
    return tables, left_out, salespeople


def read_kpi_page(html: str) -> KpiPage:
    page = parse_html(html)
    values, trends = {}, {}
    for card in page.find_all("article", css="kpi-card"):
        code = card.attrs["id"].removeprefix("kpi-")
        values[code] = card.find("p", css="kpi-value").text
        trends[code] = bar_titles(card.find("svg"))
    tables, left_out, salespeople = _breakdowns(page)
    return KpiPage(values, trends, tables, _notes_by_dimension(page), left_out, salespeople)


def _notes_by_dimension(page: Element) -> dict[str, str]:
    """The note under each breakdown table: the ``<p class="breakdown-note">`` after it."""
    notes = {}
    for section in page.find_all("section"):
        tables = section.find_all("table", css="kpi-breakdown")
        found = section.find_all("p", css="breakdown-note")
        if len(tables) == 1 and len(found) == 1:
            notes[tables[0].attrs["data-dimension"]] = found[0].text
    return notes


@dataclass
class ReportPage(KpiPage):
    """What the printable report shows: what the KPI page shows (its summary table as the values, its
    trend charts as the trends), and the volume table (label → count)."""

    volume: dict[str, str]


def read_report_page(html: str) -> ReportPage:
    page = parse_html(html)
    values = {tr.attrs["data-kpi"]: tr.find("td", data_value="").text
              for tr in page.find("table", css="kpi-summary").find_all("tr") if "data-kpi" in tr.attrs}
    trends = {}
    for figure in page.find_all("figure", css="report-chart"):
        svg = figure.find("svg")
        trends[svg.attrs["aria-label"]] = bar_titles(svg)
    tables, left_out, salespeople = _breakdowns(page)
    volume = {}
    for tr in page.find("table", css="kpi-volume").find_all("tr"):
        cells = [c for c in tr.children if not isinstance(c, str)]
        for label, number in zip(cells[::2], cells[1::2], strict=False):
            if label.tag == "th" and "num" in number.classes():
                volume[label.text] = number.text
    return ReportPage(values, trends, tables, _notes_by_dimension(page), left_out, salespeople, volume)
