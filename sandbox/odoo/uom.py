"""``uom.uom``: the units of measure a fresh database has, and the unit fields of products and lines.

Products default to "Units"; a sale line, invoice line or stock move takes its product's unit when none is
given (Odoo 17: ``sale.order.line.product_uom``, ``account.move.line.product_uom_id``,
``stock.move.product_uom``). Quantities are not converted between units (every line in the sandbox is
priced per its own unit).
"""

from __future__ import annotations

from typing import Any

from sandbox.odoo.fields import Boolean, Char, Float, Selection
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register

# xml id, name, type, factor, id (as in a real Odoo 17, which has 26 units)
UNITS = (("product_uom_unit", "Units", "reference", 1.0, 1), ("product_uom_dozen", "Dozens", "bigger", 1 / 12, 2),
         ("product_uom_hour", "Hours", "reference", 1.0, 4), ("product_uom_kgm", "kg", "reference", 1.0, 12))


@register
class Uom(Model):
    _name, _description = "uom.uom", "Product Unit of Measure"
    _order = "name"
    _declared = {"name": Char("Unit of Measure", required=True), "active": Boolean("Active", default=True),
                 "uom_type": Selection(("bigger", "reference", "smaller"), "Type", default="reference",
                                       required=True),
                 "factor": Float("Ratio", default=1.0), "rounding": Float("Rounding Precision", default=0.01)}


def default_unit(model: Model) -> Any:
    """The "Units" unit (``uom.product_uom_unit``), Odoo's default for a product."""
    return model.env.ref("uom.product_uom_unit")


def product_unit(model: Model, vals: dict, field: str) -> None:
    """Default a line's unit (``field``) to its product's."""
    product = model.db.get("product.product", vals.get("product_id"))
    if product is not None and not vals.get(field):
        vals[field] = model.env["product.product"]._value(product, "uom_id")
