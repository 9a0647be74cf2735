"""The lenient Magento field types, the shared address schema and the error flattening."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from schemas.common import AddressSchema, Flag, Int, Number, Region, Street, Text, Timestamp, flatten_errors


@pytest.mark.parametrize("raw, expected", [(15, 15), ("15", 15), (" 7 ", 7), (3.0, 3), ("-2", -2)])
def test_int_accepts_numbers_and_digit_strings(raw, expected):
    assert Int().deserialize(raw) == expected


@pytest.mark.parametrize("raw", [True, "15a", 15.5, "", [1], {"id": 1}])
def test_int_refuses_what_is_not_a_whole_number(raw):
    with pytest.raises(ValidationError):
        Int().deserialize(raw)


@pytest.mark.parametrize("raw, expected", [(69, 69), (74.7, 74.7), ("65", 65), ("32444.000000", 32444.0)])
def test_number_keeps_json_numbers_and_reads_numeric_text(raw, expected):
    value = Number().deserialize(raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw", [False, "12,50", "nan", float("inf"), None])
def test_number_refuses_non_numbers(raw):
    with pytest.raises(ValidationError):
        Number().deserialize(raw)


def test_text_accepts_numbers_written_as_text_but_not_structures():
    assert Text().deserialize(94105) == "94105"
    with pytest.raises(ValidationError):
        Text().deserialize(["a"])


@pytest.mark.parametrize("raw, expected", [(1, True), ("0", False), (True, True), ("false", False)])
def test_flag_reads_magento_booleans(raw, expected):
    assert Flag().deserialize(raw) is expected


@pytest.mark.parametrize("raw, expected", [
    ("2025-01-15 17:40:22", "2025-01-15 17:40:22"),
    ("2025-01-15T17:40:22Z", "2025-01-15 17:40:22"),
    ("2025-01-15T19:40:22+02:00", "2025-01-15 17:40:22"),
    ("0000-00-00 00:00:00", None),
])
def test_timestamps_become_magento_utc_text(raw, expected):
    assert Timestamp().deserialize(raw) == expected


def test_a_bad_timestamp_is_refused():
    with pytest.raises(ValidationError, match="date-time"):
        Timestamp().deserialize("yesterday")


def test_street_accepts_a_list_or_newline_text():
    assert Street().deserialize(["1 Quay", "Unit 2"]) == ["1 Quay", "Unit 2"]
    assert Street().deserialize("1 Quay\nUnit 2") == ["1 Quay", "Unit 2"]
    with pytest.raises(ValidationError):
        Street().deserialize([1, 2])


def test_region_accepts_the_customer_object_and_the_order_name():
    assert Region().deserialize({"region_code": "NY", "region": "New York", "region_id": 43}) == {
        "region": "New York", "region_code": "NY"}
    assert Region().deserialize("Michigan") == {"region": "Michigan", "region_code": None}
    with pytest.raises(ValidationError):
        Region().deserialize(43)


def test_customer_address_reads_region_object_and_flags():
    address = AddressSchema().load({"id": "5", "region": {"region_code": "CA", "region": "California"},
                                    "street": ["9 Pier"], "default_billing": True, "extra": "ignored"})
    assert address["magento_id"] == 5 and address["region"] == "California" and address["region_code"] == "CA"
    assert address["default_billing"] is True and address["default_shipping"] is False
    assert address["email"] is None and address["customer_address_id"] is None


def test_order_address_reads_flat_region_and_treats_address_id_zero_as_none():
    address = AddressSchema().load({"entity_id": 31, "customer_address_id": 0, "region": "Oslo",
                                    "region_code": "03", "email": "a@example.org"})
    assert (address["magento_id"], address["customer_address_id"]) == (31, None)
    assert (address["region"], address["region_code"], address["email"]) == ("Oslo", "03", "a@example.org")
    assert address["street"] == [] and address["default_shipping"] is False


def test_errors_are_flattened_to_field_paths():
    messages = {"items": {0: {"sku": ["Missing data for required field."]}}, "_schema": ["Bad record."],
                "extension_attributes": {"stock_item": {"qty": ["Not a number: 'x'."]}}}
    assert flatten_errors(messages) == {
        "items[0].sku": ["Missing data for required field."], "record": ["Bad record."],
        "extension_attributes.stock_item.qty": ["Not a number: 'x'."]}
