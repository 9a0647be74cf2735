"""Products: attributes in Magento's form, categories, stock and children of configurables and bundles."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from schemas.product import PRODUCT_FIELDS, ProductSchema


def load(record):
    return ProductSchema().load(record)


def test_simple_product_maps_every_field(record):
    document = load(record("product.simple.json"))
    assert set(document) == set(PRODUCT_FIELDS)
    assert (document["magento_id"], document["sku"], document["type"]) == (412, "FJ-PARKA-M-Red", "simple")
    assert (document["price"], document["weight"], document["status"], document["visibility"]) == (189.5, 1.35, 1, 1)
    assert document["attribute_set_id"] == 10  # given as "10"
    assert document["stock"] == {"qty": 37, "is_in_stock": True}
    assert document["children"] == []
    assert (document["created_at"], document["updated_at"]) == ("2024-11-02 09:14:03", "2025-01-15 17:40:22")


def test_multi_select_attribute_keeps_magentos_form(record):
    attributes = load(record("product.simple.json"))["attributes"]
    assert attributes["material"] == "8,11"
    assert attributes["special_price"] is None and attributes["tax_class_id"] == "2"
    assert "category_ids" not in attributes


def test_category_ids_come_from_category_links_as_ints_in_order(record):
    assert load(record("product.simple.json"))["category_ids"] == [21, 7]
    assert load(record("product.configurable.json"))["category_ids"] == [21, 3]  # duplicate link dropped


def test_category_ids_fall_back_to_the_custom_attribute(record):
    product = record("product.simple.json")
    del product["extension_attributes"]["category_links"]
    assert load(product)["category_ids"] == [21, 7]
    product["custom_attributes"] = [{"attribute_code": "category_ids", "value": "4, 9"}]
    assert load(product)["category_ids"] == [4, 9]


def test_bad_category_id_in_custom_attribute_names_the_field(record):
    product = record("product.simple.json")
    del product["extension_attributes"]["category_links"]
    product["custom_attributes"] = [{"attribute_code": "category_ids", "value": ["x1"]}]
    with pytest.raises(ValidationError) as caught:
        load(product)
    assert "category_ids" in caught.value.messages["custom_attributes"][0]


def test_product_without_extension_attributes_has_no_stock_and_no_categories(record):
    product = record("product.simple.json")
    del product["extension_attributes"]
    del product["custom_attributes"]
    document = load(product)
    assert document["stock"] is None and document["category_ids"] == [] and document["attributes"] == {}


def test_configurable_children_come_from_the_fetchers_extra(record):
    document = load(record("product.configurable.json"))
    assert document["children"] == ["FJ-PARKA-S-Red", "FJ-PARKA-M-Red", "FJ-PARKA-M-Blue"]
    assert document["weight"] is None  # configurables have no weight


def test_configurable_without_the_extra_has_unknown_children(record):
    product = record("product.configurable.json")
    del product["_bridge"]
    assert load(product)["children"] is None


def test_bundle_children_are_every_option_sku_once_in_order(record):
    document = load(record("product.bundle.json"))
    assert document["children"] == ["FJ-STOVE-1", "FJ-STOVE-2", "FJ-FUEL-230"]
    assert document["status"] == 2 and document["stock"] == {"qty": 0, "is_in_stock": False}


@pytest.mark.parametrize("field", ["id", "sku", "name", "type_id"])
def test_missing_required_field_is_named(record, field):
    product = record("product.simple.json")
    del product[field]
    with pytest.raises(ValidationError) as caught:
        load(product)
    assert caught.value.messages == {field: ["Missing data for required field."]}


def test_wrongly_typed_nested_value_is_named_by_path(record):
    product = record("product.simple.json")
    product["extension_attributes"]["stock_item"]["qty"] = "lots"
    with pytest.raises(ValidationError) as caught:
        load(product)
    assert "qty" in caught.value.messages["extension_attributes"]["stock_item"]


@pytest.mark.parametrize("attributes", [
    [{"attribute_code": "url_key", "value": "fjord-parka"}, {"attribute_code": "description"},
     {"attribute_code": "size", "value": "5596", "extra": 1}],
    [{"attribute_code": 7, "value": "code given as a number"}],
    [],
    None,
])
def test_custom_attributes_load_like_their_item_schema(record, attributes):
    from schemas.product import _CustomAttribute

    product = record("product.simple.json")
    product["custom_attributes"] = attributes

    expected = {item["attribute_code"]: item["value"]
                for item in (_CustomAttribute(many=True).load(attributes or []))}
    assert load(product)["attributes"] == expected


@pytest.mark.parametrize(("attributes", "messages"), [
    ([{"value": "x"}], {"custom_attributes": {0: {"attribute_code": ["Missing data for required field."]}}}),
    ([{"attribute_code": "a"}, "text"], {"custom_attributes": {1: {"_schema": ["Invalid input type."]}}}),
    ([{"attribute_code": ["a"], "value": 1}], {"custom_attributes": {0: {"attribute_code": ["Not text: ['a']."]}}}),
    ("not a list", {"custom_attributes": ["Not a valid list."]}),
])
def test_a_bad_custom_attribute_names_its_position_and_field(record, attributes, messages):
    product = record("product.simple.json")
    product["custom_attributes"] = attributes

    with pytest.raises(ValidationError) as caught:
        load(product)
    assert caught.value.messages == messages
