"""The shared form fields: the version a page was shown with, and select options."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField

from kiosk.forms.fields import VersionField, offered, options, row_id


class Shown(Form):
    version = VersionField()


def submitted(**fields) -> Shown:
    form = Shown(MultiDict(fields))
    form.validate()
    return form


def test_a_well_formed_version_arrives_as_a_number(app):
    with app.test_request_context():
        form = submitted(version="7")
        assert form.errors == {}
        assert form.version.data == 7


@pytest.mark.parametrize("sent", [None, "", " ", "abc", "-1", "²", "1" * 5000, str(2**31)])
def test_a_missing_or_malformed_version_says_the_page_expired_once(app, sent):
    with app.test_request_context():
        form = submitted() if sent is None else submitted(version=sent)
        assert form.version.data is None
        assert [str(m) for m in form.errors["version"]] == ["页面已过期，请刷新后重试。"]


def test_the_version_is_rendered_back_into_the_page(app):
    with app.test_request_context():
        assert 'value="4"' in Shown(version="4").version()
        assert 'value="4"' in submitted(version="4").version()


class Pick(Form):
    department = SelectField("部门", coerce=row_id,
                             choices=options([(0, "请选择"), (3, "工程部"), (5, "保安部")]))


def test_options_offer_the_values_without_the_empty_choice(app):
    with app.test_request_context():
        form = Pick(MultiDict({"department": "5"}))
        assert form.validate() and form.department.data == 5
        assert offered(form.department) == {3, 5}
        assert 'value="3">工程部</option>' in form.department()


def test_options_in_groups_render_as_optgroups(app):
    class Units(Form):
        unit = SelectField("房号", coerce=row_id, choices=options([(1, "101"), (2, "102")], optgroup="1栋")
                           + options([(9, "201")], optgroup="2栋"))

    with app.test_request_context():
        html = Units().unit()
        assert html.index('<optgroup label="1栋">') < html.index("101") < html.index('<optgroup label="2栋">')

