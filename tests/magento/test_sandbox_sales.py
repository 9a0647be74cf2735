"""The client's sales endpoints against the running Magento sandbox: orders, comments, invoices, shipments,
tracks and credit memos, read and write, with Magento's own validation errors."""

from __future__ import annotations

import pytest

from core.errors import MagentoNotFound, MagentoValidationError
from magento.search_criteria import SearchCriteria
from magento.urls import path

ORDER_NEW, ORDER_GUEST, ORDER_BUNDLE = 2, 3, 4  # demo seed: new / invoiced+shipped / invoiced+partly refunded
TOTE_ITEM = 14  # order 4's three BAG/TOTE-01, one refunded already
INVOICED_TWICE = ("Invoice Document Validation Error(s):\n"
                  "An invoice cannot be created when an order has a status of processing.\n"
                  "You can't create an invoice without products.")
SHIPPED_TWICE = ("Shipment Document Validation Error(s):\n"
                 "The order does not allow a shipment to be created.\n"
                 "You can't create a shipment without products.")


def posts(sandbox) -> list[tuple[str, int]]:
    return [(call["path"], call["status"]) for call in sandbox.calls() if call["method"] == "POST"]


# Orders --------------------------------------------------------------------------------------------------

def test_list_orders_with_criteria(magento, sandbox):
    pending = magento.list_orders(SearchCriteria().where("status", "pending").order_by("entity_id", "DESC"))
    assert [(order["entity_id"], order["increment_id"]) for order in pending.items] == [(5, "000000104"),
                                                                                         (2, "000000101-1")]
    assert magento.list_orders().total_count == 5


def test_get_order_returns_the_rendered_order(magento, sandbox):
    order = magento.get_order(ORDER_GUEST)
    assert order == sandbox.record("order", str(ORDER_GUEST))
    assert (order["customer_is_guest"], order["state"], "customer_id" in order) == (1, "complete", False)
    child = order["items"][1]
    assert child["parent_item_id"] == order["items"][0]["item_id"] == child["parent_item"]["item_id"]


def test_unknown_order_is_not_found_but_the_route_exists(magento, sandbox):
    with pytest.raises(MagentoNotFound) as caught:
        magento.get_order(404)
    assert not caught.value.route_missing
    assert caught.value.message.startswith("The entity that was requested doesn't exist.")


def test_save_order_with_entity_id_changes_the_named_fields_and_answers_a_partial_order(magento, sandbox):
    sandbox.admin("POST", "/clock", {"advance": 60})
    answer = magento.save_order({"entity_id": ORDER_NEW, "state": "holded", "status": "holded"})
    assert (answer["entity_id"], answer["state"], answer["status"]) == (ORDER_NEW, "holded", "holded")
    assert answer["grand_total"] is None and answer["updated_at"] == "2024-06-01 12:01:00"  # as a real store
    order = magento.get_order(ORDER_NEW)
    assert (order["status"], order["grand_total"], order["updated_at"]) == ("holded", 307.58, "2024-06-01 12:01:00")


def test_add_order_comment_answers_true_and_adds_the_newest_history_entry(magento, sandbox):
    assert magento.add_order_comment(ORDER_BUNDLE, {"comment": "Synced to the ERP.", "is_customer_notified": 0,
                                                    "is_visible_on_front": 0, "status": "complete"}) is True
    histories = magento.get_order(ORDER_BUNDLE)["status_histories"]
    assert (histories[0]["comment"], histories[0]["status"]) == ("Synced to the ERP.", "processing")
    assert len(histories) == 3


# Invoices ------------------------------------------------------------------------------------------------

def test_list_and_get_invoices(magento, sandbox):
    invoices = magento.list_invoices(SearchCriteria().where("order_id", ORDER_BUNDLE))
    assert [invoice["entity_id"] for invoice in invoices.items] == [2]
    assert magento.get_invoice(2) == sandbox.record("invoice", "2") == invoices.items[0]


def test_create_invoice_answers_the_new_id_as_an_int_although_magento_sends_a_string(magento, sandbox):
    raw = magento.request("POST", path("order", ORDER_NEW, "invoice"), body={"capture": True}, idempotent=False)
    assert raw.value == "3" and raw.id() == 3
    assert magento.create_invoice(5, {"capture": True, "notify": True}) == 4
    invoice = magento.get_invoice(4)
    assert (invoice["order_id"], invoice["grand_total"], invoice["email_sent"]) == (5, 311.54, 1)
    assert magento.get_order(5)["state"] == "processing"


def test_a_second_invoice_of_the_same_order_is_a_validation_error_sent_once(magento, sandbox):
    assert magento.create_invoice(ORDER_NEW, {"capture": True, "notify": False}) == 3
    with pytest.raises(MagentoValidationError) as caught:
        magento.create_invoice(ORDER_NEW, {"capture": True, "notify": False})
    assert caught.value.status == 400
    assert caught.value.message == f"{INVOICED_TWICE} [POST /rest/all/V1/order/2/invoice]"
    assert posts(sandbox) == [("/rest/all/V1/order/2/invoice", 200), ("/rest/all/V1/order/2/invoice", 400)]
    assert sandbox.keys("invoice") == ["1", "2", "3"]


