"""Invoices, credit memos and shipments (``GET /V1/invoices/{id}``, ``/V1/creditmemo/{id}``, ``/V1/shipment/{id}``).

Their items are Magento's own rows, one per order item the document covers, and are not folded: an
item's ``parent_id`` is the invoice/credit memo/shipment it belongs to, not a parent item, and the
``order_item_id`` ties it to the order line. Magento omits ``row_total`` on "dummy" rows (a dynamic
bundle's parent, a configurable's child), which the document keeps as null.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from schemas.common import Int, MagentoSchema, Number, Text, Timestamp, optional, required

INVOICE_FIELDS: tuple[str, ...] = (
    "magento_id", "order_id", "increment_id", "state", "currency", "grand_total", "subtotal", "tax_amount",
    "shipping_amount", "discount_amount", "created_at", "updated_at", "lines",
)
CREDITMEMO_FIELDS: tuple[str, ...] = INVOICE_FIELDS + ("invoice_id", "adjustment_positive", "adjustment_negative")
SHIPMENT_FIELDS: tuple[str, ...] = (
    "magento_id", "order_id", "increment_id", "total_qty", "created_at", "updated_at", "lines", "tracks",
)
BILLED_LINE_FIELDS: tuple[str, ...] = (
    "order_item_id", "sku", "name", "qty", "price", "row_total", "tax_amount", "discount_amount",
)
SHIPPED_LINE_FIELDS: tuple[str, ...] = ("order_item_id", "sku", "name", "qty", "price")
TRACK_FIELDS: tuple[str, ...] = ("number", "carrier_code", "title")


class ShippedItemSchema(MagentoSchema):
    """A shipment item: the order line it covers and how much of it."""

    line_fields = SHIPPED_LINE_FIELDS
    order_item_id = required(Int)
    sku = required(Text)
    name = optional(Text)
    qty = required(Number)
    price = optional(Number)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {name: data[name] for name in self.line_fields}


class BilledItemSchema(ShippedItemSchema):
    """An invoice or credit memo item: a shipment item's fields and the row's money."""

    line_fields = BILLED_LINE_FIELDS
    row_total = optional(Number)
    tax_amount = optional(Number)
    discount_amount = optional(Number)


class TrackSchema(MagentoSchema):
    track_number = required(Text)
    carrier_code = optional(Text)
    title = optional(Text)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"number": data["track_number"], "carrier_code": data["carrier_code"], "title": data["title"]}


class InvoiceSchema(MagentoSchema):
    entity_id = required(Int)
    order_id = required(Int)
    increment_id = required(Text)
    state = optional(Int)
    order_currency_code = optional(Text)
    grand_total = required(Number)
    subtotal = required(Number)
    tax_amount = optional(Number)
    shipping_amount = optional(Number)
    discount_amount = optional(Number)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)
    items = fields.List(fields.Nested(BilledItemSchema), required=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return _billed_document(data)


class CreditmemoSchema(InvoiceSchema):
    invoice_id = optional(Int)
    adjustment_positive = optional(Number)
    adjustment_negative = optional(Number)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**_billed_document(data), "invoice_id": data["invoice_id"] or None,
                "adjustment_positive": data["adjustment_positive"],
                "adjustment_negative": data["adjustment_negative"]}


def _billed_document(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "magento_id": data["entity_id"], "order_id": data["order_id"], "increment_id": data["increment_id"],
        "state": data["state"], "currency": data["order_currency_code"], "grand_total": data["grand_total"],
        "subtotal": data["subtotal"], "tax_amount": data["tax_amount"], "shipping_amount": data["shipping_amount"],
        "discount_amount": data["discount_amount"], "created_at": data["created_at"],
        "updated_at": data["updated_at"], "lines": data["items"],
    }


class ShipmentSchema(MagentoSchema):
    entity_id = required(Int)
    order_id = required(Int)
    increment_id = required(Text)
    total_qty = optional(Number)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)
    items = fields.List(fields.Nested(ShippedItemSchema), required=True)
    tracks = fields.List(fields.Nested(TrackSchema), load_default=list, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            "magento_id": data["entity_id"], "order_id": data["order_id"], "increment_id": data["increment_id"],
            "total_qty": data["total_qty"], "created_at": data["created_at"], "updated_at": data["updated_at"],
            "lines": data["items"], "tracks": data["tracks"] or [],
        }
