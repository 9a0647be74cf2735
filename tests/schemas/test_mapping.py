"""The public interface: map_record, record_key, document_version, document_hash."""

from __future__ import annotations

import json

import pytest

from core.entities import ENTITIES
from core.errors import MappingError, PermanentError
from schemas.mapping import DOCUMENT_FIELDS, SCHEMAS, document_hash, document_version, map_record, record_key
from tests.schemas.conftest import FIXTURES_DIR, read_fixture

FIXTURE_ENTITIES = {
    "product.simple.json": "product", "product.configurable.json": "product", "product.bundle.json": "product",
    "customer.json": "customer", "category.json": "category", "category.tree.json": "category",
    "order.configurable.json": "order", "order.guest.json": "order", "order.virtual.json": "order",
    "order.edited.json": "order", "order.bundle.json": "order", "invoice.json": "invoice",
    "creditmemo.json": "creditmemo", "shipment.json": "shipment", "stock_item.json": "stock",
    # issue #9 money cases (test_order_lines, test_header, test_folding, test_totals)
    "order.multi-rate.json": "order", "order.tax-included.json": "order", "order.bundle-coupon.json": "order",
    "order.fixed-bundle.json": "order", "order.shipping-discount.json": "order",
    "order.partially-canceled.json": "order", "order.eur-usd.json": "order",
    "order.gift-card-store-credit.json": "order", "order.custom-options.json": "order", "order.fleece.json": "order",
    "invoice.configurable.json": "invoice", "invoice.bundle-coupon.json": "invoice",
    "creditmemo.store-credit.json": "creditmemo", "shipment.two-tracks.json": "shipment",
}


def test_every_entity_has_a_mapper_and_a_field_list():
    assert set(SCHEMAS) == set(DOCUMENT_FIELDS) == set(ENTITIES)


def test_every_fixture_is_exercised_and_every_entity_has_one():
    assert sorted(path.name for path in FIXTURES_DIR.glob("*.json")) == sorted(FIXTURE_ENTITIES)
    assert set(FIXTURE_ENTITIES.values()) == set(ENTITIES)


@pytest.mark.parametrize("name, entity", sorted(FIXTURE_ENTITIES.items()))
def test_documents_have_exactly_the_contract_fields_and_are_json(name, entity):
    document = map_record(entity, read_fixture(name))
    assert set(document) == set(DOCUMENT_FIELDS[entity])
    assert json.loads(json.dumps(document)) == document


@pytest.mark.parametrize("name, entity", sorted(FIXTURE_ENTITIES.items()))
def test_unknown_extra_fields_are_ignored(name, entity):
    plain = read_fixture(name)
    noisy = {**read_fixture(name), "x_added_in_2_4_8": {"nested": [1, 2]}, "another_new_flag": True}
    assert map_record(entity, noisy) == map_record(entity, plain)


def test_missing_required_field_raises_a_permanent_mapping_error_naming_it():
    order = read_fixture("order.configurable.json")
    del order["increment_id"]
    order["items"][1]["qty_ordered"] = "two"
    with pytest.raises(MappingError) as caught:
        map_record("order", order)
    error = caught.value
    assert isinstance(error, PermanentError) and not error.retryable
    assert error.message.startswith("order 301 cannot be mapped: ")
    assert "increment_id: Missing data for required field." in error.message
    assert "items[1].qty_ordered: Not a number: 'two'." in error.message
    assert error.details == {"increment_id": ["Missing data for required field."],
                             "items[1].qty_ordered": ["Not a number: 'two'."]}
    assert error.report_text().startswith("mapping: order 301 cannot be mapped")


def test_error_without_a_usable_key_still_reads_well():
    with pytest.raises(MappingError, match=r"^customer \(no key\) cannot be mapped: id: Missing data"):
        map_record("customer", {"email": "a@example.org"})


def test_long_error_lists_are_shortened_in_the_message_but_complete_in_details():
    with pytest.raises(MappingError) as caught:
        map_record("order", {"entity_id": 5})
    assert caught.value.message.endswith("and 2 more")
    assert len(caught.value.details) == 7


@pytest.mark.parametrize("record", [[], "15", None, 15])
def test_a_record_that_is_not_an_object_is_refused(record):
    with pytest.raises(MappingError, match="not a JSON object"):
        map_record("product", record)


def test_unknown_entity_is_refused():
    with pytest.raises(MappingError, match="no mapper for entity 'widget'"):
        map_record("widget", {})


@pytest.mark.parametrize("name, entity, key", [
    ("product.simple.json", "product", "FJ-PARKA-M-Red"), ("stock_item.json", "stock", "FJ-PARKA-M-Red"),
    ("customer.json", "customer", "57"), ("category.json", "category", "21"), ("order.guest.json", "order", "302"),
    ("invoice.json", "invoice", "81"), ("creditmemo.json", "creditmemo", "17"), ("shipment.json", "shipment", "44"),
])
def test_record_key_is_the_sku_or_the_id_as_text(name, entity, key):
    assert record_key(entity, read_fixture(name)) == key


def test_record_key_accepts_string_ids_and_explains_a_missing_key():
    assert record_key("order", {"entity_id": "9"}) == "9"
    with pytest.raises(MappingError, match="_bridge.sku"):
        record_key("stock", {"item_id": 1})
    with pytest.raises(MappingError, match="entity_id"):
        record_key("invoice", {"entity_id": "x"})
    with pytest.raises(MappingError, match="sku"):
        record_key("product", {"id": 4, "sku": "  "})


def test_document_version_is_updated_at_and_none_for_stock():
    order = map_record("order", read_fixture("order.guest.json"))
    assert document_version("order", order) == "2025-02-10 11:05:01"
    stock = map_record("stock", read_fixture("stock_item.json"))
    assert document_version("stock", stock) is None
    category = map_record("category", read_fixture("category.tree.json"))
    assert document_version("category", category) is None  # tree nodes carry no updated_at


def test_versions_sort_as_text_even_when_magento_sends_iso():
    product = read_fixture("product.simple.json")
    product["updated_at"] = "2025-01-15T19:40:22+02:00"
    assert document_version("product", map_record("product", product)) == "2025-01-15 17:40:22"


def test_hash_ignores_updated_at_and_key_order_but_not_content():
    document = map_record("product", read_fixture("product.simple.json"))
    digest = document_hash(document)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert document_hash({**document, "updated_at": "2030-01-01 00:00:00"}) == digest
    assert document_hash(dict(reversed(list(document.items())))) == digest
    assert document_hash({**document, "price": 190}) != digest
    assert document_hash({**document, "attributes": {**document["attributes"], "material": "8"}}) != digest


def test_hash_treats_69_and_69_point_0_as_the_same_amount():
    document = map_record("product", read_fixture("product.simple.json"))
    assert document_hash({**document, "price": 69}) == document_hash({**document, "price": 69.0})
    assert document_hash({**document, "price": 69}) != document_hash({**document, "price": 69.5})


def test_hash_is_the_same_across_two_mappings_of_one_record():
    first = map_record("order", read_fixture("order.bundle.json"))
    second = map_record("order", read_fixture("order.bundle.json"))
    assert first is not second and document_hash(first) == document_hash(second)
