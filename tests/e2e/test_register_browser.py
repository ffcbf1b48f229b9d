"""The owner register in a real browser: a supervisor imports the ERP's spreadsheet (check, then import),
finds an owner by the pinyin initials of a surname read two ways and opens the file; an agent taking that
owner's call sees the file in brief on the call screen."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from kiosk.devtools.demo import DEMO_PASSWORD
from tests.web.register_support import HEADER, xlsx

ROWS = [["翠湖苑", "3栋", "1201", "曾小明", "13911112222/0731-88001000", "2025-06-30", "98.5", "三室两厅",
         "业主"],
        ["翠湖苑", "3栋", "1202", "单田芳", "13911113333", "2025-06-30", "88", "两室两厅", "业主"]]


def test_import_search_by_initials_open_the_file_and_see_it_on_a_call(page, live_server, sign_in, demo,
                                                                      tmp_path):
    register_file = tmp_path / "业主档案.xlsx"
    register_file.write_bytes(xlsx(ROWS, HEADER))
    sign_in(page, "zhuguan", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/supervisor/$"))
    page.goto(f"{live_server}/register/import")
    page.get_by_label("档案文件").set_input_files(str(register_file))
    page.get_by_label("允许新建楼盘和楼栋").check()
    page.get_by_role("button", name="预检").click()
    result = page.locator("#import_result")
    expect(result).to_contain_text("预检结果（尚未写入）")
    expect(result).to_contain_text("新建 2")
    page.get_by_role("button", name="按此预检结果导入").click()  # the file the dry run kept
    expect(result).to_contain_text("已导入")

    page.goto(f"{live_server}/register/")
    page.get_by_label("查找业主").press_sequentially("cxm")  # 曾 read as céng; zēng finds the same file
    results = page.locator("#register_results")
    expect(results).to_have_attribute("data-query", "cxm")  # the active search has answered
    expect(results).to_contain_text("曾小明")
    expect(results).to_contain_text("翠湖苑 3栋 1201")
    results.get_by_role("link", name="曾小明").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("曾小明")
    expect(page.locator("ul.phones")).to_contain_text("0731")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "kefu1", DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/hotline/$"))
    page.get_by_label("来电号码").fill("13911112222")
    page.get_by_role("button", name="手动开始通话").click()
    summary = page.locator("#file-summary")
    expect(summary).to_contain_text("客户档案摘要")
    summary.get_by_role("link", name="查看完整档案").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("曾小明")
