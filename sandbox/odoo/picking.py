"""Sandbox models of Odoo 17's transfers: pickings, stock moves, reservation, validation and backorders.

Validation follows ``stock.picking.button_validate``: a move is delivered for its ``quantity`` (what the
client wrote, or what was reserved); when a move gets less than its demand and the operation type asks
(``create_backorder = 'ask'``), the answer is the "Create Backorder?" wizard action
(``stock.backorder.confirmation``) instead of a validation. The client then either creates the wizard from
the action's context and calls ``process`` (a backorder holds the rest) or ``process_cancel_backorder``
(the rest is cancelled), or calls ``button_validate`` again with the context ``skip_backorder`` (a
backorder) and ``picking_ids_not_to_backorder`` (no backorder for those).
"""

from __future__ import annotations

from typing import Any

from sandbox.odoo.errors import UserError
from sandbox.odoo.fields import Boolean, Char, Datetime, Float, Many2one, One2many, Selection
from sandbox.odoo.model import Model
from sandbox.odoo.orm import precision_digits, register, rpc
from sandbox.odoo.rounding import UOM_DIGITS, float_round
from sandbox.odoo.uom import product_unit

PICKING_STATES = ("draft", "waiting", "confirmed", "assigned", "done", "cancel")
MOVE_STATES = ("draft", "waiting", "confirmed", "partially_available", "assigned", "done", "cancel")
OPEN = ("draft", "waiting", "confirmed", "partially_available", "assigned")
EMPTY_TRANSFER = "You can’t validate an empty transfer. Please add some products to move before proceeding."
NO_QUANTITIES = ("You cannot validate a transfer if no quantities are reserved. To force the transfer, "
                 "encode quantities.")
BACKORDER_VIEW_ID = 1057  # the id of stock.view_backorder_confirmation the action names (any id will do)


