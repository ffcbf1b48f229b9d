"""Template filters and globals shared by every face."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app, g, has_request_context, request, url_for
from flask.templating import Environment as FlaskEnvironment
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2 import pass_context
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from kiosk.clock import local, utcnow
from kiosk.domain.masking import mask_phone
from kiosk.domain.phone_numbers import readable
from kiosk.models.people import Role
from kiosk.services import hotline
from kiosk.services.notifications import bell_state
from kiosk.web import labels
from kiosk.web.navigation import navigation_for

#: Patterns made of digits only read the same in every language: formatted without Babel (a board
#: fragment formats a time on each of its 30 rows, and Babel's formatter was a third of its cost).
NUMERIC_PATTERNS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "MM-dd HH:mm": "%m-%d %H:%M", "HH:mm": "%H:%M",
                    "yyyy-MM-dd": "%Y-%m-%d"}


class Environment(FlaskEnvironment):
    """Flask's Jinja environment, each template's globals one plain dict (the app's, then the template's own).

    Jinja keeps them as a ChainMap over the environment's, and copies them into a dict for every render,
    include and import: 17 µs for the app's 33 globals (a ChainMap is read key by key in Python), as much
    as rendering an empty board panel, twelve times on the board page. Every global is set while the app
    is built (``register``, the extensions, the blueprints), before any template is loaded, as Jinja asks."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def shanghai_time(moment, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    if moment is None:
        return ""
    if fmt in NUMERIC_PATTERNS:
        return local(moment).strftime(NUMERIC_PATTERNS[fmt])
    return format_datetime(local(moment), fmt)


_TRANSLATED: dict = {}


def translated(table) -> dict:
    """A table of words (``kiosk.web.labels``) in the current language, worked out once per table and
    language: a board panel looks up a word on each of its rows, and each look-up of a lazy word was a
    Babel translation. A word is trusted markup, as the lazy one is."""
    key = (id(table), str(get_locale()))
    found = _TRANSLATED.get(key)
    if found is None or found[0] is not table:
        found = _TRANSLATED[key] = (table, {code: Markup(str(word)) for code, word in table.items()})
    return found[1]


# The board's helpers (supervisor/_panels.html): functions, not macros. A panel's block imported the
# macros at each render and a macro's call cost as much as the rest of a row; the markup stays the same.


def poll(name: str, wall: bool) -> Markup:
    """The attributes of a panel that polls its own fragment (js/poll.js); on the laptop board a panel may
    scroll, so it takes the keyboard's focus too."""
    url = url_for("supervisor.panel", name=name, wall=1 if wall else None)
    focus = "" if wall else ' tabindex="0"'
    return Markup(f'id="panel_{escape(name)}"{focus} data-poll hx-get="{escape(url)}" '
                  f'hx-trigger="every {escape(current_app.config["POLL_SECONDS"])}s" hx-swap="outerHTML"')


def slip_rows(wall: bool) -> Markup:
    """The attributes of a slip panel's rows' tbody: a ``slip_link`` opens the slip's actions beside the
    panels (on the wall, none does)."""
    return Markup("" if wall else ' hx-target="#board_actions" hx-swap="outerHTML"')


def clock(c, label) -> Markup:
    """A clock the browser ticks on (js/call-timer.js) from the server's start time and thresholds; its
    colour and digits are the server's at render (``kiosk.services.board.Clock``)."""
    thresholds = c.thresholds
    return Markup(f'<span class="call-timer board-clock timer-{escape(c.colour)}" role="timer" '
                  f'aria-label="{escape(label)}" data-started-at="{escape(c.started_at.isoformat())}" '
                  f'data-amber-from="{escape(thresholds.amber_from)}" '
                  f'data-red-after="{escape(thresholds.red_after)}" data-colour="{escape(c.colour)}">'
                  f'<span class="timer-value">{c.seconds // 60:d}:{c.seconds % 60:02d}</span></span>')


def slip_link(slip, wall: bool, board_url: str, text=None, css: str | None = None) -> Markup:
    """A board row's slip number (or ``text``) opening the slip's actions beside the panels (the rows'
    ``hx-target``: ``slip_rows``); on the wall, the number alone. ``board_url``
    is the board page's, built once per panel. A function, not a macro: a panel has one on each of its
    30 rows, and a macro's call cost as much as the rest of the row."""
    if wall:
        return escape(slip.number)
    url = escape(f"{board_url}?slip={slip.id}")
    css_attribute, shown = f' class="{escape(css)}"' if css else "", escape(text or slip.number)
    return Markup(f'<a href="{url}#board_actions" hx-get="{url}"{css_attribute}>{shown}</a>')


