"""``POST /V1/orders/{id}/cancel``: what is left is canceled, the order's canceled totals are set."""

from __future__ import annotations


def test_cancel_of_a_new_order_cancels_every_row(api):
    assert api.post("/V1/orders/2/cancel").json is True
    order = api.get("/V1/orders/2").json
    assert (order["state"], order["status"]) == ("canceled", "canceled")
    assert all(item["qty_canceled"] == item["qty_ordered"] for item in order["items"])
    assert order["total_canceled"] == order["grand_total"] and order["base_total_canceled"] == order["base_grand_total"]
    assert api.post("/V1/order/2/invoice", {}).status_code == 400


def test_cancel_after_a_partial_invoice_keeps_what_was_invoiced(api):
    order = api.get("/V1/orders/5").json
    stove = next(item for item in order["items"] if item["sku"] == "NW-STOVE")
    parka = order["items"][0]
    invoiced = api.post("/V1/order/5/invoice", {"items": [{"order_item_id": stove["item_id"], "qty": 1},
                                                          {"order_item_id": parka["item_id"], "qty": 1}]})
    assert invoiced.status_code == 200
    assert api.post("/V1/orders/5/cancel").json is True
    order = api.get("/V1/orders/5").json
    stove = next(item for item in order["items"] if item["sku"] == "NW-STOVE")
    assert (stove["qty_invoiced"], stove["qty_canceled"]) == (1, 1) and order["state"] == "processing"
    assert order["total_canceled"] == round(order["grand_total"] - order["total_paid"], 2) > 0
    assert order["subtotal_canceled"] == round(order["subtotal"] - order["subtotal_invoiced"], 2)


def test_an_order_that_cannot_be_canceled_answers_false(api):
    assert api.post("/V1/orders/3/cancel").json is False  # invoiced and shipped
    assert api.post("/V1/orders/1/cancel").json is False  # canceled already
    assert api.get("/V1/orders/3").json["state"] == "complete"


def test_cancel_of_an_unknown_order_is_404(api):
    answer = api.post("/V1/orders/999/cancel")
    assert answer.status_code == 404
    assert answer.json["message"] == "The entity that was requested doesn't exist. Verify the entity and try again."
