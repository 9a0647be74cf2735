"""Order item rows from compact line specs, as Magento's quote-to-order conversion lays them out.

- simple/virtual: one priced row; custom options (``options``) add their price to the row, their SKU
  suffix to the row SKU (``24-MB01-engraved``) and ``product_option.extension_attributes.custom_options``;
- configurable: a priced parent row (``sku`` = the chosen child's SKU, ``configurable_item_options``)
  plus the child row, which carries no money (``base_price`` 0, ``row_total`` 0; ``price`` repeats the
  parent's, as in the recorded ``order.json``);
- dynamic bundle (``price_type`` "dynamic", the default): the children are the priced rows (tax and
  discount are computed on them); the parent row's price and row totals are the children's sums and it
  carries no tax nor discount;
- fixed bundle (``price_type`` "fixed"): the parent row is priced (``price``), the children carry 0.

Money is filled in later by ``sandbox.magento.order_money``; this module only decides which rows are priced
and with which base-currency unit price, rate and discount.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sandbox.magento.shapes import custom_attribute
from sandbox.magento.store import Store
from sandbox.magento.tax import Unit, cents


@dataclasses.dataclass
class Row:
    """An order item with its role: "money" (priced), "configurable_child", "fixed_child" or "dynamic_parent"."""

    item: dict[str, Any]
    role: str = "money"
    unit: Unit | None = None
    parent: Row | None = None
    children: list[Row] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class Context:
    store: Store
    order_id: int
    created: str
    discount_percent: float
    store_id: int = 1


def build_rows(lines: list[Mapping[str, Any]], context: Context) -> list[Row]:
    """Every item row of an order, in Magento's order (a parent before its children)."""
    rows: list[Row] = []
    for line in lines:
        rows += _line_rows(line, context)
    return rows


def _line_rows(line: Mapping[str, Any], context: Context) -> list[Row]:
    product = context.store.product(line["sku"])
    if product is None:
        raise ValueError(f"order line names an unknown SKU {line['sku']!r}")
    if "child" in line:
        return _configurable(line, product, context)
    if "children" in line:
        return _bundle(line, product, context)
    row = Row(item_skeleton(context, product, float(line["qty"])), unit=_unit(line, context, _option_price(line)))
    if line.get("options"):
        _custom_options(row.item, product, line["options"])
    return [row]


def _unit(line: Mapping[str, Any], context: Context, extra: float = 0.0, qty: float | None = None) -> Unit:
    percent = float(line.get("discount_percent", context.discount_percent))
    return Unit(price=float(line["price"]) + extra, qty=float(line["qty"]) if qty is None else qty,
                rate=float(line.get("tax_percent", 0)), discount_percent=percent)


def _option_price(line: Mapping[str, Any]) -> float:
    return sum(float(option.get("price", 0)) for option in line.get("options") or ())


def _custom_options(item: dict[str, Any], product: Mapping[str, Any], options: list[Mapping[str, Any]]) -> None:
    suffixes = [option["sku"] for option in options if option.get("sku")]
    item["sku"] = "-".join([product["sku"]] + suffixes)
    item["product_option"] = {"extension_attributes": {"custom_options": [
        {"option_id": str(option["option_id"]), "option_value": str(option["value"])} for option in options]}}


def _configurable(line: Mapping[str, Any], product: dict[str, Any], context: Context) -> list[Row]:
    child = context.store.product(line["child"])
    qty = float(line["qty"])
    parent = Row(item_skeleton(context, product, qty), unit=_unit(line, context))
    parent.item.update(sku=child["sku"], product_option=_configurable_option(product, child))
    if child.get("weight") is not None:  # the parent row weighs what the chosen child weighs
        parent.item.update(weight=child["weight"], row_weight=cents(float(child["weight"]) * qty))
    row = Row(item_skeleton(context, child, qty, priced=False), role="configurable_child", parent=parent)
    row.item["parent_item_id"] = parent.item["item_id"]
    parent.children.append(row)
    return [parent, row]


