"""Invoices, credit memos and shipments (``GET /V1/invoices/{id}``, ``/V1/creditmemo/{id}``, ``/V1/shipment/{id}``).

Their items are Magento's own rows, one per order item the document covers: ``lines`` keeps them as
Magento lists them (an item's ``parent_id`` is the invoice/credit memo/shipment it belongs to, not a parent
item; ``order_item_id`` ties it to the order row, and Magento omits ``row_total`` on "dummy" rows, which
stays null). ``sold_lines`` folds them like the order's lines (schemas/folding.py), which is what an ERP
should price. The header money (shipping, base currency, gift cards, local dates) is schemas/header.py's.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from schemas.common import Flag, Int, MagentoSchema, Number, Text, Timestamp, decimal, optional, plain_number, required
from schemas.folding import CREDITMEMO_SOLD_LINE_FIELDS, SHIPPED_SOLD_LINE_FIELDS, SOLD_LINE_FIELDS, project, sold_lines
from schemas.header import HEADER_FIELDS, BridgeSchema, HeaderSchema, billed_shipping_discount, header_fields

INVOICE_FIELDS: tuple[str, ...] = (
    "magento_id", "order_id", "increment_id", "state", "currency", "grand_total", "subtotal", "tax_amount",
    "shipping_amount", "discount_amount", "created_at", "updated_at", "lines",
) + HEADER_FIELDS + ("sold_lines",)
CREDITMEMO_FIELDS: tuple[str, ...] = INVOICE_FIELDS + (
    "invoice_id", "adjustment_positive", "adjustment_negative", "adjustment", "refund_to_store_credit",
    "customer_balance_refunded")
SHIPMENT_FIELDS: tuple[str, ...] = (
    "magento_id", "order_id", "increment_id", "total_qty", "created_at", "updated_at", "lines", "tracks",
    "sold_lines",
)
BILLED_LINE_FIELDS: tuple[str, ...] = (
    "order_item_id", "sku", "name", "qty", "price", "row_total", "tax_amount", "discount_amount",
)
SHIPPED_LINE_FIELDS: tuple[str, ...] = ("order_item_id", "sku", "name", "qty", "price")
TRACK_FIELDS: tuple[str, ...] = ("number", "carrier_code", "title", "description", "created_at", "magento_id")


class ShippedItemSchema(MagentoSchema):
    """A shipment item: the order line it covers and how much of it (the document's ``lines`` keep
    ``line_fields``; ``sold_lines`` read the rest)."""

    line_fields = SHIPPED_LINE_FIELDS
    order_item_id = required(Int)
    sku = required(Text)
    name = optional(Text)
    qty = required(Number)
    price = optional(Number)
    product_id = optional(Int)


class BilledItemSchema(ShippedItemSchema):
    """An invoice or credit memo item: a shipment item's fields and the row's money."""

    line_fields = BILLED_LINE_FIELDS
    row_total = optional(Number)
    tax_amount = optional(Number)
    discount_amount = optional(Number)
    price_incl_tax = optional(Number)
    row_total_incl_tax = optional(Number)
    discount_tax_compensation_amount = optional(Number)
    back_to_stock = Flag(load_default=None, allow_none=True)


class TrackSchema(MagentoSchema):
    track_number = required(Text)
    carrier_code = optional(Text)
    title = optional(Text)
    description = optional(Text)
    created_at = optional(Timestamp)
    entity_id = optional(Int)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"number": data["track_number"], "carrier_code": data["carrier_code"], "title": data["title"],
                "description": data["description"], "created_at": data["created_at"],
                "magento_id": data["entity_id"]}


class _BilledExtension(MagentoSchema):
    gift_cards_amount = optional(Number)
    customer_balance_amount = optional(Number)
    reward_currency_amount = optional(Number)
    reward_points_balance = optional(Number)
    return_to_stock_items = fields.List(Int(), load_default=None, allow_none=True)
    customer_balance_refunded = optional(Number)
    customer_bal_total_refunded = optional(Number)
    customer_balance_refund_flag = Flag(load_default=None, allow_none=True)


class InvoiceSchema(HeaderSchema):
    document_fields = INVOICE_FIELDS  # the keys of the ERP document it loads
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
    extension_attributes = fields.Nested(_BilledExtension, load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return _billed_document(data, SOLD_LINE_FIELDS)


class CreditmemoSchema(InvoiceSchema):
    document_fields = CREDITMEMO_FIELDS  # the keys of the ERP document it loads
    invoice_id = optional(Int)
    adjustment_positive = optional(Number)
    adjustment_negative = optional(Number)
    adjustment = optional(Number)
    customer_balance_refunded = optional(Number)
    customer_bal_total_refunded = optional(Number)
    customer_balance_refund_flag = Flag(load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        extension = data["extension_attributes"] or {}
        _mark_back_to_stock(data["items"], extension.get("return_to_stock_items"))
        refunded = _first(data, extension, "customer_balance_refunded", "customer_bal_total_refunded")
        flag = _first(data, extension, "customer_balance_refund_flag")
        return {**_billed_document(data, CREDITMEMO_SOLD_LINE_FIELDS), "invoice_id": data["invoice_id"] or None,
                "adjustment_positive": data["adjustment_positive"],
                "adjustment_negative": data["adjustment_negative"], "adjustment": _adjustment(data),
                "refund_to_store_credit": flag if flag is not None else (True if refunded else None),
                "customer_balance_refunded": refunded}


def _first(data: dict[str, Any], extension: dict[str, Any], *names: str) -> Any:
    """The first of ``names`` Magento gave, in ``extension_attributes`` first, then at the top level."""
    for source in (extension, data):
        for name in names:
            if source.get(name) is not None:
                return source[name]
    return None


def _adjustment(data: dict[str, Any]) -> int | float | None:
    """Magento's ``adjustment`` (= positive - negative); computed from the two when Magento omits it."""
    adjustment: int | float | None = data["adjustment"]
    if adjustment is not None:
        return adjustment
    if data["adjustment_positive"] is None and data["adjustment_negative"] is None:
        return None
    return plain_number(decimal(data["adjustment_positive"]) - decimal(data["adjustment_negative"]))


