"""Telephone numbers as people type them: each kind a field takes, one stored form, garbage refused."""

import phonenumbers
import pytest

from kiosk.domain.phone_numbers import (
    _PLAIN_MOBILE_DIGITS,
    ANY,
    CALLER,
    EXTENSION_ONLY,
    MAX_LENGTH,
    MOBILE_ONLY,
    _normalised,
    _parsed,
    normalise_phone,
    readable,
)

VALID = [
    # typed, what each field stores: mobile only, caller, any (extensions allowed), extension only
    ("13900001234", "13900001234", "13900001234", "13900001234", None),
    ("139 0000 1234", "13900001234", "13900001234", "13900001234", None),
    ("+86 138-1234-5678", "13812345678", "13812345678", "13812345678", None),
    ("0086 13812345678", "13812345678", "13812345678", "13812345678", None),
    ("１３８１２３４５６７８", "13812345678", "13812345678", "13812345678", None),
    ("19912345678", "19912345678", "19912345678", "19912345678", None),
    ("010-12345678", None, "01012345678", "01012345678", None),
    ("0755 1234 5678", None, "075512345678", "075512345678", None),
    ("075512345678", None, "075512345678", "075512345678", None),
    ("(0731)88001000", None, "073188001000", "073188001000", None),
    ("+86 10 12345678", None, "01012345678", "01012345678", None),
    ("400-800-1234", None, "4008001234", "4008001234", None),
    ("800 820 8820", None, "8008208820", "8008208820", None),
    ("95598", None, "95598", "95598", "95598"),
    ("010-12345678-8001", None, None, "01012345678-8001", None),
    ("0731-88001000转8001", None, None, "073188001000-8001", None),
    ("0731-8800 1000 转 8001", None, None, "073188001000-8001", None),
    ("010 12345678 分机 8001", None, None, "01012345678-8001", None),
    ("010-12345678 ext. 8001", None, None, "01012345678-8001", None),
    ("400-800-1234 转 2", None, None, "4008001234-2", None),
    ("073188001000-8001", None, None, "073188001000-8001", None),  # the stored form itself
    ("8101", None, None, "8101", "8101"),
    ("123456", None, None, "123456", "123456"),
]


@pytest.mark.parametrize(("typed", "mobile", "caller", "anything", "extension"), VALID)
def test_each_field_takes_its_kinds_and_stores_one_form(typed, mobile, caller, anything, extension):
    assert normalise_phone(typed, MOBILE_ONLY) == mobile
    assert normalise_phone(typed, CALLER) == caller
    assert normalise_phone(typed, ANY, extension=True) == anything
    assert normalise_phone(typed, EXTENSION_ONLY) == extension


@pytest.mark.parametrize("typed", [
    None, "", "   ", "abc", "12ab",
    "139\ud800",  # a lone surrogate (%ED%A0%80 sent as a form value)
    "13900001234\ud800", "13900001234\ufffd", "13900001234;", "<b>13900001234</b>", "13900001234 abc",
    "12345678901",  # no such mobile prefix
    "1390000123", "139000012345",  # too short, too long
    "+1 650 253 0000", "+852 9123 4567",  # not mainland China
    "13900001234-8001", "13900001234转8001",  # a mobile has no extension
    "010-12345678-1234567",  # an extension of 7 digits
    "12", "0123", "1234567",  # neither an extension nor a number
    "1" * 41, "٣٩٠٠٠٠١٢٣٤", "²³⁴", "①③⑨",  # too long; Arabic-Indic digits, superscripts, circled
])
def test_garbage_is_no_number_of_any_kind(typed):
    for kinds in (MOBILE_ONLY, CALLER, ANY, EXTENSION_ONLY):
        assert normalise_phone(typed, kinds, extension=True) is None


def test_an_extension_is_taken_only_where_the_field_allows_one():
    assert normalise_phone("0731-88001000转8001", ANY) is None
    assert normalise_phone("0731-88001000转8001", ANY, extension=True) == "073188001000-8001"


@pytest.mark.parametrize(("stored", "shown"), [
    ("13900001234", "139 0000 1234"),
    ("073188001000", "0731 8800 1000"),
    ("01012345678-8001", "010 1234 5678 转 8001"),
    ("4008001234", "400 800 1234"),
    ("95598", "95598"),
    ("8101", "8101"),
    ("0731-8800 1000", "0731-8800 1000"),  # typed before numbers were checked: shown as it is
    (None, ""),
])
def test_a_stored_number_is_spaced_out_for_reading(stored, shown):
    assert readable(stored) == shown


def test_text_too_long_for_a_number_is_refused_without_being_remembered():
    """The memo of recent numbers keeps no arbitrary text (a spreadsheet cell, a pasted page): only what
    could be a number takes a place in it."""
    _normalised.cache_clear()
    assert normalise_phone("1" * (MAX_LENGTH + 1), ANY) is None
    assert normalise_phone("x" * 100_000, CALLER) is None
    assert _normalised.cache_info().currsize == 0
    assert normalise_phone("13900001234", MOBILE_ONLY) == "13900001234"
    assert _normalised.cache_info().currsize == 1


def test_a_plain_mobile_made_at_once_is_the_number_the_library_reads():
    """Eleven digits of a mobile skip ``phonenumbers.parse``: for every five-digit beginning from 10000 to
    19999 that takes that way (179 and those of 11 and 12 do not, the metadata's prefixes), the number made
    is the library's own reading; two endings each, so a prefix the library strips would show."""
    taken = 0
    for start in range(10_000, 20_000):
        for ending in ("000000", "987654"):
            typed = f"{start}{ending}"
            if not _PLAIN_MOBILE_DIGITS.fullmatch(typed):
                continue
            taken += 1
            assert _parsed(typed) == phonenumbers.parse(typed, "CN"), typed
    assert taken == 2 * 6_900
    assert _PLAIN_MOBILE_DIGITS.fullmatch("17912345678") is None
    assert _PLAIN_MOBILE_DIGITS.fullmatch("139" + "\u0661" * 8) is None  # Arabic-Indic digits: not ours
    assert _parsed("17912345678") == phonenumbers.parse("17912345678", "CN")
