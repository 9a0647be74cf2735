"""Odoo 17's "Create Backorder?" wizard (``stock.backorder.confirmation``), as a client drives it over RPC.

``stock.picking.button_validate`` answers its action when a delivery falls short; the client creates the
wizard with the action's ``context`` (``default_pick_ids``, ``button_validate_picking_ids``) and calls
``process`` (backorder) or ``process_cancel_backorder`` (no backorder). Without that context both do nothing
and answer True, as Odoo's do.
"""

from __future__ import annotations

from typing import Any

from sandbox.odoo.fields import Boolean, Many2many, Many2one, One2many
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register, rpc


@register
class BackorderConfirmation(Model):
    _name, _description = "stock.backorder.confirmation", "Backorder Confirmation"
    _declared = {
        "pick_ids": Many2many("stock.picking", "Transfers"), "show_transfers": Boolean("Show Transfers"),
        "backorder_confirmation_line_ids": One2many("stock.backorder.confirmation.line", "backorder_confirmation_id",
                                                    "Backorder Confirmation Lines"),
    }

    def _prepare_create(self, vals: dict) -> dict:
        """``default_get``: the ``default_pick_ids`` of the action's context, one line per transfer."""
        context = self.env.context
        if "pick_ids" not in vals and context.get("default_pick_ids"):
            vals["pick_ids"] = context["default_pick_ids"]
        vals.setdefault("show_transfers", bool(context.get("default_show_transfers")))
        return vals

    def _after_create(self, rid: int, vals: dict) -> None:
        if "backorder_confirmation_line_ids" not in vals:
            for picking_id in self._value(self._record(rid), "pick_ids"):
                self.env["stock.backorder.confirmation.line"].create(
                    {"backorder_confirmation_id": rid, "picking_id": picking_id, "to_backorder": True})

    def _to_validate(self) -> list[int]:
        return list(self.env.context.get("button_validate_picking_ids") or [])

    @rpc("records")
    def process(self, ids: Any) -> Any:
        """Validate the transfers of ``button_validate_picking_ids`` (context); backorders for lines marked so."""
        lines = self.env["stock.backorder.confirmation.line"]
        not_to_do = [lines._record(lid)["picking_id"] for rid in self._ids(ids)
                     for lid in self._value(self._record(rid), "backorder_confirmation_line_ids")
                     if not lines._record(lid)["to_backorder"]]
        to_validate = self._to_validate()
        if not to_validate:
            return True
        pickings = self.env.with_context(skip_backorder=True)["stock.picking"]
        if not_to_do:
            pickings = pickings.with_context(picking_ids_not_to_backorder=not_to_do)
        return pickings.button_validate(to_validate)

    @rpc("records")
    def process_cancel_backorder(self, ids: Any) -> Any:
        """Validate the transfers of ``button_validate_picking_ids`` (context) and cancel what is left."""
        to_validate = self._to_validate()
        if not to_validate:
            return True
        not_to_backorder = [pid for rid in self._ids(ids) for pid in self._value(self._record(rid), "pick_ids")]
        pickings = self.env.with_context(skip_backorder=True, picking_ids_not_to_backorder=not_to_backorder)
        return pickings["stock.picking"].button_validate(to_validate)


@register
class BackorderConfirmationLine(Model):
    _name, _description = "stock.backorder.confirmation.line", "Backorder Confirmation Line"
    _declared = {
        "backorder_confirmation_id": Many2one("stock.backorder.confirmation", "Immediate Transfer",
                                              ondelete="cascade"),
        "picking_id": Many2one("stock.picking", "Transfer"), "to_backorder": Boolean("To Backorder"),
    }
