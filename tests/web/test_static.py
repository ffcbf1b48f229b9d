"""Static files: stylesheets that parse (a lost brace silently drops every rule after it)."""

from __future__ import annotations

from pathlib import Path

import pytest

STYLESHEETS = sorted(Path("kiosk/static/css").glob("*.css"))


@pytest.mark.parametrize("sheet", STYLESHEETS, ids=lambda p: p.name)
def test_every_block_in_a_stylesheet_is_closed(sheet):
    depth = 0
    for number, line in enumerate(sheet.read_text().splitlines(), start=1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"{sheet}:{number} closes a block that was never opened"
        if line.startswith("/*"):
            assert depth == 0, f"{sheet}:{number}: a section starts inside an open block"
    assert depth == 0, f"{sheet} leaves {depth} block(s) open"
