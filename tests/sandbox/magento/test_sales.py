"""Orders over REST: the real shapes, the partial save, comments, the address PUT, document reads."""

from __future__ import annotations


def test_configurable_parent_and_child_rows(api):
    order = api.get("/V1/orders/5").json
    parent, child, stove = order["items"]
    assert (parent["product_type"], parent["sku"], parent["price"]) == ("configurable", "NW-PARKA-M-Navy", 189)
    assert child["parent_item_id"] == parent["item_id"] and child["product_type"] == "simple"
    assert child["parent_item"]["item_id"] == parent["item_id"] and "parent_item" not in parent
    assert child["row_total"] == 0 and "parent_item_id" not in stove and stove["sku"] == "NW-STOVE"
    options = parent["product_option"]["extension_attributes"]["configurable_item_options"]
    assert options == [{"option_id": "93", "option_value": 5102}, {"option_id": "144", "option_value": 5202}]


def test_shipping_assignment_address_payment_and_totals(api):
    order = api.get("/V1/orders/5").json
    assignment = order["extension_attributes"]["shipping_assignments"][0]
    assert assignment["shipping"]["address"]["address_type"] == "shipping"
    assert assignment["shipping"]["address"]["region_code"] == "CA"
    assert assignment["items"] == order["items"]
    assert order["payment"]["method"] == "checkmo"
    top = [item for item in order["items"] if "parent_item_id" not in item]
    assert round(sum(item["row_total"] for item in top), 2) == order["subtotal"]
    assert round(order["subtotal"] + order["tax_amount"] + order["discount_amount"] + order["shipping_amount"], 2) \
        == order["grand_total"]
    assert order["discount_amount"] < 0 and order["state"] == "new" and order["status"] == "pending"


def test_guest_order(api):
    order = api.get("/V1/orders/3").json
    assert order["customer_is_guest"] == 1 and order.get("customer_id") is None
    assert order["customer_group_id"] == 0 and order["billing_address"]["email"] == "joost.guest@example.net"


def test_edited_order_points_to_the_canceled_original(api):
    edited, original = api.get("/V1/orders/2").json, api.get("/V1/orders/1").json
    assert edited["increment_id"] == "000000101-1" and edited["relation_parent_id"] == "1"
    assert edited["relation_parent_real_id"] == original["increment_id"] == "000000101"
    assert original["state"] == "canceled" and all(i["qty_canceled"] == i["qty_ordered"] for i in original["items"])


def test_status_histories_newest_first(api):
    histories = api.get("/V1/orders/4").json["status_histories"]
    assert [h["created_at"] for h in histories] == sorted((h["created_at"] for h in histories), reverse=True)
    assert histories[-1]["comment"] == "Purchase order PO-2024-118 received."


def test_order_404_wording(api):
    for path in ("/V1/orders/99", "/V1/invoices/99", "/V1/shipment/99", "/V1/creditmemo/99"):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json == {
            "message": "The entity that was requested doesn't exist. Verify the entity and try again."}


def test_order_save_answers_the_partial_order(api, clock):
    clock.advance(3600)
    response = api.post("/V1/orders", {"entity": {"entity_id": "5", "state": "holded", "status": "holded"}})
    body = response.json
    assert list(body)[:12] == ["base_grand_total", "base_total_due", "billing_address_id", "created_at",
                               "customer_email", "entity_id", "grand_total", "protect_code", "state", "status",
                               "total_due", "updated_at"]
    assert (body["grand_total"], body["customer_email"], body["state"]) == (None, None, "holded")
    assert list(body)[12:] == ["items", "billing_address", "payment", "status_histories"]
    stored = api.get("/V1/orders/5").json
    assert stored["status"] == "holded" and stored["updated_at"] == "2024-06-01 13:00:00"
    assert stored["grand_total"] > 0  # only the given fields are saved


def test_order_save_of_an_unknown_order_is_404(api):
    assert api.post("/V1/orders", {"entity": {"entity_id": 77, "status": "x"}}).status_code == 404


def test_comment_answers_true_and_cannot_change_the_status(api, clock):
    clock.advance(10)
    response = api.post("/V1/orders/5/comments", {"statusHistory": {
        "comment": "Picked in the warehouse", "isCustomerNotified": 0, "isVisibleOnFront": 1, "status": "complete"}})
    assert response.status_code == 200 and response.get_data(as_text=True) == "true"
    order = api.get("/V1/orders/5").json
    assert order["status_histories"][0]["comment"] == "Picked in the warehouse"
    assert order["status_histories"][0]["status"] == "pending" and order["status"] == "pending"
    assert order["status_histories"][0]["is_visible_on_front"] == 1
    assert order["updated_at"] == "2024-06-01 12:00:10"


def test_put_orders_id_saves_an_address_not_the_order(api):
    address_id = api.get("/V1/orders/5").json["billing_address"]["entity_id"]
    response = api.put("/V1/orders/5", {"entity": {"entityId": address_id, "parentId": 5, "city": "Oakland",
                                                   "addressType": "billing"}})
    assert response.status_code == 200 and response.json["city"] == "Oakland"
    order = api.get("/V1/orders/5").json
    assert order["billing_address"]["city"] == "Oakland" and order["state"] == "new"
    assert api.put("/V1/orders/5", {"entity": {"entity_id": 9999, "city": "x"}}).json == {
        "message": "The order address couldn't be saved."}


def test_document_lists_and_reads(api):
    invoices = api.get("/V1/invoices?searchCriteria=").json
    assert [invoice["order_id"] for invoice in invoices["items"]] == [3, 4]
    invoice = api.get("/V1/invoices/1").json
    assert invoice["state"] == 2 and invoice["increment_id"] == "000000001"
    shipment = api.get("/V1/shipment/1").json
    assert shipment["tracks"][0]["track_number"] == "3SNWXG000123456" and shipment["total_qty"] == 3
    memo = api.get("/V1/creditmemo/1").json
    assert memo["adjustment_negative"] == 2.5 and [i["sku"] for i in memo["items"]] == ["BAG/TOTE-01"]
