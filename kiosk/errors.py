"""Error pages: a plain Chinese (or English) sentence, never a stack trace.

For an htmx request the message goes into the page's flash area instead of replacing the fragment.
"""

from __future__ import annotations

import logging

from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from kiosk.extensions import db, htmx

log = logging.getLogger(__name__)


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


def handle_unexpected(error: Exception):
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    try:
        return error_response(InternalServerError.code)
    except Exception:  # the error page itself failed: answer in plain text rather than not at all
        log.exception("error page failed")
        plain = {"Content-Type": "text/plain; charset=utf-8"}
        return "系统出现错误，请稍后再试。 / Something went wrong.", 500, plain


def register(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
