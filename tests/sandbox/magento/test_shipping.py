"""Shipments and tracks: string ids, shipped quantities, Magento's document validation errors."""

from __future__ import annotations

SHIPMENT_ERRORS = "Shipment Document Validation Error(s):\n"


def test_ship_answers_a_string_id_and_ships_parent_and_child(api, clock):
    clock.advance(45)
    response = api.post("/V1/order/2/ship", {
        "items": [{"order_item_id": "4", "qty": 1.0}],
        "tracks": [{"track_number": "1Z999", "title": "UPS", "carrier_code": "ups"}]})
    assert response.status_code == 200 and response.get_data(as_text=True) == '"2"'
    order = api.get("/V1/orders/2").json
    assert [item["qty_shipped"] for item in order["items"]] == [1, 1, 0]
    assert order["state"] == "processing" and order["updated_at"] == "2024-06-01 12:00:45"
    shipment = api.get("/V1/shipment/2").json
    assert [row["order_item_id"] for row in shipment["items"]] == [4, 5] and shipment["total_qty"] == 1
    assert shipment["tracks"][0] == {"order_id": 2, "created_at": "2024-06-01 12:00:45", "entity_id": 2, "parent_id": 2,
                                     "updated_at": "2024-06-01 12:00:45", "weight": None, "qty": None,
                                     "description": None, "track_number": "1Z999", "title": "UPS",
                                     "carrier_code": "ups"}


def test_shipping_twice_is_a_400_with_magentos_messages(api):
    assert api.post("/V1/order/2/ship", {}).status_code == 200
    again = api.post("/V1/order/2/ship", {})
    assert again.status_code == 400
    assert again.json == {"message": SHIPMENT_ERRORS + "The order does not allow a shipment to be created.\n"
                                                       "You can't create a shipment without products."}


def test_shipping_a_canceled_order(api):
    response = api.post("/V1/order/1/ship", {})
    assert response.json["message"].startswith(SHIPMENT_ERRORS + "A shipment cannot be created when an order has a "
                                                                  "status of canceled\n")


def test_shipping_more_than_remains_names_the_item(api):
    response = api.post("/V1/order/2/ship", {"items": [{"order_item_id": 6, "qty": 5}]})
    assert response.status_code == 400
    assert response.json["message"] == (SHIPMENT_ERRORS + "We found an invalid quantity to ship for item "
                                                          "\"Summit Steel Bottle 750 ml\".\nYou can't create a "
                                                          "shipment without products.")


def test_invoice_and_ship_completes_the_order(api):
    api.post("/V1/order/2/invoice", {})
    api.post("/V1/order/2/ship", {})
    order = api.get("/V1/orders/2").json
    assert (order["state"], order["status"]) == ("complete", "complete")


def test_add_track_to_a_shipment(api):
    response = api.post("/V1/shipment/track", {"entity": {"order_id": "3", "parent_id": "1", "weight": 0, "qty": 1,
                                                          "description": "PICK/0082", "track_number": "XYZ",
                                                          "title": "Your shipment", "carrier_code": "tablerate"}})
    assert response.status_code == 200
    track = response.json
    assert (track["order_id"], track["parent_id"], track["qty"], track["track_number"]) == (3, 1, 1, "XYZ")
    assert [t["track_number"] for t in api.get("/V1/shipment/1").json["tracks"]] == ["3SNWXG000123456", "XYZ"]


def test_track_for_an_unknown_shipment_is_refused(api):
    response = api.post("/V1/shipment/track", {"entity": {"parent_id": 77, "track_number": "X"}})
    assert response.status_code == 400 and response.json == {"message": "Could not save the shipment tracking."}
