"""fetch_record: the full record per entity with its _bridge extras; list_endpoint: how each entity is paged."""

from __future__ import annotations

import pytest
from responses import matchers

from core.entities import ENTITIES
from core.errors import MagentoNotFound, MagentoRelatedMissing, MagentoServerError, MagentoUnavailable, MalformedMessage
from magento.records import ATTRIBUTE_SETS, fetch_record, list_endpoint, store_configs
from tests.magento.payloads import CONFIGURABLE_PRODUCT, SIMPLE_PRODUCT, STOCK_ITEM


@pytest.mark.parametrize(("entity", "key", "path"),
                         [("customer", "7", "customers/7"), ("category", "15", "categories/15")])
def test_records_keyed_by_id_are_fetched_from_their_get_route(client, mocked, rest, entity, key, path) -> None:
    record = {"entity_id": int(key), "updated_at": "2024-03-02 09:30:00"}
    mocked.add("GET", rest(path), json=record)
    assert fetch_record(client, entity, key) == record
    assert len(mocked.calls) == 1




def test_a_simple_product_is_one_call_plus_the_weight_unit_setting(make_client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    record = fetch_record(make_client(magento_weight_unit="kgs"), "product", "TSHIRT-RED-M")
    assert record == {**SIMPLE_PRODUCT, "_bridge": {"weight_unit": "kgs", "weight_unit_source": "setting"}}
    assert record["extension_attributes"]["stock_item"]["qty"] == 14
    assert len(mocked.calls) == 1


def test_without_the_setting_the_weight_unit_comes_from_the_store_config_once(client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs"), json=STORE_CONFIGS)
    for _ in range(2):
        record = fetch_record(client, "product", "TSHIRT-RED-M")
        assert record["_bridge"] == {"weight_unit": "lbs", "weight_unit_source": "store_config"}
    assert [call.request.url.count("storeConfigs") for call in mocked.calls] == [0, 1, 0]


def test_a_store_without_the_store_configs_route_leaves_the_unit_unknown(client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs"), status=404, json={"message": "Request does not match any route."})
    assert "_bridge" not in fetch_record(client, "product", "TSHIRT-RED-M")
    fetch_record(client, "product", "TSHIRT-RED-M")
    assert sum("storeConfigs" in call.request.url for call in mocked.calls) == 1  # the miss is remembered


def test_the_read_store_views_weight_unit_is_used(make_client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M", store="no_nb"), json=payload(SIMPLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs", store="no_nb"), json=STORE_CONFIGS)
    record = fetch_record(make_client(magento_store_code="no_nb"), "product", "TSHIRT-RED-M")
    assert record["_bridge"] == {"weight_unit": "kgs", "weight_unit_source": "store_config"}


def test_a_store_config_magento_cannot_serve_now_is_retried_later(client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs"), status=503)
    with pytest.raises(MagentoUnavailable):
        fetch_record(client, "product", "TSHIRT-RED-M")


def test_a_notification_naming_a_store_view_brings_that_views_name(make_client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    mocked.add("GET", rest("products/TSHIRT-RED-M", store="nb_no"), json={**SIMPLE_PRODUCT, "name": "T-skjorte rød M"})
    record = fetch_record(make_client(magento_weight_unit="kgs"), "product", "TSHIRT-RED-M", store_code="nb_no")
    assert (record["_bridge"]["store_code"], record["_bridge"]["store_name"]) == ("nb_no", "T-skjorte rød M")
    assert record["name"] == SIMPLE_PRODUCT["name"]


def test_the_read_store_view_or_all_needs_no_second_call(make_client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    client = make_client(magento_weight_unit="kgs")
    record = fetch_record(client, "product", "TSHIRT-RED-M", store_code="default")
    assert (record["_bridge"]["store_code"], record["_bridge"]["store_name"]) == ("default", SIMPLE_PRODUCT["name"])
    assert "store_code" not in fetch_record(client, "product", "TSHIRT-RED-M", store_code="all")["_bridge"]
    assert len(mocked.calls) == 2


def test_a_configurable_product_carries_its_children_skus(client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT"), json=payload(CONFIGURABLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs"), status=404, json={"message": "Request does not match any route."})
    mocked.add("GET", rest("configurable-products/TSHIRT/children"),
               json=[{"id": 301, "sku": "TSHIRT-RED-M"}, {"id": 302, "sku": "TSHIRT-RED-L"}])
    record = fetch_record(client, "product", "TSHIRT")
    assert record["_bridge"] == {"children_skus": ["TSHIRT-RED-M", "TSHIRT-RED-L"]}
    assert record["sku"] == "TSHIRT"


def test_a_configurable_without_children_has_an_empty_list(client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT"), json=payload(CONFIGURABLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs"), status=404, json={"message": "Request does not match any route."})
    mocked.add("GET", rest("configurable-products/TSHIRT/children"), json=[])
    assert fetch_record(client, "product", "TSHIRT")["_bridge"] == {"children_skus": []}


def test_a_stock_item_carries_the_sku_it_was_fetched_by(client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("stockItems/bla%2Fkoe"), json=payload(STOCK_ITEM))
    record = fetch_record(client, "stock", "bla/koe")
    assert record == {**STOCK_ITEM, "_bridge": {"sku": "bla/koe"}}


def test_a_deleted_record_raises_not_found(client, mocked, rest) -> None:
    mocked.add("GET", rest("products/GONE"), status=404,
               json={"message": "The product that was requested doesn't exist. Verify the product and try again."})
    with pytest.raises(MagentoNotFound) as caught:
        fetch_record(client, "product", "GONE")
    assert not caught.value.route_missing


@pytest.mark.parametrize(("entity", "key", "problem"), [
    ("customer", "abc", "positive numeric id"), ("order", "0", "positive numeric id"), ("product", "", "empty"),
    ("product", "tab\x01", "control characters"), ("wishlist", "1", "unknown entity"),
])
def test_a_key_that_cannot_name_a_record_is_a_malformed_message(client, mocked, entity, key, problem) -> None:
    with pytest.raises(MalformedMessage, match=problem):
        fetch_record(client, entity, key)
    assert len(mocked.calls) == 0


def test_every_entity_has_a_list_endpoint_with_a_unique_sort_key() -> None:
    for entity in ENTITIES:
        endpoint = list_endpoint(entity)
        assert endpoint.sort_field == "entity_id"
    assert list_endpoint("product").path == "products" and list_endpoint("product").item_key == "id"
    assert list_endpoint("customer").path == "customers/search"
    assert list_endpoint("category").path == "categories/list"
    assert [list_endpoint(entity).path for entity in ("order", "invoice", "shipment", "creditmemo")] == [
        "orders", "invoices", "shipments", "creditmemos"]
    assert list_endpoint("order").updated_field == "updated_at"
    assert list_endpoint("stock").updated_field is None and list_endpoint("stock").record_key == "sku"
    assert ATTRIBUTE_SETS.sort_field == "attribute_set_id"


def test_an_unknown_entity_has_no_list_endpoint() -> None:
    with pytest.raises(ValueError, match="unknown entity"):
        list_endpoint("wishlist")


# Sales documents: the store's time zone, the order's rows, the products' SKUs --------------------------------

STORE_CONFIGS = [{"id": 1, "code": "default", "timezone": "America/Chicago", "weight_unit": "lbs"},
                 {"id": 3, "code": "no_nb", "timezone": "Europe/Oslo", "weight_unit": "kgs"}]
ORDER_ROWS = [
    {"item_id": 701, "sku": "PARKA-M", "product_id": 410, "product_type": "configurable", "qty_ordered": 1},
    {"item_id": 702, "sku": "PARKA-M", "product_id": 412, "product_type": "simple", "qty_ordered": 1,
     "parent_item_id": 701, "parent_item": {"item_id": 701, "sku": "PARKA-M"}},
]
PRODUCTS_BY_ID = {"items": [{"id": 410, "sku": "PARKA"}, {"id": 412, "sku": "PARKA-M"}], "total_count": 2}
SKU_SEARCH = {"searchCriteria[filter_groups][0][filters][0][field]": "entity_id",
              "searchCriteria[filter_groups][0][filters][0][value]": "410,412",
              "searchCriteria[filter_groups][0][filters][0][condition_type]": "in",
              "searchCriteria[pageSize]": "2", "searchCriteria[currentPage]": "1",
              "fields": "items[id,sku],total_count"}


def _sales_mocks(mocked, rest, path, record) -> None:
    mocked.add("GET", rest(path), json=record)
    mocked.add("GET", rest("orders/301"), json={"entity_id": 301, "store_id": 3, "items": ORDER_ROWS})
    mocked.add("GET", rest("store/storeConfigs"), json=STORE_CONFIGS)
    mocked.add("GET", rest("products"), json=PRODUCTS_BY_ID, match=[matchers.query_param_matcher(SKU_SEARCH)])


def test_an_order_carries_its_store_time_zone_and_product_skus(client, mocked, rest) -> None:
    order = {"entity_id": 301, "store_id": 3, "items": ORDER_ROWS}
    mocked.add("GET", rest("orders/301"), json=order)
    mocked.add("GET", rest("store/storeConfigs"), json=STORE_CONFIGS)
    mocked.add("GET", rest("products"), json=PRODUCTS_BY_ID, match=[matchers.query_param_matcher(SKU_SEARCH)])
    record = fetch_record(client, "order", "301")
    assert record["_bridge"] == {"timezone": "Europe/Oslo", "product_skus": {"410": "PARKA", "412": "PARKA-M"}}


@pytest.mark.parametrize(("entity", "path", "dated"), [
    ("invoice", "invoices/81", True), ("creditmemo", "creditmemo/81", True), ("shipment", "shipment/81", False)])
def test_a_sales_document_carries_its_order_rows(client, mocked, rest, entity, path, dated) -> None:
    _sales_mocks(mocked, rest, path, {"entity_id": 81, "order_id": 301, "store_id": 1, "items": []})
    bridge = fetch_record(client, entity, "81")["_bridge"]
    assert [row["item_id"] for row in bridge["order_items"]] == [701, 702]
    assert "parent_item" not in bridge["order_items"][1]  # the embedded copy of row 701 is not carried twice
    assert bridge["product_skus"] == {"410": "PARKA", "412": "PARKA-M"}
    assert bridge.get("timezone") == ("America/Chicago" if dated else None)


def test_store_configs_are_read_once_per_client(client, make_client, mocked, rest) -> None:
    for key in ("81", "82"):
        _sales_mocks(mocked, rest, f"invoices/{key}", {"entity_id": int(key), "order_id": 301, "store_id": 9,
                                                       "items": []})
    assert fetch_record(client, "invoice", "81")["_bridge"]["timezone"] == "America/Chicago"  # unknown store: first
    fetch_record(client, "invoice", "82")
    assert sum(call.request.url.endswith("/store/storeConfigs") for call in mocked.calls) == 1
    assert store_configs(make_client()) is not store_configs(client)


def test_a_store_without_the_store_configs_route_gives_no_time_zone(client, mocked, rest) -> None:
    mocked.add("GET", rest("orders/301"), json={"entity_id": 301, "store_id": 1, "items": []})
    mocked.add("GET", rest("store/storeConfigs"), status=404,
               json={"message": "Request does not match any route."})
    assert fetch_record(client, "order", "301")["_bridge"] == {"timezone": None, "product_skus": {}}


@pytest.mark.parametrize("status", [401, 403])
def test_an_integration_not_allowed_to_read_store_configs_still_syncs_in_utc(client, mocked, rest, status,
                                                                           caplog) -> None:
    """Magento answers 401 ("The consumer isn't authorized to access %resources") for an ACL the integration
    lacks: that is not a reason to dead-letter every order, nor to pause as if the token were refused."""
    mocked.add("GET", rest("orders/301"), json={"entity_id": 301, "store_id": 1, "items": []})
    mocked.add("GET", rest("store/storeConfigs"), status=status,
               json={"message": "The consumer isn't authorized to access %resources.",
                     "parameters": {"resources": "Magento_Backend::store"}})
    assert fetch_record(client, "order", "301")["_bridge"]["timezone"] is None
    assert "may not read store/storeConfigs" in caplog.text


@pytest.mark.parametrize(("status", "error"), [(500, MagentoServerError)])
def test_a_failing_store_configs_call_fails_the_fetch_as_classified(client, mocked, rest, status, error) -> None:
    mocked.add("GET", rest("orders/301"), json={"entity_id": 301, "store_id": 1, "items": []})
    mocked.add("GET", rest("store/storeConfigs"), status=status, json={"message": "No."})
    with pytest.raises(error):
        fetch_record(client, "order", "301")
    mocked.replace("GET", rest("store/storeConfigs"), json=STORE_CONFIGS)  # a failure is not cached
    assert fetch_record(client, "order", "301")["_bridge"]["timezone"] == "America/Chicago"


def test_an_invoice_whose_order_is_gone_is_not_read_as_a_deleted_invoice(client, mocked, rest) -> None:
    mocked.add("GET", rest("invoices/81"), json={"entity_id": 81, "order_id": 301, "items": []})
    mocked.add("GET", rest("orders/301"), status=404, json={"message": "The entity that was requested doesn't exist."})
    with pytest.raises(MagentoRelatedMissing, match="invoice 81's order 301 is not in Magento") as caught:
        fetch_record(client, "invoice", "81")
    assert not isinstance(caught.value, MagentoNotFound) and not caught.value.retryable


def test_a_forbidden_store_config_leaves_the_unit_unknown_unless_it_is_set(make_client, mocked, rest, payload) -> None:
    mocked.add("GET", rest("products/TSHIRT-RED-M"), json=payload(SIMPLE_PRODUCT))
    mocked.add("GET", rest("store/storeConfigs"), status=403,
               json={"message": "The consumer isn't authorized to access %resources."})
    assert fetch_record(make_client(), "product", "TSHIRT-RED-M").get("_bridge", {}).get("weight_unit") is None
    record = fetch_record(make_client(magento_weight_unit="lbs"), "product", "TSHIRT-RED-M")
    assert record["_bridge"] == {"weight_unit": "lbs", "weight_unit_source": "setting"}
