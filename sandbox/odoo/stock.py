"""Sandbox models of Odoo 17's stock module: locations, warehouses, pickings, moves and quants.

Quantities are set the way Odoo 17 does it over RPC: ``stock.quant.create`` in ``inventory_mode`` with an
``inventory_quantity`` (merged into the existing quant), then ``action_apply_inventory``.
"""

from __future__ import annotations

from typing import Any

from sandbox.odoo.errors import UserError, ValidationError
from sandbox.odoo.fields import (
    Boolean,
    Char,
    Float,
    Many2one,
    Selection,
)
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register, rpc
from sandbox.odoo.users import in_group

LOCATION_USAGES = ("supplier", "view", "internal", "customer", "inventory", "production", "transit")
INVENTORY_CREATE_FIELDS = {"product_id", "location_id", "lot_id", "package_id", "owner_id", "inventory_quantity"}


@register
class Location(Model):
    _name, _description = "stock.location", "Inventory Locations"
    _parent_name = "location_id"
    _declared = {"name": Char("Location Name", required=True),
                 "location_id": Many2one("stock.location", "Parent Location", ondelete="cascade"),
                 "usage": Selection(LOCATION_USAGES, "Location Type", default="internal", required=True),
                 "complete_name": Char("Full Location Name", compute="_compute_complete_name"),
                 "active": Boolean("Active", default=True)}

    def _compute_complete_name(self, record: dict) -> str:
        parent = self.db.get(self._name, record.get("location_id"))
        if parent is not None and record["usage"] != "view":
            return f"{self._compute_complete_name(parent)}/{record['name']}"
        return record["name"]

    def _compute_display_name(self, record: dict) -> str:
        return self._compute_complete_name(record)

    def _from_context(self) -> set[int] | None:
        """Odoo's ``_get_domain_locations``: the context's ``location`` (or else ``warehouse``), ids or names
        (``ilike`` on the full name, "WH/Stock"), one or a list, with every location below them; None without."""
        context = self.env.context
        if context.get("location"):
            roots = self._search_ids(self._name, "complete_name", context["location"])
        elif context.get("warehouse"):
            warehouses = self._search_ids("stock.warehouse", "name", context["warehouse"])
            stock = [self.db.get("stock.warehouse", wid) for wid in warehouses]
            roots = {self.db.get(self._name, w["lot_stock_id"]).get("location_id") or w["lot_stock_id"]
                     for w in stock if w is not None}
        else:
            return None
        return self._hierarchy(self._name, "child_of", sorted(roots))

    def _search_ids(self, model: str, name_field: str, values: Any) -> set[int]:
        values = values if isinstance(values, list) else [values]
        ids = {value for value in values if isinstance(value, int) and not isinstance(value, bool)}
        for value in values:
            if isinstance(value, str):
                ids |= set(self.env[model].search([(name_field, "ilike", value)]))
        return ids


@register
class Warehouse(Model):
    """Warehouses; creating one without locations makes its view location ``<code>`` under "Physical Locations",
    its ``<code>/Stock`` and its delivery operation type, as Odoo 17 does (Odoo also makes inactive Input, Output,
    Quality Control and Packing Zone locations and Receipts/Pick/Pack/Internal types, left out here)."""

    _name, _description = "stock.warehouse", "Warehouse"
    _declared = {"name": Char("Warehouse", required=True), "code": Char("Short Name", required=True),
                 "view_location_id": Many2one("stock.location", "View Location"),
                 "lot_stock_id": Many2one("stock.location", "Location Stock", required=True),
                 "active": Boolean("Active", default=True)}
    _unique = ((("code",), "The operation cannot be completed: The short name of the warehouse must be unique per "
                           "company!"),)

    def _create_one(self, vals: dict) -> int:
        if vals.get("lot_stock_id") or not isinstance(vals.get("code"), str) or not vals["code"]:
            return super()._create_one(vals)
        locations = self.env["stock.location"]
        view = vals.get("view_location_id") or locations.create({
            "name": vals["code"], "usage": "view", "location_id": self.env.ref("stock.stock_location_locations")})
        stock = locations.create({"name": "Stock", "usage": "internal", "location_id": view})
        rid = super()._create_one({**vals, "view_location_id": view, "lot_stock_id": stock})
        self.env["stock.picking.type"].create({
            "name": "Delivery Orders", "code": "outgoing", "sequence_code": f"{vals['code']}/OUT/",
            "warehouse_id": rid, "default_location_src_id": stock,
            "default_location_dest_id": self.env.ref("stock.stock_location_customers")})
        return rid


@register
class PickingType(Model):
    _name, _description = "stock.picking.type", "Picking Type"
    _declared = {"name": Char("Operation Type", required=True),
                 "code": Selection(("incoming", "outgoing", "internal"), "Type of Operation", required=True),
                 "sequence_code": Char("Sequence Prefix", required=True),
                 "warehouse_id": Many2one("stock.warehouse", "Warehouse", ondelete="cascade"),
                 "default_location_src_id": Many2one("stock.location", "Default Source Location"),
                 "default_location_dest_id": Many2one("stock.location", "Default Destination Location"),
                 "create_backorder": Selection(("ask", "always", "never"), "Create Backorder", default="ask",
                                               required=True)}


