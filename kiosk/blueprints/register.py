"""The owner register (业主档案): search, each person's and each unit's customer file (客户动态档案),
corrections with their history, merging two files of one person, importing the ERP's export."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from kiosk.clock import SHANGHAI, utcnow
from kiosk.domain.register import Relation, VisitKind
from kiosk.forms.admin import EmptyForm
from kiosk.forms.fields import YEARS, options, row_id_or_none
from kiosk.forms.register import (
    ImportForm,
    MembershipForm,
    MergeForm,
    NewPersonForm,
    PhoneForm,
    ProfileForm,
    VisitForm,
    VisitPlanForm,
)
from kiosk.models.people import Role
from kiosk.services import coverage, customer_file, register, register_import
from kiosk.services.register import Actor, RegisterRefused
from kiosk.web import labels
from kiosk.web.access import roles
from kiosk.web.rendering import render, see_other

bp = Blueprint("register", __name__, url_prefix="/register")

#: Who reads the register: the hotline, supervisors, and department staff who visit owners (their view
#: shows phone numbers masked, as everywhere: ``kiosk.web.templating.phone_for_viewer``).
READERS = (Role.AGENT, Role.SUPERVISOR, Role.STAFF)
#: Who corrects it.
EDITORS = (Role.AGENT, Role.SUPERVISOR)
#: The request body an import may send (a 5 MB file and its form); larger is refused before it is read.
IMPORT_POST_BYTES = register_import.MAX_BYTES + 1024 * 1024


@bp.url_value_preprocessor
def import_limit(endpoint, _values):
    if endpoint == "register.import_page":
        request.max_content_length = IMPORT_POST_BYTES


#: What each refusal of the register says to the person.
REFUSALS = {
    RegisterRefused.GONE: _l("这份档案已不存在或已合并，请刷新页面。"),
    RegisterRefused.PHONE_TAKEN: _l("这个号码已在档案中。"),
    RegisterRefused.PHONE_GONE: _l("这个号码已不在档案中，请刷新页面。"),
    RegisterRefused.UNIT_TAKEN: _l("此人已登记在这套房屋。"),
    RegisterRefused.MERGE_SELF: _l("不能与自己合并。"),
    RegisterRefused.MERGE_GONE: _l("要合并的档案不存在或已合并。"),
}
NO_SUCH_UNIT = _l("这个楼盘没有这套房屋，请按“3栋1201”或“3-1201”填写。")


def _refusal(refused: RegisterRefused) -> str:
    return str(REFUSALS[refused.code])


def _actor() -> Actor:
    return Actor(current_user._get_current_object(), utcnow())


def _may_edit() -> bool:
    return current_user.has_role(Role.ADMIN, *EDITORS)


@bp.app_template_global()
def file_summary_for(person):
    """The caller's file in brief (``register/_file_summary.html``, included in the call screen)."""
    return customer_file.summary(person, utcnow()) if person is not None else None


# --- search ----------------------------------------------------------------------------------------------


@bp.route("/")
@roles(*READERS)
def search_page():
    query = request.args.get("q", "").strip()[:100]
    return render("register/search.html", "register_results", q=query,
                  results=register.search(query) if query else [], total=register.people_count())


# --- a person's file -------------------------------------------------------------------------------------


def _project_choices():
    return options([(0, _("请选择"))] + [(p.id, p.name) for p in register.projects()])


def _membership_form(form_class=MembershipForm, formdata=None):
    form = form_class(formdata=formdata)
    form.project_id.choices = _project_choices()
    return form


def _person_or_404(person_id: int):
    return register.get_person(person_id) or abort(404)


def _person_page(person, status: int = 200, block: str | None = None, **forms):
    return render(
        "register/person.html", block, status=status, person=person,
        units=customer_file.units_of(person), timeline=customer_file.timeline(person),
        history=register.history(person), missing=register.missing_fields(person),
        next_callback=customer_file.next_periodic(person, utcnow().astimezone(SHANGHAI).date()),
        may_edit=_may_edit(),
        profile_form=forms.get("profile_form") or ProfileForm(formdata=None, obj=person),
        phone_form=forms.get("phone_form") or PhoneForm(formdata=None),
        membership_form=forms.get("membership_form") or _membership_form(),
        merge_form=forms.get("merge_form") or MergeForm(formdata=None),
        empty_form=EmptyForm(),
    )


@bp.route("/people/<int:person_id>")
@roles(*READERS)
def person(person_id: int):
    found = _person_or_404(person_id)
    if found.id != person_id:  # a file merged into another: its address leads to the one kept
        return see_other(url_for("register.person", person_id=found.id))
    return _person_page(found)


