"""Salable quantity, reservations (placing, shipping, canceling) and the source deduction on shipment."""

from __future__ import annotations

import json

SALABLE = "/V1/inventory/get-product-salable-quantity"
ORDER = {"customer_id": 3, "billing_from": 4, "shipping_from": 4, "currency": "USD", "payment": "checkmo",
         "shipping": {"method": "flatrate_flatrate", "description": "Flat Rate - Fixed", "amount": 5},
         "lines": [{"sku": "NW-STOVE", "qty": 3, "price": 59.9, "tax_percent": 8.5},
                   {"sku": "NW-PARKA", "child": "NW-PARKA-M-Navy", "qty": 2, "price": 189, "tax_percent": 8.5}]}


def salable(api, sku: str, stock: int = 1):
    response = api.get(f"{SALABLE}/{sku}/{stock}")
    assert response.status_code == 200, response.json
    return response.json


def place(client) -> dict:
    response = client.post("/__sandbox/orders", json=ORDER)
    assert response.status_code == 200, response.json
    return response.json


def source_qty(api, sku: str, source: str = "default"):
    query = ("?searchCriteria[filterGroups][0][filters][0][field]=sku"
             f"&searchCriteria[filterGroups][0][filters][0][value]={sku}")
    items = api.get("/V1/inventory/source-items" + query).json["items"]
    return {item["source_code"]: (item["quantity"], item["status"]) for item in items}[source]


def test_seeded_open_orders_hold_reservations(api):
    """NW-STOVE: 40 on hand, the open orders 000000103 (1) and 000000104 (2) not shipped yet."""
    assert api.get("/V1/stockItems/NW-STOVE").json["qty"] == 40
    response = api.get(f"{SALABLE}/NW-STOVE/1")
    assert response.get_data(as_text=True) == "37"


def test_placing_reserves_without_touching_the_source(api, client):
    order = place(client)
    assert order["increment_id"] == "000000105" and order["state"] == "new"
    assert salable(api, "NW-STOVE") == 34 and salable(api, "NW-PARKA-M-Navy") == 18
    assert source_qty(api, "NW-STOVE") == (40, 1) and api.get("/V1/stockItems/NW-STOVE").json["qty"] == 40
    reservations = client.get("/__sandbox/inventory").json["reservations"][-2:]
    assert [(r["sku"], r["quantity"], r["stock_id"]) for r in reservations] == [("NW-STOVE", -3, 1),
                                                                                ("NW-PARKA-M-Navy", -2, 1)]
    assert json.loads(reservations[0]["metadata"]) == {"event_type": "order_placed", "object_type": "order",
                                                       "object_id": str(order["entity_id"]),
                                                       "object_increment_id": "000000105"}


def test_shipment_deducts_the_source_and_compensates(api, client):
    order = place(client)
    stove = next(item for item in order["items"] if item["sku"] == "NW-STOVE")
    response = api.post(f"/V1/order/{order['entity_id']}/ship", {"items": [{"order_item_id": stove["item_id"],
                                                                            "qty": 2}]})
    assert response.status_code == 200
    assert source_qty(api, "NW-STOVE") == (38, 1) and api.get("/V1/stockItems/NW-STOVE").json["qty"] == 38
    assert salable(api, "NW-STOVE") == 34  # 38 on hand - 1 - 2 - 1 still reserved
    last = client.get("/__sandbox/inventory").json["reservations"][-1]
    assert last["quantity"] == 2 and json.loads(last["metadata"])["event_type"] == "shipment_created"


def test_configurable_shipment_deducts_the_child(api, client):
    order = place(client)
    parent = next(item for item in order["items"] if item["product_type"] == "configurable")
    api.post(f"/V1/order/{order['entity_id']}/ship", {"items": [{"order_item_id": parent["item_id"], "qty": 2}]})
    assert api.get("/V1/stockItems/NW-PARKA-M-Navy").json["qty"] == 19
    assert salable(api, "NW-PARKA-M-Navy") == 18


def test_shipment_from_another_source(api, client):
    api.post("/V1/inventory/source-items", {"sourceItems": [
        {"sku": "NW-STOVE", "source_code": "berlin", "quantity": 5, "status": 1}]})
    order = place(client)
    body = {"items": [{"order_item_id": order["items"][0]["item_id"], "qty": 3}],
            "arguments": {"extension_attributes": {"source_code": "berlin"}}}
    assert api.post(f"/V1/order/{order['entity_id']}/ship", body).status_code == 200
    assert source_qty(api, "NW-STOVE", "berlin") == (2, 1) and source_qty(api, "NW-STOVE") == (40, 1)


