"""``fetch_record`` for every record of every entity on the demo seed, each mapped to its ERP document, and
``iterate`` over 1,000+ products (also while products are created and deleted) against the running sandbox."""

from __future__ import annotations

import pytest

from core.entities import ENTITIES
from core.errors import MagentoNotFound, MalformedMessage
from magento.paging import iterate
from magento.records import ATTRIBUTE_SETS, fetch_record, list_endpoint
from magento.search_criteria import SearchCriteria
from sandbox.magento.store_config import default_configs
from schemas.mapping import DOCUMENT_FIELDS, map_record, record_key
from tests.magento.conftest import SANDBOX_START

SEEDED = {"product": 13, "stock": 13, "category": 8, "customer": 4, "order": 5, "invoice": 2, "shipment": 1,
          "creditmemo": 1}
PARKA_CHILDREN = ["NW-PARKA-S-Red", "NW-PARKA-M-Red", "NW-PARKA-M-Navy", "NW-PARKA-L-Navy"]
GENERATED = 1221  # with the 13 seeded products: 1,234, which batches of 100 do not divide
BATCH = 100
[STORE] = default_configs()  # the demo store's one store view


def expected_record(sandbox, entity: str, key: str) -> dict:
    """The record as the sandbox holds it, plus the ``_bridge`` extras ``fetch_record`` adds."""
    record = sandbox.record(entity, key)
    if entity == "stock":
        record["_bridge"] = {"sku": key}
    if entity == "product":
        record["_bridge"] = {"weight_unit": STORE["weight_unit"], "weight_unit_source": "store_config"}
    if entity == "product" and record["type_id"] == "configurable":
        links = record["extension_attributes"]["configurable_product_links"]
        record["_bridge"]["children_skus"] = [sku for sku in sandbox.keys("product")
                                              if sandbox.record("product", sku)["id"] in links]
    if entity in ("order", "invoice", "shipment", "creditmemo"):
        record["_bridge"] = sales_extras(sandbox, entity, record)
    return record


def sales_extras(sandbox, entity: str, record: dict) -> dict:
    """The order's rows (sales documents), their products' SKUs and the store's time zone."""
    rows = record["items"] if entity == "order" else [
        {name: value for name, value in row.items() if name != "parent_item"}
        for row in sandbox.record("order", str(record["order_id"]))["items"]]
    ids = {row["product_id"] for row in rows}
    skus = {str(product["id"]): product["sku"] for product in map(lambda sku: sandbox.record("product", sku),
                                                                   sandbox.keys("product")) if product["id"] in ids}
    extras = {"product_skus": skus} if entity == "order" else {"order_items": rows, "product_skus": skus}
    return extras if entity == "shipment" else {**extras, "timezone": STORE["timezone"]}


def test_the_seed_has_records_of_every_entity(sandbox):
    assert sorted(SEEDED) == sorted(ENTITIES)
    assert {entity: len(sandbox.keys(entity)) for entity in ENTITIES} == SEEDED


@pytest.mark.parametrize("entity", sorted(SEEDED))
def test_fetch_record_of_every_seeded_record_maps_to_its_document(magento, sandbox, entity):
    for key in sandbox.keys(entity):
        record = fetch_record(magento, entity, key)
        assert record == expected_record(sandbox, entity, key), f"{entity} {key}"
        assert record_key(entity, record) == key
        document = map_record(entity, record)
        assert set(document) == set(DOCUMENT_FIELDS[entity]), f"{entity} {key}"


def test_a_configurable_product_gets_its_children_skus(magento, sandbox):
    parka = fetch_record(magento, "product", "NW-PARKA")
    assert parka["_bridge"] == {"children_skus": PARKA_CHILDREN, "weight_unit": "kgs",
                                "weight_unit_source": "store_config"}
    assert map_record("product", parka)["children"] == PARKA_CHILDREN
    assert [call["path"] for call in sandbox.calls()] == ["/rest/default/V1/products/NW-PARKA",
                                                          "/rest/default/V1/configurable-products/NW-PARKA/children",
                                                          "/rest/default/V1/store/storeConfigs"]
    assert "children_skus" not in fetch_record(magento, "product", "NW-STOVE")["_bridge"]


def test_a_stock_item_gets_its_sku(magento, sandbox):
    stock = fetch_record(magento, "stock", "BAG/TOTE-01")
    assert stock["_bridge"] == {"sku": "BAG/TOTE-01"} and "sku" not in stock
    assert map_record("stock", stock)["sku"] == "BAG/TOTE-01"


