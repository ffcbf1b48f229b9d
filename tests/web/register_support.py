"""Helpers of the register tests: a register file as an ERP exports it."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

HEADER = ["楼盘", "楼栋", "房号", "业主姓名", "联系电话", "交房日期", "面积", "户型", "关系"]


def rows_for(units: int, *, project: str = "湘江壹号", start: int = 0) -> list[list[object]]:
    """One owner per unit, ``units`` of them, over buildings of 100 units each (mobiles all different)."""
    surnames = "张王李赵曾单解查区仇刘陈"
    rows = []
    for n in range(start, start + units):
        building, room = divmod(n, 100)
        rows.append([project, f"{building + 1}栋", f"{room // 4 + 1}0{room % 4 + 1}",
                     f"{surnames[n % len(surnames)]}小{'明红军华'[n % 4]}", f"139{n:08d}", "2025-06-30",
                     "98.5", "三室两厅", "业主"])
    return rows


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("业主")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[object]], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)
