"""Downloads that open safely in a spreadsheet: CSV (UTF-8 with a BOM, for Excel) and XLSX (openpyxl).

Text that people typed can start a formula ("=HYPERLINK(...)", "@SUM(...)") when a spreadsheet opens
it; every text cell goes through ``formula_safe`` first (the OWASP "CSV injection" advice: a leading
apostrophe makes it plain text). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from flask import Response

#: A cell starting with one of these is read as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_MIMETYPE = "text/csv"  # Flask adds "; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def formula_safe(value):
    """Text that would start a formula gets a leading apostrophe; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _download(body: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_text(rows: Iterable[Sequence]) -> str:
    """The rows as CSV with a BOM (so Excel reads UTF-8), every text cell formula-safe.

    ``Number`` cells are written as their text when they have one, else as their value.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([formula_safe(cell.text) if isinstance(cell, Number) and cell.text is not None
                         else _cell_value(cell) for cell in row])
    return "\ufeff" + out.getvalue()


def csv_download(rows: Iterable[Sequence], filename: str) -> Response:
    return _download(csv_text(rows), CSV_MIMETYPE, filename)


@dataclass(frozen=True)
class Number:
    """A number cell: in XLSX its value with a format ("0.0%", "0"), in CSV its ``text`` when given
    (the number as the page shows it, "97.5%"). ``None`` is an empty cell."""

    value: float | int | None
    number_format: str = "General"
    text: str | None = None


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """A workbook with one worksheet per sheet: a bold header row, then the rows; columns sized to fit.
    (openpyxl is imported by the first export: 16 MB that a process serving no spreadsheet never holds.)"""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=_sheet_title(sheet.title))
        worksheet.append([formula_safe(str(h)) for h in sheet.header])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row_number, row in enumerate(sheet.rows, start=2):
            for column_number, value in enumerate(row, start=1):
                cell = worksheet.cell(row=row_number, column=column_number, value=_cell_value(value))
                if isinstance(value, Number):
                    cell.number_format = value.number_format
        for index, column in enumerate(worksheet.columns, start=1):
            width = max((_display_width(c.value) for c in column), default=8)
            worksheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
        worksheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_download(sheets: Iterable[Sheet], filename: str) -> Response:
    return _download(xlsx_bytes(sheets), XLSX_MIMETYPE, filename)


def _cell_value(value):
    if isinstance(value, Number):
        return value.value
    if value is None or isinstance(value, int | float):
        return value
    return formula_safe(str(value))


def _sheet_title(title: str) -> str:
    """Worksheet names: at most 31 characters, none of []:*?/\\ (Excel's rules)."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title))
    return cleaned[:31] or "Sheet"


def _display_width(value) -> int:
    """Roughly how many columns a value needs; CJK characters are twice as wide."""
    if value is None:
        return 0
    text = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
