"""Static files as the app itself serves them (``make run`` has no nginx in front; production's nginx does
the same job, deploy/nginx/kiosk.conf): a year in the browser's cache under a versioned URL, and text sent
gzip-compressed to a browser that accepts it.

Every static URL the app writes carries ``?v=<hash of the file>`` (``templating.version_static_urls``), so a
changed file gets a new URL: such a request may be kept for a year, ``immutable``. The compressed bytes are
made once per file version and process (a cache of files, not of anyone's state).
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from flask import current_app, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
COMPRESSIBLE = frozenset({"text/css", "text/javascript", "application/javascript", "image/svg+xml",
                          "application/json", "text/plain"})


@lru_cache(maxsize=256)
def _gzipped(path: str, _modified_ns: int) -> bytes:
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


def finish_static(response):
    """After the static view: the year's cache for a versioned URL, gzip when accepted (``Vary`` says so)."""
    if request.endpoint != "static":
        return response
    if request.args.get("v"):
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.accept_encodings):
        return response
    path = safe_join(current_app.static_folder, (request.view_args or {}).get("filename", ""))
    if path is None or not Path(path).is_file():
        return response
    etag, _weak = response.get_etag()
    response.direct_passthrough = False
    response.set_data(_gzipped(path, Path(path).stat().st_mtime_ns))
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        response.set_etag(f"{etag}-gzip")  # another representation, another tag
    return response


def register(app) -> None:
    app.after_request(finish_static)
