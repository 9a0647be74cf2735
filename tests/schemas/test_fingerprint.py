"""The echo guard's fingerprint: one state, one hash, however a side spells it; two states, two hashes."""

from __future__ import annotations

import decimal
import math

import pytest

from schemas.fingerprint import canonical_json, fingerprint, project

D = decimal.Decimal


@pytest.mark.parametrize("quantity", [10, 10.0, D("10"), D("10.0000"), D("1E+1"), "10.0000", "10", " 10.0 "])
def test_every_spelling_of_a_quantity_is_one_fingerprint(quantity):
    assert fingerprint({"sku": "A", "qty": quantity}) == fingerprint({"sku": "A", "qty": 10})


def test_keys_are_sorted_at_every_level():
    one = {"b": 1, "a": {"y": [1, 2], "x": "é"}}
    other = {"a": {"x": "é", "y": [1, 2]}, "b": 1}
    assert fingerprint(one) == fingerprint(other)
    assert canonical_json(one) == '{"a":{"x":"é","y":[1,2]},"b":1}'


def test_a_missing_key_and_a_none_are_the_same_state_at_every_level():
    assert fingerprint({"sku": "A", "note": None, "extra": {"a": None}}) == fingerprint({"sku": "A", "extra": {}})


def test_none_inside_a_list_keeps_its_place():
    assert fingerprint({"lines": [None, 1]}) != fingerprint({"lines": [1]})
    assert canonical_json({"lines": [None, 1]}) == '{"lines":[null,1]}'


def test_strings_are_unchanged_outside_the_numeric_fields():
    assert fingerprint({"sku": "10.0"}) != fingerprint({"sku": "10"})
    assert fingerprint({"sku": "10"}) != fingerprint({"sku": 10})
    assert fingerprint({"name": "Mug "}) != fingerprint({"name": "Mug"})
    assert fingerprint({"name": "mug"}) != fingerprint({"name": "Mug"})
    assert fingerprint({"name": ""}) != fingerprint({})


def test_a_numeric_field_that_is_no_number_stays_a_string():
    assert canonical_json({"qty": "n/a"}) == '{"qty":"n/a"}'
    assert canonical_json({"qty": ""}) == '{"qty":""}'
    assert canonical_json({"qty": "NaN"}) == '{"qty":"NaN"}'


def test_the_numeric_fields_can_be_chosen():
    assert fingerprint({"price": "9.50"}, numeric={"price"}) == fingerprint({"price": 9.5})
    assert fingerprint({"price": "9.50"}) != fingerprint({"price": 9.5})


def test_numbers_are_exact_short_decimals():
    assert canonical_json({"a": 0.1, "b": -2.50, "c": D("-0.000"), "d": -0.0, "e": 12345678901234567890}) == \
        '{"a":0.1,"b":-2.5,"c":0,"d":0,"e":12345678901234567890}'
    precise = D("1.000000000000000000000000000000001")  # beyond the default decimal context's 28 digits
    assert fingerprint({"qty": precise}) != fingerprint({"qty": 1})


def test_different_quantities_differ():
    assert fingerprint({"qty": 10}) != fingerprint({"qty": 10.5})
    assert fingerprint({"qty": 0}) != fingerprint({})


def test_booleans_are_not_numbers():
    assert fingerprint({"is_in_stock": True}) != fingerprint({"is_in_stock": 1})
    assert fingerprint({"is_in_stock": False}) != fingerprint({"is_in_stock": 0})


def test_tuples_are_lists_and_order_counts():
    assert fingerprint({"ids": (1, 2)}) == fingerprint({"ids": [1, 2]})
    assert fingerprint({"ids": [2, 1]}) != fingerprint({"ids": [1, 2]})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, D("NaN"), D("Infinity")])
def test_a_number_that_is_not_finite_is_refused(value):
    with pytest.raises(ValueError):
        fingerprint({"qty": value})


@pytest.mark.parametrize("value", [{1, 2}, object(), b"bytes"])
def test_an_unknown_type_is_refused(value):
    with pytest.raises(TypeError):
        fingerprint({"x": value})


def test_keys_are_text_and_two_keys_with_one_text_are_refused():
    assert fingerprint({1: "a"}) == fingerprint({"1": "a"})
    with pytest.raises(ValueError):
        fingerprint({1: "a", "1": "b"})


def test_only_a_mapping_has_a_fingerprint():
    with pytest.raises(TypeError):
        fingerprint([("qty", 1)])


def test_the_fingerprint_is_sha256_hex():
    print_ = fingerprint({"qty": 1})
    assert len(print_) == 64 and int(print_, 16) >= 0


def test_a_fetched_record_projected_onto_the_written_fields_compares_like_with_like():
    fetched = {"item_id": 12, "qty": "10.0000", "is_in_stock": True, "low_stock_date": None, "min_qty": 0}
    assert fingerprint(project(fetched, ("qty", "is_in_stock"))) == fingerprint({"qty": 10, "is_in_stock": True})
    assert project({"qty": 1}, ("qty", "is_in_stock")) == {"qty": 1, "is_in_stock": None}
