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


def _with_attributes(product, **values):
    product["custom_attributes"] = [item for item in product["custom_attributes"]
                                    if item["attribute_code"] not in values]
    product["custom_attributes"] += [{"attribute_code": code, "value": value} for code, value in values.items()]
    return product


def test_texts_cost_and_special_price_with_its_dates(record):
    product = _with_attributes(record("product.simple.json"), short_description="<p>Warm.</p>", cost="74.2500",
                               special_price="149.00", special_from_date="2025-11-28 00:00:00",
                               special_to_date="2025-12-01")
    document = load(product)
    assert (document["description"], document["short_description"]) == (
        "<p>Wind-proof parka for coastal winters.</p>", "<p>Warm.</p>")
    assert (document["cost"], document["special_price"]) == (74.25, 149)
    assert (document["special_from_date"], document["special_to_date"]) == ("2025-11-28", "2025-12-01")


def test_absent_or_empty_price_attributes_are_null(record):
    document = load(_with_attributes(record("product.simple.json"), cost=""))
    assert (document["cost"], document["special_price"], document["special_from_date"]) == (None, None, None)
    assert document["short_description"] is None


def test_a_cost_that_is_not_a_number_names_the_attribute(record):
    with pytest.raises(ValidationError) as caught:
        load(_with_attributes(record("product.simple.json"), cost="cheap"))
    assert "cost" in caught.value.messages["custom_attributes"][0]


def test_grouped_children_are_its_associated_products_in_order(record):
    product = record("product.simple.json")
    product["type_id"] = "grouped"
    product["product_links"] = [
        {"sku": "FJ-SET", "link_type": "associated", "linked_product_sku": "FJ-HAT", "position": 1},
        {"sku": "FJ-SET", "link_type": "related", "linked_product_sku": "FJ-BOOT", "position": 2},
        {"sku": "FJ-SET", "link_type": "associated", "linked_product_sku": "FJ-GLOVE", "position": 3,
         "extension_attributes": {"qty": 2}},
        {"sku": "FJ-SET", "link_type": "associated", "linked_product_sku": "FJ-HAT", "position": 4}]
    assert load(product)["children"] == ["FJ-HAT", "FJ-GLOVE"]


def test_related_links_are_not_children_of_a_simple_product(record):
    product = record("product.simple.json")
    product["product_links"] = [{"sku": "x", "link_type": "associated", "linked_product_sku": "FJ-HAT"}]
    assert load(product)["children"] == []


def test_weight_in_pounds_becomes_kilograms(record):
    product = record("product.simple.json")
    product.update(weight="2.5", _bridge={"weight_unit": "lbs", "weight_unit_source": "store_config"})
    document = load(product)
    assert document["weight"] == 1.133981  # 2.5 lb x 0.45359237
    assert (document["magento_weight_unit"], document["weight_unit_source"]) == ("lbs", "store_config")


def test_weight_in_kilograms_or_an_unknown_unit_is_kept(record):
    product = record("product.simple.json")
    product["_bridge"] = {"weight_unit": "kgs", "weight_unit_source": "setting"}
    assert load(product)["weight"] == 1.35
    unknown = load(record("product.simple.json"))
    assert (unknown["weight"], unknown["magento_weight_unit"], unknown["weight_unit_source"]) == (1.35, None, None)


def test_an_unknown_weight_unit_from_the_fetcher_is_refused(record):
    product = record("product.simple.json")
    product["_bridge"] = {"weight_unit": "stone"}
    with pytest.raises(ValidationError) as caught:
        load(product)
    assert "weight_unit" in caught.value.messages["_bridge"]


def test_store_view_name_is_carried_beside_the_default_name(record):
    product = record("product.simple.json")
    product["_bridge"] = {"store_code": "nb_no", "store_name": "Fjordparkas-M-Rød"}
    document = load(product)
    assert (document["name"], document["store_code"], document["store_name"]) == (
        "Fjord Parka-M-Red", "nb_no", "Fjordparkas-M-Rød")
