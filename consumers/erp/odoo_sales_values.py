"""Pure mapping of the sales documents (orders, invoices, credit memos, shipments) to Odoo 17 values.

Nothing here talks to Odoo: the backend resolves ids (partners, products, bound lines) and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from consumers.erp.odoo_values import NO_TAXES, Vals, catalogue_sku, line_name, money, required, shipping_line_name

CONFIRMED_STATES = frozenset({"processing", "complete", "closed"})
CANCELED_STATES = frozenset({"canceled"})
MOVE_TYPES = {"invoice": "out_invoice", "creditmemo": "out_refund"}
MAGENTO_CANCELED = 3


# ---- orders
def order_target_state(magento_state: str | None) -> str | None:
    """``sale`` (confirm), ``cancel``, or None (a quotation until Magento moves on)."""
    if magento_state in CONFIRMED_STATES:
        return "sale"
    if magento_state in CANCELED_STATES:
        return "cancel"
    return None


def order_vals(doc: dict, *, partner_id: int, invoice_id: int, shipping_id: int) -> Vals:
    vals: Vals = {"partner_id": partner_id, "partner_invoice_id": invoice_id, "partner_shipping_id": shipping_id,
                  "client_order_ref": required(doc, "increment_id"),
                  "note": (f"Magento order {doc['increment_id']} ({doc.get('status') or doc.get('state')}), "
                           f"payment: {doc.get('payment_method') or 'unknown'}")}
    if doc.get("created_at"):
        vals["date_order"] = doc["created_at"]
    return vals


def discount_percent(line: dict) -> float:
    gross = money(line.get("price")) * money(line.get("qty"))
    discount = abs(money(line.get("discount_amount")))
    return round(discount / gross * 100, 6) if gross and discount else 0.0


def line_label(line: dict) -> str:
    label = f"[{line.get('sku')}] {line.get('name') or line.get('sku')}"
    components = line.get("components") or []
    return label + "".join(f"\n- {sku}" for sku in components)


def order_lines(doc: dict, variants: dict[str, int], shipping_product: int | None) -> list[tuple[str, Vals]]:
    """(binding name, sale.order.line values) for each line, then shipping as a service line."""
    wanted = []
    for index, line in enumerate(doc.get("lines") or [], start=1):
        wanted.append((line_name(required(line, "magento_item_id")), {
            "product_id": variants[catalogue_sku(line) or required(line, "sku")], "name": line_label(line),
            "sequence": index * 10,
            "product_uom_qty": money(line.get("qty")), "price_unit": money(line.get("price")),
            "discount": discount_percent(line), "tax_id": NO_TAXES}))
    if shipping_product and money(doc.get("shipping_amount")):
        wanted.append((shipping_line_name(str(required(doc, "magento_id"))), {
            "product_id": shipping_product, "name": "Shipping", "sequence": (len(wanted) + 1) * 10,
            "product_uom_qty": 1.0, "price_unit": money(doc.get("shipping_amount")), "discount": 0.0,
            "tax_id": NO_TAXES}))
    return wanted


def plan_line_commands(wanted: list[tuple[str, Vals]], bound: dict[str, int], current: list[int],
                       confirmed: bool) -> tuple[list[tuple], list[str]]:
    """order_line commands that never duplicate: bound lines are updated, new ones created, and lines no
    longer in Magento are removed (a quotation) or set to quantity 0 (a confirmed order, as Odoo demands).
    Returns the commands and the binding names of the lines they create."""
    commands: list[tuple] = []
    created: list[str] = []
    kept: set[int] = set()
    for name, vals in wanted:
        rid = bound.get(name)
        if rid in current:
            commands.append((1, rid, vals))
            kept.add(rid)
        else:
            commands.append((0, 0, vals))
            created.append(name)
    for rid in current:
        if rid not in kept:
            commands.append((1, rid, {"product_uom_qty": 0.0}) if confirmed else (2, rid, 0))
    return commands, created


# ---- invoices and credit memos
def move_target_state(magento_state: Any) -> str:
    return "cancel" if magento_state == MAGENTO_CANCELED else "posted"


def odoo_date(value: str | None) -> Any:
    """A Magento timestamp as an Odoo date (``YYYY-MM-DD``), or False when absent."""
    return value[:10] if value else False


def move_vals(doc: dict, *, move_type: str, partner_id: int, origin: str | None, currency_id: int | None) -> Vals:
    vals: Vals = {"move_type": move_type, "partner_id": partner_id, "ref": required(doc, "increment_id"),
                  "invoice_origin": origin or False, "invoice_date": odoo_date(doc.get("created_at"))}
    if currency_id:
        vals["currency_id"] = currency_id
    return vals


def move_line_vals(line: dict, product_id: int | None, sale_line_id: int | None) -> Vals:
    vals: Vals = {"name": line_label(line), "quantity": money(line.get("qty")),
                  "price_unit": money(line.get("price")), "tax_ids": NO_TAXES}
    if product_id:
        vals["product_id"] = product_id
    if sale_line_id:
        vals["sale_line_ids"] = [(6, 0, [sale_line_id])]
    return vals


def move_extra_lines(doc: dict, shipping_product: int | None, shipping_sale_line: int | None) -> list[Vals]:
    """Shipping, discount and (credit memos) adjustment lines, so Odoo's untaxed total is Magento's."""
    extra: list[Vals] = []
    if money(doc.get("shipping_amount")):
        shipping = {"name": "Shipping", "quantity": 1.0, "price_unit": money(doc["shipping_amount"]),
                    "tax_ids": NO_TAXES}
        if shipping_product:
            shipping["product_id"] = shipping_product
        if shipping_sale_line:
            shipping["sale_line_ids"] = [(6, 0, [shipping_sale_line])]
        extra.append(shipping)
    for label, amount in (("Discount", -abs(money(doc.get("discount_amount")))),
                          ("Adjustment refund", abs(money(doc.get("adjustment_positive")))),
                          ("Adjustment fee", -abs(money(doc.get("adjustment_negative"))))):
        if amount:
            extra.append({"name": label, "quantity": 1.0, "price_unit": amount, "tax_ids": NO_TAXES})
    return extra


# ---- shipments
def tracking_reference(existing: Any, tracks: Iterable[dict]) -> str | None:
    """The picking's tracking reference with this shipment's numbers added once (comma separated)."""
    current = [part.strip() for part in (existing or "").split(",") if part.strip()]
    numbers = [str(track["number"]).strip() for track in tracks if track.get("number")]
    merged = list(dict.fromkeys(current + numbers))
    return ",".join(merged) or None
