"""Order: a Magento sales order (``GET /V1/orders/{id}``) as the ERP ``order`` document.

Magento lists a configurable or bundle purchase as a parent row plus child rows (``parent_item_id``);
the document has one line per parent row (see ``fold_lines``), so the lines' ``row_total`` add up to the
order's ``subtotal`` exactly as Magento's own subtotal collector counts them (top-level rows only).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from marshmallow import ValidationError, fields, post_load

from schemas.common import (AddressSchema, Flag, Int, MagentoSchema, Number, Text, Timestamp, optional, required,
                            zero_is_none)

ORDER_FIELDS: tuple[str, ...] = (
    "magento_id", "increment_id", "state", "status", "currency", "grand_total", "subtotal", "tax_amount",
    "shipping_amount", "discount_amount", "payment_method", "shipping_method", "customer", "billing_address",
    "shipping_address", "lines", "relation_parent_id", "store_id", "created_at", "updated_at",
)
ORDER_LINE_FIELDS: tuple[str, ...] = (
    "magento_item_id", "sku", "product_sku", "name", "product_type", "product_id", "qty", "price", "row_total",
    "tax_amount", "discount_amount", "components",
)
ORDER_CUSTOMER_FIELDS: tuple[str, ...] = ("magento_id", "email", "firstname", "lastname", "is_guest", "group_id")


class OrderItemSchema(MagentoSchema):
    item_id = required(Int)
    parent_item_id = optional(Int)
    sku = required(Text)
    name = optional(Text)
    product_type = optional(Text)
    product_id = optional(Int)
    qty_ordered = required(Number)
    price = optional(Number)
    row_total = optional(Number)
    tax_amount = optional(Number)
    discount_amount = optional(Number)
    parent_item = fields.Raw(load_default=None, allow_none=True)  # a copy of the parent row, read only if needed


class _Payment(MagentoSchema):
    method = optional(Text)


class _Shipping(MagentoSchema):
    address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    method = optional(Text)


class _ShippingAssignment(MagentoSchema):
    shipping = fields.Nested(_Shipping, load_default=None, allow_none=True)


class _Extension(MagentoSchema):
    shipping_assignments = fields.List(fields.Nested(_ShippingAssignment), load_default=list, allow_none=True)


class OrderSchema(MagentoSchema):
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
    items = fields.List(fields.Nested(OrderItemSchema), required=True)
    billing_address = fields.Nested(AddressSchema, load_default=None, allow_none=True)
    payment = fields.Nested(_Payment, load_default=None, allow_none=True)
    extension_attributes = fields.Nested(_Extension, load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        shipping = _first_shipping(data["extension_attributes"])
        return {
            "magento_id": data["entity_id"], "increment_id": data["increment_id"], "state": data["state"],
            "status": data["status"], "currency": data["order_currency_code"], "grand_total": data["grand_total"],
            "subtotal": data["subtotal"], "tax_amount": data["tax_amount"],
            "shipping_amount": data["shipping_amount"], "discount_amount": data["discount_amount"],
            "payment_method": (data["payment"] or {}).get("method"), "shipping_method": shipping.get("method"),
            "customer": _customer(data), "billing_address": data["billing_address"],
            "shipping_address": shipping.get("address"), "lines": fold_lines(data["items"]),
            "relation_parent_id": zero_is_none(data["relation_parent_id"]), "store_id": data["store_id"],
            "created_at": data["created_at"], "updated_at": data["updated_at"],
        }


def _first_shipping(extension: dict[str, Any] | None) -> dict[str, Any]:
    """``shipping_assignments[0].shipping``; empty for virtual orders, which have no assignment."""
    assignments = (extension or {}).get("shipping_assignments") or []
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


def fold_lines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per top-level row, its child rows folded in (see module docstring and docs/mapping.md)."""
    rows = {item["item_id"]: item for item in items}
    parents: list[dict[str, Any]] = []
    children: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for index, item in enumerate(items):
        parent_id = zero_is_none(item["parent_item_id"])
        if parent_id is None:
            parents.append(item)
            continue
        if parent_id not in rows:
            rows[parent_id] = _embedded_parent(item, parent_id, index)
            parents.append(rows[parent_id])
        children[parent_id].append(item)
    nested = sorted(set(children) - {parent["item_id"] for parent in parents})
    if nested:  # Magento nests one level only; refuse rather than drop rows
        raise ValidationError([f"Rows under item {item_id} cannot be folded: it is itself a child row."
                               for item_id in nested], field_name="items")
    return [_line(parent, children[parent["item_id"]]) for parent in parents]


def _embedded_parent(item: dict[str, Any], parent_id: int, index: int) -> dict[str, Any]:
    """A child whose parent row is missing from ``items`` may still carry it as ``parent_item``."""
    raw = item["parent_item"]
    if not isinstance(raw, dict) or str(raw.get("item_id")).strip() != str(parent_id):
        raise ValidationError({index: {"parent_item_id": [f"Refers to item {parent_id}, which the order does "
                                                           "not list."]}}, field_name="items")
    try:
        embedded = OrderItemSchema().load(raw)
    except ValidationError as exc:
        raise ValidationError({index: {"parent_item": exc.messages}}, field_name="items") from None
    return {**embedded, "parent_item_id": None}


def _line(parent: dict[str, Any], children: list[dict[str, Any]]) -> dict[str, Any]:
    """A configurable sells its child (child's SKU, name, product); a bundle keeps its own and lists components."""
    configurable = parent["product_type"] == "configurable" and len(children) == 1
    sold = children[0] if configurable else parent
    components = [] if configurable else [child["sku"] for child in children]
    return {
        "magento_item_id": parent["item_id"], "sku": sold["sku"],
        "product_sku": catalogue_sku(sold["sku"], components), "name": sold["name"],
        "product_type": parent["product_type"], "product_id": sold["product_id"], "qty": parent["qty_ordered"],
        "price": parent["price"], "row_total": parent["row_total"], "tax_amount": parent["tax_amount"],
        "discount_amount": parent["discount_amount"],
        "components": components,
    }


def catalogue_sku(sku: str, components: list[str]) -> str:
    """The product's own SKU: a dynamic-SKU bundle row's SKU is its SKU followed by "-<component SKU>" each."""
    own = sku
    for component in reversed(components):
        if not own.endswith(f"-{component}"):
            return sku
        own = own[:-len(component) - 1]
    return own or sku
