"""Dates at the ends of the calendar in a link or on the command line: a sane page or a clear refusal.

Year 1 and year 9999 are valid ISO dates, but converting them to UTC or stepping a week past them
overflows; a hand-edited link must never turn that into a 500.
"""

from __future__ import annotations

import pytest

EDGES = ["0001-01-01", "0001-01-07", "9999-12-05", "9999-12-31"]


@pytest.fixture
def supervisor(login_as):
    return login_as("supervisor", "sales")


PAGES = ["/kpi/?kind=day&day={}", "/kpi/?kind=week&day={}", "/kpi/?kind=month&day={}",
         "/rotation/report?period=day&day={}", "/rotation/report?period=week&day={}",
         "/rotation/report?period=month&day={}", "/rotation/report.csv?period=week&day={}",
         "/visitors/?start={}&end={}", "/visitors/export.csv?start={}&end={}", "/model-homes/?day={}"]


@pytest.mark.parametrize("day", EDGES)
@pytest.mark.parametrize("page", PAGES)
def test_a_page_asked_for_a_day_at_the_ends_of_the_calendar_shows_today(client, supervisor, page, day):
    assert client.get(page.format(day, day)).status_code == 200


@pytest.mark.parametrize("period", ["0001-W01", "0001-01", "9999-W52", "9999-12", "0001-01-01"])
def test_a_kpi_period_at_the_ends_of_the_calendar(client, supervisor, period):
    assert client.get(f"/kpi/?period={period}").status_code == 200
    for suffix in ("", ".xlsx", ".csv"):
        assert client.get(f"/kpi/reports/{period}{suffix}").status_code == 404


@pytest.mark.parametrize("period", ["0001-01", "0001-W01", "9999-12"])
def test_the_report_command_refuses_a_period_at_the_ends_of_the_calendar(runner, tmp_path, period):
    result = runner.invoke(args=["report", "--period", period, "--out", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 2 and "the year must be 1900..2999" in result.output
    assert not (tmp_path / "r.xlsx").exists()