def test_shipping_the_last_unit_puts_the_source_out_of_stock(api, client):
    api.post("/V1/inventory/source-items", {"sourceItems": [
        {"sku": "NW-STOVE", "source_code": "default", "quantity": 3, "status": 1}]})
    order = place(client)
    api.post(f"/V1/order/{order['entity_id']}/ship", {"items": [{"order_item_id": order["items"][0]["item_id"],
                                                                 "qty": 3}]})
    assert source_qty(api, "NW-STOVE") == (0, 0)
    assert api.get("/V1/stockItems/NW-STOVE").json["is_in_stock"] is False
    assert salable(api, "NW-STOVE") == 0


def test_cancel_gives_the_reservation_back(api, client):
    order = place(client)
    assert api.post(f"/V1/orders/{order['entity_id']}/cancel").json is True
    assert salable(api, "NW-STOVE") == 37 and salable(api, "NW-PARKA-M-Navy") == 20
    events = [json.loads(r["metadata"])["event_type"] for r in client.get("/__sandbox/inventory").json["reservations"]]
    assert events[-2:] == ["order_canceled", "order_canceled"]


def test_shipment_notifies_a_stock_change(sandbox, api, client):
    order = place(client)
    seen = []
    sandbox.feed.emit = lambda changes, **kw: seen.extend(changes) or len(changes)
    api.post(f"/V1/order/{order['entity_id']}/ship", {"items": [{"order_item_id": order["items"][0]["item_id"],
                                                                 "qty": 1}]})
    assert ("stock", "NW-STOVE") in [(change.entity, change.key) for change in seen]


def test_other_stock_sums_its_in_stock_sources(api):
    api.post("/V1/inventory/source-items", {"sourceItems": [
        {"sku": "NW-STOVE", "source_code": "berlin", "quantity": 5, "status": 1},
        {"sku": "NW-MUG-350", "source_code": "berlin", "quantity": 9, "status": 0}]})
    assert salable(api, "NW-STOVE", 2) == 45  # the Europe stock: default 40 + berlin 5, no reservations there
    assert salable(api, "NW-MUG-350", 2) == api.get("/V1/stockItems/NW-MUG-350").json["qty"]


def test_salable_quantity_errors(api):
    missing = api.get(f"{SALABLE}/NO-SUCH-SKU/1")
    assert missing.status_code == 404
    assert missing.json == {
        "message": "The product that was requested doesn't exist. Verify the product and try again."}
    configurable = api.get(f"{SALABLE}/NW-PARKA/1")
    assert configurable.status_code == 400
    assert configurable.json == {"message": "Can't check requested quantity for products without Source Items support."}
    assert salable(api, "NW-STOVE", 99) == 0


def test_salable_route_needs_the_sales_stock_resource(client):
    response = client.get(f"/rest/V1{SALABLE[3:]}/NW-STOVE/1")
    assert response.status_code == 401
    assert response.json["parameters"] == {"resources": "Magento_InventorySalesApi::stock"}


def test_an_order_saved_through_rest_reserves_once_placed(api, client):
    order_id = api.post("/V1/orders", {"entity": {"customer_email": "a@example.com"}}).json["entity_id"]
    assert client.post(f"/__sandbox/orders/{order_id}/place").json == {"reservations": []}
    assert client.post("/__sandbox/orders/999/place").status_code == 404


def test_bad_order_spec_is_400(client):
    assert client.post("/__sandbox/orders", json={"lines": []}).status_code == 400


def test_a_credit_memo_before_shipping_gives_the_reservation_back(api, client):
    order = place(client)
    stove = next(item for item in order["items"] if item["sku"] == "NW-STOVE")
    assert api.post(f"/V1/order/{order['entity_id']}/invoice", {}).status_code == 200
    response = api.post(f"/V1/order/{order['entity_id']}/refund", {"items": [{"order_item_id": stove["item_id"],
                                                                              "qty": 1}]})
    assert response.status_code == 200, response.json
    assert salable(api, "NW-STOVE") == 35  # 37 - 3 placed + 1 refunded before shipping
    last = client.get("/__sandbox/inventory").json["reservations"][-1]
    assert last["quantity"] == 1 and json.loads(last["metadata"])["event_type"] == "creditmemo_created"
