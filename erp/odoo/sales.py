"""Orders as ``sale.order`` (``client_order_ref`` = increment id, lines bound one by one so a second sync
never duplicates them), priced so that Odoo's totals are Magento's (odoo_pricing), in the order's currency."""

from __future__ import annotations

import logging
from typing import Any

from core.errors import ErpRejected
from erp.odoo import pricing, sales_values, values
from erp.odoo.bindings import ALL_RECORDS, Bindings, Writer
from erp.odoo.catalog import Catalog
from erp.odoo.currencies import Currencies
from erp.odoo.partners import Partners
from erp.odoo.rpc import OdooRpc
from erp.odoo.services import Services
from erp.odoo.taxes import Taxes
from erp.odoo.version import Server

log = logging.getLogger(__name__)
ORDER, LINE = "sale.order", "sale.order.line"
NO_CANCEL_WIZARD = {"context": {"disable_cancel_warning": True}}


class Sales:
    def __init__(self, rpc: OdooRpc, bindings: Bindings, writer: Writer, server: Server, catalog: Catalog,
                 partners: Partners, money: tuple[Taxes, Currencies, Services]) -> None:
        self.rpc, self.bindings, self.writer, self.server = rpc, bindings, writer, server
        self.catalog, self.partners = catalog, partners
        self.taxes, self.currencies, self.services = money

    # ---- orders
    def upsert_order(self, key: str, doc: dict[str, Any]) -> int:
        """sale.order bound as ``order_<id>``; confirmed or cancelled to follow Magento's state. Totals,
        taxes, products and currency are checked before anything is written."""
        priced = pricing.price_order(doc, self.taxes.lookup)
        currency = self.currencies.active(doc.get("currency"))
        partner = self.partners.order_partner(key, doc)
        invoice, delivery = self.partners.order_addresses(key, partner, doc)
        products, services = self.row_products(priced.rows, doc, strict=True)
        name = values.binding_name("order", key)
        current = self._bound_order(name, doc)
        pricelist = self.currencies.pricelist(currency) if current is None else None
        header = sales_values.order_vals(doc, partner_id=partner, invoice_id=invoice, shipping_id=delivery)
        wanted = sales_values.order_lines(doc, priced, products, services, self.server.dialect)
        if current is None:
            order = self.writer.create(ORDER, name, {**header, **({"pricelist_id": pricelist} if pricelist else {}),
                                                     "order_line": [(0, 0, vals) for _, vals in wanted]})
            self._bind_new_lines(order, wanted, set())
            state = "draft"
        else:
            order, state = current["id"], current["state"]
            self._update_order(current, header, wanted)
        self._follow_state(order, state, doc)
        log.debug("order %s: Odoo total %s = Magento %s", key, priced.computed.total, priced.expected)
        return order

    def delete_order(self, key: str) -> None:
        """Cancel the order (Odoo does not delete confirmed orders)."""
        rows = self._read_bound(ORDER, values.binding_name("order", key), ["state"])
        if rows and rows[0]["state"] != "cancel":
            self.rpc.execute_kw(ORDER, "action_cancel", [[rows[0]["id"]]], NO_CANCEL_WIZARD)
            log.info("cancelled sale.order %s (Magento order %s deleted)", rows[0]["id"], key)

    def row_products(self, rows: list[pricing.Row], doc: dict[str, Any],
                     strict: bool) -> tuple[dict[str, int], dict[str, int]]:
        """product.product ids of the rows' catalogue SKUs (all required when ``strict``) and services."""
        skus = [row.product for row in rows if row.product]
        found = self.catalog.variant_ids(skus)
        missing = sorted({sku for sku in skus if sku not in found})
        if missing and strict:
            raise ErpRejected(f"order {doc.get('increment_id')}: products not in Odoo: {', '.join(missing)} "
                              "(they must be imported first)")
        services = {row.service: self.services.product(row.service) for row in rows if row.service}
        return found, services

    def _bound_order(self, name: str, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The bound order's state and lines; an unbound order with the same increment id is adopted."""
        rows = self._read_bound(ORDER, name, ["state", "order_line"])
        if rows:
            return rows[0]
        adopted = self.writer.adopt(ORDER, name, [("client_order_ref", "=", doc["increment_id"])])
        if adopted is None:
            return None
        order: dict[str, Any] = self.rpc.execute_kw(ORDER, "read", [[adopted]], {"fields": ["state", "order_line"]})[0]
        return order

    def _read_bound(self, model: str, name: str, fields: list[str]) -> list[dict[str, Any]]:
        binding = self.bindings.find(model, name)
        if binding is None:
            return []
        rows: list[dict[str, Any]] = self.rpc.execute_kw(model, "read", [[binding.res_id]],
                                                          {"fields": fields, **ALL_RECORDS})
        if not rows:
            log.warning("%s %s bound as %s was deleted in Odoo; creating it again", model, binding.res_id, name)
            self.bindings.drop(binding)
        return rows

    def _update_order(self, current: dict[str, Any], header: dict[str, Any],
                      wanted: list[tuple[str, dict[str, Any]]]) -> None:
        bound = {name: b.res_id for name, b in self.bindings.find_many(LINE, [n for n, _ in wanted]).items()}
        commands, created = sales_values.plan_line_commands(wanted, bound, current["order_line"],
                                                            confirmed=current["state"] == "sale")
        self.rpc.execute_kw(ORDER, "write", [[current["id"]], {**header, "order_line": commands}])
        if created:
            self._bind_new_lines(current["id"], [item for item in wanted if item[0] in created],
                                 set(current["order_line"]))

    def _bind_new_lines(self, order: int, created: list[tuple[str, dict[str, Any]]], previous: set[int]) -> None:
        """Bind the lines just created, recognised by their sequence (each line of a sync has its own).
        Bindings left by lines deleted in Odoo (with their order) are replaced."""
        by_sequence = {vals["sequence"]: name for name, vals in created}
        rows = self.rpc.execute_kw(LINE, "search_read", [[("order_id", "=", order)]], {"fields": ["sequence"]})
        pairs = [(by_sequence[row["sequence"]], row["id"]) for row in rows
                 if row["id"] not in previous and row["sequence"] in by_sequence]
        for stale in self.bindings.find_many(LINE, [name for name, _ in pairs]).values():
            self.bindings.drop(stale)
        self.bindings.bind_many(LINE, pairs)

    def _follow_state(self, order: int, state: str, doc: dict[str, Any]) -> None:
        target = sales_values.order_target_state(doc.get("state"))
        if target == "sale" and state != "sale":
            if state == "cancel":
                self.rpc.execute_kw(ORDER, "action_draft", [[order]])
            self.rpc.execute_kw(ORDER, "action_confirm", [[order]])
            if doc.get("created_at"):  # confirming stamps the order with today; Magento's date wins
                self.rpc.execute_kw(ORDER, "write", [[order], {"date_order": doc["created_at"]}])
            log.info("confirmed sale.order %s (Magento order %s is %s)", order, doc.get("increment_id"), doc["state"])
        elif target == "cancel" and state != "cancel":
            self.rpc.execute_kw(ORDER, "action_cancel", [[order]], NO_CANCEL_WIZARD)
            log.info("cancelled sale.order %s (Magento order %s is canceled)", order, doc.get("increment_id"))

    def order_of(self, doc: dict[str, Any], entity: str, key: str) -> int:
        order = self.writer.find(ORDER, values.binding_name("order", str(doc.get("order_id"))))
        if order is None:
            raise ErpRejected(f"{entity} {doc.get('increment_id') or key}: order {doc.get('order_id')} is not in "
                              "Odoo (it must be imported first)")
        return order

