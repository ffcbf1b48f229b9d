"""Telephone numbers as people type them: which kinds a field takes, and the one form we store.

ENGINEERING.md ("Data and time") asks that phone numbers be validated with ``phonenumbers`` (region CN),
never with hand-written patterns; DOMAIN.md §1 and seed 003 §2(9) that they are shown masked (see
:mod:`kiosk.domain.masking`). The kinds met at the front desk, the hotline and the sales office:

* ``MOBILE``: a mainland mobile, 11 digits ``1[3-9]…`` (a visitor's or a buyer's number, an owner's).
* ``LANDLINE``: a fixed line with its area code (``010-12345678``, ``0755 1234 5678``, ``+86 731 8800 1000``).
* ``SERVICE``: a 400 or 800 service number (``400-800-1234``), like our own hotline.
* ``SHORT``: a public short number (``95598``, ``12345``), as the "114" directory lists them.
* ``EXTENSION``: an internal switchboard extension of 3 to 6 digits (an agent's ``8101``).

A landline or service number may carry an extension where the field allows one: ``010-12345678-8001``,
``0731-88001000转8001``, ``… ext. 8001`` or ``… 分机 8001``.

**The stored form** is what a phone in mainland China dials, digits only, which is also what our
switchboard presents as the caller's number: ``13900001234``, ``073188001000`` (the trunk ``0`` and
area code kept), ``4008001234``, ``95598``, ``8101``; an extension follows a single dash
(``073188001000-8001``). Owner look-up compares these forms, and searching by the last digits works on
them (:func:`kiosk.services.register.search`). :func:`readable` spaces it out for display.

Text with anything but digits (ASCII or full-width), spaces, ``+ - ( ) .`` and the extension words is
refused before ``phonenumbers`` sees it: the library skips what it does not understand, so
``13900001234`` followed by a broken character would otherwise pass as a valid number.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.shortnumberinfo import is_valid_short_number_for_region

REGION = "CN"
#: More than anybody types for a number with its extension; longer text is not a number.
MAX_LENGTH = 40
EXTENSION_DIGITS = range(3, 7)
EXTENSION_SEPARATOR = "-"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    LANDLINE = "landline"
    SERVICE = "service"
    SHORT = "short"
    EXTENSION = "extension"


#: What a field accepts. A person's own number where we will call or text them back is a mobile.
MOBILE_ONLY = frozenset({PhoneKind.MOBILE})
#: The number a call came from or went to: whatever the caller's line shows.
CALLER = frozenset({PhoneKind.MOBILE, PhoneKind.LANDLINE, PhoneKind.SERVICE, PhoneKind.SHORT})
#: An internal extension of our switchboard.
EXTENSION_ONLY = frozenset({PhoneKind.EXTENSION})
#: A number in the company's books (the "114" directory, a department): any kind.
ANY = frozenset(PhoneKind)

_TYPES = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.LANDLINE,
    PhoneNumberType.TOLL_FREE: PhoneKind.SERVICE,  # 800
    PhoneNumberType.SHARED_COST: PhoneKind.SERVICE,  # 400
}
_ALLOWED = re.compile(r"[0-9 +\-().]*(?:(?:转|分机|ext\.?|x|#)\s*[0-9]+)?", re.IGNORECASE)
_MARKED_EXTENSION = re.compile(r"^(?P<main>.+?)\s*(?:转|分机|ext\.?|x|#)\s*(?P<ext>[0-9]+)$", re.IGNORECASE)
_FULL_WIDTH = re.compile("[\uff01-\uff5e]")  # what a Chinese keyboard types in full-width mode
_DASHED_EXTENSION = re.compile(r"^(?P<main>.+?)\s*-\s*(?P<ext>[0-9]+)$")


def _typed(text: str | None) -> str | None:
    """The text with full-width digits and brackets made ASCII and spaces collapsed; ``None`` when it
    holds characters no phone number has (letters, symbols, superscripts, a broken character)."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        return None
    text = " ".join("".join(unicodedata.normalize("NFKC", ch) if _FULL_WIDTH.fullmatch(ch) else ch
                            for ch in text).split())
    return text if _ALLOWED.fullmatch(text) else None


