"""Every endpoint: method, path, store, request body and the parsed answer, against mocked HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
import responses

from core.errors import MagentoBadResponse, MagentoUnavailable
from magento.responses import SearchResult
from magento.search_criteria import SearchCriteria
from tests.magento.payloads import SIMPLE_PRODUCT, STOCK_ITEM, search_envelope

GET, POST, PUT = "GET", "POST", "PUT"
ORDER = {"entity_id": 12, "increment_id": "000000012", "state": "processing", "status": "processing"}
CUSTOMER = {"id": 7, "email": "ann@example.test", "firstname": "Ann", "lastname": "Lee", "addresses": []}
CATEGORY = {"id": 15, "parent_id": 2, "name": "Tees", "is_active": True, "level": 2}

# (call, method, store, path, request body or None, answer, parsed result)
CASES: list[tuple[Callable[[Any], Any], str, str, str, Any, Any, Any]] = [
    (lambda c: c.get_product("TSHIRT-RED-M"), GET, "default", "products/TSHIRT-RED-M", None, SIMPLE_PRODUCT,
     SIMPLE_PRODUCT),
    (lambda c: c.create_product({"sku": "NEW-1", "name": "New"}), POST, "all", "products",
     {"product": {"sku": "NEW-1", "name": "New"}}, {"id": 900, "sku": "NEW-1"}, {"id": 900, "sku": "NEW-1"}),
    (lambda c: c.update_product("24-MB 01", {"price": 9.5}), PUT, "all", "products/24-MB%2001",
     {"product": {"price": 9.5, "sku": "24-MB 01"}}, {"id": 1, "sku": "24-MB 01"}, {"id": 1, "sku": "24-MB 01"}),
    (lambda c: c.configurable_children("TSHIRT"), GET, "default", "configurable-products/TSHIRT/children", None,
     [{"sku": "TSHIRT-RED-M"}, {"sku": "TSHIRT-RED-L"}], [{"sku": "TSHIRT-RED-M"}, {"sku": "TSHIRT-RED-L"}]),
    (lambda c: c.store_configs(), GET, "default", "store/storeConfigs", None,
     [{"id": 1, "code": "default", "timezone": "Europe/Berlin"}],
     [{"id": 1, "code": "default", "timezone": "Europe/Berlin"}]),
    (lambda c: c.get_customer(7), GET, "default", "customers/7", None, CUSTOMER, CUSTOMER),
    (lambda c: c.create_customer({"email": "ann@example.test"}, password="S3cret-pass"), POST, "all", "customers",
     {"customer": {"email": "ann@example.test"}, "password": "S3cret-pass"}, CUSTOMER, CUSTOMER),
    (lambda c: c.create_customer({"email": "ann@example.test"}), POST, "all", "customers",
     {"customer": {"email": "ann@example.test"}}, CUSTOMER, CUSTOMER),
    (lambda c: c.update_customer(7, {"email": "ann@example.test"}), PUT, "all", "customers/7",
     {"customer": {"email": "ann@example.test", "id": 7}}, CUSTOMER, CUSTOMER),
    (lambda c: c.category_tree(), GET, "default", "categories", None, {"id": 1, "children_data": []},
     {"id": 1, "children_data": []}),
    (lambda c: c.get_category(15), GET, "default", "categories/15", None, CATEGORY, CATEGORY),
    (lambda c: c.create_category({"name": "Tees", "parent_id": 2}), POST, "all", "categories",
     {"category": {"name": "Tees", "parent_id": 2}}, CATEGORY, CATEGORY),
    (lambda c: c.update_category(15, {"name": "T-shirts"}), PUT, "all", "categories/15",
     {"category": {"name": "T-shirts", "id": 15}}, CATEGORY, CATEGORY),
    (lambda c: c.get_order(12), GET, "default", "orders/12", None, ORDER, ORDER),
    (lambda c: c.save_order({"entity_id": 12, "state": "canceled", "status": "canceled"}), POST, "all", "orders",
     {"entity": {"entity_id": 12, "state": "canceled", "status": "canceled"}}, ORDER, ORDER),
    (lambda c: c.add_order_comment(12, {"comment": "Shipped by the ERP", "is_customer_notified": 0}), POST, "all",
     "orders/12/comments", {"statusHistory": {"comment": "Shipped by the ERP", "is_customer_notified": 0}}, True, True),
    (lambda c: c.get_invoice(4), GET, "default", "invoices/4", None, {"entity_id": 4}, {"entity_id": 4}),
    (lambda c: c.create_invoice(16, {"capture": True, "notify": True}), POST, "all", "order/16/invoice",
     {"capture": True, "notify": True}, "4", 4),
    (lambda c: c.create_invoice(16), POST, "all", "order/16/invoice", {}, 4, 4),
    (lambda c: c.get_shipment(3), GET, "default", "shipment/3", None, {"entity_id": 3}, {"entity_id": 3}),
    (lambda c: c.create_shipment(12, {"items": [{"order_item_id": 30, "qty": 1}]}), POST, "all", "order/12/ship",
     {"items": [{"order_item_id": 30, "qty": 1}]}, "3", 3),
    (lambda c: c.add_shipment_track({"order_id": 12, "parent_id": 3, "track_number": "TRK1", "carrier_code": "ups"}),
     POST, "all", "shipment/track",
     {"entity": {"order_id": 12, "parent_id": 3, "track_number": "TRK1", "carrier_code": "ups"}},
     {"entity_id": 5, "track_number": "TRK1"}, {"entity_id": 5, "track_number": "TRK1"}),
    (lambda c: c.get_creditmemo(2), GET, "default", "creditmemo/2", None, {"entity_id": 2}, {"entity_id": 2}),
    (lambda c: c.refund_order(5, {"items": [{"order_item_id": 3, "qty": 1}], "notify": True}), POST, "all",
     "order/5/refund", {"items": [{"order_item_id": 3, "qty": 1}], "notify": True}, "2", 2),
    (lambda c: c.get_stock_item("bla/koe"), GET, "default", "stockItems/bla%2Fkoe", None, STOCK_ITEM, STOCK_ITEM),
    (lambda c: c.update_stock_item("TSHIRT-RED-M", 301, {"qty": 20, "is_in_stock": True}), PUT, "all",
     "products/TSHIRT-RED-M/stockItems/301", {"stockItem": {"qty": 20, "is_in_stock": True}}, "301", 301),
]


@pytest.mark.parametrize(("call", "method", "store", "path", "sent", "answer", "result"), CASES)
def test_each_endpoint_calls_the_documented_route(client, mocked, rest, call, method, store, path, sent, answer,
                                                  result) -> None:
    mocked.add(method, rest(path, store=store), json=answer)
    assert call(client) == result
    request = mocked.calls[0].request
    assert request.method == method
    assert request.url == rest(path, store=store)
    if sent is None:
        assert request.body is None
    else:
        assert json.loads(request.body) == sent
        assert request.headers["Content-Type"] == "application/json"


LISTS = [
    (lambda c, sc: c.list_products(sc), "products"),
    (lambda c, sc: c.list_attribute_sets(sc), "products/attribute-sets/sets/list"),
    (lambda c, sc: c.search_customers(sc), "customers/search"),
    (lambda c, sc: c.list_categories(sc), "categories/list"),
    (lambda c, sc: c.list_orders(sc), "orders"),
    (lambda c, sc: c.list_invoices(sc), "invoices"),
    (lambda c, sc: c.list_shipments(sc), "shipments"),
    (lambda c, sc: c.list_creditmemos(sc), "creditmemos"),
]


@pytest.mark.parametrize(("call", "path"), LISTS)
def test_each_list_sends_the_search_criteria_and_parses_the_envelope(client, mocked, rest, call, path) -> None:
    criteria = SearchCriteria().where("updated_at", "2024-03-01 00:00:00", "gteq").order_by("entity_id").page(2, 1)
    mocked.add(GET, rest(path), json=search_envelope([{"entity_id": 1}, {"entity_id": 2}], 9, criteria.echo()))
    result = call(client, criteria)
    assert result == SearchResult(items=[{"entity_id": 1}, {"entity_id": 2}], total_count=9,
                                  search_criteria=criteria.echo())
    sent = mocked.calls[0].request
    assert sent.url.startswith(rest(path) + "?")
    assert responses.matchers.query_param_matcher(dict(criteria.to_params()))(sent)[0]


def test_a_list_without_criteria_still_sends_the_required_parameter(client, mocked, rest) -> None:
    mocked.add(GET, rest("orders"), json=search_envelope([]))
    assert client.list_orders() == SearchResult(items=[], total_count=0, search_criteria={"filter_groups": []})
    assert mocked.calls[0].request.url == rest("orders") + "?searchCriteria="


def test_the_category_tree_takes_a_root_and_a_depth(client, mocked, rest) -> None:
    mocked.add(GET, rest("categories"), json={"id": 2, "children_data": []})
    client.category_tree(root_id=2, depth=3)
    assert mocked.calls[0].request.url == rest("categories") + "?rootCategoryId=2&depth=3"


def test_update_keeps_an_id_or_sku_already_in_the_body(client, mocked, rest) -> None:
    mocked.add(PUT, rest("customers/7", store="all"), json=CUSTOMER)
    mocked.add(PUT, rest("products/A", store="all"), json={"sku": "B"})
    client.update_customer(7, {"id": 7, "email": "x@example.test"})
    client.update_product("A", {"sku": "B"})
    assert json.loads(mocked.calls[0].request.body)["customer"]["id"] == 7
    assert json.loads(mocked.calls[1].request.body)["product"]["sku"] == "B"


@pytest.mark.parametrize("answer", [{"entity_id": 4}, "", "abc", None, 0])
def test_a_write_that_answers_no_id_is_a_bad_response(client, mocked, rest, answer) -> None:
    mocked.add(POST, rest("order/16/invoice", store="all"), json=answer)
    with pytest.raises(MagentoBadResponse):
        client.create_invoice(16)


def test_saving_an_order_without_its_id_is_not_resent_after_a_timeout(client, mocked, rest, sleeps) -> None:
    mocked.add(POST, rest("orders", store="all"), body=requests.exceptions.ReadTimeout())
    with pytest.raises(MagentoUnavailable):
        client.save_order({"state": "new"})
    assert len(mocked.calls) == 1
    with pytest.raises(MagentoUnavailable):
        client.save_order({"entity_id": 12, "state": "canceled"})
    assert len(mocked.calls) == 5 and sleeps == [1, 2, 4]


def test_product_skus_asks_by_id_in_chunks_and_keeps_what_magento_has(client, mocked, rest) -> None:
    answers = iter([{"items": [{"id": 1, "sku": "A"}, {"id": 2, "sku": "B"}], "total_count": 2},
                    {"items": [{"id": 5, "sku": "E"}], "total_count": 1}])  # product 7 is gone
    mocked.add_callback(GET, rest("products"), callback=lambda request: (200, {}, json.dumps(next(answers))))
    assert client.product_skus([5, 2, 1, 7, 2], chunk=2) == {"1": "A", "2": "B", "5": "E"}
    values = [call.request.params["searchCriteria[filter_groups][0][filters][0][value]"] for call in mocked.calls]
    assert values == ["1,2", "5,7"]
    assert client.product_skus([]) == {} and len(mocked.calls) == 2
