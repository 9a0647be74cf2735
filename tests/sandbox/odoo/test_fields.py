"""Field declarations: value conversion and x2many command normalisation."""

from __future__ import annotations

import pytest

from sandbox.odoo.fields import (
    Char,
    Float,
    Integer,
    Many2many,
    Many2one,
    Selection,
    commands,
    convert,
)


def _field(factory, *args, name="f", **kwargs):
    field = factory(*args, **kwargs)
    field.setup(name)
    return field


@pytest.mark.parametrize(("field", "value", "stored"), [
    (_field(Char), "", False), (_field(Char), "x", "x"), (_field(Float), "2.5", 2.5), (_field(Float), False, 0.0),
    (_field(Integer), 3.0, 3), (_field(Selection, ("a", "b")), "b", "b"), (_field(Many2one, "res.partner"), 0, False),
    (_field(Many2one, "res.partner"), [4, "Name"], 4),
])
def test_convert(field, value, stored):
    assert convert(field, value, "m") == stored


@pytest.mark.parametrize(("field", "value"), [
    (_field(Char), 3), (_field(Float), "abc"), (_field(Selection, ("a",)), "z"), (_field(Many2one, "x"), "7"),
    (_field(Integer), True),
])
def test_convert_refuses_wrong_values(field, value):
    with pytest.raises(ValueError, match="Wrong value for m.f"):
        convert(field, value, "m")


def test_many2one_setup_follows_odoos_ondelete_rule():
    assert _field(Many2one, "x", required=True).ondelete == "restrict"
    assert _field(Many2one, "x").ondelete == "set null"
    assert _field(Many2one, "x", ondelete="cascade").ondelete == "cascade"


def test_commands_normalise_short_forms_and_id_lists():
    field = _field(Many2many, "account.tax")

    assert commands(field, [1, 2], "m") == [(6, 0, [1, 2])]
    assert commands(field, [[5], [4, 3], (2, 9, 0), [0, 0, {"a": 1}], [6, 0, [7]]], "m") == [
        (5, 0, 0), (4, 3, 0), (2, 9, 0), (0, 0, {"a": 1}), (6, 0, [7])]
    assert commands(field, False, "m") == [(5, 0, 0)]


@pytest.mark.parametrize("value", ["x", [[7, 1]], [[1, "a", {}]], [[0, 0, "vals"]]])
def test_commands_refuse_malformed_values(value):
    with pytest.raises(ValueError):
        commands(_field(Many2many, "account.tax"), value, "m")
