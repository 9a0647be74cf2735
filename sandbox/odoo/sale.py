"""Sandbox models of Odoo 17's sale and sale_stock modules: quotations, orders, lines and their deliveries."""

from __future__ import annotations

from typing import Any

from sandbox.odoo.account import DocumentAmounts, default_from_product
from sandbox.odoo.errors import UserError, ValidationError
from sandbox.odoo.fields import (
    Boolean,
    Char,
    Datetime,
    Field,
    Float,
    Integer,
    Many2many,
    Many2one,
    One2many,
    Selection,
    Text,
)
from sandbox.odoo.model import Model
from sandbox.odoo.orm import precision_digits, register, rpc
from sandbox.odoo.rounding import DISCOUNT_DIGITS, PRICE_DIGITS, UOM_DIGITS, float_round, float_round_raw
from sandbox.odoo.tax import TaxLine, compute_line, currency_rounding, document_totals
from sandbox.odoo.uom import product_unit

ORDER_STATES = ("draft", "sent", "sale", "cancel")
LINE_LOCKED = ("Once a sales order is confirmed, you can't remove one of its lines (we need to track if "
               "something gets invoiced or delivered).\nSet the quantity to 0 instead.")


def _default_pricelist(model: Model) -> Any:
    found = model.env["product.pricelist"].search([], limit=1)
    return found[0] if found else False


