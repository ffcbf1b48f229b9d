"""The supervisor board: live panels over agents, calls, task slips, incidents and visitors (each polled,
304 when nothing changed) and the slip actions a supervisor takes from it (dispatch, reassign,
priority, deadline)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user

from kiosk.clock import utcnow
from kiosk.domain.call_timer import Thresholds
from kiosk.domain.masking import mask_phone
from kiosk.forms.fields import row_id_or_none
from kiosk.forms.tasks import action_forms
from kiosk.models.people import Role
from kiosk.services import board, tasks
from kiosk.web.access import roles
from kiosk.web.fragments import rendered_block
from kiosk.web.rendering import etag_response, render, wants_fragment
from kiosk.web.security import passive
from kiosk.web.sessions import adopt, checks_session, confirm_session, session_to_check

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
#: The panels' blocks (the board page and the wall stitch them together, a poll answers one).
PANELS_TEMPLATE = "supervisor/_panels.html"


@bp.context_processor
def board_context():
    # The board is a shared screen: visitors' and callers' numbers are always masked on it.
    return {"masked": lambda number: mask_phone(number) if number else ""}


def _list_limit(wall: bool) -> int:
    return board.WALL_LIST_LIMIT if wall else board.LIST_LIMIT


def _panel_html(name: str, version: str, now, wall: bool):
    """The panel's block, as kept for its version (kiosk/web/fragments.py) or rendered now."""
    def context():
        config = current_app.config
        shown = board.panel_data(name, now, ring_target_seconds=config["THREE_RINGS_SECONDS"],
                                 visitors_thresholds=Thresholds(config["WALL_VISITORS_AMBER"],
                                                                config["WALL_VISITORS_RED"]),
                                 list_limit=_list_limit(wall))
        values = {"now": now, "wall": wall, "list_limit": _list_limit(wall), **shown}
        return values, board.settled_until(name, shown[name])

    return rendered_block(PANELS_TEMPLATE, f"panel_{name}", (version, wall), now, context)


def _board(template_wall: bool, block: str | None = None):
    now = utcnow()
    identity = session_to_check()
    slip_id = row_id_or_none(request.args.get("slip", ""))
    panels = not (block and wants_fragment())  # the actions beside the panels alone need no panel data
    if identity is not None and (slip_id is not None or not panels):
        refused = confirm_session(identity, None)  # the slip's forms need the account itself: loaded
        if refused is not None:
            return refused
        identity = None
    context = {"now": now, "wall": template_wall, "selected": None, "forms": {}}
    if panels:
        names = [name for name in board.PANELS if template_wall or name not in board.WALL_ONLY]
        reading = _page_reading(names, now, identity)
        if not isinstance(reading, board.PageReading):
            return reading  # the session no longer stands
        context["bell_unread"] = reading.bell_unread
        context["panels"] = {name: _panel_html(name, reading.versions[name], now, template_wall)
                             for name in names}
    if slip_id is not None:
        selected = tasks.get_slip(slip_id) or abort(404)
        context["selected"] = selected
        context["forms"] = action_forms(selected, current_user, next_url=url_for("supervisor.board_page"))
    return render("supervisor/board.html", block, **context)


def _page_reading(names, now, identity):
    """The page's one statement (``board.page_versions``), for the session's user (``identity``, whose
    session it checks: the account is not loaded when it stands, ``adopt``) or the loaded one; or what to
    answer instead when the session no longer stands."""
    if identity is None:
        return board.page_versions(names, now, current_user.id, current_user.roles)
    reading = board.page_versions(names, now, identity.user_id, identity.roles)
    refused = confirm_session(identity, reading.session_version)
    if refused is not None:
        return refused
    if reading.session_version != identity.session_version:  # changed, and admitted on its new roles
        return board.page_versions(names, now, current_user.id, current_user.roles)
    adopt(identity, reading.display_name)
    return reading


@bp.route("/")
@roles(Role.SUPERVISOR)
@checks_session
def board_page():
    return _board(False, "board_actions")


@bp.route("/wall")
@roles(Role.SUPERVISOR)
@checks_session
def wall():
    return _board(True)


@bp.route("/panels/<name>")
@roles(Role.SUPERVISOR)
@passive
@checks_session
def panel(name: str):
    if name not in board.PANELS:
        abort(404)
    if not wants_fragment():
        return redirect(url_for("supervisor.board_page"))
    now = utcnow()
    identity = session_to_check()
    version, stored_session = board.panel_version(name, now, session_of=identity and identity.user_id)
    refused = confirm_session(identity, stored_session)
    if refused is not None:
        return refused
    return etag_response(f"{name}-{version}", lambda: make_response(
        _panel_html(name, version, now, request.args.get("wall") == "1")))  # the query read for a body only
