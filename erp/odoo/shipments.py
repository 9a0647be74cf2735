"""Shipments as the order's delivery (``stock.picking``): validated for exactly the shipped quantities (Odoo
leaves a backorder for the rest), with every track (number, carrier code, title) in the picking's note, and
the numbers in ``carrier_tracking_ref`` where that field exists (module ``stock_delivery``)."""

from __future__ import annotations

import logging
from typing import Any

from core.errors import ErpRejected, ErpUnavailable
from erp.odoo import sales_values, values
from erp.odoo.bindings import ALL_RECORDS, Bindings, Writer
from erp.odoo.catalog import Catalog
from erp.odoo.rpc import OdooRpc
from erp.odoo.sales import Sales
from erp.odoo.version import Server

log = logging.getLogger(__name__)
PICKING, MOVE, LINE = "stock.picking", "stock.move", "sale.order.line"
OPEN_STATES = ("draft", "waiting", "confirmed", "assigned")
# validate for the quantities set, creating the backorder without the wizard (and without the SMS one)
VALIDATE = {"context": {"skip_backorder": True, "skip_sms": True, "skip_immediate": True}}


class Shipments:
    def __init__(self, rpc: OdooRpc, bindings: Bindings, writer: Writer, server: Server, catalog: Catalog,
                 sales: Sales) -> None:
        self.rpc, self.bindings, self.writer, self.server = rpc, bindings, writer, server
        self.catalog, self.sales = catalog, sales

    def upsert(self, key: str, doc: dict[str, Any]) -> int:
        """The shipment is bound to a delivery of its order, which is validated for the shipped quantities
        (once: a done picking is left as it is) and gets the shipment's tracks."""
        order = self.sales.order_of(doc, "shipment", key)
        name = values.binding_name("shipment", key)
        fields = ["state"] + [field for field in ("carrier_tracking_ref", "note")
                              if self.server.has_field(PICKING, field)]
        pickings = self.rpc.execute_kw(PICKING, "search_read", [[
            ("sale_id", "=", order), ("picking_type_code", "=", "outgoing")]],
            {"fields": fields, "order": "id", **ALL_RECORDS})
        binding = self.bindings.find(PICKING, name)
        picking = choose_picking(pickings, binding.res_id if binding else None)
        if picking is None:  # e.g. the order is being confirmed by another consumer right now: try again later
            raise ErpUnavailable(f"shipment {doc.get('increment_id')}: Odoo order {order} has no delivery yet to "
                                 "carry it (the order must be confirmed, with goods to deliver)")
        if binding is None or binding.res_id != picking["id"]:
            if binding is not None:
                self.bindings.drop(binding)
            self.writer.bind(PICKING, name, picking["id"], {})
        if picking["state"] in OPEN_STATES:
            self._validate(picking["id"], doc)
        self._record_tracks(picking, doc.get("tracks") or [])
        return int(picking["id"])

    def delete(self, key: str) -> None:
        """Forget the binding; the picking and its tracks stay (warehouse records are kept)."""
        binding = self.bindings.find(PICKING, values.binding_name("shipment", key))
        if binding is not None:
            self.bindings.drop(binding)

    def _validate(self, picking: int, doc: dict[str, Any]) -> None:
        moves = self.rpc.execute_kw(MOVE, "search_read", [[("picking_id", "=", picking)]], {
            "fields": ["product_id", "product_uom_qty", "sale_line_id", "state"], "order": "id"})
        shipped = doc.get("sold_lines")
        shipped = shipped if shipped is not None else doc.get("lines") or []
        quantities = sales_values.shipped_quantities(moves, shipped, self._sale_lines(shipped), self._variants(shipped))
        if not any(quantities.values()):
            raise ErpRejected(f"shipment {doc.get('increment_id')}: none of its items is on Odoo delivery {picking}",
                              details={"picking": picking})
        picked = self.server.has_field(MOVE, "picked")
        for move, quantity in quantities.items():
            self.rpc.execute_kw(MOVE, "write", [[move], {"quantity": quantity,
                                                         **({"picked": quantity > 0} if picked else {})}])
        answer = self.rpc.execute_kw(PICKING, "button_validate", [[picking]], VALIDATE)
        if isinstance(answer, dict):
            raise ErpRejected(f"shipment {doc.get('increment_id')}: Odoo answered validating delivery {picking} with "
                              f"a wizard ({answer.get('res_model')}) the bridge cannot fill in")
        log.info("validated delivery %s for shipment %s (%s units)", picking, doc.get("increment_id"),
                 sum(quantities.values()))

    def _sale_lines(self, shipped: list[dict[str, Any]]) -> dict[str, Any]:
        items = [item.get("order_item_id") for item in shipped] + [
            child.get("magento_item_id") for item in shipped for child in item.get("component_lines") or []]
        names = {values.line_name(item): item for item in items if item is not None}
        return {names[name]: b.res_id for name, b in self.bindings.find_many(LINE, list(names)).items()}

    def _variants(self, shipped: list[dict[str, Any]]) -> dict[str, int]:
        skus = [part.get("product_sku") or part.get("sku") for item in shipped
                for part in [item, *(item.get("component_lines") or [])]]
        return self.catalog.variant_ids([sku for sku in skus if sku])

    def _record_tracks(self, picking: dict[str, Any], tracks: list[dict[str, Any]]) -> None:
        vals = {}
        if "carrier_tracking_ref" in picking:
            reference = sales_values.tracking_reference(picking["carrier_tracking_ref"], tracks)
            if reference and reference != picking["carrier_tracking_ref"]:
                vals["carrier_tracking_ref"] = reference
        if "note" in picking:
            note = sales_values.tracking_note(picking["note"], tracks)
            if note:
                vals["note"] = note
        elif tracks:
            log.warning("delivery %s: Odoo's stock.picking has no note field; tracks kept in Magento only",
                        picking["id"])
        if vals:
            self.rpc.execute_kw(PICKING, "write", [[picking["id"]], vals])


def choose_picking(pickings: list[dict[str, Any]], bound: int | None) -> dict[str, Any] | None:
    """The picking bound to the shipment, else the first open delivery, else the first done one."""
    by_id = {picking["id"]: picking for picking in pickings}
    if bound in by_id:
        return by_id[bound]
    for states in (OPEN_STATES, ("done",)):
        for picking in pickings:
            if picking["state"] in states:
                return picking
    return None
