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


def test_a_static_url_carries_the_hash_of_its_file(app):
    import hashlib

    from flask import url_for

    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
    digest = hashlib.sha256(Path("kiosk/static/css/app.css").read_bytes()).hexdigest()[:12]
    assert url == f"/static/css/app.css?v={digest}"


def test_nginx_refuses_the_bodies_the_app_refuses():
    """deploy/nginx/kiosk.conf's client_max_body_size: the app's limit, the asset record's photos and the
    register's import."""
    import re

    from kiosk.blueprints.model_home_tablet import ASSET_POST_BYTES
    from kiosk.blueprints.register import IMPORT_POST_BYTES
    from kiosk.config import Defaults

    mib = 1024 * 1024
    sizes = [int(n) * mib for n in re.findall(r"client_max_body_size (\d+)m;", Path(
        "deploy/nginx/kiosk.conf").read_text())]
    assert sizes[0] == Defaults.MAX_CONTENT_LENGTH
    assert ASSET_POST_BYTES <= sizes[1] < ASSET_POST_BYTES + mib
    assert IMPORT_POST_BYTES <= sizes[2] < IMPORT_POST_BYTES + mib


def test_urls_built_once_for_templates_follow_the_mount_point(app):
    """Templates' URLs without values are kept per worker (templating.url_for_templates), by the app's
    mount point too: the same app under /kiosk writes /kiosk/… URLs."""
    from flask import render_template_string

    page = "{{ url_for('main.index') }} {{ url_for('static', filename='css/app.css') }}"
    with app.test_request_context("/"):
        at_root = render_template_string(page)
    with app.test_request_context("/", base_url="http://localhost/kiosk"):
        mounted = render_template_string(page)
    with app.test_request_context("/"):
        assert render_template_string(page) == at_root
    index, sheet = at_root.split()
    assert mounted == f"/kiosk{index} /kiosk{sheet}" and sheet.startswith("/static/css/app.css?v=")


def test_while_templates_reload_an_edited_static_file_gets_its_new_url(app, tmp_path, monkeypatch):
    import os

    from flask import render_template_string

    monkeypatch.setattr(app.jinja_env, "auto_reload", True)
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    sheet = tmp_path / "edited.css"
    page = "{{ url_for('static', filename='edited.css') }}"
    sheet.write_text("a { color: red }")
    with app.test_request_context("/"):
        first = render_template_string(page)
    sheet.write_text("a { color: blue }")
    os.utime(sheet, ns=(sheet.stat().st_mtime_ns + 10**9,) * 2)
    with app.test_request_context("/"):
        assert render_template_string(page) != first