@pytest.mark.parametrize("sku", ["bla/koe", "24-MB 01", "a%b", "x?y#z"])
def test_fetch_record_of_a_hostile_sku(magento, sandbox, sku):
    magento.create_product({"sku": sku, "name": f"Hostile {sku}", "price": 1, "type_id": "simple"})
    assert map_record("product", fetch_record(magento, "product", sku))["sku"] == sku
    assert map_record("stock", fetch_record(magento, "stock", sku))["sku"] == sku


def test_fetch_record_of_a_deleted_record_is_not_found(magento, sandbox):
    sandbox.admin("DELETE", "/records/customer/4")
    with pytest.raises(MagentoNotFound) as caught:
        fetch_record(magento, "customer", "4")
    assert not caught.value.route_missing


@pytest.mark.parametrize("entity, key", [("invoice", "INV-1"), ("order", "0"), ("customer", "1.5"), ("nope", "1")])
def test_fetch_record_refuses_a_key_or_entity_that_cannot_name_a_record_without_calling(magento, sandbox, entity,
                                                                                         key):
    with pytest.raises(MalformedMessage):
        fetch_record(magento, entity, key)
    assert sandbox.calls() == []


# Paging --------------------------------------------------------------------------------------------------

def generate(sandbox, count: int) -> dict:
    return sandbox.admin("POST", "/generate/products", {"count": count, "prefix": "SYN-"})


def items_of(batches) -> list[dict]:
    return [item for batch in batches for item in batch.items]


def skus_of(batches) -> list[str]:
    return [item["sku"] for item in items_of(batches)]


def product_list_calls(sandbox) -> int:
    return sum(call["path"] == "/rest/default/V1/products" for call in sandbox.calls())


@pytest.mark.parametrize("entity", sorted(SEEDED))
def test_iterate_lists_every_seeded_record_of_every_entity_by_its_key(magento, sandbox, entity):
    endpoint = list_endpoint(entity)
    batches = list(iterate(magento, endpoint, batch_size=2, batch_delay=0))
    assert [str(item[endpoint.record_key]) for item in items_of(batches)] == sandbox.keys(entity)
    assert batches[-1].total == SEEDED[entity]


def test_iterate_lists_the_attribute_sets(magento, sandbox):
    batches = list(iterate(magento, ATTRIBUTE_SETS, batch_size=2, batch_delay=0))
    assert [item["attribute_set_name"] for item in items_of(batches)] == ["Default", "Outerwear", "Camp Gear"]


def test_iterate_yields_every_product_exactly_once_in_batches(magento, sandbox, sleeps):
    generate(sandbox, GENERATED)
    batches = list(iterate(magento, list_endpoint("product"), batch_size=BATCH, batch_delay=0.25))
    skus = skus_of(batches)
    assert len(skus) == len(set(skus)) == 1234 and sorted(skus) == sorted(sandbox.keys("product"))
    assert [len(batch.items) for batch in batches] == [BATCH] * 12 + [34]
    assert [batch.seen for batch in batches] == [BATCH * n for n in range(1, 13)] + [1234]
    assert {batch.total for batch in batches} == {1234} and batches[-1].remaining == 0
    assert batches[-1].last_key == 1271 and sleeps == [0.25] * 12  # between batches only
    assert product_list_calls(sandbox) == 13  # never a page past the end


def test_products_created_and_deleted_during_iteration_shift_nothing(magento, sandbox):
    generate(sandbox, GENERATED)
    pages = iterate(magento, list_endpoint("product"), batch_size=BATCH, batch_delay=0)
    first, second = next(pages), next(pages)
    assert generate(sandbox, 150)["first_id"] == 1272
    sandbox.admin("DELETE", "/records/product/SYN-000700")  # not seen yet
    sandbox.admin("DELETE", "/records/product/NW-PARKA-S-Red")  # seen already
    batches = [first, second, *pages]
    skus = skus_of(batches)
    assert len(skus) == len(set(skus)) == 1234 + 150 - 1
    assert sorted(set(skus) - {"NW-PARKA-S-Red"}) == sorted(sandbox.keys("product"))
    assert "SYN-000700" not in skus and skus[-1] == "SYN-001421"
    assert batches[-1].total == batches[-1].seen == 1383 and batches[-1].remaining == 0


def test_iterate_resumes_after_a_saved_key_with_criteria_and_a_projection(magento, sandbox):
    generate(sandbox, GENERATED)
    since = SearchCriteria().where("updated_at", SANDBOX_START, "gteq").project("items[id,sku],total_count")
    endpoint = list_endpoint("stock")
    everything = list(iterate(magento, endpoint, since, batch_size=250))
    assert len(skus_of(everything)) == GENERATED and everything[0].items[0] == {"id": 51, "sku": "SYN-000051"}
    resumed = list(iterate(magento, endpoint, since, after=everything[1].last_key, batch_size=250))
    assert skus_of(resumed) == skus_of(everything[2:])
    assert resumed[0].total == GENERATED - 500
