"""Invoices (``out_invoice``) and credit memos (``out_refund``) as ``account.move``, linked to the order's
lines so Odoo's invoiced quantities follow, priced like orders (odoo_pricing, from ``sold_lines``); posted
unless Magento cancelled them."""

from __future__ import annotations

import logging
from typing import Any

from erp.odoo import pricing, sales_values, values
from erp.odoo.bindings import ALL_RECORDS, Bindings, Writer
from erp.odoo.rpc import OdooRpc
from erp.odoo.sales import Sales
from erp.odoo.version import Server

log = logging.getLogger(__name__)
MOVE, LINE = "account.move", "sale.order.line"


class Moves:
    def __init__(self, rpc: OdooRpc, bindings: Bindings, writer: Writer, server: Server, sales: Sales) -> None:
        self.rpc, self.bindings, self.writer, self.server, self.sales = rpc, bindings, writer, server, sales

    def upsert(self, entity: str, key: str, doc: dict[str, Any]) -> int:
        """account.move bound as ``invoice_<id>``/``creditmemo_<id>``. A draft move is rewritten at each
        sync; a posted one is never edited (Odoo's accounting rules), only cancelled when Magento cancels.
        Totals, taxes and currency are checked before a move is written."""
        move_type = sales_values.MOVE_TYPES[entity]
        order = self.sales.order_of(doc, entity, key)
        order_row = self.rpc.execute_kw("sale.order", "read", [[order]], {"fields": ["name", "partner_invoice_id"]})[0]
        name = values.binding_name(entity, key)
        current = self._current(name, [("move_type", "=", move_type), ("ref", "=", doc["increment_id"]),
                                       ("invoice_origin", "=", order_row["name"])])
        if current is not None and current["state"] != "draft":
            self._follow_state(current["id"], current["state"], doc, entity)
            return int(current["id"])
        priced = pricing.price_move(doc, self.sales.taxes.lookup, entity)
        currency = self.sales.currencies.active(doc.get("currency"))
        header = sales_values.move_vals(doc, move_type=move_type, partner_id=order_row["partner_invoice_id"][0],
                                        origin=order_row["name"], currency_id=currency.id)
        narration = sales_values.move_narration(doc)
        if narration and self.server.has_field(MOVE, "narration"):
            header["narration"] = narration
        lines = [(0, 0, vals) for vals in self._lines(doc, priced)]
        if current is None:
            move, state = self.writer.create(MOVE, name, {**header, "invoice_line_ids": lines}), "draft"
        else:
            move, state = current["id"], current["state"]
            if state == "draft":
                self.rpc.execute_kw(MOVE, "write", [[move], {**header, "invoice_line_ids": [(5, 0, 0)] + lines}])
        self._follow_state(move, state, doc, entity)
        return move

    def delete(self, entity: str, key: str) -> None:
        """Cancel the move (posted moves cannot be deleted in Odoo; cancelling keeps the audit trail)."""
        current = self._current(values.binding_name(entity, key), None)
        if current is not None and current["state"] != "cancel":
            self.rpc.execute_kw(MOVE, "button_cancel", [[current["id"]]])
            log.info("cancelled account.move %s (Magento %s %s deleted)", current["id"], entity, key)

    def _current(self, name: str, adopt: list[Any] | None) -> dict[str, Any] | None:
        binding = self.bindings.find(MOVE, name)
        if binding is not None:
            rows = self.rpc.execute_kw(MOVE, "read", [[binding.res_id]], {"fields": ["state"], **ALL_RECORDS})
            if rows:
                row: dict[str, Any] = rows[0]
                return row
            log.warning("account.move %s bound as %s was deleted in Odoo; creating it again", binding.res_id, name)
            self.bindings.drop(binding)
        adopted = self.writer.adopt(MOVE, name, adopt) if adopt else None
        if adopted is None:
            return None
        adopted_row: dict[str, Any] = self.rpc.execute_kw(MOVE, "read", [[adopted]], {"fields": ["state"]})[0]
        return adopted_row

    def _lines(self, doc: dict[str, Any], priced: pricing.Priced) -> list[dict[str, Any]]:
        order_key = str(values.required(doc, "order_id"))
        products, services = self.sales.row_products(priced.rows, doc, strict=False)
        names = [sales_values.sale_line_name(row, order_key) for row in priced.rows]
        bound = {name: b.res_id for name, b in self.bindings.find_many(LINE, names).items()}
        return sales_values.move_lines(priced, products, services, bound, order_key)

    def _follow_state(self, move: int, state: str, doc: dict[str, Any], entity: str) -> None:
        target = sales_values.move_target_state(doc.get("state"))
        if target == "posted" and state == "draft":
            self.rpc.execute_kw(MOVE, "action_post", [[move]])
            log.info("posted account.move %s (Magento %s %s)", move, entity, doc.get("increment_id"))
        elif target == "cancel" and state != "cancel":
            self.rpc.execute_kw(MOVE, "button_cancel", [[move]])
            log.info("cancelled account.move %s (Magento %s %s is canceled)", move, entity, doc.get("increment_id"))