@register
class Picking(Model):
    _name, _description = "stock.picking", "Transfer"
    _order = "id desc"
    _declared = {
        "name": Char("Reference", default="/"), "origin": Char("Source Document"),
        "partner_id": Many2one("res.partner", "Contact"),
        "picking_type_id": Many2one("stock.picking.type", "Operation Type", required=True),
        "picking_type_code": Selection(("incoming", "outgoing", "internal"), compute="_compute_picking_type_code"),
        "location_id": Many2one("stock.location", "Source Location", required=True),
        "location_dest_id": Many2one("stock.location", "Destination Location", required=True),
        "state": Selection(PICKING_STATES, "Status", default="draft"),
        "move_ids": One2many("stock.move", "picking_id", "Stock Moves"),
        "sale_id": Many2one("sale.order", "Sales Order"),
        "backorder_id": Many2one("stock.picking", "Back Order of"),
        "backorder_ids": One2many("stock.picking", "backorder_id", "Back Orders"),
        "carrier_tracking_ref": Char("Tracking Reference", module="stock_delivery"),
        "scheduled_date": Datetime("Scheduled Date"), "date_done": Datetime("Date of Transfer"),
    }

    def _compute_picking_type_code(self, record: dict) -> Any:
        kind = self.db.get("stock.picking.type", record.get("picking_type_id"))
        return kind["code"] if kind else False

    def _prepare_create(self, vals: dict) -> dict:
        if vals.get("name", "/") == "/" and vals.get("picking_type_id"):
            kind = self.db.get("stock.picking.type", vals["picking_type_id"])
            if kind is not None:
                number = self.db.next_number(f"picking.{kind['id']}")
                vals["name"] = f"{kind['sequence_code']}{number:05d}"
        vals.setdefault("scheduled_date", self.env.now())
        return vals

    def _moves(self, rid: int) -> list[dict]:
        return [self.db.get("stock.move", mid) for mid in self._value(self._record(rid), "move_ids")]

    def _open_moves(self, rid: int) -> list[dict]:
        return [move for move in self._moves(rid) if move["state"] in OPEN]

    # ---- reservation
    @rpc("records")
    def action_confirm(self, ids: Any) -> bool:
        for rid in self._ids(ids):
            for move in self._moves(rid):
                if move["state"] == "draft":
                    self.env["stock.move"]._set(move["id"], state="confirmed")
            self.action_assign([rid])
        return True

    @rpc("records")
    def action_assign(self, ids: Any) -> bool:
        """Reserve what the stock allows: consumables fully, storable products from the source's quants."""
        moves = self.env["stock.move"]
        for rid in self._ids(ids):
            for move in self._open_moves(rid):
                if move["state"] != "draft":
                    moves._reserve(move)
            self._update_state(rid)
        return True

    def _update_state(self, rid: int) -> None:
        """Odoo's picking state: done/cancel when every move is, ready when anything is reserved, else waiting."""
        moves = self._moves(rid)
        states = {move["state"] for move in moves}
        if not moves or "draft" in states:
            state = "draft"
        elif states <= {"cancel"}:
            state = "cancel"
        elif states <= {"done", "cancel"}:
            state = "done"
        elif any(move["quantity"] > 0 for move in moves if move["state"] in OPEN):
            state = "assigned"
        else:
            state = "confirmed"
        self._set(rid, state=state)

    # ---- validation
    @rpc("records")
    def button_validate(self, ids: Any) -> Any:
        """Validate the transfers for their moves' quantities; the backorder wizard action when some fall short."""
        ids = self._ids(ids)
        self._validate_drafts(ids)
        if not self.env.context.get("skip_sanity_check"):
            self._sanity_check(ids)
        this = self if self.env.context.get("button_validate_picking_ids") else \
            self.with_context(button_validate_picking_ids=ids)
        wizard = this._pre_action_done_hook(ids)
        if wizard is not True:
            return wizard
        not_to_backorder = {rid for rid in ids if self._kind(rid)["create_backorder"] == "never"}
        not_to_backorder |= {rid for rid in self.env.context.get("picking_ids_not_to_backorder") or []
                             if rid in ids and self._kind(rid)["create_backorder"] != "always"}
        for rid in ids:
            self._action_done(rid, cancel_backorder=rid in not_to_backorder)
        return True

    def _kind(self, rid: int) -> dict:
        return self.db.get("stock.picking.type", self._record(rid)["picking_type_id"])

    def _validate_drafts(self, ids: list[int]) -> None:
        for rid in ids:
            if self._record(rid)["state"] == "draft":
                self.action_confirm([rid])
                for move in self._moves(rid):
                    if not move["quantity"] and move["product_uom_qty"]:
                        self.env["stock.move"]._set(move["id"], quantity=move["product_uom_qty"])

    def _sanity_check(self, ids: list[int]) -> None:
        for rid in ids:
            if not self._moves(rid):
                raise UserError(EMPTY_TRANSFER)
            if all(not move["quantity"] for move in self._open_moves(rid)):
                raise UserError(NO_QUANTITIES)

    def _pre_action_done_hook(self, ids: list[int]) -> Any:
        moves = self.env["stock.move"]
        for rid in ids:
            if all(not move["picked"] for move in self._moves(rid)):
                for move in self._moves(rid):
                    moves._set(move["id"], picked=True)
        if self.env.context.get("skip_backorder"):
            return True
        short = [rid for rid in ids if self._kind(rid)["create_backorder"] == "ask" and any(
            (move["product_uom_qty"] and not move["picked"]) or moves._picked(move) < move["product_uom_qty"]
            for move in self._moves(rid) if move["state"] != "cancel")]
        return self._backorder_wizard(short) if short else True

    def _backorder_wizard(self, ids: list[int]) -> dict:
        """``_action_generate_backorder_wizard``: the action a client opens (or follows) to decide."""
        context = {**self.env.context, "default_show_transfers": False,
                   "default_pick_ids": [[4, rid] for rid in ids]}
        return {"name": "Create Backorder?", "type": "ir.actions.act_window", "view_mode": "form",
                "res_model": "stock.backorder.confirmation", "views": [[BACKORDER_VIEW_ID, "form"]],
                "view_id": BACKORDER_VIEW_ID, "target": "new", "context": context}

    def _action_done(self, rid: int, cancel_backorder: bool) -> None:
        """Deliver the picked quantities; the rest goes to a backorder, or is cancelled."""
        moves = self.env["stock.move"]
        rest = []
        for move in self._open_moves(rid):
            remainder = moves._done(move)
            if remainder is not None:
                rest.append(remainder)
        if rest and cancel_backorder:
            for mid in rest:
                moves._set(mid, state="cancel", quantity=0.0)
        elif rest:
            self._create_backorder(rid, rest)
        self._set(rid, state="done", date_done=self.env.now())

    def _create_backorder(self, rid: int, move_ids: list[int]) -> int:
        picking = self._record(rid)
        backorder = self.create({key: picking[key] for key in ("origin", "partner_id", "picking_type_id",
                                                              "location_id", "location_dest_id", "sale_id")}
                                | {"backorder_id": rid, "state": "confirmed"})
        self.env["stock.move"].write(move_ids, {"picking_id": backorder, "picked": False})
        self.action_assign([backorder])
        return backorder


