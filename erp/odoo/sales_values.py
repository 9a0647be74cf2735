"""Pure mapping of the sales documents (orders, invoices, credit memos, shipments) to Odoo 17/18 values.

Nothing here talks to Odoo: the backend resolves ids (partners, products, bound lines) and passes them in.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from erp.odoo.amounts import round2
from erp.odoo.pricing import Priced, Row
from erp.odoo.values import Vals, line_name, required, shipping_line_name
from erp.odoo.version import Dialect

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


def order_vals(doc: dict[str, Any], *, partner_id: int, invoice_id: int, shipping_id: int) -> Vals:
    vals: Vals = {"partner_id": partner_id, "partner_invoice_id": invoice_id, "partner_shipping_id": shipping_id,
                  "client_order_ref": required(doc, "increment_id"),
                  "note": (f"Magento order {doc['increment_id']} ({doc.get('status') or doc.get('state')}), "
                           f"payment: {doc.get('payment_method') or 'unknown'}")}
    if doc.get("created_at"):
        vals["date_order"] = doc["created_at"]
    return vals


def row_name(row: Row, order_key: str) -> str:
    """The binding of an order's Odoo line: the Magento item's, or the order's shipping/service line."""
    if row.key:
        return row.key
    if row.service == "shipping":
        return shipping_line_name(order_key)
    return f"{row.service}_order_{order_key}"


def sale_line_name(row: Row, order_key: str) -> str:
    """The binding of the order line an invoice or credit memo line follows."""
    if row.item_id is None:
        return row_name(row, order_key)
    return line_name(row.item_id) + ("_discount" if row.service == "discount" else "")


def _money_vals(row: Row) -> Vals:
    """The exact values the totals check computed with (2-digit price and discount)."""
    line = row.line
    return {"name": row.label, "price_unit": float(round2(line.price_unit)), "discount": float(round2(line.discount))}


def _product(row: Row, products: dict[str, int], services: dict[str, int]) -> int | None:
    return services.get(row.service) if row.service else products.get(row.product or "")


def order_lines(doc: dict[str, Any], priced: Priced, products: dict[str, int], services: dict[str, int],
                dialect: Dialect) -> list[tuple[str, Vals]]:
    """(binding name, sale.order.line values) for each priced row, in Magento's order."""
    order_key = str(required(doc, "magento_id"))
    wanted = []
    for index, row in enumerate(priced.rows, start=1):
        wanted.append((row_name(row, order_key), {
            "product_id": _product(row, products, services), "sequence": index * 10, **_money_vals(row),
            "product_uom_qty": float(row.line.quantity),
            dialect.sale_line_taxes: [(6, 0, [tax.id for tax in row.line.taxes])]}))
    return wanted


def plan_line_commands(wanted: list[tuple[str, Vals]], bound: dict[str, int], current: list[int],
                       confirmed: bool) -> tuple[list[tuple[Any, ...]], list[str]]:
    """order_line commands that never duplicate: bound lines are updated, new ones created, and lines no
    longer in Magento are removed (a quotation) or set to quantity 0 (a confirmed order, as Odoo demands).
    Returns the commands and the binding names of the lines they create."""
    commands: list[tuple[Any, ...]] = []
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


def move_vals(doc: dict[str, Any], *, move_type: str, partner_id: int, origin: str | None,
              currency_id: int | None) -> Vals:
    vals: Vals = {"move_type": move_type, "partner_id": partner_id, "ref": required(doc, "increment_id"),
                  "invoice_origin": origin or False, "invoice_date": odoo_date(doc.get("created_at"))}
    if currency_id:
        vals["currency_id"] = currency_id
    return vals


