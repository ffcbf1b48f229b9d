"""JSON sent to us, read with its nesting limited.

Python's ``json`` module recurses once per ``[`` or ``{``: a body of 100,000 ``[`` (well under the 1 MiB
a request may carry) ends in ``RecursionError``, a 500. Every JSON body is read here instead: the
brackets outside strings are counted first, in one pass of a regular expression, and a body nested
deeper than ``MAX_DEPTH`` is refused before ``json.loads`` sees it. The switchboard's door reads its
events with :func:`loads`; ``request.get_json()`` goes through :class:`GuardedJSONProvider`, so a route
that reads JSON later is guarded the same way and answers 400.
"""

from __future__ import annotations

import json
import re

from flask.json.provider import DefaultJSONProvider

#: No event or form of ours nests deeper than a few levels.
MAX_DEPTH = 32
# A string (with its escapes) or one bracket; strings are skipped so "[[[" inside one does not count.
_TOKEN = re.compile(rb'"(?:[^"\\]++|\\.)*+"|[\[\]{}]', re.DOTALL)


class JsonRefused(ValueError):
    """The body is not JSON we read: ``reason`` is ``"too_deep"`` or ``"not_json"``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Do brackets outside strings nest deeper than ``limit`` anywhere in ``body``?"""
    depth = 0
    for token in _TOKEN.finditer(body):
        bracket = token[0]
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def loads(body: bytes | str, max_depth: int = MAX_DEPTH):
    """The JSON value in ``body``; ``JsonRefused`` when it is not JSON or nests deeper than ``max_depth``."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if too_deep(raw, max_depth):
        raise JsonRefused("too_deep", f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise JsonRefused("not_json", "body is not JSON") from error


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading through :func:`loads` (``request.get_json()`` answers 400 to a refusal)."""

    def loads(self, s: str | bytes, **kwargs):
        return loads(s)