def _mark_back_to_stock(items: list[dict[str, Any]], returned: list[int] | None) -> None:
    """``arguments.extension_attributes.return_to_stock_items`` as Magento keeps it: the order rows put back."""
    if returned is None:
        return
    for item in items:
        if item["back_to_stock"] is None:
            item["back_to_stock"] = item["order_item_id"] in returned


def _billed_document(data: dict[str, Any], sold_fields: tuple[str, ...]) -> dict[str, Any]:
    items, bridge = data["items"], data["bridge"] or {}
    sold = sold_lines(items, bridge)
    if data["shipping_discount_amount"] is None:  # Magento's invoices and credit memos have no such column
        data = {**data, "shipping_discount_amount": billed_shipping_discount(data["discount_amount"], sold)}
    return {
        "magento_id": data["entity_id"], "order_id": data["order_id"], "increment_id": data["increment_id"],
        "state": data["state"], "currency": data["order_currency_code"], "grand_total": data["grand_total"],
        "subtotal": data["subtotal"], "tax_amount": data["tax_amount"], "shipping_amount": data["shipping_amount"],
        "discount_amount": data["discount_amount"], "created_at": data["created_at"],
        "updated_at": data["updated_at"], "lines": project(items, BILLED_LINE_FIELDS),
        **header_fields(data, data["extension_attributes"],
                        known_rates=[row["tax_percent"] for row in bridge.get("order_items") or []]),
        "sold_lines": project(sold, sold_fields),
    }


class ShipmentSchema(MagentoSchema):
    document_fields = SHIPMENT_FIELDS  # the keys of the ERP document it loads
    entity_id = required(Int)
    order_id = required(Int)
    increment_id = required(Text)
    total_qty = optional(Number)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)
    items = fields.List(fields.Nested(ShippedItemSchema), required=True)
    tracks = fields.List(fields.Nested(TrackSchema), load_default=list, allow_none=True)
    bridge = fields.Nested(BridgeSchema, data_key="_bridge", load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            "magento_id": data["entity_id"], "order_id": data["order_id"], "increment_id": data["increment_id"],
            "total_qty": data["total_qty"], "created_at": data["created_at"], "updated_at": data["updated_at"],
            "lines": project(data["items"], SHIPPED_LINE_FIELDS), "tracks": data["tracks"] or [],
            "sold_lines": project(sold_lines(data["items"], data["bridge"] or {}, billed=False),
                                  SHIPPED_SOLD_LINE_FIELDS),
        }
