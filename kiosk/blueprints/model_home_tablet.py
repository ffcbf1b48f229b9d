"""The model-home butler's face on the model-home tablet (seed 002): today's rounds, a round's checklist, the
asset loss and damage record, and calling the duty salesperson for a visitor who came alone.

The tablet is a paired kiosk of place ``model_home`` (``@device``); any other tablet gets 404 here. The
butler has no login: each round and record carries the butler's name, as the paper register did.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, g, request, url_for
from flask_babel import gettext as _

from kiosk.clock import SHANGHAI, local, utcnow
from kiosk.domain.classify import Place
from kiosk.domain.model_home import AssetEvent, DamageCause, RoundStatus
from kiosk.forms.model_home import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    AssetForm,
    round_form,
)
from kiosk.services import model_home, submissions
from kiosk.web import labels
from kiosk.web.access import device
from kiosk.web.photo_storage import asset_photos
from kiosk.web.rendering import render, see_other
from kiosk.web.security import limit_posts, tablet_posts

bp = Blueprint("model_home", __name__, url_prefix="/model-home")
tablet_posts(bp)  # no CSRF token: POSTs are checked by where they come from

#: The largest round form (a dozen checks with notes); the asset record carries its photos.
ROUND_POST_BYTES = 64 * 1024
ASSET_POST_BYTES = MAX_PHOTOS * MAX_PHOTO_BYTES + ROUND_POST_BYTES


@bp.url_value_preprocessor
def tablet_rules(endpoint, _values):
    """Runs before anything reads the form: a tablet's POSTs are small, except the asset record's photos."""
    g.no_store = True
    request.max_content_length = ASSET_POST_BYTES if endpoint == "model_home.asset" else ROUND_POST_BYTES


@bp.context_processor
def tablet_context():
    return {"idle_seconds": current_app.config["KIOSK_IDLE_SECONDS"]}


def _tablet():
    tablet = g.kiosk_device
    if tablet.place != Place.MODEL_HOME.value:
        abort(404)
    return tablet


@bp.route("/")
@device
def index():
    tablet, now = _tablet(), utcnow()
    model_home.ensure_default_checks()
    rounds = model_home.rounds_of_day(tablet, local(now).date(), now)
    # The round to do now: open for recording and not yet late (missed ones stay listed, to do late).
    upcoming = next((r for r in rounds if r.status is RoundStatus.PENDING and r.startable), None)
    return render("model_home/index.html", "rounds", tablet=tablet, rounds=rounds, upcoming=upcoming)


@bp.route("/rounds/<round_kind>/<slot>", methods=["GET", "POST"])
@device
@limit_posts
def round_page(round_kind: str, slot: str):
    tablet, now = _tablet(), utcnow()
    due = model_home.find_round(tablet, round_kind, slot, local(now).date())
    if due is None:
        abort(404)
    model_home.ensure_default_checks()
    checks = model_home.checklist(due.kind)
    form = round_form(checks)
    if request.method == "POST" and form.validate():
        results = [model_home.CheckResult(check, result.data == "ok", note.data or "")
                   for check, result, note in form.pairs()]
        try:
            done = model_home.complete_round(tablet, due, butler_name=form.butler_name.data, results=results,
                                             now=now)
        except model_home.RoundRefused as refused:
            flash(refused.message, "warning")
            return see_other(url_for("model_home.index"))
        failed = sum(not c.ok for c in done.checks)
        flash(_("%(round)s已完成。", round=labels.ROUND_KIND[due.kind]) + (
            _("发现 %(n)d 项问题，已开任务单并通知主管。", n=failed) if failed else ""), "success")
        return see_other(url_for("model_home.index"))
    status = 422 if request.method == "POST" else 200
    return render("model_home/round.html", "round_form", status=status, tablet=tablet, due=due, form=form,
                  slot=slot, due_local=local(due.due_at))


@bp.route("/call-salesperson", methods=["POST"])
@device
@limit_posts
def call_salesperson():
    """Seed 002 大堂接待服务: "请您稍坐,我来帮您联系销售人员陪同您一同参观并给您进行现场解说"."""
    person = model_home.call_duty_salesperson(_tablet(), utcnow())
    if person is not None:
        flash(_("已通知当值销售顾问 %(name)s，请客户稍坐等候。", name=person.display_name), "success")
    else:
        flash(_("轮值表上暂无销售顾问在岗，已通知销售主管。请客户稍坐等候。"), "warning")
    return see_other(url_for("model_home.index"))


def _asset_form_valid(form: AssetForm) -> bool:
    """The form's own rules, and nothing recorded as happening in the future."""
    if not form.validate():
        return False
    if form.occurred_at.data.replace(tzinfo=SHANGHAI) > utcnow() + timedelta(minutes=5):
        form.occurred_at.errors.append(_("发生时间不能晚于现在。"))
        return False
    return True


@bp.route("/assets/new", methods=["GET", "POST"])
@device
@limit_posts
def asset():
    tablet = _tablet()
    form = AssetForm()
    if request.method == "GET":
        form.occurred_at.data = local(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
    if request.method == "POST" and _asset_form_valid(form):
        event = AssetEvent(form.event.data)
        report = model_home.AssetReport(
            item=form.item.data, event=event, happened=form.happened.data,
            occurred_at=form.occurred_at.data.replace(tzinfo=SHANGHAI),
            cause=DamageCause(form.cause.data) if event is AssetEvent.DAMAGED else None,
            person=form.person.data or "", compensation=form.compensation.data,
            management_fault=bool(form.management_fault.data), reported_by=form.reported_by.data,
        )
        photos = [model_home.Photo(data, extension, mime) for data, extension, mime in form.photo_files]
        submission = submissions.by_device(tablet.id, "model_home_asset", form.submission_key.data)
        model_home.record_asset_event(tablet, report, photos, storage=asset_photos(), now=utcnow(),
                                      submission=submission)
        flash(_("已登记《样板间资产丢失损坏备案表》，并报主管。"), "success")
        return see_other(url_for("model_home.index"))
    status = 422 if request.method == "POST" else 200
    return render("model_home/asset.html", "asset_form", status=status, tablet=tablet, form=form)