def slip_cells(slips, wall: bool, due: str, describe: int, text=None, css: str | None = None) -> list[tuple]:
    """A slip panel's rows with their cells worked out in one call per panel: (the slip's row, its priority
    and status in words, its department and assignee or "—", its description cut to ``describe``
    characters, its deadline in the ``due`` pattern, its ``slip_link`` with ``text`` and ``css``). The
    words, cuts, times and links were calls from the template on each of 30 rows, the half of its render."""
    priorities, statuses = translated(labels.PRIORITY), translated(labels.SLIP_STATUS)
    board_url, environment = url_for_templates("supervisor.board_page"), current_app.jinja_env
    return [(slip, priorities[slip.priority], statuses[slip.status], slip.department or "—",
             slip.assignee or "—", do_truncate(environment, slip.description, describe),
             shanghai_time(slip.due_at, due), slip_link(slip, wall, board_url, text, css)) for slip in slips]


def agent_cells(agents, unset, since_at, talking) -> list[tuple]:
    """The agents panel's rows with their cells worked out in one call per panel: (the agent's row, the state
    shown as a code — "none" when never set — and in words, or ``unset``; when it was set, as a moment and
    as ``since_at`` filled in with its time; the call they are on: the caller's number masked and its
    ``clock`` labelled ``talking``, or nothing)."""
    states = translated(labels.AGENT_STATE)
    cells = []
    for row in agents:
        shown, since, call = row.shown_state, row.since, row.call
        number = call and call.call.party_number
        cells.append((row, shown or "none", states[shown] if shown else unset,
                      since and since.isoformat(), since and since_at % {"t": shanghai_time(since, "HH:mm")},
                      Markup(f"{escape(mask_phone(number) if number else '')} {clock(call.clock, talking)}")
                      if call else ""))
    return cells


def on_site_rows(visits) -> list[tuple]:
    """The board's visitors on site as the cells of their rows, worked out in one call per panel: (flagged by
    an incident, name, party size when more than one, masked mobile, place in words, arrival time). Each
    call from a template (the mask, the place's word, the time: three a row) cost about as much as the row's
    text; the board is a shared screen, so the mobile is always masked."""
    places = translated(labels.PLACE)
    return [(visit.incident_class, visit.name, visit.party_size if visit.party_size > 1 else None,
             mask_phone(visit.mobile) if visit.mobile else "", places.get(visit.place, visit.place),
             local(visit.signed_in_at).strftime("%H:%M")) for visit in visits]


def weekday(day) -> str:
    return format_date(day, "EEE")


def spoken_deadline(moment, now) -> str:
    """A deadline as an agent reads it to a caller: "明天（12月5日 星期六）下午 5:30", the day named when
    it is today, tomorrow or the day after, the part of the day in words (Shanghai time)."""
    due, today = local(moment), local(now).date()
    # A deadline at midnight is the end of the day before it: "12月7日 星期一 24:00", not "8日凌晨 0:00".
    day = due.date() - timedelta(days=1) if (due.hour, due.minute) == (0, 0) else due.date()
    days = (day - today).days
    named = {0: _("今天"), 1: _("明天"), 2: _("后天")}.get(days)
    date = _("%(month)d月%(day)d日", month=day.month, day=day.day)
    hour = due.hour
    part = ("" if day != due.date() else _("凌晨") if hour < 6 else _("上午") if hour < 12
            else _("中午") if hour < 13 else _("下午") if hour < 18 else _("晚上"))
    clock = "24:00" if day != due.date() else f"{hour if hour <= 12 else hour - 12}:{due.minute:02d}"
    when = _("%(date)s %(weekday)s", date=date, weekday=format_date(day, "EEEE"))
    if named:
        when = _("%(named)s（%(when)s）", named=named, when=when)
    return _("%(when)s%(part)s %(clock)s", when=when, part=part, clock=clock)


@pass_context
def unread_notifications(context) -> int:
    """The bell's number: as the page read it with its own statement (``bell_unread``, the board page's
    ``page_versions``), else read now."""
    if "bell_unread" in context:
        return context["bell_unread"]
    return bell_state(current_user)[1] if current_user.is_authenticated else 0


#: Who hears what callers say, and sees their full numbers (seed 003 §2(9) 热线内容保密).
SEES_CALLER_DETAILS = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


def phone_for_viewer(number: str | None) -> str:
    """A caller's number in full for the hotline roles, masked for everyone else."""
    if not number:
        return ""
    if current_user.is_authenticated and current_user.has_role(*SEES_CALLER_DETAILS):
        return number
    return mask_phone(number)