@register
class Quant(Model):
    _name, _description = "stock.quant", "Quants"
    _declared = {
        "product_id": Many2one("product.product", "Product", required=True, ondelete="restrict"),
        "location_id": Many2one("stock.location", "Location", required=True, ondelete="restrict"),
        "quantity": Float("Quantity"), "reserved_quantity": Float("Reserved Quantity"),
        "inventory_quantity": Float("Counted Quantity"),
        "inventory_diff_quantity": Float("Difference", compute="_compute_inventory_diff_quantity"),
        "inventory_quantity_set": Boolean("Inventory Quantity Set"),
        "inventory_date": Char("Scheduled Date"),
    }

    def _compute_display_name(self, record: dict) -> str:
        return self.env["stock.location"]._display(self.db.get("stock.location", record["location_id"]))

    def _compute_inventory_diff_quantity(self, record: dict) -> float:
        if not record.get("inventory_quantity_set"):
            return 0.0
        return record["inventory_quantity"] - record["quantity"]

    def _internal(self, record: dict) -> bool:
        location = self.db.get("stock.location", record["location_id"])
        return location is not None and location["usage"] == "internal"

    def _on_hand(self, product: int, free: bool = False) -> float:
        """Quantity (less reserved when ``free``) of the product's quants in the context's locations."""
        locations = self.env["stock.location"]._from_context()
        total = 0.0
        for qid in self.db.lookup(self._name, "product_id", product) or ():
            record = self.db.get(self._name, qid)
            if record["location_id"] in locations if locations is not None else self._internal(record):
                total += record["quantity"] - (record["reserved_quantity"] if free else 0.0)
        return total

    def _sync_reserved(self, product: int, location: int) -> None:
        """``reserved_quantity`` of the quant at ``location``: what the open moves from there have reserved."""
        found = self.search([("product_id", "=", product), ("location_id", "=", location)], limit=1)
        if not found:
            return
        reserved = self.env["stock.move"]._reserved(product, location)
        if self.db.get(self._name, found[0])["reserved_quantity"] != reserved:
            self._set(found[0], reserved_quantity=reserved)

    def _inventory_mode(self) -> bool:
        return bool(self.env.context.get("inventory_mode"))

    def _create_one(self, vals: dict) -> int:
        if not (self._inventory_mode() and "inventory_quantity" in vals):
            return super()._create_one(vals)
        if set(vals) - INVENTORY_CREATE_FIELDS:
            raise UserError("Quant's creation is restricted, you can't do this operation.")
        counted = vals.pop("inventory_quantity") or 0.0
        existing = self.search([("product_id", "=", vals.get("product_id")),
                                ("location_id", "=", vals.get("location_id"))], limit=1)
        rid = existing[0] if existing else super()._create_one(vals)
        self.write([rid], {"inventory_quantity": counted})
        return rid

    def _prepare_write(self, ids: list[int], vals: dict) -> dict:
        if "quantity" in vals and not self._inventory_mode():
            raise UserError("Quant's editing is restricted, you can't do this operation.")
        if "inventory_quantity" in vals:
            vals = {**vals, "inventory_quantity_set": True, "inventory_date": self.env.today()}
        return vals

    def _check(self, ids: list[int]) -> None:
        for rid in ids:
            product = self.db.get("product.product", self.db.get(self._name, rid)["product_id"])
            if not self.env["product.product"]._is_storable(product):
                raise ValidationError("Quants cannot be created for consumables or services.")

    @rpc("records")
    def action_apply_inventory(self, ids: Any) -> None:
        """Turn each counted quantity into a done inventory move; returns None, as Odoo 17 does. Only a member of
        ``stock.group_stock_manager`` may (Odoo's UserError otherwise, its count left set)."""
        if not in_group(self.env, "stock.group_stock_manager"):
            raise UserError("Only a stock manager can validate an inventory adjustment.")
        adjustment = self.env.ref("stock.stock_location_inventory")
        for rid in self._ids(ids):
            record = self._record(rid)
            difference = self._compute_inventory_diff_quantity(record)
            if difference:
                self._inventory_move(record, difference, adjustment)
            self._set(rid, quantity=record["quantity"] + difference, inventory_quantity=0.0,
                      inventory_quantity_set=False)

    def _inventory_move(self, record: dict, difference: float, adjustment: int) -> None:
        source, destination = (adjustment, record["location_id"]) if difference > 0 else (record["location_id"],
                                                                                           adjustment)
        user = self.db.get("res.users", self.env.uid) if self.env.uid != 1 else None  # the counting user
        self.env["stock.move"].create({
            "name": "Product Quantity Updated" + (f" ({user['name']})" if user else ""),
            "product_id": record["product_id"], "is_inventory": True,
            "product_uom_qty": abs(difference), "quantity": abs(difference), "state": "done",
            "location_id": source, "location_dest_id": destination, "date": self.env.now()})
        self._counterpart(record["product_id"], adjustment, -difference)

    def _counterpart(self, product: int, adjustment: int, quantity: float) -> None:
        """The done move's other end: the product's quant in "Virtual Locations/Inventory adjustment" takes the
        opposite quantity (-10.0 after counting 10), as a real Odoo 17 shows it."""
        found = self.search([("product_id", "=", product), ("location_id", "=", adjustment)], limit=1)
        if found:
            current = self.db.get(self._name, found[0])
            self._set(found[0], quantity=current["quantity"] + quantity)
        else:
            super()._create_one({"product_id": product, "location_id": adjustment, "quantity": quantity})