@bp.route("/people/<int:person_id>", methods=["POST"])
@roles(*EDITORS)
def profile(person_id: int):
    person = _person_or_404(person_id)
    form = ProfileForm()
    if not form.validate():
        return _person_page(person, 422, "profile", profile_form=form)
    register.update_profile(person.id, {name: getattr(form, name).data for name in register.PROFILE_FIELDS},
                            actor=_actor())
    flash(_("档案已更新。"), "success")
    return see_other(url_for("register.person", person_id=person.id))


@bp.route("/people/<int:person_id>/phones", methods=["POST"])
@roles(*EDITORS)
def add_phone(person_id: int):
    person = _person_or_404(person_id)
    form = PhoneForm()
    if form.validate():
        try:
            register.add_phone(person.id, form.number.data, preferred=form.preferred.data,
                               note=form.note.data or "", actor=_actor())
            flash(_("已添加电话。"), "success")
            return see_other(url_for("register.person", person_id=person.id))
        except RegisterRefused as refused:
            form.number.errors = [_refusal(refused)]
    return _person_page(person, 422, "phones", phone_form=form)


def _phone_verb(person_id: int, number_id: int, verb):
    person = _person_or_404(person_id)
    if not EmptyForm().validate():
        abort(400)
    try:
        verb(person.id, number_id, actor=_actor())
    except RegisterRefused as refused:
        flash(_refusal(refused), "warning")
    return see_other(url_for("register.person", person_id=person.id))


@bp.route("/people/<int:person_id>/phones/<int:number_id>/prefer", methods=["POST"])
@roles(*EDITORS)
def prefer_phone(person_id: int, number_id: int):
    return _phone_verb(person_id, number_id, register.prefer_phone)


@bp.route("/people/<int:person_id>/phones/<int:number_id>/remove", methods=["POST"])
@roles(*EDITORS)
def remove_phone(person_id: int, number_id: int):
    return _phone_verb(person_id, number_id, register.remove_phone)


@bp.route("/people/<int:person_id>/units", methods=["POST"])
@roles(*EDITORS)
def add_unit(person_id: int):
    person = _person_or_404(person_id)
    form = _membership_form(formdata=request.form)
    if form.validate():
        unit = register.find_unit(form.project_id.data, form.unit.data)
        if unit is None:
            form.unit.errors = [str(NO_SUCH_UNIT)]
        else:
            try:
                register.add_membership(person.id, unit, Relation(form.relation.data), form.moved_in_on.data,
                                        actor=_actor())
                flash(_("已登记房屋。"), "success")
                return see_other(url_for("register.person", person_id=person.id))
            except RegisterRefused as refused:
                form.unit.errors = [_refusal(refused)]
    return _person_page(person, 422, "units", membership_form=form)


@bp.route("/people/<int:person_id>/merge", methods=["POST"])
@roles(Role.SUPERVISOR)
def merge(person_id: int):
    person = _person_or_404(person_id)
    form = MergeForm()
    if form.validate():
        try:
            register.merge(person.id, form.other_id.data, actor=_actor())
            flash(_("已合并档案，两份档案的记录均已保留。"), "success")
            return see_other(url_for("register.person", person_id=person.id))
        except RegisterRefused as refused:
            form.other_id.errors = [_refusal(refused)]
    return _person_page(person, 422, "merge", merge_form=form)


