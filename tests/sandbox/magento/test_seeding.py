"""The demo seed holds every shape the bridge must handle; the empty seed; synthetic products."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.magento.seeding import load, parse_stamp, synthetic_products
from sandbox.magento.store import Store

NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)


@pytest.fixture
def demo() -> Store:
    store = Store(lambda: NOW)
    load(store, "demo")
    return store


def test_product_types(demo):
    types = {product["type_id"] for product in demo.products.values()}
    assert types == {"simple", "configurable", "bundle", "virtual"}
    parka = demo.product("NW-PARKA")
    children = [demo.product_by_id(pid) for pid in parka["extension_attributes"]["configurable_product_links"]]
    assert all(child["type_id"] == "simple" and child["visibility"] == 1 for child in children) and len(children) == 4
    assert demo.product("NW-COOK-KIT")["extension_attributes"]["bundle_product_options"]
    assert demo.product("NW-PACK-28")["status"] == 2 and demo.product("BAG/TOTE-01") is not None


def test_every_product_has_a_full_stock_item(demo):
    for product in demo.products.values():
        item = product["extension_attributes"]["stock_item"]
        assert len(item) == 26 and item["item_id"] == item["product_id"] == product["id"]
    assert demo.product("NW-MUG-350")["extension_attributes"]["stock_item"]["is_in_stock"] is False


def test_customers_with_zero_one_and_two_addresses(demo):
    assert sorted(len(customer["addresses"]) for customer in demo.customers.values()) == [0, 1, 1, 2]
    company = demo.customers[2]["addresses"][0]
    assert company["company"] == "Visser Bouw B.V." and company["default_billing"] is True


def test_category_tree(demo):
    assert demo.categories[1]["level"] == 0 and demo.categories[2]["parent_id"] == 1
    assert demo.categories[4]["path"] == "1/2/3/4" and demo.categories[8]["is_active"] is False


def test_orders_cover_every_case(demo):
    orders = demo.orders
    assert any(item.get("parent_item_id") for item in orders[5]["items"])
    assert orders[3]["customer_is_guest"] == 1 and "customer_id" not in orders[3]
    assert orders[2]["relation_parent_id"] == "1" and orders[1]["state"] == "canceled"
    not_invoiced = [o for o in orders.values()
                    if o["state"] == "new" and not any(i["qty_invoiced"] for i in o["items"])]
    assert {o["entity_id"] for o in not_invoiced} == {2, 5}
    assert orders[3]["state"] == "complete" and orders[4]["state"] == "processing"
    assert orders[4]["items"][0]["product_type"] == "bundle" and len(orders[4]["status_histories"]) == 2


def test_documents_match_their_orders(demo):
    assert [invoice["order_id"] for invoice in demo.invoices.values()] == [3, 4]
    assert demo.invoices[1]["grand_total"] == demo.orders[3]["grand_total"]
    assert demo.invoices[1]["created_at"] == "2024-02-19 09:00:12"
    assert demo.orders[3]["updated_at"] == "2024-02-19 15:30:45"
    assert demo.shipments[1]["tracks"][0]["carrier_code"] == "custom"
    assert demo.creditmemos[1]["order_id"] == 4
    assert demo.orders[4]["total_refunded"] == demo.creditmemos[1]["grand_total"]


def test_loading_records_no_changes_and_ids_continue_after_the_seed(demo):
    assert demo.drain_changes() == []
    assert demo.next_id("product") == 51 and demo.next_id("order") == 6 and demo.next_id("customer") == 5
    assert demo.next_increment_id("order_increment") == "000000105"


def test_empty_seed_has_only_the_roots():
    store = Store(lambda: NOW)
    load(store, "empty")
    assert list(store.categories) == [1, 2] and not store.products and not store.orders
    assert len(store.attribute_sets) == 3
    with pytest.raises(ValueError):
        load(Store(lambda: NOW), "full")


def test_synthetic_products(demo):
    result = synthetic_products(demo, 5, prefix="BF-", updated_at="2024-05-01 00:00:00", emit=True)
    assert result == {"created": 5, "first_id": 51, "last_id": 55, "updated_at": "2024-05-01 00:00:00"}
    assert demo.product("BF-000053")["extension_attributes"]["stock_item"]["qty"] == 3
    assert [change.key for change in demo.drain_changes()] == [f"BF-0000{n}" for n in range(51, 56)]


def test_parse_stamp():
    assert parse_stamp("2024-05-01T10:00:00+02:00") == "2024-05-01 08:00:00"
    with pytest.raises(ValueError):
        parse_stamp("yesterday")
