"""Routing: store codes, route precedence, 401 per ACL resource, 404 for unknown routes, encoded SKUs."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from sandbox.magento.routes import ROUTES, find_route, split_store
from tests.sandbox.magento.conftest import Api

ENCODED_SKUS = ["bla/koe", "24-MB 01", "a%b", "x?y#z", "Ünïcode/ß"]


@pytest.mark.parametrize(("path", "resource"), [
    ("/V1/products", "Magento_Catalog::products"),
    ("/V1/products/NW-STOVE", "Magento_Catalog::products"),
    ("/V1/products/attribute-sets/sets/list", "Magento_Catalog::sets"),
    ("/V1/configurable-products/NW-PARKA/children", "Magento_Catalog::products"),
    ("/V1/categories", "Magento_Catalog::categories"),
    ("/V1/customers/search", "Magento_Customer::customer"),
    ("/V1/customers/1", "Magento_Customer::customer"),
    ("/V1/orders/1", "Magento_Sales::actions_view"),
    ("/V1/invoices/1", "Magento_Sales::sales_invoice"),
    ("/V1/shipment/1", "Magento_Sales::shipment"),
    ("/V1/creditmemo/1", "Magento_Sales::sales_creditmemo"),
    ("/V1/stockItems/NW-STOVE", "Magento_CatalogInventory::cataloginventory"),
])
def test_reads_without_a_valid_token_are_401_naming_the_resource(client, path, resource):
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic YWRtaW46YWRtaW4="}):
        response = client.get(f"/rest/V1{path[3:]}", headers=headers)
        assert response.status_code == 401
        assert response.json == {"message": "The consumer isn't authorized to access %resources.",
                                 "parameters": {"resources": resource}}


@pytest.mark.parametrize(("method", "path", "resource"), [
    ("POST", "/V1/order/2/invoice", "Magento_Sales::sales_invoice"),
    ("POST", "/V1/order/2/ship", "Magento_Sales::ship"),
    ("POST", "/V1/order/4/refund", "Magento_Sales::sales_creditmemo"),
    ("POST", "/V1/orders/2/comments", "Magento_Sales::comment"),
    ("POST", "/V1/orders", "Magento_Sales::create"),
    ("PUT", "/V1/orders/2", "Magento_Sales::actions_edit"),
    ("PUT", "/V1/customers/1", "Magento_Customer::manage"),
    ("PUT", "/V1/products/NW-STOVE/stockItems/22", "Magento_CatalogInventory::cataloginventory"),
    ("POST", "/V1/shipment/track", "Magento_Sales::ship"),
])
def test_writes_without_a_token_are_401_and_change_nothing(client, sandbox, method, path, resource):
    before = sandbox.store.orders[2]["updated_at"]
    response = client.open(f"/rest/V1{path[3:]}", method=method, json={})
    assert response.status_code == 401 and response.json["parameters"] == {"resources": resource}
    assert sandbox.store.orders[2]["updated_at"] == before


def test_customer_account_creation_is_anonymous(client):
    response = client.post("/rest/V1/customers", json={"customer": {
        "email": "anon@example.com", "firstname": "Ann", "lastname": "On"}, "password": "Secret-123"})
    assert response.status_code == 200 and response.json["email"] == "anon@example.com"


@pytest.mark.parametrize("prefix", ["/rest/V1", "/rest/all/V1", "/rest/default/V1"])
def test_every_store_prefix_serves_the_api(client, prefix):
    response = client.get(f"{prefix}/products/NW-STOVE", headers={"Authorization": "Bearer sandbox-test-token-5f1c"})
    assert response.status_code == 200 and response.json["sku"] == "NW-STOVE"


@pytest.mark.parametrize("path", ["/rest/V1/nothing", "/rest/V2/products", "/rest/nostore/V1/products/NW-STOVE",
                                  "/rest/V1/products/NW-STOVE/extra", "/rest", "/rest/default"])
def test_unknown_routes_are_404_request_does_not_match_any_route(api, client, path):
    response = client.get(path, headers=api.headers)
    assert response.status_code == 404
    assert response.json == {"message": "Request does not match any route."}


def test_a_method_without_a_route_is_404(api):
    response = api.client.delete("/rest/V1/products/NW-STOVE", headers=api.headers)
    assert response.status_code == 404 and response.json["message"] == "Request does not match any route."


def test_a_literal_segment_wins_over_a_parameter():
    route, params = find_route("GET", ["V1", "customers", "search"])
    assert route.path == "/V1/customers/search" and params == {}
    route, params = find_route("GET", ["V1", "customers", "7"])
    assert route.path == "/V1/customers/:id" and params == {"id": "7"}


def test_split_store_keeps_an_unknown_code_in_the_path():
    assert split_store(["rest", "V1", "orders"], ("default",)) == ("default", ["V1", "orders"])
    assert split_store(["rest", "all", "V1", "orders"], ("default",)) == ("all", ["V1", "orders"])
    assert split_store(["rest", "fr", "V1", "orders"], ("default",)) == ("default", ["fr", "V1", "orders"])
    assert split_store(["rest", "fr", "V1", "orders"], ("default", "fr")) == ("fr", ["V1", "orders"])
    assert split_store(["api", "V1"], ("default",)) is None


def test_every_route_names_a_known_module_and_a_resource():
    assert len({(route.method, route.path) for route in ROUTES}) == len(ROUTES)
    assert all(route.resource == "anonymous" or "::" in route.resource for route in ROUTES)


@pytest.mark.parametrize("sku", ENCODED_SKUS)
def test_encoded_skus_are_one_path_segment_everywhere(api: Api, sku):
    segment = quote(sku, safe="")
    created = api.post("/V1/products", {"product": {"sku": sku, "name": f"Odd {sku}", "price": 3,
                                                    "extension_attributes": {"stock_item": {"qty": 4}}}})
    assert created.status_code == 200 and created.json["sku"] == sku
    assert api.get(f"/V1/products/{segment}").json["sku"] == sku
    updated = api.put(f"/V1/products/{segment}", {"product": {"price": 5}})
    assert updated.json["sku"] == sku and updated.json["price"] == 5
    item_id = created.json["extension_attributes"]["stock_item"]["item_id"]
    assert api.put(f"/V1/products/{segment}/stockItems/{item_id}", {"stockItem": {"qty": 9}}).json == str(item_id)
    assert api.get(f"/V1/stockItems/{segment}").json["qty"] == 9


def test_the_seeded_sku_with_a_slash(api):
    assert api.get("/V1/products/BAG%2FTOTE-01").json["name"] == "Canvas Tote / Natural"
    assert api.get("/V1/products/BAG/TOTE-01").status_code == 404  # unencoded: three segments, no route
