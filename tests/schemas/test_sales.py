"""Invoices, credit memos and shipments: Magento's own rows, dummy rows kept, tracks."""

from __future__ import annotations

import math

import pytest
from marshmallow import ValidationError

from schemas.sales import (
    BILLED_LINE_FIELDS,
    CREDITMEMO_FIELDS,
    INVOICE_FIELDS,
    SHIPMENT_FIELDS,
    SHIPPED_LINE_FIELDS,
    TRACK_FIELDS,
    CreditmemoSchema,
    InvoiceSchema,
    ShipmentSchema,
    TrackSchema,
)


def test_invoice_maps_totals_and_every_row(record):
    document = InvoiceSchema().load(record("invoice.json"))
    assert set(document) == set(INVOICE_FIELDS)
    assert (document["magento_id"], document["order_id"], document["increment_id"], document["state"]) == (
        81, 305, "000000081", 2)  # order_id and state given as text
    assert (document["currency"], document["grand_total"], document["subtotal"], document["tax_amount"],
            document["shipping_amount"], document["discount_amount"]) == ("USD", 103.77, 99, 8.17, 5, -8.4)
    assert [line["order_item_id"] for line in document["lines"]] == [731, 732, 733, 734]
    assert all(set(line) == set(BILLED_LINE_FIELDS) for line in document["lines"])


def test_invoice_keeps_the_dummy_bundle_row_without_row_total(record):
    lines = InvoiceSchema().load(record("invoice.json"))["lines"]
    kit = lines[0]
    assert (kit["sku"], kit["price"], kit["row_total"], kit["tax_amount"]) == (
        "FJ-CAMP-KIT-FJ-STOVE-1-FJ-FUEL-230", 84, None, None)
    total = sum(line["row_total"] for line in lines if line["row_total"] is not None)
    assert math.isclose(total, 99)  # the rows that carry money add up to the invoice subtotal


def test_creditmemo_adds_adjustments_and_keeps_the_configurable_child_row(record):
    document = CreditmemoSchema().load(record("creditmemo.json"))
    assert set(document) == set(CREDITMEMO_FIELDS)
    adjustments = (document["adjustment_positive"], document["adjustment_negative"], document["shipping_amount"])
    assert adjustments == (10, 15, 0)
    assert document["invoice_id"] is None  # Magento writes 0 for a refund not tied to an invoice
    parent, child = document["lines"]
    assert (parent["order_item_id"], parent["row_total"], parent["discount_amount"]) == (701, 189.5, 18.95)
    assert (child["order_item_id"], child["price"], child["row_total"]) == (702, 0, None)


def test_shipment_lines_keep_null_price_and_tracks_are_renamed(record):
    document = ShipmentSchema().load(record("shipment.json"))
    assert set(document) == set(SHIPMENT_FIELDS)
    assert (document["magento_id"], document["order_id"], document["total_qty"]) == (44, 301, 5)
    assert all(set(line) == set(SHIPPED_LINE_FIELDS) for line in document["lines"])
    assert [(line["order_item_id"], line["price"], line["qty"]) for line in document["lines"]] == [
        (701, 189.5, 2), (702, None, 2), (703, None, 3)]
    assert document["tracks"] == [{"number": "HF-20250212-0007", "carrier_code": "custom", "title": "Harbor Freight",
                                   "description": None, "created_at": "2025-02-12 13:00:05", "magento_id": 12}]


def test_shipment_without_tracks(record):
    shipment = record("shipment.json")
    del shipment["tracks"]
    assert ShipmentSchema().load(shipment)["tracks"] == []


def test_track_needs_its_number():
    assert set(TrackSchema().load({"track_number": "X1"})) == set(TRACK_FIELDS)
    with pytest.raises(ValidationError) as caught:
        TrackSchema().load({"carrier_code": "ups"})
    assert "track_number" in caught.value.messages


@pytest.mark.parametrize("schema, name, field", [
    (InvoiceSchema, "invoice.json", "order_id"),
    (InvoiceSchema, "invoice.json", "grand_total"),
    (CreditmemoSchema, "creditmemo.json", "items"),
    (ShipmentSchema, "shipment.json", "increment_id"),
])
def test_missing_required_field_is_named(record, schema, name, field):
    document = record(name)
    del document[field]
    with pytest.raises(ValidationError) as caught:
        schema().load(document)
    assert caught.value.messages == {field: ["Missing data for required field."]}


def test_item_without_order_item_id_is_named_with_its_position(record):
    invoice = record("invoice.json")
    del invoice["items"][1]["order_item_id"]
    with pytest.raises(ValidationError) as caught:
        InvoiceSchema().load(invoice)
    assert caught.value.messages == {"items": {1: {"order_item_id": ["Missing data for required field."]}}}
