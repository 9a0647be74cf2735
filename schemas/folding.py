"""``sold_lines`` of invoices, credit memos and shipments: their items folded like order lines.

Magento lists one item per order row the document covers, parent and child rows alike, and leaves the
money off "dummy" rows (a configurable's child at price 0, a fixed bundle's children, a dynamic bundle's
parent). Each item's ``order_item_id`` names its order row; with the order's rows (``_bridge.order_items``,
added by the fetcher) the items are grouped under their top-level order row and folded with the order's
rules (schemas/order_lines.py): one sold line per top-level row, never pricing a dummy row, rows of
quantity 0 left out. Without the order's rows a fallback reads the shape of the list (docs/mapping.md).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from schemas.common import decimal, zero_is_none
from schemas.order_lines import (
    bundle_money,
    component_line,
    derived_rate,
    describe,
    price_type,
    product_sku,
    taxable_base,
)

SOLD_LINE_FIELDS: tuple[str, ...] = (
    "order_item_id", "sku", "product_sku", "product_id", "name", "description", "qty", "price", "row_total",
    "tax_amount", "discount_amount", "tax_percent", "price_incl_tax", "row_total_incl_tax",
    "discount_tax_compensation_amount", "components", "component_lines", "price_type",
)
CREDITMEMO_SOLD_LINE_FIELDS: tuple[str, ...] = SOLD_LINE_FIELDS + ("back_to_stock",)
SHIPPED_SOLD_LINE_FIELDS: tuple[str, ...] = ("order_item_id", "sku", "product_sku", "product_id", "name", "qty")

Group = dict[str, Any]


def sold_lines(items: list[dict[str, Any]], bridge: dict[str, Any], *, billed: bool = True) -> list[dict[str, Any]]:
    """One line per top-level order row the document covers (``billed``: items carry money, unlike shipments)."""
    order_rows = bridge.get("order_items")
    groups = order_groups(items, order_rows) if order_rows is not None else fallback_groups(items, billed=billed)
    product_skus = bridge.get("product_skus") or {}
    lines: list[dict[str, Any]] = []
    for group in groups:
        lines.extend(_group_lines(group, product_skus, billed=billed))
    return lines


def order_groups(items: list[dict[str, Any]], order_rows: list[dict[str, Any]]) -> list[Group]:
    """The items grouped under their top-level order row, in the order the document lists them."""
    rows = {row["item_id"]: row for row in order_rows}
    groups: dict[int, Group] = {}
    for index, item in enumerate(items):
        row = rows.get(item["order_item_id"])
        if row is None:
            raise ValidationError({index: {"order_item_id": [
                f"Order item {item['order_item_id']} is not among the order's rows (_bridge.order_items)."]}},
                field_name="items")
        parent_id = zero_is_none(row["parent_item_id"])
        top = parent_id or row["item_id"]
        group = groups.setdefault(top, _group(top, rows.get(top)))
        enriched = {**item, "item_id": row["item_id"], "tax_percent": row["tax_percent"],
                    "product_id": item.get("product_id") or row["product_id"], "name": item.get("name") or row["name"]}
        if parent_id is None:
            group["parent"] = enriched
        else:
            group["children"].append(enriched)
    for group in groups.values():
        group["child_rows"] = [row for row in order_rows if zero_is_none(row["parent_item_id"]) == group["top"]]
    return list(groups.values())


def _group(top: int, row: dict[str, Any] | None) -> Group:
    return {"top": top, "parent": None, "children": [], "kind": (row or {}).get("product_type"),
            "options": (row or {}).get("options") or [], "child_rows": []}


def fallback_groups(items: list[dict[str, Any]], *, billed: bool) -> list[Group]:
    """Without the order's rows: a dynamic bundle parent (no ``row_total``) takes the next rows whose SKUs its SKU
    lists; a dummy row (no ``row_total``, price 0; in shipments: the same SKU) belongs to the row before it."""
    groups: list[Group] = []
    index = 0
    while index < len(items):
        parent = {**items[index], "item_id": items[index]["order_item_id"], "tax_percent": None}
        group = {**_group(parent["item_id"], None), "parent": parent}
        index += 1
        if billed and parent.get("row_total") is None:
            while index < len(items) and items[index].get("row_total") is not None \
                    and _lists_sku(parent["sku"], items[index]["sku"]):
                group["children"].append(_as_child(items[index]))
                group["kind"] = "bundle"
                index += 1
        while index < len(items) and _dummy(items[index], parent, billed=billed):
            same = items[index]["sku"] == parent["sku"]
            group["kind"] = group["kind"] or ("configurable" if same else "bundle")
            group["children"].append(_as_child(items[index]))
            index += 1
        groups.append(group)
    return groups


def _as_child(item: dict[str, Any]) -> dict[str, Any]:
    """A child row without its order row: its rate derived from its own amounts when it carries money."""
    rate = None
    if item.get("row_total") is not None:
        rate = derived_rate(item.get("tax_amount"), taxable_base(item["row_total"], item.get("discount_amount"),
                                                                 item.get("discount_tax_compensation_amount")))
    return {**item, "item_id": item["order_item_id"], "tax_percent": rate}


def _lists_sku(bundle_sku: str, sku: str) -> bool:
    """Whether a dynamic-SKU bundle row's SKU (``KIT-A-B``, components in any order) lists ``sku``."""
    return bundle_sku != sku and f"-{sku}-" in f"{bundle_sku}-"


