"""One route, page or fragment: our thin wrapper over jinja2-fragments and flask-htmx.

``render(template, block, **context)`` renders the whole page, or only ``block`` when the request
comes from htmx (not boosted, not a history restore). Blocks are named after the id of the element
they fill. Every answer carries ``Vary: HX-Request`` so caches keep the two apart.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block
from werkzeug.http import is_entity_header, quote_etag

from kiosk.extensions import htmx


def wants_fragment() -> bool:
    """An htmx request (``HX-Request``) that is neither boosted nor a history restore. The headers are
    read in one go from the request's environment, not through flask-htmx's properties: each of those
    reaches through Flask's request proxy, a few µs apiece (a board poll's 304 costs about a hundred)."""
    headers = request.environ
    return (headers.get("HTTP_HX_REQUEST") == "true" and headers.get("HTTP_HX_BOOSTED") != "true"
            and headers.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true")


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    if block and wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_whole_page(template: str, **context):
    """The whole page, for htmx too (it then replaces the page's body): for an answer that changes the page
    around the form, such as its language, while keeping what was typed in the form."""
    response = make_response(render_template(template, **context))
    if wants_fragment():
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
    response.vary.add("HX-Request")
    return response


class NotModified(Response):
    """A 304 as ``etag_response`` builds it: no body, so no Content-Type of its own (werkzeug's default
    type, set only to be stripped when it is sent); and while nothing gave it an entity header or a
    Location, its headers go out as they are. Werkzeug copies every answer's headers when sending it,
    checking each value again, and rebuilds a 304's to strip those (a sixth of a poll's 304 went there)."""

    default_mimetype = None

    def get_wsgi_headers(self, environ):
        if any(is_entity_header(key) or key.lower() == "location" for key, _value in self.headers):
            return super().get_wsgi_headers(environ)
        return self.headers


def etag_response(etag: str, produce):
    """Answer a poll with 304 when the client already holds ``etag``; otherwise ``produce()``.

    Polled fragments show personal data (callers' numbers, visitors' names): no browser keeps them
    (``no-store``); the page's script sends the ETag of the last answer itself (app.js), so a poll still
    gets its 304. The 304, most polls' answer, is built with its headers at once; the poll's header is
    compared as it came before it is parsed (the script sends the one ETag it holds, as it was given)."""
    held, quoted = request.environ.get("HTTP_IF_NONE_MATCH"), quote_etag(etag)
    if held and (held == quoted or etag in request.if_none_match):
        return NotModified(status=304, headers=[
            ("ETag", quoted), ("Cache-Control", "no-store"), ("Vary", "HX-Request")])
    response = produce()
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("HX-Request")
    return response


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None`` (the caller then goes to its own default).

    Every redirect to a place a person supplied (``?next=``, a form's ``next``, the Referer) goes
    through here. Accepted: a single leading ``/`` followed by no second ``/``, no backslash anywhere
    (browsers read ``/\\host`` and ``/\\/host`` as ``//host``), no control character or space (browsers
    drop tabs and newlines, and a CR/LF would split the ``HX-Redirect`` header), and neither scheme
    nor host once parsed.
    """
    if not isinstance(target, str) or not target.startswith("/") or target[1:2] == "/":
        return None
    if "\\" in target or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def same_site_path(url: str | None) -> str | None:
    """The path of ``url`` when it is an address on this site (a Referer, say), checked as ``local_path``."""
    root = request.host_url
    if not url or not url.startswith(root):
        return None
    return local_path("/" + url.removeprefix(root))


def see_other(location: str):
    """After a successful POST: a 303 redirect, or for htmx a full-page redirect it performs itself."""
    if htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, 303)
