"""Phone and ID numbers: validated with libraries, shown masked.

* The kiosk never shows a full ID or phone number back (DOMAIN.md §1, from seed 000 篇2 where the guard
  checks the ID: the check is the guard's, the screen only ever shows a masked form); what callers say is
  not shown to those who don't need it (seed 003 §2(9) "热线内容需对外遵守保密制度").
* Validation uses ``phonenumbers`` (CN region) and ``python-stdnum``'s ``cn.ric`` (ENGINEERING.md
  "Data and time"), never hand-written regexes.
"""

from __future__ import annotations

import re

from phonenumbers import Leniency, PhoneNumberMatcher
from stdnum.cn import ric

from kiosk.domain.phone_numbers import MOBILE_ONLY, normalise_phone

MASK = "*"
# Where a resident ID number could stand in free text (18 characters); ``ric`` decides whether it is one.
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def _compact(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def normalise_mobile(text: str | None) -> str | None:
    """The 11-digit national form of a valid mainland-China mobile number, or ``None``.

    Accepts ``+86``/``0086``/``86`` prefixes, spaces, dashes, brackets and full-width digits; rejects
    landlines (e.g. 021-…), numbers of other countries, and text with anything else in it
    (:func:`kiosk.domain.phone_numbers.normalise_phone`).
    """
    return normalise_phone(text, MOBILE_ONLY)


def mask_phone(text: str) -> str:
    """``'13812345678' -> '138****5678'``: the first 3 and last 4 digits, the rest starred.

    A number that normalises to a CN mobile is masked in its 11-digit form (so ``+86 138-1234-5678``
    shows as ``138****5678`` too). Anything else keeps first 3 / last 4 digits with one star per hidden
    digit when it has at least 8 digits; shorter strings are starred entirely (too little to hide a part).
    """
    if len(text) == 11 and text.isascii() and text.isdigit() and text[0] == "1":
        # The stored form of a mobile (or 11 digits that are none): masked alike, with no parsing (a
        # board shows dozens at a time).
        return text[:3] + MASK * 4 + text[-4:]
    mobile = normalise_mobile(text)
    digits = mobile or "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 8:
        return MASK * len(digits)
    return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]


def mask_id(text: str, show_first: int = 3, show_last: int = 4) -> str:
    """An ID number with only its first ``show_first`` and last ``show_last`` characters shown.

    Default first 3 / last 4 (``'11010519491231002X' -> '110***********002X'``): the first 6 digits of a
    resident ID name the county of registration and digits 7–14 the birth date, so showing 6 reveals
    more than needed to tell two visitors apart; 6 may be passed where a guard needs the region. Spaces
    and dashes are dropped, the check letter is upper-cased; a string too short to hide anything is
    starred entirely.
    """
    if show_first < 0 or show_last < 0:
        raise ValueError("show_first and show_last must not be negative")
    compact = _compact(text)
    if len(compact) <= show_first + show_last:
        return MASK * len(compact)
    tail = compact[-show_last:] if show_last else ""
    return compact[:show_first] + MASK * (len(compact) - show_first - show_last) + tail


def is_valid_cn_id(text: str | None) -> bool:
    """Is this a valid PRC resident identity card number (居民身份证号码)? ``stdnum.cn.ric``.

    Checks length, region/birth-date plausibility and the ISO 7064 check character; accepts a lower-case
    ``x`` and surrounding spaces.
    """
    if not text:
        return False
    return bool(ric.is_valid(text.strip()))


def mask_personal_numbers(text: str) -> str:
    """Free text (a log line, a traceback) with every mobile number and resident ID number in it masked.

    ASVS 16.2.5: logs hold no personal data. Numbers are found by ``phonenumbers``' matcher (region CN)
    and kept only when :func:`normalise_mobile` takes them; ID numbers when ``stdnum.cn.ric`` validates
    them. Dates, times and other digits stay as they are.
    """
    text = _ID_CANDIDATE.sub(lambda m: mask_id(m.group(0)) if ric.is_valid(m.group(0)) else m.group(0), text)
    for match in reversed(list(PhoneNumberMatcher(text, "CN", leniency=Leniency.POSSIBLE))):
        if normalise_mobile(match.raw_string):
            # The match may take a bracket around the number with it ("(13812345678"): keep it.
            start = match.start + len(match.raw_string) - len(match.raw_string.lstrip("(（"))
            end = match.end - (len(match.raw_string) - len(match.raw_string.rstrip(")）")))
            text = text[:start] + mask_phone(text[start:end]) + text[end:]
    return text
