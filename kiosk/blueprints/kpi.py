"""KPIs and reports for supervisors: the KPI page with its period picker, trend charts and breakdowns;
the rows behind a number; the weekly report and the monthly 服务监督报告 as printable pages, XLSX and CSV."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l

from kiosk.clock import local, utcnow
from kiosk.domain.kpi import KPIS, KpiCode, Period, PeriodKind, parse_period, period_for
from kiosk.forms.fields import day_arg, row_id_or_none
from kiosk.models.people import Role
from kiosk.services import kpi
from kiosk.web import reports
from kiosk.web.access import roles
from kiosk.web.exports import csv_download, xlsx_download
from kiosk.web.rendering import render

bp = Blueprint("kpi", __name__, url_prefix="/kpi")

#: The report's sections after summary, trends and volume: one per breakdown, then the rotation.
SECTION_NUMBERS = [_l("四、"), _l("五、"), _l("六、"), _l("七、"), _l("八、")]

#: Periods outside these years are refused (their UTC bounds would not fit a datetime).
YEARS = range(2000, 2101)


@bp.context_processor
def kpi_helpers():
    return {"kpi_notes": reports.kpi_notes(_ring_target()), "kpis": KPIS, "kpi_codes": list(KpiCode),
            "value_text": reports.value_text, "target_text": reports.target_text,
            "basis_text": reports.basis_text, "row_name": reports.row_name,
            "period_title": reports.period_title, "report_title": reports.report_title,
            "seconds_text": reports.seconds_text, "drillable": kpi.drillable, "drill_url": drill_url,
            "report_links": report_links,
            "dimension_note": reports.dimension_note, "not_broken_down": reports.not_broken_down,
            "rotation_report_link": rotation_report_link}


def _ring_target() -> float:
    """The three-ring target the calls are judged by: the same setting as the call screen's."""
    return current_app.config["THREE_RINGS_SECONDS"]


def _today() -> date:
    return local(utcnow()).date()


def _sane(period: Period | None) -> Period | None:
    return period if period is not None and period.start.year in YEARS and period.end.year in YEARS else None


def _period_from_args() -> Period:
    """``?period=2026-10`` (2026-W43, 2026-10-23), else ``?kind=month&day=2026-10-15``; default this month."""
    try:
        chosen = _sane(parse_period(request.args.get("period", "")))
    except ValueError:
        chosen = None
    if chosen is not None:
        return chosen
    kind = request.args.get("kind", PeriodKind.MONTH.value)
    kind = kind if kind in PeriodKind.__members__.values() else PeriodKind.MONTH.value
    day = day_arg(request.args.get("day"), _today())
    return _sane(period_for(kind, day)) or period_for(kind, _today())


def _report_period(label: str) -> Period:
    try:
        period = _sane(parse_period(label))
    except ValueError:
        period = None
    if period is None or period.kind is PeriodKind.DAY:
        abort(404)
    return period


def _page_context(report: kpi.KpiReport) -> dict:
    period, today = report.period, _today()
    return {"report": report, "period": period, "charts": reports.charts(report),
            "previous": period.previous(), "next": period.next(),
            # the picker's date: today inside the period, else its last day (switching to a week keeps it)
            "picker_day": today if period.start <= today <= period.end else period.end}


@bp.route("/")
@roles(Role.SUPERVISOR)
def index():
    report = kpi.report(_period_from_args(), utcnow(), ring_target_seconds=_ring_target())
    return render("kpi/index.html", "kpi_body", **_page_context(report))


@bp.route("/drill/<kpi_code>")
@roles(Role.SUPERVISOR)
def drill(kpi_code: str):
    """The calls, slips, callbacks, reports or owners behind one number, 50 to a page."""
    if kpi_code not in KpiCode.__members__.values():
        abort(404)
    code = KpiCode(kpi_code)
    dimension = request.args.get("dim") or None
    if not kpi.drillable(code, dimension):
        abort(404)
    raw_key = request.args.get("key", "")
    key = None if raw_key == "" else (raw_key if dimension == "class" else _int_or_404(raw_key))
    only_missed = request.args.get("missed") == "1"
    period = _period_from_args()
    page = kpi.drill(code, period, utcnow(), ring_target_seconds=_ring_target(), dimension=dimension, key=key,
                     only_missed=only_missed, page=_int_or_404(request.args.get("page", "1")))
    filter_args = {k: v for k, v in (("period", period.label), ("dim", dimension), ("key", raw_key or None))
                   if v is not None}
    args = {**filter_args, "missed": "1"} if only_missed else filter_args
    return render("kpi/drill.html", "drill_rows", code=code, period=period, page=page, dimension=dimension,
                  only_missed=only_missed, args=args, filter_args=filter_args,
                  row_label=_row_label(dimension, key))


def _row_label(dimension: str | None, key) -> str | None:
    if dimension is None:
        return None
    return reports.row_name(dimension, kpi.dimension_name(dimension, key), key)


def _int_or_404(text: str) -> int:
    number = row_id_or_none(text)
    if number is None:
        abort(404)
    return number


@bp.route("/reports/<label>")
@roles(Role.SUPERVISOR)
def report(label: str):
    """The weekly report (a week, ``2026-W43``) or the monthly 服务监督报告 (``2026-10``), printable on A4."""
    data = kpi.report(_report_period(label), utcnow(), ring_target_seconds=_ring_target())
    return render("kpi/report.html", **_page_context(data), section_numbers=SECTION_NUMBERS)


@bp.route("/reports/<label>.xlsx")
@roles(Role.SUPERVISOR)
def report_xlsx(label: str):
    data = kpi.report(_report_period(label), utcnow(), ring_target_seconds=_ring_target())
    return xlsx_download(reports.sheets(data), reports.filename(data, "xlsx"))


@bp.route("/reports/<label>.csv")
@roles(Role.SUPERVISOR)
def report_csv(label: str):
    data = kpi.report(_report_period(label), utcnow(), ring_target_seconds=_ring_target())
    return csv_download(reports.csv_rows(data), reports.filename(data, "csv"))


def drill_url(code: KpiCode, period: Period, dim: str | None = None, key=None, missed: bool = False) -> str:
    """``url_for("kpi.drill", …)`` of one number: a month page links some two hundred, so the path is
    built once per KPI and request and the query string (the same, in the same order) added to it."""
    paths = g.setdefault("kpi_drill_paths", {})
    path = paths.get(code)
    if path is None:
        path = paths[code] = url_for("kpi.drill", kpi_code=code.value)
    args = {"period": period.label, "dim": dim, "key": key, "missed": "1" if missed else None}
    return f"{path}?{urlencode({name: value for name, value in args.items() if value is not None})}"


def report_links(period: Period) -> dict[str, str] | None:
    """The printable report and its downloads for a week or a month; none for a day."""
    if period.kind is PeriodKind.DAY:
        return None
    return {name: url_for(endpoint, label=period.label) for name, endpoint in
            (("page", "kpi.report"), ("xlsx", "kpi.report_xlsx"), ("csv", "kpi.report_csv"))}


def rotation_report_link(period: Period) -> str:
    """The rotation's reception report (接待统计) for the same kind of period, opened on a day inside it.

    That report takes ``?period=day|week|month&day=``; its week is the ISO week, Monday to Sunday, while
    the KPI week is the reporting week, Saturday to Friday. A KPI week links to the ISO week of its
    Friday, which shares the Monday-to-Friday with it (the page says the weekend differs)."""
    day = period.end if period.kind is PeriodKind.WEEK else period.start
    return url_for("rotation.report", period=period.kind.value, day=day.isoformat())