@register
class SaleOrder(DocumentAmounts, Model):
    _name, _description = "sale.order", "Sales Order"
    _order = "date_order desc, id desc"
    _declared = {
        "name": Char("Order Reference", required=True, index=True, default="New"),
        "partner_id": Many2one("res.partner", "Customer", required=True),
        "partner_invoice_id": Many2one("res.partner", "Invoice Address", required=True),
        "partner_shipping_id": Many2one("res.partner", "Delivery Address", required=True),
        "client_order_ref": Char("Customer Reference", index=True), "origin": Char("Source Document"),
        "date_order": Datetime("Order Date", required=True), "note": Text("Terms and conditions"),
        "state": Selection(ORDER_STATES, "Status", default="draft"), "locked": Boolean("Locked"),
        "pricelist_id": Many2one("product.pricelist", "Pricelist", default=_default_pricelist),
        "currency_id": Many2one("res.currency", "Currency", compute="_compute_currency_id"),
        "order_line": One2many("sale.order.line", "order_id", "Order Lines"),
        "picking_ids": One2many("stock.picking", "sale_id", "Transfers"),
        "invoice_ids": Many2many("account.move", "Invoices", compute="_compute_invoice_ids"),
        "amount_untaxed": Field("monetary", "Untaxed Amount", compute="_compute_amount_untaxed", store=True),
        "amount_tax": Field("monetary", "Taxes", compute="_compute_amount_tax", store=True),
        "amount_total": Field("monetary", "Total", compute="_compute_amount_total", store=True),
    }

    def _prepare_create(self, vals: dict) -> dict:
        if vals.get("name", "New") == "New":
            vals["name"] = f"S{self.db.next_number('sale.order'):05d}"
        partner = vals.get("partner_id")
        vals.setdefault("partner_invoice_id", partner)
        vals.setdefault("partner_shipping_id", partner)
        vals.setdefault("date_order", self.env.now())
        return vals

    def _lines(self, record: dict) -> list[dict]:
        return [self.db.get("sale.order.line", lid) for lid in self._value(record, "order_line")]

    def _compute_currency_id(self, record: dict) -> Any:
        pricelist = self.db.get("product.pricelist", record.get("pricelist_id"))
        if pricelist is not None:
            return pricelist["currency_id"]
        company = self.db.get("res.company", self.env.ref("base.main_company"))
        return company["currency_id"]

    def _compute_invoice_ids(self, record: dict) -> list[int]:
        lines = self.env["sale.order.line"]
        moves = {move for line in self._lines(record) for move in lines._invoice_moves(line)}
        return sorted(moves)

    def _totals(self, record: dict) -> tuple[float, float, float]:
        """``_compute_amounts``: the lines' amounts, tax summed per tax then rounded (equal to the sum of the
        lines' ``price_tax`` with ``round_per_line``)."""
        lines = self.env["sale.order.line"]
        amounts = [lines._amounts(line) for line in self._lines(record) if not line.get("display_type")]
        return document_totals(amounts, currency_rounding(self, self._compute_currency_id(record)))

    def _before_unlink(self, ids: list[int]) -> None:
        for rid in ids:
            if self.db.get(self._name, rid)["state"] not in ("draft", "cancel"):
                raise UserError("You can not delete a sent quotation or a confirmed sales order. "
                                "You must first cancel it.")

    def _after_write(self, ids: list[int], vals: dict) -> None:
        if "order_line" in vals:
            for rid in ids:
                if self.db.get(self._name, rid)["state"] == "sale":
                    self._sync_delivery(rid)

    @rpc("records")
    def action_confirm(self, ids: Any) -> bool:
        ids = self._ids(ids)
        for rid in ids:
            if self._record(rid)["state"] == "cancel":
                raise UserError("It is not allowed to confirm an order in the following states: cancel")
        for rid in ids:
            self._set(rid, state="sale", date_order=self.env.now())
            self._sync_delivery(rid)
        return True

    @rpc("records")
    def action_cancel(self, ids: Any) -> Any:
        """Cancel, unless a confirmed order needs the cancel wizard (skipped with ``disable_cancel_warning``)."""
        ids = self._ids(ids)
        records = [self._record(rid) for rid in ids]
        if any(record["locked"] for record in records):
            raise UserError("You cannot cancel a locked order. Please unlock it first if you want to cancel it.")
        if not self.env.context.get("disable_cancel_warning") and any(r["state"] != "draft" for r in records):
            if len(ids) != 1:
                raise ValueError(f"Expected singleton: {self._name}({', '.join(map(str, ids))},)")
            return {"name": "Cancel Sales Order", "type": "ir.actions.act_window", "view_mode": "form",
                    "res_model": "sale.order.cancel", "target": "new",
                    "context": {"default_order_id": ids[0]}}
        for rid in ids:
            self._cancel_deliveries(rid)
            self._set(rid, state="cancel")
        return True

    @rpc("records")
    def action_draft(self, ids: Any) -> bool:
        for rid in self._ids(ids):
            if self._record(rid)["state"] in ("cancel", "sent"):
                self._set(rid, state="draft")
        return True

    def _cancel_deliveries(self, rid: int) -> None:
        for picking_id in self._value(self._record(rid), "picking_ids"):
            picking = self.db.get("stock.picking", picking_id)
            if picking["state"] != "done":
                self.env["stock.picking"]._set(picking_id, state="cancel")
                for move_id in self.env["stock.picking"]._value(picking, "move_ids"):
                    self.env["stock.move"]._set(move_id, state="cancel")

    def _sync_delivery(self, rid: int) -> None:
        """sale_stock: one open outgoing picking whose moves follow the lines of storable/consumable products."""
        record = self._record(rid)
        wanted = {line["id"]: line for line in self._lines(record) if self._ships(line)}
        rest = {line_id: line["product_uom_qty"] - self._delivered(line_id) for line_id, line in wanted.items()}
        picking_id = self._open_delivery(record, any(quantity > 0 for quantity in rest.values()))
        if picking_id is None:
            return
        moves = self.env["stock.move"]
        by_line = {self.db.get("stock.move", mid)["sale_line_id"]: mid
                   for mid in self.env["stock.picking"]._value(self.db.get("stock.picking", picking_id), "move_ids")}
        picking = self.db.get("stock.picking", picking_id)
        for line_id, line in wanted.items():
            values = {"product_uom_qty": max(rest[line_id], 0.0), "product_id": line["product_id"]}
            if line_id not in by_line and rest[line_id] <= 0:
                continue
            if line_id in by_line:
                moves.write([by_line[line_id]], values)
            else:
                moves.create({**values, "name": line["name"], "sale_line_id": line_id, "picking_id": picking_id,
                              "product_uom": line["product_uom"],
                              "origin": record["name"], "state": "confirmed",
                              "location_id": picking["location_id"], "location_dest_id": picking["location_dest_id"]})
        self.env["stock.picking"].action_assign([picking_id])

    def _delivered(self, line_id: int) -> float:
        """What the line's done moves delivered: the open delivery carries only the rest."""
        moves = self.env["stock.move"].search([("sale_line_id", "=", line_id), ("state", "=", "done")])
        return sum(self.db.get("stock.move", mid)["quantity"] for mid in moves)

    def _ships(self, line: dict) -> bool:
        product = self.db.get("product.product", line.get("product_id"))
        return product is not None and self.env["product.product"]._is_goods(product)

    def _open_delivery(self, record: dict, needed: bool) -> int | None:
        for picking_id in self._value(record, "picking_ids"):
            if self.db.get("stock.picking", picking_id)["state"] not in ("done", "cancel"):
                return picking_id
        if not needed:
            return None
        kind = self.db.get("stock.picking.type", self.env.ref("stock.picking_type_out"))
        return self.env["stock.picking"].create({
            "picking_type_id": kind["id"], "origin": record["name"], "sale_id": record["id"],
            "partner_id": record["partner_shipping_id"], "state": "confirmed",
            "location_id": kind["default_location_src_id"], "location_dest_id": kind["default_location_dest_id"]})


