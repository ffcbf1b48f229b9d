"""Error pages: a plain Chinese (or English) sentence, never a stack trace.

For an htmx request the message goes into the page's flash area instead of replacing the fragment.
"""

from __future__ import annotations

import logging
import traceback

from flask import current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from kiosk.domain.masking import mask_personal_numbers
from kiosk.extensions import db, htmx, login_manager

log = logging.getLogger(__name__)

#: What a 503 asks the browser (or the kiosk's retry) to wait before trying again.
RETRY_AFTER_SECONDS = 5


def _messages() -> dict[int, str]:
    return {
        400: _("请求无法处理，请检查后重试。"),
        401: _("请先登录。"),
        403: _("您没有权限访问此页面。"),
        404: _("找不到此页面。"),
        405: _("不支持此操作方式。"),
        409: _("数据已被他人修改，请刷新后重试。"),
        413: _("提交的内容太大，请删减后重试。"),
        422: _("提交的内容有误，请检查后重试。"),
        429: _("操作过于频繁，请稍后再试。"),
        500: _("系统出现错误，我们已记录，请稍后再试。"),
        503: _("系统暂时无法连接数据库，请稍后再试。"),
    }


def error_response(status: int, message: str | None = None):
    text = message or _messages().get(status, _messages()[500 if status >= 500 else 400])
    if htmx:
        body = render_template("errors/_flash.html", message=text, level="error")
        return body, status, {"HX-Retarget": "#flash", "HX-Reswap": "beforeend"}
    return render_template("errors/error.html", status=status, message=text), status


def handle_http_error(error: HTTPException):
    if error.code and error.code < 400:
        return error
    return error_response(error.code or 500)


def handle_csrf_error(_error: CSRFError):
    return error_response(403, _("页面已过期或请求来源无法验证，请刷新页面后重试。"))


def handle_stale_data(_error: StaleDataError):
    """Someone else saved the same row first (optimistic locking): say so, lose nothing silently."""
    db.session.rollback()
    return error_response(409)


def _log_error(message: str, error: BaseException) -> None:
    """Log an error with its traceback, phone and ID numbers masked: a database's own message may quote
    the row it refused (PostgreSQL's "Failing row contains (…)"), which ``hide_parameters`` cannot hide."""
    trace = "".join(traceback.format_exception(error))
    log.error("%s\n%s", message, mask_personal_numbers(trace))


def _rollback() -> None:
    """End the failed transaction; with the connection gone the rollback may fail too, and that is fine."""
    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback failed after a database error", exc_info=True)


def _error_page_or_plain(status: int, plain_text: str, headers: dict | None = None):
    try:
        response = current_app.make_response(error_response(status))
    except Exception as failure:  # the error page itself failed: answer in plain text rather than not at all
        _log_error("error page failed", failure)
        plain = {"Content-Type": "text/plain; charset=utf-8"}
        response = current_app.make_response((plain_text, status, plain))
    response.headers.update(headers or {})
    return response


def handle_database_error(error: DBAPIError):
    """A driver error: the database gone or busy is a 503; anything else is a bug (500)."""
    if isinstance(error, OperationalError) or error.connection_invalidated:
        return handle_database_unavailable(error)
    return handle_unexpected(error)


def handle_database_unavailable(error: DBAPIError):
    """The database is unreachable (restarting, connections cut) or busy beyond the timeout: 503.

    Nothing of the request was stored (its transaction is rolled back). The pool replaces the connections
    the database dropped (``kiosk.database.ping_when_idle``), so the next request reconnects by itself
    once the database is back.
    The log line names the request and the kind of driver error only: no statement, no values.
    """
    log.warning("database unavailable on %s %s: %s", request.method, request.path,
                type(getattr(error, "orig", error)).__name__)
    _rollback()
    # The page must not ask the database who is signed in: answer as to nobody (Flask-Login keeps the
    # request's user in g._login_user, and its template context asks for it), and never cache it.
    g._login_user = login_manager.anonymous_user()
    g.no_store = True
    return _error_page_or_plain(503, "系统暂时无法连接数据库，请稍后再试。 / The database is unavailable.",
                                {"Retry-After": str(RETRY_AFTER_SECONDS)})


def handle_unexpected(error: Exception):
    _log_error(f"unhandled error on {request.method} {request.path}", error)
    _rollback()
    return _error_page_or_plain(
        InternalServerError.code, "系统出现错误，请稍后再试。 / Something went wrong.")


def register(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(DBAPIError, handle_database_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
