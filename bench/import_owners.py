"""How long importing a register of 10,000 units takes (issue: "under a minute on this machine").

    python bench/import_owners.py [--units 10000] [--database-url postgresql://...]

Writes an ERP-style XLSX (one owner per unit, some with two numbers, a few tenants), builds a fresh
database through the migrations (a PostgreSQL database's public schema is DROPPED first; default a
temporary SQLite file) and times reading the file, the dry run, the import, and importing it again
(everything unchanged). Prints the figures; nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

HEADER = ["项目名称", "楼栋", "单元", "房号", "业主姓名", "联系电话", "交房日期", "建筑面积(㎡)", "户型",
          "与业主关系", "房屋状态"]
SURNAMES = "张王李赵曾单解查区仇刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建华志强桂兰雪梅晓东丽娟国平小明秀英海涛"


def register_file(units: int) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("业主档案")
    sheet.append(HEADER)
    for n in range(units):
        project, rest = divmod(n, 2500)
        building, rest = divmod(rest, 100)
        entrance, room = divmod(rest, 50)
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 3) % len(GIVEN)]
        phones = f"139{n:08d}" + (f"/0731-8{n % 10000000:07d}" if n % 5 == 0 else "")
        number = f"{room // 4 + 1}0{room % 4 + 1}"
        tenant = n % 20 == 0
        sheet.append([f"项目{project + 1}", f"{building + 1}栋", f"{entrance + 1}单元", number, name, phones,
                      "2024-06-30", 80 + n % 60, "三室两厅", "租户" if tenant else "业主",
                      "出租" if tenant else "已入住"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    from bench.common import env, fresh_database

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/import.sqlite3"
    started = time.perf_counter()
    data = register_file(args.units)
    took = time.perf_counter() - started
    print(f"file: {args.units} units, {len(data) / 1024 / 1024:.1f} MB, written in {took:.1f} s")
    with fresh_database(url):
        pass
    import os

    os.environ.update(env(url))
    from kiosk import create_app
    from kiosk.clock import utcnow
    from kiosk.services import register, register_import
    from kiosk.services.register import Actor

    app = create_app()
    with app.app_context():
        t = time.perf_counter()
        columns, body = register_import.read_file("register.xlsx", data)
        print(f"read:      {time.perf_counter() - t:6.2f} s ({len(body)} rows)")
        t = time.perf_counter()
        plan = register_import.dry_run(columns, body, create_buildings=True)
        print(f"dry run:   {time.perf_counter() - t:6.2f} s {dict(plan.counts)}")
        t = time.perf_counter()
        plan = register_import.apply(columns, body, actor=Actor(None, utcnow()), create_buildings=True)
        print(f"import:    {time.perf_counter() - t:6.2f} s {dict(plan.counts)}")
        t = time.perf_counter()
        plan = register_import.apply(columns, body, actor=Actor(None, utcnow()), create_buildings=True)
        print(f"again:     {time.perf_counter() - t:6.2f} s {dict(plan.counts)}")
        print(f"total from file to register: {time.perf_counter() - started:.1f} s; "
              f"people in the register: {register.people_count()}")


if __name__ == "__main__":
    main()
