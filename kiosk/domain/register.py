"""The owner register (业主档案): who lives in which unit, and how the service centre finds them.

Seed 004 §2 (客服中心职责 3): "整理、收集、分析业主资料，建立并及时更新业主档案库，以便更有针对性的工作" --
the centre keeps a register of owners and updates it; its KPI "客户动态档案建档率100%" counts the
profiles that are complete (:data:`kiosk.domain.kpi.PROFILE_REQUIRED_FIELDS`).

* A unit (房屋) is unsold, delivered (交付未入住), occupied (自住), rented (出租) or vacant (空置).
* The people of a unit are its owners (业主), co-owners (共有人), tenants (租户) and household members
  (家庭成员); one person may hold several units, each with its own relation.
* A person has several phone numbers (mobile or landline) and one of them is the one to call.
* An agent finds a person by name, by the pinyin initials of the name, by the unit ("3栋1201",
  "3-1201"), by a phone number or its last four digits. Surnames with several readings (曾 céng/zēng,
  单 dān/shàn, 解 jiě/xiè, 查 chá/zhā, 区 qū/ōu, 仇 chóu/qiú) are found by every reading: a caller who
  says "Zeng" and one who says "Ceng" mean the same file. A Latin name ("Mary-Jane O'Brien") is found by its
  initials and by any of its words or their start ("mary", "obr", "brien").

Searching is done on stored keys (:func:`search_keys`), so a search is an indexed look-up.
"""

from __future__ import annotations

import re
from enum import StrEnum

from kiosk.domain.hotline import pinyin_initials

#: At most this many initials spellings are kept per name (a surname's readings times the rest).
MAX_SPELLINGS = 8
#: A search by the end of a phone number needs at least these many digits (seed 003: the caller
#: gives the last four digits of the number on file).
LAST_DIGITS = 4
#: Names up to this long are found by any part of them (longer ones, rare, by their start).
NAME_PARTS_UP_TO = 8


class Relation(StrEnum):
    """How a person belongs to a unit."""

    OWNER = "owner"  # 业主
    CO_OWNER = "co_owner"  # 共有人
    TENANT = "tenant"  # 租户
    FAMILY = "family"  # 家庭成员

    @property
    def holds_title(self) -> bool:
        """Owners and co-owners hold the unit (a unit with one is no longer for sale)."""
        return self in (Relation.OWNER, Relation.CO_OWNER)


class UnitStatus(StrEnum):
    UNSOLD = "unsold"  # 未售
    DELIVERED = "delivered"  # 已交付
    OCCUPIED = "occupied"  # 已入住
    RENTED = "rented"  # 出租
    VACANT = "vacant"  # 空置


class PhoneUse(StrEnum):
    """The kinds of number a person's file keeps."""

    MOBILE = "mobile"  # 手机
    LANDLINE = "landline"  # 座机


class VisitKind(StrEnum):
    """A contact that counts towards annual visit coverage (seed 004 §2 年度访问覆盖率120%)."""

    HOME_VISIT = "home_visit"  # 上门走访
    PHONE_CALLBACK = "phone_callback"  # 电话回访
    MEETING = "meeting"  # 座谈


def _letters(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isascii() and ch.isalnum())


def initials_spellings(name: str) -> list[str]:
    """Every pinyin-initials spelling of ``name``: ``'曾小明' -> ['cxm', 'zxm']``.

    The first character (the surname) contributes each of its readings; the rest of the name is read as
    ``pypinyin`` reads it in context (:func:`kiosk.domain.hotline.pinyin_initials`). A Latin name gives
    the initials of its words (``'Li Na' -> ['ln']``).
    """
    from pypinyin import Style, pinyin  # when needed (see pinyin_initials)

    name = name.strip()
    if not name:
        return []
    if name[0].isascii():
        whole = pinyin_initials(name)
        return [whole] if whole else []
    readings = pinyin(name[0], style=Style.FIRST_LETTER, heteronym=True, errors="default")[0]
    heads = sorted({_letters(reading)[:1] for reading in readings if _letters(reading)}) or [""]
    rest = pinyin_initials(name[1:])
    return sorted({head + rest for head in heads[:MAX_SPELLINGS] if head + rest})


