"""Helpers for tests (import as ``from tests.support import ...``; fixtures live in conftest.py)."""

from __future__ import annotations

import re

PASSWORD = "correct-horse-9"


def field_error(html: str, field_id: str) -> str | None:
    """The message shown beside a field, if any."""
    match = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', html)
    return match.group(1) if match else None
