"""Invoices and credit memos: string ids, order updates, and Magento's document validation errors."""

from __future__ import annotations

INVOICE_ERRORS = "Invoice Document Validation Error(s):\n"


def test_invoice_answers_a_string_id_and_updates_the_order(api, clock):
    clock.advance(90)
    response = api.post("/V1/order/5/invoice", {"capture": True, "notify": True})
    assert response.status_code == 200 and response.get_data(as_text=True) == '"3"'
    order = api.get("/V1/orders/5").json
    assert [item["qty_invoiced"] for item in order["items"]] == [1, 1, 2]
    assert (order["state"], order["status"]) == ("processing", "processing")
    assert order["total_paid"] == order["total_invoiced"] == order["grand_total"] and order["total_due"] == 0
    assert order["updated_at"] == "2024-06-01 12:01:30"
    invoice = api.get("/V1/invoices/3").json
    assert invoice["order_id"] == 5 and invoice["grand_total"] == order["grand_total"]
    assert invoice["created_at"] == invoice["updated_at"] == "2024-06-01 12:01:30"
    assert [row["order_item_id"] for row in invoice["items"]] == [15, 16, 17]
    assert invoice["items"][1]["price"] == 0 and "row_total" not in invoice["items"][1]  # the child row


def test_invoicing_twice_is_a_400_with_magentos_messages(api):
    assert api.post("/V1/order/5/invoice", {}).status_code == 200
    again = api.post("/V1/order/5/invoice", {})
    assert again.status_code == 400
    assert again.json == {"message": INVOICE_ERRORS + "An invoice cannot be created when an order has a status of "
                                                      "processing.\nYou can't create an invoice without products."}


def test_invoice_of_a_canceled_order_is_refused(api):
    response = api.post("/V1/order/1/invoice", {})
    assert response.status_code == 400
    assert response.json["message"].startswith(INVOICE_ERRORS + "An invoice cannot be created when an order has a "
                                                                "status of canceled.")


def test_partial_invoice_with_camel_case_items_then_the_rest(api):
    first = api.post("/V1/order/5/invoice", {"capture": False, "items": [{"orderItemId": "17", "qty": 1.0}],
                                             "comment": {"comment": "Part one", "isVisibleOnFront": 0},
                                             "appendComment": True})
    assert first.status_code == 200
    invoice = api.get(f"/V1/invoices/{first.json}").json
    assert [row["sku"] for row in invoice["items"]] == ["NW-STOVE"] and invoice["comments"][0]["comment"] == "Part one"
    assert invoice["shipping_amount"] == 10  # the first invoice carries the shipping
    second = api.get(f"/V1/invoices/{api.post('/V1/order/5/invoice', {}).json}").json
    assert [row["qty"] for row in second["items"]] == [1, 1, 1] and second["shipping_amount"] == 0
    order = api.get("/V1/orders/5").json
    assert order["total_paid"] == order["grand_total"]


def test_invoicing_more_than_remains_names_the_sku(api):
    response = api.post("/V1/order/5/invoice", {"items": [{"order_item_id": 17, "qty": 3}]})
    assert response.status_code == 400
    assert response.json["message"] == (INVOICE_ERRORS + "The quantity to invoice must not be greater than the "
                                                         "uninvoiced quantity for product SKU \"NW-STOVE\".")


def test_invoicing_unknown_items_only_is_an_invoice_without_products(api):
    response = api.post("/V1/order/5/invoice", {"items": [{"order_item_id": 999, "qty": 1}]})
    assert response.json["message"] == INVOICE_ERRORS + "You can't create an invoice without products."


def test_invoice_of_an_unknown_order_is_404(api):
    assert api.post("/V1/order/404/invoice", {}).status_code == 404


def test_refund_answers_a_string_id_and_books_the_refund(api, clock):
    api.post("/V1/order/5/invoice", {})
    clock.advance(60)
    response = api.post("/V1/order/5/refund", {"items": [{"order_item_id": 17, "qty": 1}], "notify": True,
                                               "arguments": {"shipping_amount": 0, "adjustment_positive": 1,
                                                             "adjustment_negative": 0,
                                                             "extension_attributes": {"return_to_stock_items": [17]}}})
    assert response.status_code == 200 and response.get_data(as_text=True) == '"2"'
    memo = api.get("/V1/creditmemo/2").json
    stove = next(item for item in api.get("/V1/orders/5").json["items"] if item["sku"] == "NW-STOVE")
    assert stove["qty_refunded"] == 1 and memo["adjustment_positive"] == 1
    assert memo["grand_total"] == round(memo["subtotal"] + memo["tax_amount"] + memo["discount_amount"] + 1, 2)
    assert api.get("/V1/stockItems/NW-STOVE").json["qty"] == 41  # returned to stock
    assert api.get("/V1/orders/5").json["total_refunded"] == memo["grand_total"]


def test_refund_of_an_uninvoiced_order_is_refused(api):
    response = api.post("/V1/order/5/refund", {})
    assert response.status_code == 400
    assert response.json["message"] == ("Creditmemo Document Validation Error(s):\nWe can't create creditmemo for the "
                                        "order.\nThe credit memo's total must be positive.")


def test_refunding_more_than_invoiced(api):
    api.post("/V1/order/5/invoice", {"items": [{"order_item_id": 17, "qty": 1}]})
    response = api.post("/V1/order/5/refund", {"items": [{"order_item_id": 17, "qty": 2}]})
    assert "The quantity to creditmemo must not be greater than the unrefunded quantity for product SKU \"NW-STOVE\"." \
        in response.json["message"].split("\n")


def test_full_refund_closes_the_order(api):
    api.post("/V1/order/5/invoice", {})
    api.post("/V1/order/5/ship", {})
    assert api.get("/V1/orders/5").json["state"] == "complete"
    assert api.post("/V1/order/5/refund", {}).status_code == 200
    order = api.get("/V1/orders/5").json
    assert (order["state"], order["status"]) == ("closed", "closed") and order["total_refunded"] == order["total_paid"]
    again = api.post("/V1/order/5/refund", {})
    assert again.json["message"].split("\n")[1:3] == [
        "A creditmemo can not be created when an order has a status of closed",
        "We can't create creditmemo for the order."]


def test_a_refused_document_consumes_no_id(api):
    assert api.post("/V1/order/5/refund", {}).status_code == 400
    assert api.post("/V1/order/2/invoice", {"items": [{"order_item_id": 6, "qty": 9}]}).status_code == 400
    assert api.post("/V1/order/5/invoice", {}).json == "3"
    assert api.post("/V1/order/5/refund", {}).json == "2"
