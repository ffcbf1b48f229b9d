"""The KPI page, the rows behind a number, and the weekly report and monthly 服务监督报告 with their XLSX and
CSV downloads and the ``report`` command (seed 004 §2; seed 001 制度3 §1 and §4)."""

from __future__ import annotations

import csv
import io
import random
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.domain.kpi import KPIS, KpiCode, PeriodKind, Unit, period_for, supervision_report_period
from kiosk.extensions import db
from kiosk.models.calls import Call
from kiosk.models.tasks import TaskSlip
from kiosk.web.labels import KPI as KPI_LABELS
from tests.web.kpi_support import PERIOD as WORLD_MONTH
from tests.web.kpi_support import build, parse_html, read_kpi_page, read_report_page

LAST_MONTH = supervision_report_period(local(utcnow()).date())
if LAST_MONTH.end == local(utcnow()).date():  # on a month's last day the report covers that month
    LAST_MONTH = LAST_MONTH.previous()
DAY = LAST_MONTH.start + timedelta(days=9)  # the 10th
WEEK = period_for(PeriodKind.WEEK, DAY)
SHEET_HEADER = ["指标", "本期", "目标", "达标", "分子", "分母", "说明", "依据"]


def at(hour: int, minute: int = 0, day=DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor")


@pytest.fixture
def month_of_work(app, make_user, make_department):
    """On the 10th of last month: four calls for 李娜, one for an agent whose name looks like a formula,
    and two slips (one done in time, one late)."""
    nana = make_user("agent", display_name="李娜")
    trick = make_user("agent", display_name="=1+1")
    department = make_department(name="工程部")
    for n, (ring, talk) in enumerate([(5, 100), (10, 200), (20, 150), (3, 60)]):
        start = at(9, n)
        db.session.add(Call(direction="in", caller_number="13900000000", agent_id=nana.id, created_at=start,
                            ringing_at=start, answered_at=start + timedelta(seconds=ring),
                            ended_at=start + timedelta(seconds=ring + talk), ring_seconds=ring,
                            talk_seconds=talk, state="ended"))
    db.session.add(Call(direction="in", caller_number="1", agent_id=trick.id, created_at=at(11),
                        ringing_at=at(11), answered_at=at(11), ended_at=at(11, 1), ring_seconds=0,
                        talk_seconds=60, state="ended"))
    for n, late in enumerate([False, True]):
        due = at(15)
        db.session.add(TaskSlip(number=f"W{n}", source="staff", category="repair", priority="routine",
                                status="closed", owner_id=nana.id, department_id=department.id,
                                description="漏水", opened_at=at(8), due_at=due,
                                resolved_at=due + timedelta(hours=1 if late else -1)))
    db.session.commit()
    return {"nana": nana.id, "trick": trick.id, "department": department.id}


def text(response) -> str:
    return response.get_data(as_text=True)


# ---- the KPI page --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["day", "week", "month"])
def test_each_period_shows_every_kpi_against_its_target_with_a_chart(client, supervisor, month_of_work, kind):
    response = client.get(f"/kpi/?kind={kind}&day={DAY.isoformat()}")
    assert response.status_code == 200
    html = text(response)
    for code in KpiCode:
        assert str(KPI_LABELS[code]) in html
    assert html.count('<svg class="trend"') == len(KpiCode)
    assert period_for(kind, DAY).label in html
    # three rings: 4 of 5 answered within 15 s (李娜's 5, 10 and 3 s and the other agent's 0 s; 20 s is late)
    assert "80.0%" in html and "4 / 5" in html
    assert 'class="kpi-card status-missed" id="kpi-answered_within_three_rings"' in html


def test_the_month_numbers_worked_out(client, supervisor, month_of_work):
    html = text(client.get(f"/kpi/?period={LAST_MONTH.label}"))
    card = html[html.index('id="kpi-over_three_minutes"'):html.index('id="kpi-average_handling_time"')]
    assert "20.0%" in card and "1 / 5" in card  # 200 s of 100, 200, 150, 60, 60
    average = html[html.index('id="kpi-average_handling_time"'):html.index('id="kpi-p90_handling_time"')]
    assert "1分54秒" in average  # (100 + 200 + 150 + 60 + 60) / 5 = 114 s
    p90 = html[html.index('id="kpi-p90_handling_time"'):html.index('id="kpi-complaint_timeliness"')]
    assert "3分20秒" in p90  # rank ceil(4.5) = 5 of 60 60 100 150 200
    overdue = html[html.index('id="kpi-slips_overdue"'):html.index('id="kpi-incident_reports_on_time"')]
    assert "50.0%" in overdue and "1 / 2" in overdue


def test_the_page_and_its_fragment(client, supervisor, month_of_work):
    full = client.get(f"/kpi/?period={WEEK.label}")
    fragment = client.get_htmx(f"/kpi/?period={WEEK.label}")
    assert "<html" in text(full) and "<html" not in text(fragment)
    assert text(fragment).lstrip().startswith('<div id="kpi_body"')
    assert "HX-Request" in fragment.headers["Vary"]
    assert "周六至周五" in text(full)  # the reporting week is explained


def test_previous_and_next(client, supervisor):
    html = text(client.get(f"/kpi/?period={LAST_MONTH.label}"))
    assert f"?period={LAST_MONTH.previous().label}" in html and f"?period={LAST_MONTH.next().label}" in html
    assert f'href="/kpi/reports/{LAST_MONTH.label}"' in html  # the printable report
    day_html = text(client.get(f"/kpi/?period={DAY.isoformat()}"))
    assert "/kpi/reports/" not in day_html  # a day has no report


@pytest.mark.parametrize("kind", ["day", "week", "month"])
def test_the_rotation_link_opens_the_same_kind_of_period(client, supervisor, kind):
    """The reception report (接待统计) takes ?period=day|week|month&day=; its week is Monday to Sunday,
    the KPI week Saturday to Friday. A KPI week opens the calendar week sharing its Monday to Friday, and
    the page says the weekends differ."""
    period = period_for(kind, DAY)
    html = text(client.get(f"/kpi/?period={period.label}"))
    body = parse_html(html).find("div", id="kpi_body")
    links = [a.attrs["href"] for a in body.find_all("a")
             if a.attrs.get("href", "").startswith("/rotation/report")]
    assert len(links) == 1
    link = links[0]
    query = parse_qs(urlsplit(link).query)
    assert query["period"] == [kind]
    day = date.fromisoformat(query["day"][0])
    assert period.start <= day <= period.end
    opened = text(client.get(link))
    if kind == "week":
        monday, sunday = period.start + timedelta(days=2), period.end + timedelta(days=2)
        assert day - timedelta(days=day.weekday()) == monday
        assert f"{monday.isoformat()} – {sunday.isoformat()}" in opened
        assert "周一至周日" in html and "周六至周五" in html
    else:
        shown = period.start.isoformat() if kind == "day" else \
            f"{period.start.isoformat()} – {period.end.isoformat()}"
        assert f"<h2>{shown}</h2>" in opened
        assert "周一至周日" not in html


def test_the_page_says_complaints_are_judged_by_the_slips_resolved_time(client, supervisor):
    """重大问题三天内有回复: the app records no separate first reply, so the slip's resolved time decides."""
    page = parse_html(text(client.get(f"/kpi/?period={LAST_MONTH.label}")))
    card = page.find("article", id="kpi-complaint_timeliness")
    assert "以任务单办结时间为准" in card.find("p", css="hint").text


@pytest.mark.parametrize("query", ["?period=nonsense", "?kind=year&day=2026-01-01", "?day=garbage",
                                   "?period=0001-01", "?period=9999-W01", "?kind=day&day=0001-01-01"])
def test_nonsense_periods_fall_back_to_a_sane_one(client, supervisor, query):
    assert client.get("/kpi/" + query).status_code == 200


def test_the_menu_has_the_kpi_page_for_supervisors_only(client, login_as):
    login_as("agent")
    assert "/kpi/" not in text(client.get("/notifications/"))
    client.post_form("/auth/logout")
    login_as("supervisor")
    assert 'href="/kpi/"' in text(client.get("/notifications/"))


def test_english(client, supervisor, month_of_work):
    with client.session_transaction() as session:
        session["lang"] = "en"
    html = text(client.get(f"/kpi/?period={LAST_MONTH.label}"))
    assert "Answered within three rings" in html


# ---- drill-down ----------------------------------------------------------------------------------------


def drill_total(html: str) -> int:
    return int(re.search(r"共 (\d+) 条", html).group(1))


def test_a_number_opens_the_calls_behind_it(client, supervisor, month_of_work):
    html = text(client.get(f"/kpi/drill/answered_within_three_rings?period={LAST_MONTH.label}"))
    assert drill_total(html) == 5
    assert html.count('class="verdict-missed"') == 1 and html.count('class="verdict-met"') == 4
    missed = text(client.get(f"/kpi/drill/answered_within_three_rings?period={LAST_MONTH.label}&missed=1"))
    assert drill_total(missed) == 1 and "20 秒" in missed


def test_a_breakdown_row_opens_its_own_rows(client, supervisor, month_of_work):
    page = text(client.get(f"/kpi/?period={LAST_MONTH.label}"))
    link = f"/kpi/drill/slips_overdue?period={LAST_MONTH.label}&amp;dim=agent&amp;key={month_of_work['nana']}"
    assert link in page
    html = text(client.get(link.replace("&amp;", "&")))
    assert drill_total(html) == 2 and "李娜" in html and "W0" in html and "W1" in html
    department = text(client.get(f"/kpi/drill/slips_overdue?period={LAST_MONTH.label}&dim=department"
                                 f"&key={month_of_work['department']}&missed=1"))
    assert drill_total(department) == 1 and "工程部" in department


def test_each_kind_of_row_lists(client, supervisor, month_of_work):
    for code in KpiCode:
        if code is KpiCode.ROTATION_FAIRNESS:
            continue
        assert client.get(f"/kpi/drill/{code.value}?period={LAST_MONTH.label}").status_code == 200, code


def test_drill_pages_of_fifty(client, supervisor, make_user):
    agent = make_user("agent")
    for n in range(60):
        start = at(8) + timedelta(minutes=n)
        db.session.add(Call(direction="in", caller_number="1", agent_id=agent.id, created_at=start,
                            ringing_at=start, answered_at=start, ended_at=start + timedelta(seconds=30 + n),
                            ring_seconds=0, talk_seconds=30 + n, state="ended"))
    db.session.commit()
    url = f"/kpi/drill/p90_handling_time?period={LAST_MONTH.label}"
    first = text(client.get(url))
    assert drill_total(first) == 60 and first.count("<tr class=\"verdict-") == 50
    assert "第 1 / 2 页" in first and "page=2" in first
    second = client.get_htmx(url + "&page=2")
    assert text(second).count("<tr class=\"verdict-") == 10 and "<html" not in text(second)


@pytest.mark.parametrize("url", [
    "/kpi/drill/nope", "/kpi/drill/rotation_fairness", "/kpi/drill/slips_overdue?dim=moon",
    "/kpi/drill/slips_overdue?dim=agent&key=x", "/kpi/drill/incident_reports_on_time?dim=project",
    "/kpi/drill/annual_visit_coverage?dim=agent",
    "/kpi/drill/slips_overdue?page=-1",
])
def test_drill_refuses_what_it_cannot_list(client, supervisor, url):
    assert client.get(url).status_code == 404


# ---- reports and downloads ------------------------------------------------------------------------------


def page_summary(html: str) -> dict[str, str]:
    """The report page's summary table: KPI code → the number shown."""
    rows = re.findall(r'data-kpi="(\w+)">.*?<td class="num" data-value>(?:<a [^>]*>)?([^<]*)', html, re.S)
    return {code: value.strip() for code, value in rows}


def test_the_monthly_service_supervision_report(client, supervisor, month_of_work):
    html = text(client.get(f"/kpi/reports/{LAST_MONTH.label}"))
    assert "服务监督报告" in html and "css/kpi.css" in html and "data-print" in html
    assert html.count('<svg class="trend small"') == len(KpiCode)
    summary = page_summary(html)
    assert set(summary) == {c.value for c in KpiCode}
    assert summary["answered_within_three_rings"] == "80.0%"


def test_the_weekly_report(client, supervisor, month_of_work):
    html = text(client.get(f"/kpi/reports/{WEEK.label}"))
    assert "客服周报" in html and WEEK.start.isoformat() in html and WEEK.end.isoformat() in html
    assert WEEK.end.weekday() == 4  # Friday


@pytest.mark.parametrize("label", ["2026-10-01", "nonsense", "0001-01"])
def test_a_report_is_a_week_or_a_month(client, supervisor, label):
    for suffix in ("", ".xlsx", ".csv"):
        assert client.get(f"/kpi/reports/{label}{suffix}").status_code == 404


def xlsx_summary(data: bytes) -> dict[str, object]:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["指标汇总"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == SHEET_HEADER
    by_label = {str(label): code for code, label in KPI_LABELS.items()}
    return {by_label[row[0]].value: (row[1], sheet.cell(row=i + 2, column=2).number_format)
            for i, row in enumerate(rows[1:])}


def shown(value, number_format: str) -> str:
    """A spreadsheet number as the page writes it."""
    if value is None:
        return "—"
    if number_format == "0.0%":
        return f"{value * 100:.1f}%"
    return str(value)


# ---- the downloads hold what the page shows -------------------------------------------------------------

WORLD_WEEK = period_for(PeriodKind.WEEK, date(2026, 6, 10))  # Saturday 6 June to Friday 12 June 2026
CODE_OF_LABEL = {str(label): code for code, label in KPI_LABELS.items()}
BREAKDOWN_SHEETS = {"agent": "坐席", "department": "部门", "project": "项目", "class": "突发事件类别"}


@pytest.fixture
def world(app, make_user, make_department):
    """Calls, slips, callbacks, incidents, owners and walk-ins: data behind every KPI in June 2026."""
    return build(random.Random(7), make_user, make_department)


def figure_shown(cell, code: KpiCode) -> str:
    """An XLSX number cell as the page writes that KPI's number: "97.5%", "2分13秒", "1"; "—" if empty."""
    if cell.value is None:
        return "—"
    assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool), (code, cell.value)
    unit = KPIS[code].unit
    if unit is Unit.PERCENT:
        assert cell.number_format == "0.0%", code
        return f"{cell.value * 100:.1f}%"
    assert isinstance(cell.value, int), (code, cell.value)
    if unit is Unit.SECONDS:
        return f"{cell.value // 60}分{cell.value % 60:02d}秒"
    return str(cell.value)


def assert_cell_shows(cell, code: KpiCode, page_text: str, where) -> None:
    """The cell holds the page's number: a number wherever the page shows one, empty only for "—"."""
    if page_text != "—":
        assert cell.value is not None, (where, code, page_text)
    assert figure_shown(cell, code) == page_text, (where, code)


def blocks(rows: list[list]) -> list[list[list]]:
    """Rows (of values or of XLSX cells) split at empty rows."""
    out: list[list[list]] = [[]]
    for row in rows:
        if all(getattr(v, "value", v) in (None, "") for v in row):
            out.append([])
        else:
            out[-1].append(row)
    return out


def sheet_cells(workbook, title: str) -> list[list]:
    return [[c for c in row] for row in workbook[title].iter_rows()]


def values_of(row) -> list:
    return [c.value for c in row]


SHEETS = ["指标汇总", "趋势", "本期概况", "坐席", "部门", "项目", "突发事件类别", "轮值公平"]


def csv_section(rows: list[list[str]], title: str) -> list[list[str]]:
    """The CSV rows of one sheet: its header and rows, up to the next sheet's title."""
    def starts_sheet(i: int, name: str | None = None) -> bool:
        return rows[i - 1] == [] and len(rows[i]) == 1 and rows[i][0] in ([name] if name else SHEETS)

    start = next(i for i in range(1, len(rows)) if starts_sheet(i, title))
    end = next((i - 1 for i in range(start + 1, len(rows)) if starts_sheet(i)), len(rows))
    return rows[start + 1:end]


def note_rows(page, dimension: str) -> list[list[str]]:
    """What a download writes under a breakdown: the note, then the KPIs left out and why."""
    rows = []
    if dimension in page.notes:
        rows.append(["说明", page.notes[dimension]])
    if page.not_broken_down.get(dimension):
        rows.append([f"不按{BREAKDOWN_SHEETS[dimension]}统计的指标", "原因"])
        rows += [[name, why] for name, why in page.not_broken_down[dimension].items()]
    return rows


@pytest.mark.parametrize("period", [WORLD_MONTH, WORLD_WEEK], ids=["month", "week"])
def test_the_xlsx_holds_every_number_of_the_kpi_page(client, supervisor, world, period):
    page = read_kpi_page(text(client.get(f"/kpi/?period={period.label}")))
    response = client.get(f"/kpi/reports/{period.label}.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"{period.label}.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == SHEETS
    if period is WORLD_MONTH:  # the world has data behind every KPI in June
        assert "—" not in page.values.values(), page.values

    summary = sheet_cells(workbook, "指标汇总")
    assert values_of(summary[0]) == SHEET_HEADER
    assert {CODE_OF_LABEL[row[0].value] for row in summary[1:]} == set(KpiCode)
    for row in summary[1:]:
        code = CODE_OF_LABEL[row[0].value]
        assert_cell_shows(row[1], code, page.values[code.value], "summary")

    trend = sheet_cells(workbook, "趋势")
    periods = values_of(trend[0])[1:]
    assert len(trend) - 1 == len(KpiCode) - 1  # every KPI but the rotation, which has a sheet of days
    for row in trend[1:]:
        code = CODE_OF_LABEL[row[0].value]
        assert [label for label, _ in page.trends[code.value]] == periods, code
        for cell, (label, shown) in zip(row[1:], page.trends[code.value], strict=True):
            assert_cell_shows(cell, code, shown, ("trend", label))

    days, people = blocks(sheet_cells(workbook, "轮值公平")[1:])
    rotation = page.trends[KpiCode.ROTATION_FAIRNESS.value]
    assert [row[0].value for row in days] == [label for label, _ in rotation]
    for row, (label, shown) in zip(days, rotation, strict=True):
        assert_cell_shows(row[1], KpiCode.ROTATION_FAIRNESS, shown, ("rotation", label))
    assert values_of(people[0]) == page.salespeople.header
    assert [[str(v) for v in values_of(row)] for row in people[1:]] == page.salespeople.rows
    assert page.salespeople.rows  # the walk-ins of the world

    for dimension, title in BREAKDOWN_SHEETS.items():
        table = page.breakdowns[dimension]
        rows, *notes = blocks(sheet_cells(workbook, title))
        assert values_of(rows[0]) == table.header, dimension
        codes = [CODE_OF_LABEL[label] for label in table.header[1:]]
        assert [row[0].value for row in rows[1:]] == [r[0] for r in table.rows], dimension
        for row, shown in zip(rows[1:], table.rows, strict=True):
            for cell, code, text_ in zip(row[1:], codes, shown[1:], strict=True):
                assert_cell_shows(cell, code, text_, (dimension, shown[0]))
        assert [[v for v in values_of(r) if v is not None] for block in notes for r in block] == \
            note_rows(page, dimension), dimension


@pytest.mark.parametrize("period", [WORLD_MONTH, WORLD_WEEK], ids=["month", "week"])
def test_the_csv_holds_every_number_of_the_kpi_page(client, supervisor, world, period):
    page = read_kpi_page(text(client.get(f"/kpi/?period={period.label}")))
    response = client.get(f"/kpi/reports/{period.label}.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(text(response).lstrip("\ufeff"))))

    summary = csv_section(rows, "指标汇总")
    assert summary[0] == SHEET_HEADER
    assert {CODE_OF_LABEL[row[0]]: row[1] for row in summary[1:]} == \
        {code: page.values[code.value] for code in KpiCode}

    trend = csv_section(rows, "趋势")
    for row in trend[1:]:
        code = CODE_OF_LABEL[row[0]]
        assert list(zip(trend[0][1:], row[1:], strict=True)) == page.trends[code.value], code

    days, people = blocks(csv_section(rows, "轮值公平")[1:])
    assert [tuple(row) for row in days] == page.trends[KpiCode.ROTATION_FAIRNESS.value]
    assert people == [page.salespeople.header, *page.salespeople.rows]

    for dimension, title in BREAKDOWN_SHEETS.items():
        table = page.breakdowns[dimension]
        breakdown, *notes = blocks(csv_section(rows, title))
        assert breakdown == [table.header, *table.rows], dimension
        assert [row for block in notes for row in block] == note_rows(page, dimension), dimension


@pytest.mark.parametrize("period", [WORLD_MONTH, WORLD_WEEK], ids=["month", "week"])
def test_the_printable_report_shows_what_the_kpi_page_shows(client, supervisor, world, period):
    page = read_kpi_page(text(client.get(f"/kpi/?period={period.label}")))
    report = read_report_page(text(client.get(f"/kpi/reports/{period.label}")))
    assert report.values == page.values
    assert report.trends == {f"{KPI_LABELS[KpiCode(code)]} 趋势": bars for code, bars in page.trends.items()}
    assert report.breakdowns == page.breakdowns
    assert report.notes == page.notes and report.not_broken_down == page.not_broken_down
    assert report.salespeople == page.salespeople
    workbook = load_workbook(io.BytesIO(client.get(f"/kpi/reports/{period.label}.xlsx").data))
    volume = {row[0].value: str(row[1].value) for row in sheet_cells(workbook, "本期概况")[1:]
              if not str(row[0].value).startswith(" ")}
    assert volume == report.volume


@pytest.mark.parametrize("dimension", ["agent", "department", "project"])
def test_each_breakdown_shows_every_kpi_or_says_why_not(client, supervisor, world, dimension):
    """Issue 7 asks for each KPI per agent, per department and per project: a KPI the data cannot split
    that way is named under the table with the reason, never silently left out."""
    page = read_kpi_page(text(client.get(f"/kpi/?period={WORLD_MONTH.label}")))
    columns = {CODE_OF_LABEL[label] for label in page.breakdowns[dimension].header[1:]}
    left_out = {CODE_OF_LABEL[name] for name in page.not_broken_down.get(dimension, {})}
    assert columns | left_out == set(KpiCode) and not columns & left_out
    assert all(page.not_broken_down[dimension].values())  # each with its reason
    for column, code in enumerate(page.breakdowns[dimension].header[1:], start=1):  # data in every column
        assert any(row[column] != "—" for row in page.breakdowns[dimension].rows), code


def test_complaints_and_satisfaction_per_agent_department_and_project(client, supervisor, world):
    page = read_kpi_page(text(client.get(f"/kpi/?period={WORLD_MONTH.label}")))
    for dimension in ("agent", "department", "project"):
        header = page.breakdowns[dimension].header
        assert "投诉处理及时率" in header and "有效投诉处理满意率" in header, dimension
    assert "平均通话时长" in page.breakdowns["department"].header  # calls by the agent's department
    assert "突发事件记录表按时率" in page.breakdowns["agent"].header  # by whoever closed the incident
    assert "突发事件记录表按时率" in page.not_broken_down["project"]
    assert "轮值接待差" in page.not_broken_down["agent"]


def test_a_name_that_looks_like_a_formula_stays_text(client, supervisor, month_of_work):
    workbook = load_workbook(io.BytesIO(client.get(f"/kpi/reports/{LAST_MONTH.label}.xlsx").data))
    names = [row[0].value for row in workbook["坐席"].iter_rows(min_row=2)]
    assert "'=1+1" in names and "=1+1" not in names
    assert all(cell.data_type != "f" for row in workbook["坐席"].iter_rows() for cell in row)
    csv_text = text(client.get(f"/kpi/reports/{LAST_MONTH.label}.csv"))
    assert "'=1+1" in csv_text


# ---- the command for cron -------------------------------------------------------------------------------


def test_the_report_command_writes_the_monthly_xlsx(runner, month_of_work, tmp_path):
    out = tmp_path / "report.xlsx"
    result = runner.invoke(args=["report", "--period", LAST_MONTH.label, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "服务监督报告" in result.output
    sheet = xlsx_summary(out.read_bytes())
    assert shown(*sheet["answered_within_three_rings"]) == "80.0%"


@pytest.mark.parametrize("app_config", [{"THREE_RINGS_SECONDS": 20}], indirect=True)
def test_the_three_rings_kpi_follows_the_setting_like_the_call_screen(client, supervisor, month_of_work,
                                                                      runner, tmp_path, app_config):
    """With a 20-second target, 李娜's call answered after 20 s is within three rings: 5 of 5, everywhere."""
    html = text(client.get(f"/kpi/?period={LAST_MONTH.label}"))
    card = html[html.index('id="kpi-answered_within_three_rings"'):html.index('id="kpi-over_three_minutes"')]
    assert "100.0%" in card and "5 / 5" in card and "20 秒内接起" in card
    missed = text(client.get(f"/kpi/drill/answered_within_three_rings?period={LAST_MONTH.label}&missed=1"))
    assert drill_total(missed) == 0
    assert page_summary(text(client.get(f"/kpi/reports/{LAST_MONTH.label}")))[
        "answered_within_three_rings"] == "100.0%"
    out = tmp_path / "report.xlsx"
    assert runner.invoke(args=["report", "--period", LAST_MONTH.label, "--out", str(out)]).exit_code == 0
    assert shown(*xlsx_summary(out.read_bytes())["answered_within_three_rings"]) == "100.0%"


def test_the_report_command_names_its_file(runner, month_of_work, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["report", "--period", WEEK.label, "--format", "csv"])
    assert result.exit_code == 0, result.output
    written = tmp_path / f"weekly-report-{WEEK.label}.csv"
    assert written.read_text(encoding="utf-8").startswith("\ufeff客服周报")
    default = runner.invoke(args=["report"])
    assert default.exit_code == 0
    last_complete_month = supervision_report_period(local(utcnow()).date())
    assert (tmp_path / f"service-report-{last_complete_month.label}.xlsx").exists()


@pytest.mark.parametrize("args", [["--period", "2026-13"], ["--period", "2026-10-01"],
                                  ["--period", "2026-10", "--out", "report.pdf"]])
def test_the_report_command_refuses_what_it_cannot_write(runner, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(args=["report", *args])
    assert result.exit_code == 2 and "Error" in result.output


@pytest.mark.parametrize("dim, key, missed", [(None, None, False), (None, None, True), ("agent", 7, False),
                                              ("department", "", True), ("class", "B", False)])
def test_a_drill_link_is_the_url_url_for_builds(app, dim, key, missed):
    """The page builds its two hundred drill links from one path per KPI: the same URLs."""
    from flask import url_for

    from kiosk.blueprints.kpi import drill_url

    for period in (WORLD_MONTH, period_for(PeriodKind.WEEK, date(2026, 6, 12)), period_for(PeriodKind.DAY,
                                                                                       date(2026, 6, 9))):
        with app.test_request_context("/kpi/"):
            for code in (KpiCode.SLIPS_OVERDUE, KpiCode.P90_HANDLING_TIME):
                assert drill_url(code, period, dim, key, missed) == url_for(
                    "kpi.drill", kpi_code=code.value, period=period.label, dim=dim, key=key,
                    missed="1" if missed else None)
