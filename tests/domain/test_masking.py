"""Phone and ID numbers: validated with libraries, never shown in full (DOMAIN.md §1, seed 003 §2(9))."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.masking import is_valid_cn_id, mask_id, mask_personal_numbers, mask_phone, normalise_mobile


def test_a_mobile_number_is_shown_as_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_a_formatted_mobile_number_is_masked_in_its_national_form():
    assert mask_phone("+86 138-1234-5678") == "138****5678"


def test_other_numbers_keep_first_three_and_last_four_digits():
    assert mask_phone("021-6123-4567") == "021****4567"
    assert mask_phone("0755 8888 66666") == "075******6666"


def test_short_numbers_are_starred_entirely():
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == ""


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 13812345678",
        "+86-138-1234-5678",
        "008613812345678",
        "(+86) 138 1234 5678",
        "１３８１２３４５６７８",
    ],
)
def test_normalise_mobile_accepts_common_ways_of_writing_a_cn_mobile(text):
    assert normalise_mobile(text) == "13812345678"


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "abc",
        "12345678901",  # not a CN mobile prefix
        "1381234567",  # too short
        "138123456789",  # too long
        "021-61234567",  # Shanghai landline
        "010 6512 3456",  # Beijing landline
        "+1 650 253 0000",  # not China
        "+852 9123 4567",  # Hong Kong mobile
    ],
)
def test_normalise_mobile_rejects_landlines_foreign_and_invalid_numbers(text):
    assert normalise_mobile(text) is None


def test_id_number_shows_first_three_and_last_four_by_default():
    assert mask_id("11010519491231002X") == "110***********002X"


def test_id_number_may_show_the_region_code():
    assert mask_id("11010519491231002X", show_first=6) == "110105********002X"


def test_id_masking_drops_spaces_and_upper_cases_the_check_letter():
    assert mask_id("110105 19491231 002x") == "110***********002X"


def test_too_short_id_is_starred_entirely():
    assert mask_id("1234567") == "*******"


def test_negative_mask_widths_are_rejected():
    with pytest.raises(ValueError):
        mask_id("11010519491231002X", show_first=-1)


@pytest.mark.parametrize("text", ["11010519491231002X", "11010519491231002x", " 11010519491231002X "])
def test_valid_resident_id_numbers_are_accepted(text):
    assert is_valid_cn_id(text)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "110105194912310021",  # wrong check character
        "11010519491231002",  # too short
        "11010519491331002X",  # month 13
        "ABCDEFGHIJKLMNOPQR",
    ],
)
def test_invalid_resident_id_numbers_are_rejected(text):
    assert not is_valid_cn_id(text)


@pytest.mark.parametrize(("line", "masked"), [
    ("DETAIL:  Failing row contains (5, 13712340001, null, t).",
     "DETAIL:  Failing row contains (5, 137****0001, null, t)."),
    ("Key (mobile)=(13712340001) already exists.", "Key (mobile)=(137****0001) already exists."),
    ("[parameters: ('张三', '+86 137-1234-0001', 1)]", "[parameters: ('张三', '137****0001', 1)]"),
    ("visitor 11010519491231002X at the door", "visitor 110***********002X at the door"),
])
def test_log_lines_carry_no_mobile_or_id_number(line, masked):
    assert mask_personal_numbers(line) == masked


@pytest.mark.parametrize("line", [
    "GET /tasks/?day=2026-11-23 200 13.5ms", "slip RW20261123-0007 due 2026-11-24T09:00:00+08:00",
    "call #12345678901234567 ended", "hotline 400-800-1234",
])
def test_dates_slip_numbers_and_other_digits_stay(line):
    assert mask_personal_numbers(line) == line


@given(st.from_regex(r"1\d{10}", fullmatch=True))
def test_a_stored_mobile_is_masked_as_the_parsed_form_would_be(number):
    """The stored 11-digit form is masked without parsing it, with the same result."""
    parsed = normalise_mobile(number) or number
    assert mask_phone(number) == parsed[:3] + "****" + parsed[-4:]