def phone_digits(number: str) -> str:
    """The digits of a stored number without its extension (``073188001000-8001 -> 073188001000``)."""
    return "".join(ch for ch in number.split("-", 1)[0] if ch.isdigit())


def name_parts(name: str) -> set[str]:
    """Every run of characters of a name (``'张建华'``: 张, 建, 华, 张建, 建华, 张建华): an agent types any
    part (names of at most ``NAME_PARTS_UP_TO`` characters; a longer one gives its start only)."""
    name = "".join(name.split())
    if len(name) > NAME_PARTS_UP_TO:
        return {name[:n] for n in range(1, NAME_PARTS_UP_TO + 1)}
    return {name[i:j] for i in range(len(name)) for j in range(i + 1, len(name) + 1)}


#: A Latin word is kept to this many letters (a key is at most 80 characters).
LATIN_WORD_UP_TO = 60
_LATIN_RUN = re.compile(r"[a-z0-9]+")


def latin_words(name: str) -> set[str]:
    """The Latin words of a name in lower case, each also as written without its apostrophe or hyphen:
    ``"Mary-Jane O'Brien" -> {'mary', 'jane', 'maryjane', 'o', 'brien', 'obrien'}``. Chinese characters
    give none."""
    words = set()
    for token in name.lower().split():
        runs = _LATIN_RUN.findall("".join(ch if ch.isascii() else " " for ch in token))
        words |= set(runs)
        if len(runs) > 1 and token.isascii():
            words.add("".join(runs))
    return {word[:LATIN_WORD_UP_TO] for word in words if word.isascii() and not word.isdigit()}


def search_keys(name: str, numbers: list[str]) -> set[str]:
    """The keys a person is found by: ``nm:`` parts of the name, ``py:`` initials spellings, ``lw:`` the
    Latin words of the name, ``tel:`` numbers, ``t4:`` last four digits.

    Stored one row per key with an index, a search is an equality or a prefix range on that index
    (:func:`prefix_range`).
    """
    keys = {f"nm:{part}" for part in name_parts(name)}
    keys |= {f"py:{spelling}" for spelling in initials_spellings(name)}
    keys |= {f"lw:{word}" for word in latin_words(name)}
    for number in numbers:
        digits = phone_digits(number)
        if digits:
            keys.add(f"tel:{digits}")
            keys.add(f"t4:{digits[-LAST_DIGITS:]}")
    return keys


def prefix_range(prefix: str) -> tuple[str, str]:
    """``(low, high)`` with every key starting with ``prefix`` in ``low <= key < high`` (keys are ASCII)."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


_UNIT_QUERY = re.compile(r"^\s*(?P<building>[0-9A-Za-z]+)\s*(?:栋|幢|号楼|座|#|-|－|—|\s)\s*"
                         r"(?:(?P<entrance>[0-9A-Za-z]+)\s*(?:单元|-|－|—)\s*)?"
                         r"(?P<number>[0-9A-Za-z]+)\s*室?\s*$")
_BUILDING_SUFFIXES = ("", "栋", "幢", "号楼", "座", "#")


def parse_unit_query(text: str) -> tuple[str, str] | None:
    """``'3栋1201'``, ``'3-1201'``, ``'3# 1201'``, ``'3号楼1201室'`` -> ``('3', '1201')``; with an entrance
    (单元), as the import stores it: ``'3栋2单元1201'``, ``'3-2-1201'`` -> ``('3', '2-1201')``; else
    ``None``."""
    match = _UNIT_QUERY.match(text)
    if not match:
        return None
    number = f"{match['entrance']}-{match['number']}" if match["entrance"] else match["number"]
    return match["building"], number


def building_names(code: str) -> list[str]:
    """The names building ``code`` may have in the register: ``'3' -> ['3', '3栋', '3幢', ...]``."""
    return [code + suffix for suffix in _BUILDING_SUFFIXES]