#: Eleven digits beginning 13 to 19, less 179: the metadata for CN strips no international or carrier
#: prefix from them (its prefixes begin 11, 12 or 179), so they are the national number as typed.
_PLAIN_MOBILE_DIGITS = re.compile(r"1(?:[3-68]\d|7[0-8]|9\d)\d{8}", re.ASCII)


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers.parse(text, "CN")``, or None where it fails. Most numbers typed are a plain mobile's
    eleven digits: for those the number is made at once, as ``parse`` would make it, which spares its
    general reading (half the time of checking a number; ``test_phone_numbers`` holds both ways equal)."""
    if _PLAIN_MOBILE_DIGITS.fullmatch(text):
        return phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
    try:
        return phonenumbers.parse(text, REGION)
    except NumberParseException:
        return None


def _number(text: str, kinds: frozenset[PhoneKind]) -> tuple[PhoneKind, str] | None:
    """The kind and national digits of a number without an extension, when ``kinds`` takes it."""
    compact = re.sub(r"[ \-().]", "", text)
    if PhoneKind.EXTENSION in kinds and compact.isdigit() and len(compact) in EXTENSION_DIGITS \
            and not compact.startswith("0"):
        return PhoneKind.EXTENSION, compact
    number = _parsed(text)
    if number is None or number.country_code != 86 or number.extension:
        return None
    # A valid number is one of a known type: the type's one look-up through the metadata answers both
    # (``is_valid_number`` would run the same matching first).
    found = phonenumbers.number_type(number)
    if found != PhoneNumberType.UNKNOWN:
        kind = _TYPES.get(found)
        # A mobile is dialled without a trunk prefix: its national form is its significant number (the
        # library's, without formatting it first); other numbers keep the trunk 0 of the national format.
        national = (phonenumbers.national_significant_number(number) if found == PhoneNumberType.MOBILE
                    else phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL).replace(" ", ""))
    elif not compact.startswith("+") and is_valid_short_number_for_region(number, REGION):
        kind, national = PhoneKind.SHORT, compact
    else:
        kind, national = None, ""
    if kind is None or kind not in kinds or not national.isdigit():
        return None
    return kind, national


def normalise_phone(text: str | None, kinds: frozenset[PhoneKind], *, extension: bool = False) -> str | None:
    """The stored form of a number of one of ``kinds`` (see the module's docstring), or ``None``.

    ``extension``: a landline or service number may carry an extension (``0731-88001000转8001``).
    """
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        return None  # no number: not worth a place in the memo (any text may be asked)
    return _normalised(text, kinds, extension)


@lru_cache(maxsize=2048)
def _normalised(text: str, kinds: frozenset[PhoneKind], extension: bool) -> str | None:
    """``normalise_phone``, remembered for the last numbers asked: parsing costs a tenth of a millisecond,
    and a number is often asked again (a sign-in checks the typed number, then the watch list compares
    the number it stored)."""
    typed = _typed(text)
    if typed is None:
        return None
    marked = _MARKED_EXTENSION.match(typed)
    if marked is None:
        found = _number(typed, kinds)
        if found is not None:
            return found[1]
        marked = _DASHED_EXTENSION.match(typed)
    if marked is None or not extension or len(marked["ext"]) not in range(1, 7):
        return None
    found = _number(marked["main"], kinds)
    if found is None or found[0] not in (PhoneKind.LANDLINE, PhoneKind.SERVICE):
        return None
    return f"{found[1]}{EXTENSION_SEPARATOR}{marked['ext']}"


def readable(stored: str | None) -> str:
    """A stored number spaced out for reading: ``0731 8800 1000 转 8001``, ``400 800 1234``.

    Anything that is not in the stored form (a number typed before numbers were checked) comes back as it is.
    """
    if not stored:
        return ""
    main, _, ext = stored.partition(EXTENSION_SEPARATOR)
    if not main.isdigit() or (ext and not ext.isdigit()):
        return stored
    number = phonenumbers.parse(main, REGION)  # digits only: parses
    if not phonenumbers.is_valid_number(number):
        return stored  # an extension or a short number: nothing to space out
    shown = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return f"{shown} 转 {ext}" if ext else shown
