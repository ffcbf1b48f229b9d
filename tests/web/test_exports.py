"""Downloads that open safely in a spreadsheet (kiosk/web/exports.py): no formula from typed text."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from kiosk.web.exports import Number, Sheet, csv_download, csv_text, formula_safe, xlsx_bytes


@pytest.mark.parametrize("text", ["=1+1", "+86 139", "-5", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_text_that_would_start_a_formula_gets_an_apostrophe(text):
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "1+1", "", None, 42, -3.5, "a=b"])
def test_anything_else_is_left_alone(value):
    assert formula_safe(value) == value


def test_csv_has_a_bom_and_safe_cells():
    table = [["姓名", "数"], ["=HYPERLINK(1)", Number(0.5, "0.0%", "50.0%")], ["李四", Number(7)]]
    rows = list(csv.reader(io.StringIO(csv_text(table).lstrip("\ufeff"))))
    assert rows == [["姓名", "数"], ["'=HYPERLINK(1)", "50.0%"], ["李四", "7"]]
    response = csv_download([["a"]], "x.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).startswith("\ufeff")


def test_xlsx_keeps_numbers_as_numbers_and_text_as_text():
    rows = [["=1+1", Number(0.975, "0.0%")], [], ["x", 3]]
    data = xlsx_bytes([Sheet("指标:汇总/2026", ["名称", "值"], rows)])
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["指标_汇总_2026"]  # Excel forbids : and / in a sheet name
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 0.975 and sheet["B2"].number_format == "0.0%"
    assert sheet["A4"].value == "x" and sheet["B4"].value == 3
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
