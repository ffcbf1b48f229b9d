"""The owner register's rules (seed 004 §2 业主档案): finding a person by name, initials, unit and number;
reading an ERP's export row by row."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from kiosk.domain.kpi import missing_profile_fields
from kiosk.domain.register import Relation, initials_spellings, parse_unit_query, prefix_range, search_keys
from kiosk.domain.register_import import Reason, is_formula, map_headers, read_date, read_phones, read_row


@pytest.mark.parametrize(("name", "spellings"), [
    ("曾小明", {"zxm", "cxm"}), ("单田芳", {"stf", "dtf"}), ("解放", {"xf", "jf"}),
    ("查良镛", {"zly", "cly"}), ("区志强", {"ozq", "qzq"}), ("仇英", {"qy", "cy"}),
])
def test_a_surname_with_two_readings_is_found_by_either(name, spellings):
    assert spellings <= set(initials_spellings(name))


def test_an_ordinary_name_has_one_spelling_and_a_latin_name_its_word_initials():
    assert initials_spellings("张建华") == ["zjh"]
    assert initials_spellings("Li Na") == ["ln"]
    assert initials_spellings("  ") == []


def test_a_person_is_found_by_any_part_of_the_name_each_number_and_its_last_four_digits():
    keys = search_keys("张建华", ["13900001234", "073188001000-8001"])
    assert {"nm:张", "nm:建", "nm:华", "nm:张建", "nm:建华", "nm:张建华", "py:zjh", "tel:13900001234",
            "t4:1234", "tel:073188001000", "t4:1000"} == keys


def test_a_prefix_range_holds_exactly_the_keys_starting_with_it():
    low, high = prefix_range("py:zj")
    assert low <= "py:zj" < high and low <= "py:zjh" < high
    assert not low <= "py:zk" < high and not low <= "py:zi" < high


@pytest.mark.parametrize("text", ["3栋1201", "3-1201", "3# 1201", "3号楼1201室", "3 1201", "3幢1201"])
def test_a_unit_is_written_many_ways(text):
    assert parse_unit_query(text) == ("3", "1201")


@pytest.mark.parametrize("text", ["3栋2单元1201", "3-2-1201", "3# 2-1201", "3号楼2单元1201室"])
def test_a_unit_behind_an_entrance_is_written_as_the_import_stores_it(text):
    assert parse_unit_query(text) == ("3", "2-1201")


@pytest.mark.parametrize("text", ["1201", "张建华", "zjh", ""])
def test_a_word_without_building_and_number_is_not_a_unit(text):
    assert parse_unit_query(text) is None


def test_a_profile_is_complete_with_name_number_unit_and_move_in_date():
    full = {"name": "张建华", "mobile": "13900001234", "unit": 1, "moved_in_on": date(2025, 6, 30)}
    assert missing_profile_fields(full) == []
    assert missing_profile_fields({**full, "mobile": " ", "moved_in_on": None}) == ["mobile", "moved_in_on"]


def test_the_common_erp_headers_are_recognised_whatever_their_wording():
    columns, missing = map_headers(["项目名称", "楼号", "单元", "房间号", "客户姓名", "手机号码", "交付日期",
                                    "建筑面积(㎡)", "户型", "与业主关系"])
    assert missing == []
    assert columns == {"project": 0, "building": 1, "entrance": 2, "number": 3, "name": 4, "phones": 5,
                       "handed_over_on": 6, "area": 7, "layout": 8, "relation": 9}
    assert map_headers(["姓名", "电话"])[1] == ["project", "building", "number"]


def test_dates_as_erps_write_them_and_impossible_ones():
    assert read_date("2025/6/30") == date(2025, 6, 30)
    assert read_date("2025年6月30日") == date(2025, 6, 30)
    assert read_date(datetime(2025, 6, 30, 0, 0)) == date(2025, 6, 30)
    assert read_date(None) is None
    assert read_date("2025-02-30") == Reason("date_impossible", value="2025-02-30")
    assert read_date("1899-01-01") == Reason("date_out_of_range")
    assert read_date("下个月") == Reason("date_unreadable", value="下个月")


def test_several_numbers_in_one_cell_and_a_bad_one():
    assert read_phones("13900001234/0731-88001000") == (["13900001234", "073188001000"], [])
    assert read_phones(13900001234.0) == (["13900001234"], [])
    assert read_phones("1390000123") == ([], [Reason("phone_invalid", value="1390000123")])


def test_a_formula_is_not_a_value():
    assert is_formula("=SUM(A1:A3)") and is_formula("+cmd|' /C calc'!A0") and is_formula("@A1")
    assert not is_formula("+86 139 0000 1234") and not is_formula("-5") and not is_formula("张三")


COLUMNS = {"project": 0, "building": 1, "entrance": 2, "number": 3, "name": 4, "phones": 5,
           "handed_over_on": 6, "area": 7, "relation": 8}


def test_a_good_row_becomes_a_register_row():
    cells = ["湘江壹号", "3栋", "", "1201", "曾小明", "13900001234", "2025-06-30", "98.5㎡", "租户"]
    row = read_row(2, cells, COLUMNS)
    assert (row.project, row.building, row.number, row.name, row.phones) == (
        "湘江壹号", "3栋", "1201", "曾小明", ["13900001234"])
    assert (row.handed_over_on, row.area, row.relation) == (
        date(2025, 6, 30), Decimal("98.50"), Relation.TENANT)


def test_an_entrance_goes_in_front_of_the_room_number():
    row = read_row(2, ["湘江壹号", "3栋", "2单元", "1201", "曾小明"], COLUMNS)
    assert row.number == "2-1201"


def test_a_bad_row_gives_every_reason():
    cells = ["湘江壹号", "", "", "1201", "曾小明", "12345", "2025-13-01", "abc", "邻居"]
    reasons = read_row(3, cells, COLUMNS)
    assert reasons == [Reason("missing", "building"), Reason("phone_invalid", value="12345"),
                       Reason("date_impossible", value="2025-13-01"), Reason("area_unreadable", value="abc"),
                       Reason("relation_unknown", value="邻居")]
    assert read_row(4, ["=HYPERLINK(\"x\")", "3栋", "", "1201", "曾小明"], COLUMNS) == [
        Reason("formula", "project", "=HYPERLINK(\"x\")")]


def test_a_latin_name_is_found_by_each_of_its_words_also_written_without_apostrophe_or_hyphen():
    from kiosk.domain.register import latin_words

    assert latin_words("Mary-Jane O'Brien") == {"mary", "jane", "maryjane", "o", "brien", "obrien"}
    assert latin_words("王David") == {"david"} and latin_words("张建华") == set()
    assert {"lw:li", "lw:na", "py:ln"} <= search_keys("Li Na", [])
