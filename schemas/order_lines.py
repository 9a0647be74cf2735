"""Order rows: Magento's ``items`` folded into one line per top-level row, with their money, taxes and options.

Magento lists a configurable or bundle purchase as a parent row plus child rows (``parent_item_id``).
A configurable sells its child (child's SKU, name and product; the money is on the parent row). A bundle
keeps its own row and lists its children as components; for a *dynamic* bundle (its children carry prices)
Magento puts the discount and tax on the children, so the line's money is the children's sum wherever the
parent row carries none. See docs/mapping.md.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, post_load

from schemas.common import (
    Int,
    MagentoSchema,
    Number,
    Text,
    decimal,
    money_sum,
    optional,
    plain_number,
    required,
    zero_is_none,
)

ORDER_LINE_FIELDS: tuple[str, ...] = (
    "magento_item_id", "sku", "product_sku", "name", "product_type", "product_id", "qty", "price", "row_total",
    "tax_amount", "discount_amount", "components",
    "tax_percent", "price_incl_tax", "row_total_incl_tax", "discount_tax_compensation_amount", "discount_percent",
    "qty_ordered", "qty_canceled", "qty_invoiced", "qty_shipped", "qty_refunded", "applied_taxes", "options",
    "description", "component_lines", "price_type",
)
COMPONENT_LINE_FIELDS: tuple[str, ...] = (
    "magento_item_id", "sku", "product_id", "name", "qty", "qty_ordered", "price", "row_total", "tax_amount",
    "discount_amount", "tax_percent", "discount_tax_compensation_amount",
)
OPTION_FIELDS: tuple[str, ...] = ("kind", "option_id", "value", "label")
# The money a dynamic bundle's parent row may leave to its children.
CHILD_SUMMED: tuple[str, ...] = (
    "row_total", "tax_amount", "discount_amount", "row_total_incl_tax", "discount_tax_compensation_amount")


class _CustomOption(MagentoSchema):
    option_id = optional(Text)
    option_value = optional(Text)
    label = optional(Text)
    title = optional(Text)


class _BundleOption(MagentoSchema):
    option_id = optional(Text)
    option_qty = optional(Number)
    option_selections = fields.List(Int(), load_default=list, allow_none=True)


class _OptionExtension(MagentoSchema):
    custom_options = fields.List(fields.Nested(_CustomOption), load_default=list, allow_none=True)
    configurable_item_options = fields.List(fields.Nested(_CustomOption), load_default=list, allow_none=True)
    bundle_options = fields.List(fields.Nested(_BundleOption), load_default=list, allow_none=True)


class _ProductOption(MagentoSchema):
    extension_attributes = fields.Nested(_OptionExtension, load_default=None, allow_none=True)


class OrderItemSchema(MagentoSchema):
    item_id = required(Int)
    parent_item_id = optional(Int)
    sku = required(Text)
    name = optional(Text)
    product_type = optional(Text)
    product_id = optional(Int)
    qty_ordered = required(Number)
    qty_canceled = optional(Number)
    qty_invoiced = optional(Number)
    qty_shipped = optional(Number)
    qty_refunded = optional(Number)
    price = optional(Number)
    price_incl_tax = optional(Number)
    row_total = optional(Number)
    row_total_incl_tax = optional(Number)
    tax_amount = optional(Number)
    tax_percent = optional(Number)
    discount_amount = optional(Number)
    discount_percent = optional(Number)
    discount_tax_compensation_amount = optional(Number)
    product_option = fields.Nested(_ProductOption, load_default=None, allow_none=True)
    parent_item = fields.Raw(load_default=None, allow_none=True)  # a copy of the parent row, read only if needed

    @post_load
    def _options(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**data, "options": item_options(data["product_option"])}


def item_options(product_option: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``product_option.extension_attributes`` as ``{kind, option_id, value, label}`` (custom, configurable, bundle)."""
    extension = (product_option or {}).get("extension_attributes") or {}
    options = [_option(kind, option) for kind, name in (("custom", "custom_options"),
                                                         ("configurable", "configurable_item_options"))
               for option in extension.get(name) or []]
    for bundle in extension.get("bundle_options") or []:
        value = ",".join(str(selection) for selection in bundle["option_selections"] or [])
        options.append({"kind": "bundle", "option_id": bundle["option_id"], "value": value, "label": None})
    return options


def _option(kind: str, option: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "option_id": option["option_id"], "value": option["option_value"],
            "label": option["label"] or option["title"]}


def describe(name: str | None, options: list[dict[str, Any]]) -> str:
    """The line's name, then one line per custom or configurable option ("label: value", or the value alone)."""
    lines = [name or ""]
    for option in options:
        if option["kind"] == "bundle" or option["value"] is None:
            continue
        lines.append(f"{option['label']}: {option['value']}" if option["label"] else option["value"])
    return "\n".join(lines)


def fold_lines(items: list[dict[str, Any]], item_taxes: dict[int, list[dict[str, Any]]] | None = None,
               product_skus: dict[str, str] | None = None) -> list[dict[str, Any]]:
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
    return [_line(parent, children[parent["item_id"]], item_taxes or {}, product_skus or {}) for parent in parents]


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


