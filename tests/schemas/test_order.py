"""Orders: folded lines, totals, guest and edited orders, addresses from where Magento keeps them."""

from __future__ import annotations

import math

import pytest
from marshmallow import ValidationError

from schemas.common import ADDRESS_FIELDS
from schemas.order import ORDER_CUSTOMER_FIELDS, ORDER_FIELDS, ORDER_LINE_FIELDS, OrderSchema
from tests.schemas.conftest import ORDER_FIXTURES, read_fixture


def load(record):
    return OrderSchema().load(record)


@pytest.mark.parametrize("name", ORDER_FIXTURES)
def test_every_order_fixture_lines_add_up_to_subtotal(name):
    document = load(read_fixture(name))
    assert math.isclose(sum(line["row_total"] for line in document["lines"]), document["subtotal"], abs_tol=0.005)


@pytest.mark.parametrize("name", ORDER_FIXTURES)
def test_every_order_document_has_the_contract_fields(name):
    document = load(read_fixture(name))
    assert set(document) == set(ORDER_FIELDS)
    assert set(document["customer"]) == set(ORDER_CUSTOMER_FIELDS)
    assert all(set(line) == set(ORDER_LINE_FIELDS) for line in document["lines"])
    for address in (document["billing_address"], document["shipping_address"]):
        assert address is None or set(address) == set(ADDRESS_FIELDS)


def test_configurable_parent_and_child_are_one_line(record):
    lines = load(record("order.configurable.json"))["lines"]
    assert len(lines) == 2
    parka, gloves = lines
    assert parka == {
        "magento_item_id": 701, "sku": "FJ-PARKA-M-Red", "product_sku": "FJ-PARKA-M-Red", "name": "Fjord Parka-M-Red",
        "product_type": "configurable", "product_id": 412, "qty": 2, "price": 189.5, "row_total": 379,
        "tax_amount": 28.14, "discount_amount": 37.9, "components": [],
        "tax_percent": 8.25, "price_incl_tax": None, "row_total_incl_tax": None,
        "discount_tax_compensation_amount": None, "discount_percent": 0, "qty_ordered": 2, "qty_canceled": 0,
        "qty_invoiced": 0, "qty_shipped": 0, "qty_refunded": 0, "applied_taxes": [],
        "options": [{"kind": "configurable", "option_id": "93", "value": "58", "label": None},
                    {"kind": "configurable", "option_id": "141", "value": "172", "label": None}],
        "description": "Fjord Parka-M-Red\n58\n172", "component_lines": [], "price_type": None}
    assert (gloves["magento_item_id"], gloves["sku"], gloves["qty"], gloves["row_total"]) == (703, "FJ-GLOVE", 3, 74.97)


def test_configurable_child_listed_before_its_parent_still_folds(record):
    order = record("order.configurable.json")
    order["items"] = [order["items"][1], order["items"][2], order["items"][0]]
    lines = load(order)["lines"]
    assert [line["magento_item_id"] for line in lines] == [703, 701]
    assert lines[1]["sku"] == "FJ-PARKA-M-Red" and lines[1]["row_total"] == 379


def test_child_whose_parent_row_is_missing_uses_the_embedded_parent(record):
    order = record("order.configurable.json")
    del order["items"][0]
    lines = load(order)["lines"]
    assert [(line["magento_item_id"], line["sku"], line["row_total"]) for line in lines] == [
        (701, "FJ-PARKA-M-Red", 379), (703, "FJ-GLOVE", 74.97)]


def test_a_broken_embedded_parent_is_named_only_when_it_is_needed(record):
    order = record("order.configurable.json")
    del order["items"][1]["parent_item"]["sku"]
    assert len(load(order)["lines"]) == 2  # the parent row is listed: its embedded copy is not read
    del order["items"][0]
    with pytest.raises(ValidationError) as caught:
        load(order)
    assert caught.value.messages == {"items": {0: {"parent_item": {"sku": ["Missing data for required field."]}}}}


def test_rows_nested_two_levels_deep_are_refused_not_dropped(record):
    order = record("order.configurable.json")
    order["items"][2]["parent_item_id"] = 702  # the gloves under the parka's child row
    with pytest.raises(ValidationError) as caught:
        load(order)
    assert caught.value.messages == {"items": ["Rows under item 702 cannot be folded: it is itself a child row."]}


def test_child_pointing_at_an_unknown_parent_is_refused(record):
    order = record("order.configurable.json")
    del order["items"][0]
    del order["items"][0]["parent_item"]
    with pytest.raises(ValidationError) as caught:
        load(order)
    assert "701" in caught.value.messages["items"][0]["parent_item_id"][0]


