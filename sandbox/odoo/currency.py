"""Sandbox models of Odoo 17's companies, currencies and pricelists, with a fresh database's rules.

A fresh database has only the company's currency active and no pricelist. Activating a second currency
turns multi-currency on, and Odoo then creates the company's "Default USD pricelist" (product module,
``_activate_or_create_pricelists``); archiving a currency archives its pricelists.
"""

from __future__ import annotations

import math
from typing import Any

from sandbox.odoo.fields import Boolean, Char, Float, Integer, Many2one, Selection
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register
from sandbox.odoo.tax import ROUNDING_METHODS


@register
class Company(Model):
    _name, _description = "res.company", "Companies"
    _declared = {"name": Char("Company Name", required=True), "currency_id": Many2one("res.currency", "Currency"),
                 "tax_calculation_rounding_method": Selection(ROUNDING_METHODS, "Tax Calculation Rounding Method",
                                                              default="round_per_line"),
                 "account_sale_tax_id": Many2one("account.tax", "Default Sale Tax"),
                 "account_purchase_tax_id": Many2one("account.tax", "Default Purchase Tax"),
                 "country_id": Many2one("res.country", "Country"),
                 "account_fiscal_country_id": Many2one("res.country", "Fiscal Country"),
                 "chart_template": Selection(("generic_coa",), "Chart Template")}
    _declared_v18 = {"account_price_include": Selection(("tax_included", "tax_excluded"), "Default Sales Price Include",
                                                        default="tax_excluded", required=True)}


@register
class Currency(Model):
    _name, _description = "res.currency", "Currency"
    _declared = {"name": Char("Currency", required=True, index=True), "full_name": Char("Name"),
                 "symbol": Char("Symbol"), "active": Boolean("Active", default=True),
                 "rounding": Float("Rounding Factor", default=0.01),
                 "decimal_places": Integer("Decimal Places", compute="_compute_decimal_places")}
    _unique = ((("name",), "The operation cannot be completed: The currency code must be unique!"),)
    _missing_ignored = True  # no record rule: write/unlink of a missing id answer true, as a real Odoo 17 does

    def _compute_decimal_places(self, record: dict) -> int:
        rounding = record.get("rounding") or 0.01
        return max(0, math.ceil(math.log10(1 / rounding))) if 0 < rounding < 1 else 0

    def _after_write(self, ids: list[int], vals: dict) -> None:
        if "active" not in vals:
            return
        if not vals["active"]:
            pricelists = self.env["product.pricelist"].search([("currency_id", "in", ids)])
            if pricelists:
                self.env["product.pricelist"].write(pricelists, {"active": False})
        elif len(self.search([])) > 1:
            self._activate_or_create_pricelists()

    def _activate_or_create_pricelists(self) -> None:
        """Multi-currency on: every company gets (back) its default pricelist in its own currency."""
        pricelists = self.env["product.pricelist"].with_context(active_test=False)
        for company_id in self.env["res.company"].search([]):
            company = self.db.get("res.company", company_id)
            defaults = pricelists.search([("company_id", "=", company_id),
                                          ("currency_id", "=", company["currency_id"])])
            if defaults:
                pricelists.write(defaults, {"active": True})
                continue
            code = self.db.get(self._name, company["currency_id"])["name"]
            pricelists.create({"name": f"Default {code} pricelist", "currency_id": company["currency_id"],
                               "company_id": company_id, "sequence": 10})


def _company_currency(model: Model) -> Any:
    company = model.db.get("res.company", model.env.ref("base.main_company"))
    return company["currency_id"] if company else False


@register
class Pricelist(Model):
    _name, _description = "product.pricelist", "Pricelist"
    _order = "sequence asc, id asc"
    _declared = {"name": Char("Pricelist Name", required=True),
                 "currency_id": Many2one("res.currency", "Currency", required=True, default=_company_currency),
                 "company_id": Many2one("res.company", "Company"), "sequence": Integer("Sequence", default=16),
                 "active": Boolean("Active", default=True)}
