"""``ir.module.module``: which of the modules the sandbox knows are installed, searchable like Odoo's.

A client checks its dependencies with ``search_read([("name", "in", [...]), ("state", "=", "installed")])``.
``stock_delivery`` (``stock.picking.carrier_tracking_ref``) is off unless the sandbox is started with it
or a client installs it with ``button_immediate_install``; fields of a module that is not installed do
not exist (Odoo's "Invalid field" error).
"""

from __future__ import annotations

from typing import Any

from sandbox.odoo.errors import UserError
from sandbox.odoo.fields import Boolean, Char, Selection
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register, rpc

MODULE_STATES = ("uninstallable", "uninstalled", "installed", "to upgrade", "to remove", "to install")
DESCRIPTIONS = {
    "base": "Base", "product": "Products & Pricelists", "account": "Invoicing", "sale": "Sales",
    "sale_management": "Sales", "stock": "Inventory", "sale_stock": "Sales and Warehouse Management",
    "delivery": "Delivery Costs", "stock_delivery": "Delivery - Stock",
}
DEPENDS = {"sale_management": ("sale",), "sale_stock": ("sale", "stock"), "delivery": ("sale",),
           "stock_delivery": ("delivery", "stock")}


@register
class Module(Model):
    _name, _description = "ir.module.module", "Module"
    _order = "name"
    _declared = {"name": Char("Technical Name", required=True, index=True), "shortdesc": Char("Module Name"),
                 "state": Selection(MODULE_STATES, "Status", default="uninstalled"),
                 "application": Boolean("Application")}

    @rpc("records")
    def button_immediate_install(self, ids: Any) -> dict:
        """Install the modules (and the sandbox modules they depend on) at once; the new fields appear."""
        names = [self._record(rid)["name"] for rid in self._ids(ids)]
        wanted = set(names)
        while True:
            more = {dep for name in wanted for dep in DEPENDS.get(name, ())} - wanted
            if not more:
                break
            wanted |= more
        for name in sorted(wanted):
            found = self.search([("name", "=", name)], limit=1)
            if not found:
                raise UserError(f"You try to install module {name!r} that depends on module {name!r}.\n"
                                "But the latter module is not available in your system.")
            self._set(found[0], state="installed")
        self.db.modules = self.db.modules | wanted
        return {"type": "ir.actions.client", "tag": "reload"}


def seed_modules(model: Model, known: tuple[str, ...]) -> None:
    """One record per module the sandbox knows, installed when it is in the database's modules."""
    for name in known:
        model.create({"name": name, "shortdesc": DESCRIPTIONS.get(name, name),
                      "state": "installed" if name in model.db.modules else "uninstalled",
                      "application": name in ("account", "sale_management", "stock")})
