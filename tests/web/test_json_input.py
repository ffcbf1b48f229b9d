"""JSON sent to us is read with its nesting limited: a deep body is a 400, never a RecursionError's 500."""

from __future__ import annotations

import pytest
from flask import request
from werkzeug.exceptions import BadRequest

from kiosk import json_input


@pytest.mark.parametrize(("body", "deep"), [
    (b"[" * 100_000, True),
    (b"[" * 33 + b"]" * 33, True),
    (b"[" * 32 + b"]" * 32, False),
    (b'{"a": ' * 33 + b"1" + b"}" * 33, True),
    (b'["' + b"[" * 1000 + b'"]', False),  # brackets in a string are text
    (b'["\\"' + b"[" * 1000 + b'"]', False),  # after an escaped quote, still in the string
    (b"[]" * 10_000, False),
])
def test_nesting_is_counted_outside_strings(body, deep):
    assert json_input.too_deep(body) is deep


def test_loads_refuses_deep_and_broken_bodies_with_a_reason():
    assert json_input.loads(b'{"a": [1, {"b": "[[["}]}') == {"a": [1, {"b": "[[["}]}
    with pytest.raises(json_input.JsonRefused) as deep:
        json_input.loads(b"[" * 100_000)
    with pytest.raises(json_input.JsonRefused) as broken:
        json_input.loads(b"[1,")
    assert (deep.value.reason, broken.value.reason) == ("too_deep", "not_json")


def test_request_get_json_answers_400_to_a_deep_body(app):
    deep = app.test_request_context("/", method="POST", data=b"[" * 100_000, content_type="application/json")
    with deep, pytest.raises(BadRequest):
        request.get_json()
    with app.test_request_context("/", method="POST", data=b'{"ok": [1]}', content_type="application/json"):
        assert request.get_json() == {"ok": [1]}