def move_lines(priced: Priced, products: dict[str, int], services: dict[str, int], sale_lines: dict[str, int],
               order_key: str) -> list[Vals]:
    """invoice_line_ids values: each priced row, linked to its order line (``sale_line_ids``) when bound."""
    lines = []
    for row in priced.rows:
        vals: Vals = {**_money_vals(row), "quantity": float(row.line.quantity),
                      "tax_ids": [(6, 0, [tax.id for tax in row.line.taxes])]}
        product = _product(row, products, services)
        if product:
            vals["product_id"] = product
        bound = sale_lines.get(sale_line_name(row, order_key))
        if bound:
            vals["sale_line_ids"] = [(6, 0, [bound])]
        lines.append(vals)
    return lines


def move_narration(doc: dict[str, Any]) -> str | None:
    """A credit memo refunded to store credit says so (Magento's amount when it gives one)."""
    if not doc.get("refund_to_store_credit"):
        return None
    amount = doc.get("customer_balance_refunded")
    return "Refunded to store credit in Magento" + (f": {amount} {doc.get('currency') or ''}".rstrip()
                                                    if amount is not None else "")


# ---- shipments
def tracking_reference(existing: Any, tracks: Iterable[dict[str, Any]]) -> str | None:
    """The picking's tracking reference with this shipment's numbers added once (comma separated)."""
    current = [part.strip() for part in (existing or "").split(",") if part.strip()]
    numbers = [str(track["number"]).strip() for track in tracks if track.get("number")]
    merged = list(dict.fromkeys(current + numbers))
    return ",".join(merged) or None


def track_line(track: dict[str, Any]) -> str:
    """One track as the picking's note shows it: ``Tracking 1Z-81: United Parcel Service (ups)``."""
    carrier = " ".join(part for part in (str(track.get("title") or "").strip(),
                                         f"({track['carrier_code']})" if track.get("carrier_code") else "") if part)
    return f"Tracking {str(track.get('number') or '').strip()}: {carrier or 'carrier unknown'}"


def tracking_note(existing: Any, tracks: Iterable[dict[str, Any]]) -> str | None:
    """The picking's note with a paragraph per track not in it yet; None when nothing is to be added."""
    text = existing if isinstance(existing, str) else ""
    added = [html.escape(track_line(track)) for track in tracks if track.get("number")]
    added = [line for line in dict.fromkeys(added) if line not in text]
    return text + "".join(f"<p>{line}</p>" for line in added) if added else None


def shipped_quantities(moves: list[dict[str, Any]], shipped: list[dict[str, Any]], sale_lines: dict[Any, int],
                       variants: dict[str, int]) -> dict[int, float]:
    """The quantity of each stock.move of the picking to validate: what the shipment shipped of its order
    line (or, unlinked, of its product; a bundle's components by their own quantities); 0 for the rest."""
    wanted: dict[int, float] = {move["id"]: 0.0 for move in moves}
    for item in shipped:
        quantity = float(item.get("qty") or 0)
        parts = [(item, quantity)]
        if _find_move(moves, item, sale_lines, variants, wanted) is None:  # a bundle written as its components
            parts = [(child, quantity * float(child.get("qty") or 0)) for child in item.get("component_lines") or []]
        for part, part_quantity in parts:
            move = _find_move(moves, part, sale_lines, variants, wanted)
            if move is not None:
                wanted[move] += part_quantity
    return wanted


def _find_move(moves: list[dict[str, Any]], part: dict[str, Any], sale_lines: dict[Any, int], variants: dict[str, int],
               taken: dict[int, float]) -> int | None:
    return _move_of(moves, sale_lines.get(part.get("order_item_id") or part.get("magento_item_id")),
                    variants.get(part.get("product_sku") or part.get("sku") or ""), taken)


def _move_of(moves: list[dict[str, Any]], sale_line: int | None, product: int | None,
             taken: dict[int, float]) -> int | None:
    for move in moves:
        if sale_line and _id(move.get("sale_line_id")) == sale_line:
            return int(move["id"])
    for move in moves:
        if product and _id(move.get("product_id")) == product and not taken[move["id"]]:
            return int(move["id"])
    return None


def _id(value: Any) -> int | None:
    return value[0] if isinstance(value, list) and value else (value or None)