def _line(parent: dict[str, Any], children: list[dict[str, Any]], item_taxes: dict[int, list[dict[str, Any]]],
          product_skus: dict[str, str]) -> dict[str, Any]:
    """A configurable sells its child (child's SKU, name, product); a bundle keeps its own and lists components."""
    configurable = parent["product_type"] == "configurable" and len(children) == 1
    sold = children[0] if configurable else parent
    components = [] if configurable else [child["sku"] for child in children]
    bundled = [] if configurable else children
    money = bundle_money(parent, bundled)
    return {
        "magento_item_id": parent["item_id"], "sku": sold["sku"],
        "product_sku": product_sku(sold, components, product_skus), "name": sold["name"],
        "product_type": parent["product_type"], "product_id": sold["product_id"], "qty": parent["qty_ordered"],
        "price": parent["price"], **money, "components": components,
        "price_incl_tax": parent["price_incl_tax"], "discount_percent": parent["discount_percent"],
        **{name: parent[name] for name in ("qty_ordered", "qty_canceled", "qty_invoiced", "qty_shipped",
                                           "qty_refunded")},
        "applied_taxes": line_taxes([parent, *children], item_taxes),
        "options": parent["options"], "description": describe(sold["name"], parent["options"]),
        "component_lines": [component_line(child, parent["qty_ordered"], child["qty_ordered"]) for child in bundled],
        "price_type": price_type(parent, bundled),
    }


def product_sku(sold: dict[str, Any], components: list[str], product_skus: dict[str, str]) -> str:
    """The catalogue SKU of the product sold: Magento's own for its ``product_id`` when known, else derived."""
    known = product_skus.get(str(sold.get("product_id"))) if sold.get("product_id") is not None else None
    return known or catalogue_sku(sold["sku"], components)


def catalogue_sku(sku: str, components: list[str]) -> str:
    """The product's own SKU: a dynamic-SKU bundle row's SKU is its SKU followed by "-<component SKU>" for each
    component, in any order (Magento's order of the options, not the rows'); otherwise ``sku`` unchanged."""
    own, remaining = sku, sorted(components, key=len, reverse=True)
    while remaining:
        found = next((component for component in remaining if own.endswith(f"-{component}")), None)
        if found is None:
            return sku
        own = own[:-len(found) - 1]
        remaining.remove(found)
    return own or sku


def price_type(parent: dict[str, Any], children: list[dict[str, Any]]) -> str | None:
    """Bundles only: "dynamic" when the children carry the money (a row total), else "fixed"; None otherwise."""
    if parent.get("product_type") != "bundle":
        return None
    return "dynamic" if any(decimal(child.get("row_total")) for child in children) else "fixed"


def bundle_money(parent: dict[str, Any], children: list[dict[str, Any]]) -> dict[str, Any]:
    """The line's money: the parent row's, or for a dynamic bundle the children's sums where the parent has none."""
    money = {name: parent.get(name) for name in CHILD_SUMMED}
    money["tax_percent"] = parent.get("tax_percent")
    if price_type(parent, children) != "dynamic":
        return money
    for name in CHILD_SUMMED:
        summed = money_sum([child.get(name) for child in children])
        if money[name] is None or (not decimal(money[name]) and decimal(summed)):
            money[name] = summed
    rates = children_rates(children)
    if rates:
        money["tax_percent"] = plain_number(rates.pop()) if len(rates) == 1 else None
    return money


def children_rates(children: list[dict[str, Any]]) -> set[Decimal]:
    """The tax rates of the children that carry money (a dynamic bundle's line rate when there is one)."""
    return {decimal(child.get("tax_percent")) for child in children
            if decimal(child.get("row_total")) and child.get("tax_percent") is not None}


def component_line(child: dict[str, Any], parent_qty: Any, child_qty: Any) -> dict[str, Any]:
    """A bundle component with its quantity per ONE bundle unit (``child_qty / parent_qty``)."""
    per_unit = plain_number(decimal(child_qty) / decimal(parent_qty)) if decimal(parent_qty) else None
    return {
        "magento_item_id": child.get("item_id", child.get("order_item_id")), "sku": child["sku"],
        "product_id": child.get("product_id"), "name": child.get("name"), "qty": per_unit,
        "qty_ordered": child_qty, "price": child.get("price"), "row_total": child.get("row_total"),
        "tax_amount": child.get("tax_amount"), "discount_amount": child.get("discount_amount"),
        "tax_percent": child.get("tax_percent"),
        "discount_tax_compensation_amount": child.get("discount_tax_compensation_amount"),
    }


def line_taxes(rows: list[dict[str, Any]], item_taxes: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The ``item_applied_taxes`` of the line's rows, merged by code (a bundle's children's amounts summed)."""
    merged: dict[Any, dict[str, Any]] = {}
    for row in rows:
        for tax in item_taxes.get(row["item_id"], []):
            key = tax["code"] or tax["title"]
            if key in merged:
                merged[key]["amount"] = money_sum([merged[key]["amount"], tax["amount"]])
            else:
                merged[key] = {name: tax[name] for name in ("code", "title", "percent", "amount")}
    return list(merged.values())


def taxable_base(row_total: Any, discount_amount: Any, compensation: Any) -> Decimal:
    """What Magento computed a row's tax on: ``row_total − discount + discount tax compensation`` (a discount
    on a tax-included price includes tax, which the compensation gives back; 0 with tax-excluded prices)."""
    return decimal(row_total) - decimal(discount_amount) + decimal(compensation)


def derived_rate(tax_amount: Any, base: Decimal) -> int | float | None:
    """``round(tax / base * 100, 4)``; 0 without tax; None when there is tax but no base to derive it from."""
    if not decimal(tax_amount):
        return 0
    if base <= 0:
        return None
    return plain_number(round(decimal(tax_amount) / base * 100, 4))
