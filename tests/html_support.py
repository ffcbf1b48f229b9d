"""Reading a page as a browser does: its forms (fields, choices, what a plain submit sends), the URLs it
links to, and the CSRF token. Used by the bad-input and privacy tests and by ``bench/load.py``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
#: Attributes whose value is a URL the browser will request (or put in its address bar).
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "hx-put", "hx-delete",
                  "hx-push-url", "data-url")
NOT_SENT = ("submit", "button", "reset", "image", "file")
TEXT_KINDS = ("text", "textarea", "search", "tel", "email", "number", "password")
#: Where a person types what they like (a phone number, an email, a number or a password is checked).
FREE_TEXT_KINDS = ("text", "textarea", "search")
#: What a person types into an empty field of these kinds, on a given day.
BLANK_FILLS = {"date": date.isoformat, "datetime-local": lambda day: f"{day.isoformat()}T09:00",
               "time": lambda _day: "09:00", "month": lambda day: day.strftime("%Y-%m"),
               "number": lambda _day: "1"}
NOTHING_CHOSEN = ("", "0")  # a select's "(please choose)"


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, checkbox, radio, select, textarea, submit, …
    values: list[str] = field(default_factory=list)  # the choices (radio, select, submit), else [value]
    chosen: list[str] = field(default_factory=list)  # what a plain submit sends


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str, chosen: bool) -> None:
        if not name:
            return
        found = self.fields.setdefault(name, Field(name, kind))
        found.values.append(value)
        if chosen:
            found.chosen.append(value)

    def defaults(self) -> list[tuple[str, str]]:
        """The (name, value) pairs a browser sends when the form is submitted untouched."""
        pairs = []
        for f in self.fields.values():
            if f.kind in NOT_SENT:
                continue
            chosen = f.chosen or (f.values[:1] if f.kind == "select" else [])
            pairs += [(f.name, value) for value in chosen]
        return pairs

    def text_fields(self) -> list[str]:
        return [f.name for f in self.fields.values() if f.kind in TEXT_KINDS]

    def free_text_fields(self, validated: Iterable[str] = ()) -> list[str]:
        return [f.name for f in self.fields.values() if f.kind in FREE_TEXT_KINDS and f.name not in validated]

    def filled(self, text: str, today: date, *, validated: Iterable[str] = (), typed: dict | None = None,
               ticked: Iterable[str] = ()) -> list[tuple[str, str]]:
        """What a person sends who fills the form in: ``text`` in every free-text field (not the
        ``validated`` ones, a username or a code); the ``typed`` values where the page left those fields
        empty; a choice in every radio group and select left unchosen (a different one in each select, as
        a deposit needs two people); a date, a time or a number where the page left one empty; the
        ``ticked`` boxes ticked. Everything else as the page gave it."""
        typed, ticked = typed or {}, set(ticked)
        free = set(self.free_text_fields({*validated, *typed}))
        pairs, used = [], set()
        for f in self.fields.values():
            if f.kind in NOT_SENT:
                continue
            chosen = [v for v in f.chosen if f.kind != "select" or v not in NOTHING_CHOSEN]
            if f.name in free:
                chosen = [text]
            elif f.name in typed and not any(chosen):
                chosen = [typed[f.name]]
            elif not chosen and (f.kind == "radio" or f.kind == "checkbox" and f.name in ticked):
                chosen = f.values[:1]
            elif f.kind == "select" and not chosen:
                offered = [v for v in f.values if v not in NOTHING_CHOSEN]
                chosen = ([v for v in offered if v not in used] or offered or f.values)[:1]
                used.update(chosen)
            elif f.kind in BLANK_FILLS and not any(chosen):
                chosen = [BLANK_FILLS[f.kind](today)]
            pairs += [(f.name, value) for value in chosen]
        return pairs


@dataclass
class Page:
    forms: list[Form] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.page.urls += [a[name] for name in URL_ATTRIBUTES if a.get(name)]
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.page.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            checkable = kind in ("checkbox", "radio")
            value = a.get("value", "on" if checkable else "")
            sent = "checked" in a if checkable else kind not in NOT_SENT
            self._form.add(a.get("name", ""), kind, value, sent)
        elif tag == "button" and a.get("name"):
            self._form.add(a["name"], "submit", a.get("value", ""), False)
        elif tag == "select":
            self._select = (a.get("name", ""), [], [])
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea":
            self._textarea = (a.get("name", ""), [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, values, selected = self._select
            if name:
                self._form.fields[name] = Field(name, "select", values, selected)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            text = "".join(parts).removeprefix("\n")
            self._form.add(name, "textarea", text, True)
            self._textarea = None


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.page


def csrf_token(html: str) -> str | None:
    match = CSRF_TOKEN.search(html)
    return (match.group(1) or match.group(2)) if match else None


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def readable_text(response) -> str:
    """What a person reads in an answer: the text of a page, a fragment or a CSV, the cells of an XLSX
    download; nothing of an image."""
    if response.mimetype == XLSX:
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(response.get_data()), read_only=True)
        return "\n".join(str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)
    if response.mimetype.startswith("text/") or response.is_json:
        return response.get_data(as_text=True)
    return ""