@bp.route("/people/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_person():
    form = _membership_form(NewPersonForm, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        unit = register.find_unit(form.project_id.data, form.unit.data)
        if unit is None:
            form.unit.errors = [str(NO_SUCH_UNIT)]
        else:
            person = register.create_person({"name": form.name.data, "moved_in_on": form.moved_in_on.data},
                                            unit=unit, relation=Relation(form.relation.data),
                                            phone=form.number.data or None, actor=_actor())
            flash(_("已建立档案。"), "success")
            return see_other(url_for("register.person", person_id=person.id))
    status = 422 if request.method == "POST" else 200
    return render("register/new_person.html", "new_person", status=status, form=form)


# --- a unit's file ---------------------------------------------------------------------------------------


def _unit_page(unit_id: int, status: int = 200, block: str | None = None, visit_form=None):
    found = register.get_unit(unit_id) or abort(404)
    form = visit_form or VisitForm(formdata=None, on_date=utcnow().astimezone(SHANGHAI).date())
    return render("register/unit.html", block, status=status, unit=found,
                  timeline=customer_file.unit_timeline(found), visit_form=form)


@bp.route("/units/<int:unit_id>")
@roles(*READERS)
def unit(unit_id: int):
    return _unit_page(unit_id)


@bp.route("/units/<int:unit_id>/visits", methods=["POST"])
@roles(*READERS)
def record_visit(unit_id: int):
    """A visit or contact to the unit (上门走访 / 电话回访 / 座谈): counts towards annual visit coverage."""
    found = register.get_unit(unit_id) or abort(404)
    form = VisitForm()
    if not form.validate():
        return _unit_page(unit_id, 422, "visit", visit_form=form)
    coverage.record_visit(found.id, VisitKind(form.kind.data), form.on_date.data, form.note.data or "",
                          owner_id=None, by=current_user._get_current_object(), now=utcnow())
    flash(_("已记录走访。"), "success")
    return see_other(url_for("register.unit", unit_id=found.id))


# --- annual visit coverage -----------------------------------------------------------------------------


def _year() -> int:
    this_year = utcnow().astimezone(SHANGHAI).year
    year = row_id_or_none(request.args.get("year")) or this_year
    return year if year in YEARS else this_year


def _plan_form(formdata=None):
    form = VisitPlanForm(formdata=formdata)
    form.project_id.choices = _project_choices()
    staff = [(u.id, u.display_name) for u in coverage.visit_staff()]
    form.user_id.choices = options([(0, _("请选择"))] + staff)
    return form


def _coverage_page(status: int = 200, block: str | None = None, plan_form=None):
    year = _year()
    project_id = row_id_or_none(request.args.get("project_id"))
    project = register.get_project(project_id) if project_id else None
    page = row_id_or_none(request.args.get("page")) or 1
    unvisited, unvisited_total = coverage.unvisited(year, project.id, page) if project else ([], 0)
    return render("register/coverage.html", block, status=status, year=year, project=project,
                  rows=coverage.coverage(year, project.id if project else None), plans=coverage.plans(year),
                  unvisited=unvisited, unvisited_total=unvisited_total, page=page, page_size=coverage.PAGE,
                  target=float(coverage.TARGET), plan_form=plan_form or _plan_form(),
                  may_plan=current_user.has_role(Role.ADMIN, Role.SUPERVISOR))


@bp.route("/coverage")
@roles(*READERS)
def coverage_page():
    return _coverage_page()


@bp.route("/coverage/plans", methods=["POST"])
@roles(Role.SUPERVISOR)
def save_plan():
    form = _plan_form(request.form)
    if not form.validate():
        return _coverage_page(422, "plan", plan_form=form)
    coverage.set_plan(_year(), form.project_id.data, form.user_id.data, form.planned.data)
    flash(_("已保存走访计划。"), "success")
    return see_other(url_for("register.coverage_page", year=_year()))


# --- import ----------------------------------------------------------------------------------------------


def _import_page(form, plan=None, *, applied: bool = False, token: str | None = None, status: int = 200):
    return render("register/import.html", "import_result" if request.method == "POST" else None,
                  status=status, form=form, plan=plan, applied=applied, token=token,
                  kept_hours=register_import.KEEP_UPLOAD_HOURS)


@bp.route("/import", methods=["GET", "POST"])
@roles(Role.SUPERVISOR)
def import_page():
    """Choose the file, see the dry run row by row, then import it: with the file still chosen, or, once
    the dry run found nothing to refuse, with the file it kept (no choosing again, with or without htmx)."""
    form = ImportForm()
    if request.method == "GET":
        return _import_page(form)
    if not form.validate():
        return _import_page(form, status=422)
    apply = request.form.get("action") == "apply"
    create = form.create_buildings.data
    now, token = utcnow(), None
    try:
        if not form.has_file:
            plan = register_import.apply_kept(form.token.data, actor=_actor(), user_id=current_user.id,
                                              now=now)
            return _import_page(form, plan, applied=True)
        upload = form.file.data
        data = upload.read(register_import.MAX_BYTES + 1)
        columns, body = register_import.read_file(upload.filename, data)
        if apply:
            plan = register_import.apply(columns, body, actor=_actor(), create_buildings=create)
        else:
            plan = register_import.dry_run(columns, body, create_buildings=create)
            if not plan.refused:
                token = register_import.keep(upload.filename, data, create_buildings=create,
                                             user_id=current_user.id, now=now)
    except register_import.ImportFileRefused as refused:
        form.file.errors = [labels.import_reason(refused.reason)]
        return _import_page(form, status=422)
    except register_import.RowsRefused as refused:
        return _import_page(form, refused.plan, status=422)
    return _import_page(form, plan, applied=apply, token=token)


@bp.route("/import/template.xlsx")
@roles(Role.SUPERVISOR)
def import_template():
    response = make_response(register_import.template())
    response.headers["Content-Type"] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = "attachment; filename=register-template.xlsx"
    return response