@register
class SaleOrderLine(Model):
    _name, _description = "sale.order.line", "Sales Order Line"
    _order = "order_id, sequence, id"
    _declared = {
        "order_id": Many2one("sale.order", "Order Reference", required=True, ondelete="cascade"),
        "sequence": Integer("Sequence", default=10), "name": Text("Description", required=True),
        "product_id": Many2one("product.product", "Product", ondelete="restrict"),
        "product_uom_qty": Float("Quantity", default=1.0, digits=UOM_DIGITS),
        "product_uom": Many2one("uom.uom", "Unit of Measure"),
        "price_unit": Float("Unit Price", digits=PRICE_DIGITS),
        "discount": Float("Discount (%)", digits=DISCOUNT_DIGITS), "tax_id": Many2many("account.tax", "Taxes"),
        "currency_id": Many2one("res.currency", "Currency", related="order_id.currency_id"),
        "display_type": Selection(("line_section", "line_note"), "Display Type"),
        "state": Selection(ORDER_STATES, "Order Status", related="order_id.state"),
        "price_subtotal": Field("monetary", "Subtotal", compute="_compute_price_subtotal", store=True),
        "price_tax": Float("Total Tax", compute="_compute_price_tax", store=True),  # float, no digits: unrounded
        "price_total": Field("monetary", "Total", compute="_compute_price_total", store=True),
        "qty_delivered": Float("Delivery Quantity", compute="_compute_qty_delivered", digits=UOM_DIGITS,
                               store=True),
        "qty_invoiced": Float("Invoiced Quantity", compute="_compute_qty_invoiced", digits=UOM_DIGITS, store=True),
        "invoice_lines": Many2many("account.move.line", "Invoice Lines", compute="_compute_invoice_lines"),
    }

    def _prepare_create(self, vals: dict) -> dict:
        product_unit(self, vals, "product_uom")
        if not default_from_product(self, vals, "tax_id") and not vals.get("display_type"):
            raise ValidationError("The operation cannot be completed: Missing required fields on accountable "
                                  "sale order line.")
        return vals

    def _after_create(self, rid: int, vals: dict) -> None:
        self._follow_delivery([rid])

    def _after_write(self, ids: list[int], vals: dict) -> None:
        if {"product_uom_qty", "product_id"} & set(vals):
            self._follow_delivery(ids)

    def _follow_delivery(self, ids: list[int]) -> None:
        """sale_stock: a confirmed order's delivery follows its lines however they are written."""
        orders = {self.db.get(self._name, rid)["order_id"] for rid in ids}
        for order in sorted(orders):
            if self.db.get("sale.order", order)["state"] == "sale":
                self.env["sale.order"]._sync_delivery(order)

    def _before_unlink(self, ids: list[int]) -> None:
        for rid in ids:
            line = self.db.get(self._name, rid)
            if self._value(line, "state") == "sale" and not line.get("display_type"):
                raise UserError(LINE_LOCKED)

    def _amounts(self, record: dict) -> TaxLine:
        """``_compute_amount``: the line's amounts in its order's currency (``_compute_taxes`` of one line)."""
        order = self.db.get("sale.order", record["order_id"])
        currency = self.env["sale.order"]._compute_currency_id(order) if order else False
        return compute_line(self, record.get("tax_id"), record["price_unit"], record["product_uom_qty"],
                            record["discount"], currency)

    def _compute_price_subtotal(self, record: dict) -> float:
        return self._amounts(record).total_excluded

    def _compute_price_tax(self, record: dict) -> float:
        """Each tax's amount rounded to the currency as Odoo's ``float_round`` returns it, summed in floats: a plain
        float field, so 3.0100000000000002 reaches the client where a monetary column would give 3.01."""
        rounding = currency_rounding(self, self._value(record, "currency_id"))
        return sum((float_round_raw(amount, rounding) for _, amount in self._amounts(record).taxes), 0.0)

    def _compute_price_total(self, record: dict) -> float:
        return document_totals([self._amounts(record)], currency_rounding(self, self._value(record, "currency_id")))[2]

    def _compute_qty_delivered(self, record: dict) -> float:
        """``stock_move`` method: done moves to a customer count, returns from one count back."""
        total = 0.0
        for mid in self.env["stock.move"].search([("sale_line_id", "=", record["id"]), ("state", "=", "done")]):
            move = self.db.get("stock.move", mid)
            if self.db.get("stock.location", move["location_dest_id"])["usage"] == "customer":
                total += move["quantity"]
            elif self.db.get("stock.location", move["location_id"])["usage"] == "customer":
                total -= move["quantity"]
        return float_round(total, precision_digits(self.db, UOM_DIGITS))

    def _compute_invoice_lines(self, record: dict) -> list[int]:
        return sorted(lid for lid, line in self.db.tables["account.move.line"].items()
                      if record["id"] in (line.get("sale_line_ids") or []))

    def _invoice_moves(self, record: dict) -> set[int]:
        return {self.db.get("account.move.line", lid)["move_id"] for lid in self._compute_invoice_lines(record)}

    def _compute_qty_invoiced(self, record: dict) -> float:
        total = 0.0
        for lid in self._compute_invoice_lines(record):
            line = self.db.get("account.move.line", lid)
            move = self.db.get("account.move", line["move_id"])
            if move["state"] != "cancel":
                total += line["quantity"] if move["move_type"] == "out_invoice" else -line["quantity"]
        return total