def _bundle(line: Mapping[str, Any], product: dict[str, Any], context: Context) -> list[Row]:
    qty, fixed = float(line["qty"]), line.get("price_type") == "fixed"
    parent = Row(item_skeleton(context, product, qty), role="money" if fixed else "dynamic_parent",
                 unit=_unit(line, context) if fixed else None)
    for spec in line["children"]:
        child_qty = qty * float(spec["qty"])
        child = Row(item_skeleton(context, context.store.product(spec["sku"]), child_qty, priced=not fixed),
                    role="fixed_child" if fixed else "money", parent=parent,
                    unit=None if fixed else _unit({**line, "price": spec["price"]}, context, qty=child_qty))
        child.item["parent_item_id"] = parent.item["item_id"]
        parent.children.append(child)
    parent.item["sku"] = "-".join([product["sku"]] + [child.item["sku"] for child in parent.children])
    parent.item["product_option"] = {"extension_attributes": {"bundle_options": _bundle_options(product, line)}}
    parent.item["row_weight"] = cents(sum(child.item["row_weight"] for child in parent.children))
    return [parent] + parent.children


def _bundle_options(product: Mapping[str, Any], line: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``bundle_options`` of the chosen selections: ``{option_id, option_qty, option_selections}``."""
    chosen = []
    for option in product.get("extension_attributes", {}).get("bundle_product_options") or []:
        for link in option["product_links"]:
            spec = next((c for c in line["children"] if c["sku"].casefold() == link["sku"].casefold()), None)
            if spec is not None:
                chosen.append({"option_id": option["option_id"], "option_qty": cents(float(spec["qty"])),
                               "option_selections": [int(link["id"])]})
    return chosen


def item_skeleton(context: Context, product: dict[str, Any], qty: float, *, priced: bool = True) -> dict[str, Any]:
    """An order item with every column a real one has, its money still 0 (filled by the money pass)."""
    store = context.store
    item = {"amount_refunded": 0, "base_amount_refunded": 0, "base_discount_amount": 0,
            "base_discount_invoiced": 0, "base_discount_tax_compensation_amount": 0, "base_original_price": 0,
            "base_price": 0, "base_price_incl_tax": 0, "base_row_invoiced": 0, "base_row_total": 0,
            "base_row_total_incl_tax": 0, "base_tax_amount": 0, "base_tax_invoiced": 0, "created_at": context.created,
            "discount_amount": 0, "discount_invoiced": 0, "discount_percent": 0, "free_shipping": 0,
            "discount_tax_compensation_amount": 0, "is_qty_decimal": 0,
            "is_virtual": int(product["type_id"] in ("virtual", "downloadable")),
            "item_id": store.next_id("order_item"), "name": product["name"], "no_discount": 0,
            "order_id": context.order_id, "original_price": 0, "price": 0, "price_incl_tax": 0,
            "product_id": product["id"], "product_type": product["type_id"], "qty_canceled": 0, "qty_invoiced": 0,
            "qty_ordered": cents(qty), "qty_refunded": 0, "qty_shipped": 0,
            "quote_item_id": store.next_id("quote_item"),
            "row_invoiced": 0, "row_total": 0, "row_total_incl_tax": 0,
            "row_weight": cents(float(product.get("weight") or 0) * qty) if priced else 0, "sku": product["sku"],
            "store_id": context.store_id, "tax_amount": 0, "tax_invoiced": 0, "tax_percent": 0,
            "updated_at": context.created}
    if product.get("weight") is not None:
        item["weight"] = product["weight"]
    return item


def _configurable_option(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    codes = {"93": "color", "144": "size"}
    options = []
    for option in parent["extension_attributes"].get("configurable_product_options", []):
        value = custom_attribute(child, codes.get(option["attribute_id"], option["label"].lower()))
        options.append({"option_id": option["attribute_id"], "option_value": int(value) if value else None})
    return {"extension_attributes": {"configurable_item_options": options}}
