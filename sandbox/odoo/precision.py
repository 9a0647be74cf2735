"""``decimal.precision``: the named numbers of digits a fresh Odoo 17 database holds, read by the float fields
declared with a precision name (``digits="Product Price"``) when they round a value and in ``fields_get``."""

from __future__ import annotations

from sandbox.odoo.fields import Char, Integer
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register

# as a real Odoo 17 (sale_management, stock, account, no demo) holds them, in id order
PRECISIONS = (("Percentage Analytic", 2), ("Product Price", 2), ("Discount", 2), ("Stock Weight", 2),
              ("Volume", 2), ("Product Unit of Measure", 2), ("Payment Terms", 6))


@register
class DecimalPrecision(Model):
    _name, _description = "decimal.precision", "Decimal Precision"
    _declared = {"name": Char("Usage", required=True, index=True), "digits": Integer("Digits", default=2)}
    _unique = ((("name",), "The operation cannot be completed: Only one value can be defined for each given "
                "usage!"),)

