"""One route, page or fragment: our thin wrapper over jinja2-fragments and flask-htmx.

``render(template, block, **context)`` renders the whole page, or only ``block`` when the request
comes from htmx (not boosted, not a history restore). Blocks are named after the id of the element
they fill. Every answer carries ``Vary: HX-Request`` so caches keep the two apart.
"""

from __future__ import annotations

from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block

from kiosk.extensions import htmx


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def etag_response(etag: str, produce):
    """Answer a poll with 304 when the client already holds ``etag``; otherwise ``produce()``."""
    response = make_response("", 304) if etag in request.if_none_match else produce()
    response.set_etag(etag)
    # Polled fragments show personal data (callers' numbers, visitors' names): no browser keeps them.
    # The page's script sends the ETag of the last answer itself (app.js), so a poll still gets its 304.
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


def see_other(location: str):
    """After a successful POST: a 303 redirect, or for htmx a full-page redirect it performs itself."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)
