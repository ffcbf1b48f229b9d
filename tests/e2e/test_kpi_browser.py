"""A supervisor reads the KPIs in a real browser: picks last month, opens the 服务监督报告 (seed 001 制度3
§1), sees its trend charts and downloads the XLSX, which holds the numbers the page shows."""

from __future__ import annotations

import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from kiosk.clock import utcnow
from kiosk.devtools.demo import DEMO_PASSWORD, seed_history
from kiosk.domain.kpi import KpiCode


def test_supervisor_opens_the_monthly_report_and_its_xlsx(page, live_server, demo, sign_in, tmp_path):
    seed_history(utcnow())  # a year of calls, slips and callbacks, as `flask seed-demo` adds
    sign_in(page, "zhuguan", DEMO_PASSWORD)
    page.get_by_role("link", name="指标与报表").click()
    expect(page.get_by_role("heading", name="指标与报表")).to_be_visible()
    expect(page.locator("svg.trend")).to_have_count(len(KpiCode))

    page.get_by_role("link", name="←").click()  # last month, fetched by htmx and pushed to the address bar
    expect(page).to_have_url(re.compile(r"period=\d{4}-\d{2}$"))
    month = page.url.rsplit("period=", 1)[1]
    page.get_by_role("link", name="服务监督报告").click()
    expect(page.get_by_role("heading", name="服务监督报告")).to_be_visible()
    expect(page.locator("svg.trend.small")).to_have_count(len(KpiCode))
    expect(page.locator("svg.trend.small rect.bar.met").first).to_be_visible()
    shown = page.locator('tr[data-kpi="answered_within_three_rings"] td[data-value]').inner_text().strip()
    assert shown.endswith("%")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 XLSX").click()
    download = info.value
    assert download.suggested_filename == f"service-report-{month}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = load_workbook(saved)
    summary = {row[0]: row[1] for row in workbook["指标汇总"].iter_rows(min_row=2, values_only=True)}
    assert f"{summary['三声内接听率'] * 100:.1f}%" == shown
    assert workbook["趋势"].max_column == 13  # the KPI and twelve months