def _dummy(item: dict[str, Any], parent: dict[str, Any], *, billed: bool) -> bool:
    if not billed:
        return item["sku"] == parent["sku"] and not decimal(item.get("price"))
    return item.get("row_total") is None and not decimal(item.get("price"))


def _group_lines(group: Group, product_skus: dict[str, str], *, billed: bool) -> list[dict[str, Any]]:
    """The group's sold line; none when the document holds none of it (quantity 0). Children listed without
    their parent row (a bundle's parts refunded or shipped one by one) are lines of their own when they carry
    their money (or ship); a child without money and without its parent row cannot be priced: refused, and
    so is a dynamic bundle's parent row billed without the component rows that carry its money."""
    parent = group["parent"]
    children = [child for child in group["children"] if decimal(child["qty"])]
    if parent is None or not decimal(parent["qty"]):
        if billed and any(child.get("row_total") is None for child in children):
            raise ValidationError([f"Order row {group['top']} is billed through child rows without money "
                                   f"({', '.join(str(child['item_id']) for child in children)}) and without its "
                                   "own row, so it cannot be priced."], field_name="items")
        return [_child_line(group["top"], child, product_skus) for child in children]
    if billed and _unpriced(parent, children):
        raise ValidationError([f"Order row {group['top']} is billed (qty {parent['qty']}, price {parent.get('price')}) "
                               "without a row carrying its money (a dynamic bundle's component rows), so it cannot "
                               "be priced."], field_name="items")
    return [_sold_line(group, parent, children, product_skus)]


def _unpriced(parent: dict[str, Any], children: list[dict[str, Any]]) -> bool:
    """A priced row billed without ``row_total`` whose money no child row of the document carries."""
    return parent.get("row_total") is None and bool(decimal(parent.get("price"))) and all(
        child.get("row_total") is None for child in children)


def _sold_line(group: Group, parent: dict[str, Any], children: list[dict[str, Any]],
               product_skus: dict[str, str]) -> dict[str, Any]:
    configurable = group["kind"] == "configurable"
    sold = _configurable_child(group, children) if configurable else parent
    bundled = [] if configurable else children
    components = [child["sku"] for child in bundled]
    typed = {**parent, "product_type": group["kind"]}
    money = bundle_money(typed, bundled)
    if money["tax_percent"] is None and price_type(typed, bundled) != "dynamic" and money["row_total"] is not None:
        money["tax_percent"] = derived_rate(money["tax_amount"], taxable_base(
            money["row_total"], money["discount_amount"], money["discount_tax_compensation_amount"]))
    return {
        "order_item_id": group["top"], "sku": sold["sku"], "product_sku": product_sku(sold, components, product_skus),
        "product_id": sold.get("product_id"), "name": sold.get("name"),
        "description": describe(sold.get("name"), group["options"]), "qty": parent["qty"],
        "price": parent.get("price"), **money, "price_incl_tax": parent.get("price_incl_tax"),
        "components": components,
        "component_lines": [component_line(child, parent["qty"], child["qty"]) for child in bundled],
        "price_type": price_type(typed, bundled), "back_to_stock": _back_to_stock([parent, *children]),
    }


def _configurable_child(group: Group, children: list[dict[str, Any]]) -> dict[str, Any]:
    """The product a configurable sold: its child item, else its child order row (some lists omit the child)."""
    if children:
        return children[0]
    rows: list[dict[str, Any]] = group["child_rows"] or [group["parent"]]
    return rows[0]


def _back_to_stock(items: list[dict[str, Any]]) -> bool | None:
    flags = [item.get("back_to_stock") for item in items if item.get("back_to_stock") is not None]
    return any(flags) if flags else None


def _child_line(top: int, child: dict[str, Any], product_skus: dict[str, str]) -> dict[str, Any]:
    """A component billed or shipped on its own, under its bundle's ``order_item_id``, with its own money."""
    tax_percent = child.get("tax_percent")
    if tax_percent is None and child.get("row_total") is not None:
        tax_percent = derived_rate(child.get("tax_amount"), taxable_base(
            child["row_total"], child.get("discount_amount"), child.get("discount_tax_compensation_amount")))
    money = ("price", "row_total", "tax_amount", "discount_amount", "price_incl_tax", "row_total_incl_tax",
             "discount_tax_compensation_amount", "back_to_stock")
    return {"order_item_id": top, "sku": child["sku"], "product_sku": product_sku(child, [], product_skus),
            "product_id": child.get("product_id"), "name": child.get("name"),
            "description": describe(child.get("name"), []), "qty": child["qty"],
            **{name: child.get(name) for name in money}, "tax_percent": tax_percent, "components": [],
            "component_lines": [], "price_type": None}


def project(lines: list[dict[str, Any]], names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each line with exactly ``names`` (absent ones null)."""
    return [{name: line.get(name) for name in names} for line in lines]
