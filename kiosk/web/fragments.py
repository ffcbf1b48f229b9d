"""Rendered blocks kept by a version, per worker process: when a board panel changes, the N wallboards and
laptops polling it ask for it within a few seconds of each other, and the worker renders it once.

An entry's key is everything its HTML depends on: the template and block, the version the caller read
(for a board panel, the digest its ETag carries: the HTML is already promised to be a function of it,
``kiosk.services.board``), whatever else the caller names (wall or laptop), the language, and the
prefix the app is mounted under (its links, as ``kiosk.web.navigation`` keys the menu). Nothing
personal goes into a kept block (no CSRF token, no current user), which is why only blocks whose callers
say so are kept. An entry goes stale after ``BOARD_CACHE_SECONDS`` at most, or sooner when its caller says
so (a clock on it changes colour then).

At most ``BOARD_CACHE_SIZE`` entries per process (least recently used out first; 0 keeps none: every
answer is a fresh render, as ``bench/speed.py`` measures the cold render).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from flask import current_app, request
from flask_babel import get_locale
from jinja2_fragments.flask import render_block
from markupsafe import Markup


class Kept:
    """A bounded map of rendered HTML, least recently used out first, safe across threads."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Markup, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, now: datetime) -> Markup | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            html, stale_at = found
            if stale_at is not None and now >= stale_at:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return html

    def put(self, key: Hashable, html: Markup, stale_at: datetime | None) -> None:
        with self._lock:
            self._entries[key] = (html, stale_at)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def kept() -> Kept:
    """This app's rendered blocks (one map per app, per worker process)."""
    extensions = current_app.extensions
    if "kept_blocks" not in extensions:
        extensions["kept_blocks"] = Kept(current_app.config["BOARD_CACHE_SIZE"])
    return extensions["kept_blocks"]


def rendered_block(template: str, block: str, key: tuple, now: datetime,
                   context: Callable[[], tuple[dict, datetime | None]]) -> Markup:
    """``block`` of ``template`` as kept under ``key`` (its version and whatever else it depends on), else
    rendered from ``context()`` — (the template's context, the moment the HTML goes stale or None) — and
    kept."""
    store = kept()
    full_key = (template, block, str(get_locale()), request.script_root, *key)
    html = store.get(full_key, now) if store.size else None
    if html is None:
        values, settled_until = context()
        html = Markup(render_block(template, block, **values))
        if store.size:
            # Kept a while at most: a change the version does not see (a person's or a department's new
            # name) shows on a fresh page within that time.
            stale_at = now + timedelta(seconds=current_app.config["BOARD_CACHE_SECONDS"])
            store.put(full_key, html, min(stale_at, settled_until or stale_at))
    return html
