"""Static files as the app serves them without nginx (`make run`): gzip when accepted, a year's cache under
a versioned URL, the favicon; the kiosk's first load stays under 50 KB (measured in the browser test)."""

from __future__ import annotations

import gzip
import re


def static_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def test_versioned_static_files_are_kept_a_year_and_sent_compressed(client):
    page = client.get("/auth/login").get_data(as_text=True)
    urls = static_urls(page)
    assert any("htmx.min.js?v=" in u for u in urls) and any("favicon.svg?v=" in u for u in urls)
    for url in urls:
        assert "?v=" in url, url
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert plain.status_code == packed.status_code == 200
        assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.data) == plain.data
        assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
        assert packed.headers["ETag"] != plain.headers["ETag"]


def test_htmx_goes_out_at_a_third_of_its_size(client):
    url = next(u for u in static_urls(client.get("/auth/login").get_data(as_text=True)) if "htmx" in u)
    plain = client.get(url).data
    packed = client.get(url, headers={"Accept-Encoding": "gzip"}).data
    assert len(packed) * 2.5 < len(plain)


def test_an_unversioned_url_is_not_kept_for_a_year(client):
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "immutable" not in response.headers.get("Cache-Control", "")


def test_no_emoji_in_any_template():
    from pathlib import Path

    emoji = re.compile("[\U0001F300-\U0001FAFF]")
    templates = Path(__file__).parents[2] / "kiosk" / "templates"
    found = [str(p) for p in templates.rglob("*.html") if emoji.search(p.read_text("utf-8"))]
    assert found == [], "draw icons with icon(name) (vendored Lucide SVG), not emoji"
