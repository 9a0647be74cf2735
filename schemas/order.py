"""Order: a Magento sales order (``GET /V1/orders/{id}``) as the ERP ``order`` document.

Magento lists a configurable or bundle purchase as a parent row plus child rows (``parent_item_id``);
the document has one line per parent row (see ``fold_lines``), so the lines' ``row_total`` add up to the
order's ``subtotal`` exactly as Magento's own subtotal collector counts them (top-level rows only).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from schemas.common import (
    AddressSchema,
    Flag,
    Int,
    MagentoSchema,
    Number,
    Text,
    Timestamp,
    optional,
    required,
    zero_is_none,
)
from schemas.header import (
    HEADER_FIELDS,
    AppliedTaxSchema,
    GiftCardSchema,
    HeaderSchema,
    ItemAppliedTaxesSchema,
    ShippingTotalSchema,
    header_fields,
    item_taxes_by_item,
    shipping_taxes,
)
from schemas.order_lines import ORDER_LINE_FIELDS, OrderItemSchema, catalogue_sku, fold_lines

__all__ = ["ORDER_FIELDS", "ORDER_LINE_FIELDS", "ORDER_CUSTOMER_FIELDS", "OrderSchema", "OrderItemSchema",
           "catalogue_sku", "fold_lines"]

ORDER_FIELDS: tuple[str, ...] = (
    "magento_id", "increment_id", "state", "status", "currency", "grand_total", "subtotal", "tax_amount",
    "shipping_amount", "discount_amount", "payment_method", "shipping_method", "customer", "billing_address",
    "shipping_address", "lines", "relation_parent_id", "store_id", "created_at", "updated_at",
) + HEADER_FIELDS + (
    "base_subtotal", "base_tax_amount", "base_shipping_amount", "base_discount_amount", "coupon_code",
    "discount_description", "total_canceled", "applied_taxes", "gift_cards", "reward_points_balance",
)
ORDER_CUSTOMER_FIELDS: tuple[str, ...] = ("magento_id", "email", "firstname", "lastname", "is_guest", "group_id")
_COPIED: tuple[str, ...] = (
    "base_subtotal", "base_tax_amount", "base_shipping_amount", "base_discount_amount", "coupon_code",
    "discount_description", "total_canceled")


class _Payment(MagentoSchema):
    method = optional(Text)


class _Shipping(MagentoSchema):
    address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    method = optional(Text)
    total = fields.Nested(ShippingTotalSchema, load_default=None, allow_none=True)


class _ShippingAssignment(MagentoSchema):
    shipping = fields.Nested(_Shipping, load_default=None, allow_none=True)


class _Extension(MagentoSchema):
    shipping_assignments = fields.List(fields.Nested(_ShippingAssignment), load_default=list, allow_none=True)
    applied_taxes = fields.List(fields.Nested(AppliedTaxSchema), load_default=list, allow_none=True)
    item_applied_taxes = fields.List(fields.Nested(ItemAppliedTaxesSchema), load_default=list, allow_none=True)
    gift_cards = fields.List(fields.Nested(GiftCardSchema), load_default=list, allow_none=True)
    gift_cards_amount = optional(Number)
    customer_balance_amount = optional(Number)
    reward_currency_amount = optional(Number)
    reward_points_balance = optional(Number)


class OrderSchema(HeaderSchema):
    document_fields = ORDER_FIELDS  # the keys of the ERP document it loads
    entity_id = required(Int)
    increment_id = required(Text)
    state = required(Text)
    status = required(Text)
    order_currency_code = required(Text)
    grand_total = required(Number)
    subtotal = required(Number)
    tax_amount = optional(Number)
    shipping_amount = optional(Number)
    discount_amount = optional(Number)
    customer_id = optional(Int)
    customer_email = optional(Text)
    customer_firstname = optional(Text)
    customer_lastname = optional(Text)
    customer_is_guest = Flag(load_default=None, allow_none=True)
    customer_group_id = optional(Int)
    relation_parent_id = optional(Int)
    store_id = optional(Int)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)
    base_subtotal = optional(Number)
    base_tax_amount = optional(Number)
    base_shipping_amount = optional(Number)
    base_discount_amount = optional(Number)
    coupon_code = optional(Text)
    discount_description = optional(Text)
    total_canceled = optional(Number)
    items = fields.List(fields.Nested(OrderItemSchema), required=True)
    billing_address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    payment = fields.Nested(_Payment, load_default=None, allow_none=True)
    extension_attributes = fields.Nested(_Extension, load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        extension = data["extension_attributes"] or {}
        shipping = _first_shipping(extension)
        entries = extension.get("item_applied_taxes") or []
        bridge = data["bridge"] or {}
        lines = fold_lines(data["items"], item_taxes_by_item(entries), bridge.get("product_skus"))
        return {
            "magento_id": data["entity_id"], "increment_id": data["increment_id"], "state": data["state"],
            "status": data["status"], "currency": data["order_currency_code"], "grand_total": data["grand_total"],
            "subtotal": data["subtotal"], "tax_amount": data["tax_amount"],
            "shipping_amount": data["shipping_amount"], "discount_amount": data["discount_amount"],
            "payment_method": (data["payment"] or {}).get("method"), "shipping_method": shipping.get("method"),
            "customer": _customer(data), "billing_address": data["billing_address"],
            "shipping_address": shipping.get("address"), "lines": lines,
            "relation_parent_id": zero_is_none(data["relation_parent_id"]), "store_id": data["store_id"],
            "created_at": data["created_at"], "updated_at": data["updated_at"],
            **header_fields(data, extension, method=shipping.get("method"), shipping_total=shipping.get("total"),
                            shipping_taxes=shipping_taxes(entries), known_rates=_rates(extension, lines)),
            **{name: data[name] for name in _COPIED},
            "applied_taxes": extension.get("applied_taxes") or [], "gift_cards": extension.get("gift_cards") or [],
            "reward_points_balance": _adobe(data, extension, "reward_points_balance"),
        }


def _rates(extension: dict[str, Any], lines: list[dict[str, Any]]) -> list[Any]:
    """The tax rates the order uses: its applied taxes' and its lines' (combined) rates."""
    return [tax["percent"] for tax in extension.get("applied_taxes") or []] + [line["tax_percent"] for line in lines]


def _adobe(data: dict[str, Any], extension: dict[str, Any], name: str) -> Any:
    return extension.get(name) if extension.get(name) is not None else data[name]


def _first_shipping(extension: dict[str, Any]) -> dict[str, Any]:
    """``shipping_assignments[0].shipping``; empty for virtual orders, which have no assignment."""
    assignments = extension.get("shipping_assignments") or []
    if not assignments:
        return {}
    return assignments[0].get("shipping") or {}


def _customer(data: dict[str, Any]) -> dict[str, Any]:
    """The buyer; a guest order has no customer id and no names, so the billing address names them."""
    billing = data["billing_address"] or {}
    is_guest = data["customer_is_guest"] if data["customer_is_guest"] is not None else data["customer_id"] is None
    return {
        "magento_id": data["customer_id"], "email": data["customer_email"] or billing.get("email"),
        "firstname": data["customer_firstname"] or (billing.get("firstname") if is_guest else None),
        "lastname": data["customer_lastname"] or (billing.get("lastname") if is_guest else None),
        "is_guest": bool(is_guest), "group_id": data["customer_group_id"],
    }