@register
class Move(Model):
    _name, _description = "stock.move", "Stock Move"
    _declared = {
        "name": Char("Description", required=True), "origin": Char("Source Document"),
        "product_id": Many2one("product.product", "Product", required=True),
        "product_uom_qty": Float("Demand", digits=UOM_DIGITS), "quantity": Float("Quantity", digits=UOM_DIGITS),
        "product_uom": Many2one("uom.uom", "UoM"),
        "picked": Boolean("Picked"),
        "location_id": Many2one("stock.location", "Source Location", required=True),
        "location_dest_id": Many2one("stock.location", "Destination Location", required=True),
        "picking_id": Many2one("stock.picking", "Transfer", ondelete="cascade"),
        "sale_line_id": Many2one("sale.order.line", "Sale Line"),
        "state": Selection(MOVE_STATES, "Status", default="draft"),
        "is_inventory": Boolean("Inventory"), "date": Datetime("Date Scheduled"),
        "reference": Char("Reference", compute="_compute_reference"),
    }

    def _compute_reference(self, record: dict) -> str:
        picking = self.db.get("stock.picking", record.get("picking_id"))
        return picking["name"] if picking else record["name"]

    def _prepare_create(self, vals: dict) -> dict:
        product_unit(self, vals, "product_uom")
        return vals

    def _write_one(self, rid: int, vals: dict) -> None:
        super()._write_one(rid, vals)
        self._reservation_changed(rid)

    def _set(self, rid: int, **values: Any) -> None:
        super()._set(rid, **values)
        self._reservation_changed(rid)

    def _reservation_changed(self, rid: int) -> None:
        move = self._record(rid)
        if self._storable(move):
            self.env["stock.quant"]._sync_reserved(move["product_id"], move["location_id"])

    def _reserved(self, product: int, location: int) -> float:
        """What the open moves of ``product`` from ``location`` hold reserved."""
        moves = self.search([("product_id", "=", product), ("location_id", "=", location),
                             ("state", "in", ["assigned", "partially_available"])])
        return sum(self.db.get(self._name, mid)["quantity"] for mid in moves)

    def _expected(self, product: int) -> float:
        """Incoming less outgoing quantity of the product's open moves, for the context's locations."""
        inside = self.env["stock.location"]._from_context()
        internal = {rid for rid, loc in self.db.tables["stock.location"].items() if loc["usage"] == "internal"}
        inside = internal if inside is None else inside
        total = 0.0
        for mid in self.db.lookup(self._name, "product_id", product) or ():
            move = self.db.get(self._name, mid)
            if move["state"] in OPEN and move["state"] != "draft":
                into, out_of = move["location_dest_id"] in inside, move["location_id"] in inside
                total += move["product_uom_qty"] * (int(into) - int(out_of))
        return total

    def _picked(self, move: dict) -> float:
        return move["quantity"] if move["picked"] else 0.0

    def _storable(self, move: dict) -> bool:
        return self.env["product.product"]._is_storable(self.db.get("product.product", move["product_id"]))

    def _reserve(self, move: dict) -> None:
        """Reserve the move's demand: all of it for a consumable, what the source location has for a storable."""
        demand = move["product_uom_qty"]
        if not self._storable(move):
            quantity = demand
        else:
            quantity = max(0.0, min(demand, self._free(move)))
        state = "assigned" if quantity >= demand else "partially_available" if quantity > 0 else "confirmed"
        digits = precision_digits(self.db, UOM_DIGITS)
        self._set(move["id"], quantity=float_round(quantity, digits), state=state)

    def _free(self, move: dict) -> float:
        """On hand at the source location (and below it) less what other open moves have reserved there."""
        quants = self.env["stock.quant"].search([("product_id", "=", move["product_id"]),
                                                 ("location_id", "child_of", move["location_id"])])
        on_hand = sum(self.db.get("stock.quant", qid)["quantity"] for qid in quants)
        others = self.search([("product_id", "=", move["product_id"]), ("location_id", "=", move["location_id"]),
                              ("state", "in", ["assigned", "partially_available"]), ("id", "!=", move["id"])])
        return on_hand - sum(self.db.get(self._name, mid)["quantity"] for mid in others)

    def _done(self, move: dict) -> int | None:
        """``_action_done`` of one move: done for its picked quantity; the id of the move left for the rest."""
        picked = self._picked(move)
        if picked <= 0:
            return move["id"]
        remainder = None
        if picked < move["product_uom_qty"]:
            remainder = self.create({"name": move["name"], "origin": move["origin"], "product_id": move["product_id"],
                                     "product_uom_qty": move["product_uom_qty"] - picked, "state": "confirmed",
                                     "location_id": move["location_id"], "location_dest_id": move["location_dest_id"],
                                     "picking_id": move["picking_id"], "sale_line_id": move["sale_line_id"],
                                     "product_uom": move["product_uom"]})
            self._set(move["id"], product_uom_qty=picked)
        self._set(move["id"], state="done", date=self.env.now())
        if self._storable(move):
            self._move_stock(move, picked)
        return remainder

    def _move_stock(self, move: dict, quantity: float) -> None:
        quants = self.env["stock.quant"]
        for location, delta in ((move["location_id"], -quantity), (move["location_dest_id"], quantity)):
            if self.db.get("stock.location", location)["usage"] not in ("internal", "transit"):
                continue
            found = quants.search([("product_id", "=", move["product_id"]), ("location_id", "=", location)], limit=1)
            qid = found[0] if found else quants.create({"product_id": move["product_id"], "location_id": location})
            quants._set(qid, quantity=self.db.get("stock.quant", qid)["quantity"] + delta)