def test_bundle_is_one_line_with_its_components(record):
    document = load(record("order.bundle.json"))
    kit, mug = document["lines"]
    assert (kit["magento_item_id"], kit["sku"], kit["product_type"]) == (
        731, "FJ-CAMP-KIT-FJ-STOVE-1-FJ-FUEL-230", "bundle")
    money = (kit["qty"], kit["price"], kit["row_total"], kit["tax_amount"], kit["discount_amount"])
    assert money == (1, 84, 84, 6.93, 8.4)
    assert kit["components"] == ["FJ-STOVE-1", "FJ-FUEL-230"]
    assert mug["components"] == []


def test_order_totals_customer_and_addresses(record):
    document = load(record("order.configurable.json"))
    assert (document["magento_id"], document["increment_id"], document["currency"]) == (301, "000000301", "USD")
    assert (document["grand_total"], document["tax_amount"], document["shipping_amount"],
            document["discount_amount"]) == (460.39, 34.32, 10, -37.9)
    assert (document["payment_method"], document["shipping_method"]) == ("banktransfer", "harbor_standard")
    assert document["customer"] == {"magento_id": 57, "email": "ingrid.haugen@example.org", "firstname": "Ingrid",
                                    "lastname": "Haugen", "is_guest": False, "group_id": 2}
    billing, shipping = document["billing_address"], document["shipping_address"]
    assert (billing["magento_id"], billing["customer_address_id"], billing["region_code"]) == (3010, 88, "NY")
    assert (shipping["magento_id"], shipping["city"], shipping["region"]) == (3011, "Bergen", None)
    assert shipping["email"] == "ingrid.haugen@example.org" and shipping["default_shipping"] is False
    assert document["relation_parent_id"] is None and document["store_id"] == 3


def test_guest_order_has_no_customer_id_and_takes_names_from_billing(record):
    document = load(record("order.guest.json"))
    assert document["customer"] == {"magento_id": None, "email": "walk.in@example.net", "firstname": "Sven",
                                    "lastname": "Lund", "is_guest": True, "group_id": 0}
    assert document["billing_address"]["region"] is None and document["billing_address"]["customer_address_id"] is None
    assert document["shipping_address"]["customer_address_id"] is None  # Magento writes 0


def test_guest_flag_absent_means_guest_when_there_is_no_customer_id(record):
    order = record("order.guest.json")
    del order["customer_is_guest"]
    assert load(order)["customer"]["is_guest"] is True
    order = record("order.configurable.json")
    del order["customer_is_guest"]
    assert load(order)["customer"]["is_guest"] is False


def test_virtual_order_has_no_shipping_address(record):
    document = load(record("order.virtual.json"))
    assert document["shipping_address"] is None and document["shipping_method"] is None
    assert [line["sku"] for line in document["lines"]] == ["FJ-MAP-PDF", "FJ-GIFT-25"]


def test_order_without_extension_attributes_or_payment(record):
    order = record("order.virtual.json")
    del order["extension_attributes"]
    del order["payment"]
    document = load(order)
    assert document["shipping_address"] is None and document["payment_method"] is None


def test_edited_order_names_the_order_it_replaces(record):
    document = load(record("order.edited.json"))
    assert (document["increment_id"], document["relation_parent_id"]) == ("000000301-1", 301)
    assert [line["sku"] for line in document["lines"]] == ["FJ-PARKA-M-Blue", "FJ-GLOVE"]


@pytest.mark.parametrize("field", ["entity_id", "increment_id", "order_currency_code", "subtotal", "items"])
def test_missing_required_field_is_named(record, field):
    order = record("order.configurable.json")
    del order[field]
    with pytest.raises(ValidationError) as caught:
        load(order)
    assert caught.value.messages == {field: ["Missing data for required field."]}


def test_missing_item_sku_is_named_with_its_position(record):
    order = record("order.configurable.json")
    del order["items"][2]["sku"]
    with pytest.raises(ValidationError) as caught:
        load(order)
    assert caught.value.messages == {"items": {2: {"sku": ["Missing data for required field."]}}}


def test_null_grand_total_is_refused(record):
    order = record("order.configurable.json")
    order["grand_total"] = None
    with pytest.raises(ValidationError) as caught:
        load(order)
    assert caught.value.messages == {"grand_total": ["Field may not be null."]}


def test_a_dynamic_sku_bundle_line_names_its_catalogue_product():
    from schemas.order import catalogue_sku

    assert catalogue_sku("KIT-STOVE-FUEL-230", ["STOVE", "FUEL-230"]) == "KIT"
    assert catalogue_sku("KIT", ["STOVE"]) == "KIT"  # a fixed-SKU bundle keeps its own SKU
    assert catalogue_sku("TEE-M-Red", []) == "TEE-M-Red"