def test_invoicing_more_than_ordered_names_the_sku(magento, sandbox):
    with pytest.raises(MagentoValidationError) as caught:
        magento.create_invoice(ORDER_NEW, {"items": [{"orderItemId": 6, "qty": 5}]})  # camelCase, as OCA sends
    assert ('The quantity to invoice must not be greater than the uninvoiced quantity for product SKU '
            '"NW-BOTTLE-750".') in caught.value.message


# Shipments -----------------------------------------------------------------------------------------------

def test_list_and_get_shipments(magento, sandbox):
    shipments = magento.list_shipments(SearchCriteria().where("order_id", ORDER_GUEST))
    assert shipments.total_count == 1
    shipment = magento.get_shipment(1)
    assert shipment == sandbox.record("shipment", "1") == shipments.items[0]
    assert [track["track_number"] for track in shipment["tracks"]] == ["3SNWXG000123456"]


def test_create_shipment_with_a_track_then_add_another_track(magento, sandbox):
    shipment_id = magento.create_shipment(ORDER_NEW, {
        "items": [{"order_item_id": 4, "qty": 1}], "notify": True,
        "tracks": [{"track_number": "1Z999AA10123456784", "carrier_code": "ups", "title": "UPS"}]})
    assert shipment_id == 2
    track = magento.add_shipment_track({"order_id": ORDER_NEW, "parent_id": shipment_id,
                                        "track_number": "JVGL0612345", "carrier_code": "dhl", "title": "DHL"})
    assert (track["parent_id"], track["order_id"], track["track_number"]) == (2, ORDER_NEW, "JVGL0612345")
    shipment = magento.get_shipment(shipment_id)
    assert [t["carrier_code"] for t in shipment["tracks"]] == ["ups", "dhl"]
    assert {item["order_item_id"]: item["qty"] for item in shipment["items"]} == {4: 1, 5: 1}
    assert magento.get_order(ORDER_NEW)["items"][2]["qty_shipped"] == 0  # the bottles stay to ship


def test_shipping_an_order_twice_is_a_validation_error_sent_once(magento, sandbox):
    magento.create_shipment(ORDER_NEW, {})
    with pytest.raises(MagentoValidationError) as caught:
        magento.create_shipment(ORDER_NEW, {})
    assert caught.value.message == f"{SHIPPED_TWICE} [POST /rest/all/V1/order/2/ship]"
    assert [status for _, status in posts(sandbox)] == [200, 400]


def test_a_track_for_an_unknown_shipment_is_refused(magento, sandbox):
    with pytest.raises(MagentoValidationError) as caught:
        magento.add_shipment_track({"order_id": 2, "parent_id": 99, "track_number": "X1", "carrier_code": "ups"})
    assert caught.value.message == "Could not save the shipment tracking. [POST /rest/all/V1/shipment/track]"


# Credit memos --------------------------------------------------------------------------------------------

def test_list_and_get_creditmemos(magento, sandbox):
    memos = magento.list_creditmemos(SearchCriteria().where("order_id", ORDER_BUNDLE))
    assert [memo["entity_id"] for memo in memos.items] == [1]
    memo = magento.get_creditmemo(1)
    assert memo == sandbox.record("creditmemo", "1")
    assert (memo["adjustment_negative"], memo["grand_total"]) == (2.5, 19.28)


def test_refund_answers_the_memo_id_and_books_it_on_the_order(magento, sandbox):
    stock_before = magento.get_stock_item("BAG/TOTE-01")["qty"]
    memo_id = magento.refund_order(ORDER_BUNDLE, {
        "items": [{"order_item_id": TOTE_ITEM, "qty": 1}], "notify": False,
        "arguments": {"shipping_amount": 0, "adjustment_positive": 0, "adjustment_negative": 0,
                      "extension_attributes": {"return_to_stock_items": [TOTE_ITEM]}}})
    assert memo_id == 2
    memo = magento.get_creditmemo(memo_id)
    assert (memo["order_id"], memo["grand_total"], [item["sku"] for item in memo["items"]]) == (
        ORDER_BUNDLE, 21.78, ["BAG/TOTE-01"])
    order = magento.get_order(ORDER_BUNDLE)
    assert order["total_refunded"] == 41.06 and order["items"][-1]["qty_refunded"] == 2
    assert magento.get_stock_item("BAG/TOTE-01")["qty"] == stock_before + 1


def test_refunding_more_than_invoiced_names_the_sku(magento, sandbox):
    with pytest.raises(MagentoValidationError) as caught:
        magento.refund_order(ORDER_BUNDLE, {"items": [{"order_item_id": TOTE_ITEM, "qty": 3}]})
    assert caught.value.message.startswith("Creditmemo Document Validation Error(s):\nThe quantity to creditmemo "
                                           'must not be greater than the unrefunded quantity for product SKU '
                                           '"BAG/TOTE-01".')
    assert sandbox.keys("creditmemo") == ["1"]
