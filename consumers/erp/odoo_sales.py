"""Orders as ``sale.order`` (``client_order_ref`` = increment id, lines bound one by one so a second sync
never duplicates them) and shipments as the tracking reference of the order's delivery picking."""

from __future__ import annotations

import logging

from consumers.erp import odoo_sales_values as sales_values
from consumers.erp import odoo_values as values
from consumers.erp.odoo_bindings import ALL_RECORDS, Bindings, Writer
from consumers.erp.odoo_catalog import Catalog
from consumers.erp.odoo_partners import Partners
from consumers.erp.odoo_reference import Reference
from consumers.erp.odoo_rpc import OdooRpc
from core.errors import ErpRejected, ErpUnavailable

log = logging.getLogger(__name__)
ORDER, LINE, PICKING = "sale.order", "sale.order.line", "stock.picking"
NO_CANCEL_WIZARD = {"context": {"disable_cancel_warning": True}}


class Sales:
    def __init__(self, rpc: OdooRpc, bindings: Bindings, writer: Writer, reference: Reference,
                 catalog: Catalog, partners: Partners) -> None:
        self.rpc, self.bindings, self.writer, self.reference = rpc, bindings, writer, reference
        self.catalog, self.partners = catalog, partners

    # ---- orders
    def upsert_order(self, key: str, doc: dict) -> int:
        """sale.order bound as ``order_<id>``; confirmed or cancelled to follow Magento's state."""
        partner = self.partners.order_partner(key, doc)
        invoice, delivery = self.partners.order_addresses(key, partner, doc)
        header = sales_values.order_vals(doc, partner_id=partner, invoice_id=invoice, shipping_id=delivery)
        wanted = sales_values.order_lines(doc, self._variants(doc), self._shipping(doc))
        name = values.binding_name("order", key)
        current = self._bound_order(name, doc)
        if current is None:
            pricelist = self.reference.pricelist_id(self.reference.currency_id(doc.get("currency")))
            order = self.writer.create(ORDER, name, {**header, **({"pricelist_id": pricelist} if pricelist else {}),
                                                     "order_line": [(0, 0, vals) for _, vals in wanted]})
            self._bind_new_lines(order, wanted, set())
            state = "draft"
        else:
            order, state = current["id"], current["state"]
            self._update_order(current, header, wanted)
        self._follow_state(order, state, doc)
        return order

    def delete_order(self, key: str) -> None:
        """Cancel the order (Odoo does not delete confirmed orders)."""
        rows = self._read_bound(ORDER, values.binding_name("order", key), ["state"])
        if rows and rows[0]["state"] != "cancel":
            self.rpc.execute_kw(ORDER, "action_cancel", [[rows[0]["id"]]], NO_CANCEL_WIZARD)
            log.info("cancelled sale.order %s (Magento order %s deleted)", rows[0]["id"], key)

    def _variants(self, doc: dict) -> dict[str, int]:
        skus = [values.catalogue_sku(line) or values.required(line, "sku") for line in doc.get("lines") or []]
        found = self.catalog.variant_ids(skus)
        missing = sorted({sku for sku in skus if sku not in found})
        if missing:
            raise ErpRejected(f"order {doc.get('increment_id')}: products not in Odoo: {', '.join(missing)} "
                              "(they must be imported first)")
        return found

    def _shipping(self, doc: dict) -> int | None:
        return self.catalog.shipping_product() if values.money(doc.get("shipping_amount")) else None

    def _bound_order(self, name: str, doc: dict) -> dict | None:
        """The bound order's state and lines; an unbound order with the same increment id is adopted."""
        rows = self._read_bound(ORDER, name, ["state", "order_line"])
        if rows:
            return rows[0]
        adopted = self.writer.adopt(ORDER, name, [("client_order_ref", "=", doc["increment_id"])])
        if adopted is None:
            return None
        return self.rpc.execute_kw(ORDER, "read", [[adopted]], {"fields": ["state", "order_line"]})[0]

    def _read_bound(self, model: str, name: str, fields: list[str]) -> list[dict]:
        binding = self.bindings.find(model, name)
        if binding is None:
            return []
        rows = self.rpc.execute_kw(model, "read", [[binding.res_id]], {"fields": fields, **ALL_RECORDS})
        if not rows:
            log.warning("%s %s bound as %s was deleted in Odoo; creating it again", model, binding.res_id, name)
            self.bindings.drop(binding)
        return rows

    def _update_order(self, current: dict, header: dict, wanted: list[tuple[str, dict]]) -> None:
        bound = {name: b.res_id for name, b in self.bindings.find_many(LINE, [n for n, _ in wanted]).items()}
        commands, created = sales_values.plan_line_commands(wanted, bound, current["order_line"],
                                                            confirmed=current["state"] == "sale")
        self.rpc.execute_kw(ORDER, "write", [[current["id"]], {**header, "order_line": commands}])
        if created:
            self._bind_new_lines(current["id"], [item for item in wanted if item[0] in created],
                                 set(current["order_line"]))

    def _bind_new_lines(self, order: int, created: list[tuple[str, dict]], previous: set[int]) -> None:
        """Bind the lines just created, recognised by their sequence (each line of a sync has its own).
        Bindings left by lines deleted in Odoo (with their order) are replaced."""
        by_sequence = {vals["sequence"]: name for name, vals in created}
        rows = self.rpc.execute_kw(LINE, "search_read", [[("order_id", "=", order)]], {"fields": ["sequence"]})
        pairs = [(by_sequence[row["sequence"]], row["id"]) for row in rows
                 if row["id"] not in previous and row["sequence"] in by_sequence]
        for stale in self.bindings.find_many(LINE, [name for name, _ in pairs]).values():
            self.bindings.drop(stale)
        self.bindings.bind_many(LINE, pairs)

    def _follow_state(self, order: int, state: str, doc: dict) -> None:
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

    # ---- shipments
    def upsert_shipment(self, key: str, doc: dict) -> int:
        """The order's delivery picking gets the shipment's tracking numbers; the shipment is bound to it."""
        order = self.order_of(doc, "shipment", key)
        name = values.binding_name("shipment", key)
        pickings = self.rpc.execute_kw(PICKING, "search_read", [[
            ("sale_id", "=", order), ("picking_type_code", "=", "outgoing")]],
            {"fields": ["state", "carrier_tracking_ref"], "order": "id", **ALL_RECORDS})
        binding = self.bindings.find(PICKING, name)
        picking = _choose_picking(pickings, binding.res_id if binding else None)
        if picking is None:  # e.g. the order is being confirmed by another consumer right now: try again later
            raise ErpUnavailable(f"shipment {doc.get('increment_id')}: Odoo order {order} has no delivery yet to "
                                 "carry its tracking (the order must be confirmed, with goods to deliver)")
        reference = sales_values.tracking_reference(picking["carrier_tracking_ref"], doc.get("tracks") or [])
        if reference and reference != picking["carrier_tracking_ref"]:
            self.rpc.execute_kw(PICKING, "write", [[picking["id"]], {"carrier_tracking_ref": reference}])
        if binding is None or binding.res_id != picking["id"]:
            if binding is not None:
                self.bindings.drop(binding)
            self.writer.bind(PICKING, name, picking["id"], {})
        return picking["id"]

    def delete_shipment(self, key: str) -> None:
        """Forget the binding; the picking and its tracking reference stay (warehouse records are kept)."""
        binding = self.bindings.find(PICKING, values.binding_name("shipment", key))
        if binding is not None:
            self.bindings.drop(binding)

    def order_of(self, doc: dict, entity: str, key: str) -> int:
        order = self.writer.find(ORDER, values.binding_name("order", str(doc.get("order_id"))))
        if order is None:
            raise ErpRejected(f"{entity} {doc.get('increment_id') or key}: order {doc.get('order_id')} is not in "
                              "Odoo (it must be imported first)")
        return order


def _choose_picking(pickings: list[dict], bound: int | None) -> dict | None:
    """The picking bound to the shipment, else the first open delivery, else the first done one."""
    by_id = {picking["id"]: picking for picking in pickings}
    if bound in by_id:
        return by_id[bound]
    for states in (("draft", "waiting", "confirmed", "assigned"), ("done",)):
        for picking in pickings:
            if picking["state"] in states:
                return picking
    return None