@lru_cache(maxsize=256)
def _fingerprint(path: Path, _modified_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def version_static_urls(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=…)`` gains ``?v=<hash of the file>``: a changed file gets a new URL,
    so nginx may let browsers keep static files for a year (deploy/nginx/kiosk.conf)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    path = Path(current_app.static_folder, values["filename"])
    if path.is_file():
        values["v"] = _fingerprint(path, path.stat().st_mtime_ns)


def url_for_templates(endpoint: str, **values) -> str:
    """``url_for`` as templates call it: a URL that depends on nothing of the request but the app's mount
    point — a page without values, a static file — is built once per worker (a page's chrome asked
    for some twenty, a static one with its file's hash five times the cost of another). While templates
    reload (development) static URLs are built afresh, so an edited file shows under its new hash."""
    if values and not (endpoint == "static" and values.keys() == {"filename"}):
        return url_for(endpoint, **values)
    if (not has_request_context() or endpoint.startswith(".")
            or (endpoint == "static" and current_app.jinja_env.auto_reload)):
        return url_for(endpoint, **values)
    built = current_app.extensions.setdefault("template_urls", {})
    key = (endpoint, values.get("filename"), request.script_root)
    url = built.get(key)
    if url is None:
        url = built[key] = url_for(endpoint, **values)
    return url


def constant(template: str, **context) -> Markup:
    """A partial whose HTML is a function of ``context`` (hashable values), the language and the app's mount
    point alone — a page's chrome, the same for everyone it shows to — rendered once per worker and kept.
    Nothing personal may go into one. While templates reload (development) it is rendered every time."""
    environment = current_app.jinja_env
    if environment.auto_reload:
        return Markup(environment.get_template(template).render(**context))
    kept = current_app.extensions.setdefault("constant_partials", {})
    key = (template, str(get_locale()), request.script_root, *sorted(context.items()))
    html = kept.get(key)
    if html is None:
        html = kept[key] = Markup(environment.get_template(template).render(**context))
    return html


def menu() -> Markup:
    """The signed-in person's menu bar (``_menu.html``), kept per set of roles, language and current page
    among its links (``constant``)."""
    items = tuple(navigation_for(current_user))
    links = [link for item in items for link in getattr(item, "links", (item,))]
    current = request.path if any(link.href == request.path for link in links) else None
    return constant("_menu.html", items=items, current=current)


def can_dial() -> bool:
    """Do dial buttons (``macros/dial.html``) start calls through the switch for the signed-in agent
    (once per request)? Where not, they are not shown and calls are made by hand."""
    if "can_dial" not in g:
        g.can_dial = (current_user.is_authenticated and current_user.has_role(*SEES_CALLER_DETAILS)
                      and hotline.may_dial(current_user, utcnow()))
    return g.can_dial


@lru_cache(maxsize=64)
def _icon_markup(folder: str, name: str) -> str:
    svg = Path(folder, "vendor", "lucide", f"{name}.svg").read_text(encoding="utf-8")
    svg = svg[svg.index("<svg"):]  # drop the licence comment (the licence file sits beside the icons)
    svg = " ".join(svg.split())
    return svg.replace('class="lucide ', 'aria-hidden="true" focusable="false" class="icon lucide ', 1)


def icon(name: str) -> Markup:
    """A vendored Lucide icon (kiosk/static/vendor/lucide, ``make vendor``) drawn inline, hidden from screen
    readers: the text beside it says what it means. Never an emoji, which a tablet without an emoji font
    draws as an empty box."""
    return Markup(_icon_markup(current_app.static_folder, name))


def register(app) -> None:
    app.jinja_env.globals["can_dial"] = can_dial
    app.jinja_env.globals["may_hear_recording"] = lambda call: (current_user.is_authenticated
                                                                and hotline.may_hear(call, current_user))
    app.url_defaults(version_static_urls)
    app.jinja_env.globals["url_for"] = url_for_templates
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.filters["phone"] = phone_for_viewer
    app.jinja_env.filters["dial"] = readable  # the company's own numbers, spaced out
    app.jinja_env.filters["local"] = shanghai_time
    app.jinja_env.globals.update(poll=poll, slip_rows=slip_rows, clock=clock, slip_link=slip_link,
                                 slip_cells=slip_cells, agent_cells=agent_cells, on_site_rows=on_site_rows)
    app.jinja_env.filters["weekday"] = weekday
    app.jinja_env.filters["spoken_deadline"] = spoken_deadline
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["icon"] = icon
    # the words for coded values, for every template (kiosk/web/labels.py); a rule's source by its
    # document's name
    app.jinja_env.globals["labels"] = labels.FOR_TEMPLATES
    app.jinja_env.filters["cite"] = labels.cite
    app.jinja_env.filters["translated"] = translated
    app.jinja_env.globals["menu"] = menu
    app.jinja_env.globals["constant"] = constant
    # Flask-Login's own context processor loads the user for every template; the proxy loads it only
    # when a template uses it (a board fragment does not).
    app.context_processor(lambda: {"current_user": current_user})
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
