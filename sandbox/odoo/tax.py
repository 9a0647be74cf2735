"""Odoo 17's tax arithmetic (``account.tax.compute_all`` and ``_compute_taxes``) and the ``account.tax`` model.

What is modelled: taxes of type ``percent``, ``fixed`` and ``division``, price-included or not, several on one
line (in ``sequence, id`` order), the company's ``round_per_line`` (default) or ``round_globally``, a 100 %
repartition. Not modelled: groups of taxes, ``include_base_amount`` (affecting the base of later taxes), cash
basis, fiscal positions. The arithmetic follows Odoo's code step by step, in floats rounded like Odoo's.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from sandbox.odoo.errors import UserError, ValidationError
from sandbox.odoo.fields import Boolean, Char, Float, Integer, Many2one, Selection
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register
from sandbox.odoo.rounding import currency_round, float_round, is_zero

AMOUNT_TYPES = ("group", "fixed", "percent", "division")
ROUNDING_METHODS = ("round_per_line", "round_globally")


@dataclasses.dataclass(frozen=True)
class TaxLine:
    """What ``compute_all`` answers for one line: amounts without and with taxes, and each tax's amount."""

    total_excluded: float
    total_included: float
    taxes: tuple[tuple[int, float], ...]


def _recompute_base(base: float, fixed: float, percent: float, division: float) -> float:
    return (base - fixed) / (1.0 + percent / 100.0) * (100 - division) / 100


def _tax_amount(tax: dict, base: float, quantity: float) -> float:
    """``account.tax._compute_amount`` with ``force_price_include=False`` (the price-excluded formulas)."""
    if tax["amount_type"] == "fixed":
        return (abs(quantity) if base else quantity) * tax["amount"]
    if tax["amount_type"] == "percent":
        return base * tax["amount"] / 100
    if tax["amount_type"] == "division":
        return base / (1 - tax["amount"] / 100) - base if (1 - tax["amount"] / 100) else 0.0
    return 0.0


def _included_checkpoints(taxes: list[dict], base: float, quantity: float) -> tuple[dict[int, float], float]:
    """Walk the taxes backwards like Odoo: the base to reach at the last price-included tax, and the base
    without any price-included tax."""
    fixed = percent = division = 0.0
    checkpoints: dict[int, float] = {}
    for index in range(len(taxes) - 1, -1, -1):
        tax = taxes[index]
        if not tax["price_include"]:
            continue
        if tax["amount_type"] == "percent":
            percent += tax["amount"]
        elif tax["amount_type"] == "division":
            division += tax["amount"]
        elif tax["amount_type"] == "fixed":
            fixed += abs(quantity) * tax["amount"]
        if not checkpoints and tax["amount"]:
            checkpoints[index] = base
    return checkpoints, _recompute_base(base, fixed, percent, division)


def compute_all(taxes: list[dict], price_unit: float, quantity: float, rounding: float = 0.01,
                round_tax: bool = True) -> TaxLine:
    """``account.tax.compute_all`` for ``taxes`` (records as dicts, in ``sequence, id`` order)."""
    prec = rounding if round_tax else rounding * 1e-5
    base = currency_round(price_unit * quantity, rounding)
    sign = -1 if base < 0 and not is_zero(base, rounding) else 1
    base = abs(base) if sign < 0 else base
    checkpoints, excluded = _included_checkpoints(taxes, base, quantity)
    total_excluded = currency_round(excluded, rounding)
    total_included, cumulated, amounts = total_excluded, 0.0, []
    for index, tax in enumerate(taxes):
        if tax["price_include"] and index in checkpoints:
            amount = checkpoints[index] - (total_excluded + cumulated)
            cumulated = 0.0
        else:
            amount = _tax_amount(tax, total_excluded, quantity)
        amount = float_round(amount, rounding=prec)
        if tax["price_include"] and index not in checkpoints:
            cumulated += amount
        amounts.append((tax["id"], sign * amount))
        total_included += amount
    return TaxLine(sign * total_excluded, sign * currency_round(total_included, rounding), tuple(amounts))


def line_amounts(taxes: list[dict], price_unit: float, quantity: float, discount: float, rounding: float = 0.01,
                 round_tax: bool = True) -> TaxLine:
    """One document line: ``_compute_taxes_for_single_line`` (the unit price after discount, then taxes)."""
    unit = price_unit * (1 - (discount / 100.0))
    if not taxes:
        subtotal = currency_round(unit * quantity, rounding)
        return TaxLine(subtotal, subtotal, ())
    return compute_all(taxes, unit, quantity, rounding, round_tax)


def document_totals(lines: list[TaxLine], rounding: float = 0.01) -> tuple[float, float, float]:
    """``amount_untaxed``, ``amount_tax``, ``amount_total`` of a document: tax summed per tax, then rounded."""
    untaxed = sum(line.total_excluded for line in lines)
    per_tax: dict[int, float] = defaultdict(float)
    for line in lines:
        for tax_id, amount in line.taxes:
            per_tax[tax_id] += amount
    tax = sum(currency_round(amount, rounding) for amount in per_tax.values())
    untaxed, tax = currency_round(untaxed, rounding), currency_round(tax, rounding)
    return untaxed, tax, currency_round(untaxed + tax, rounding)


def _default_company(model: Model) -> int:
    return model.env.ref("base.main_company")


def _default_tax_group(model: Model) -> Any:
    found = model.env["account.tax.group"].search([], limit=1)
    return found[0] if found else False


def _default_country(model: Model) -> Any:
    company = model.db.get("res.company", model.env.ref("base.main_company"))
    return company.get("account_fiscal_country_id") or False


@register
class TaxGroup(Model):
    _name, _description = "account.tax.group", "Tax Group"
    _order = "sequence asc, id"
    _declared = {"name": Char("Name", required=True), "sequence": Integer("Sequence", default=10),
                 "company_id": Many2one("res.company", "Company", required=True, default=_default_company),
                 "country_id": Many2one("res.country", "Country")}


@register
class Tax(Model):
    _name, _description = "account.tax", "Tax"
    _order = "sequence, id"
    _declared = {
        "name": Char("Tax Name", required=True), "description": Char("Description"),
        "amount": Float("Amount", digits=4),
        "amount_type": Selection(AMOUNT_TYPES, "Tax Computation", default="percent", required=True),
        "type_tax_use": Selection(("sale", "purchase", "none"), "Tax Type", default="sale", required=True),
        "tax_scope": Selection(("service", "consu"), "Tax Scope"),
        "price_include": Boolean("Included in Price"),
        "include_base_amount": Boolean("Affect Base of Subsequent Taxes"),
        "sequence": Integer("Sequence", default=1), "active": Boolean("Active", default=True),
        "company_id": Many2one("res.company", "Company", required=True, default=_default_company),
        "tax_group_id": Many2one("account.tax.group", "Tax Group", required=True, default=_default_tax_group),
        "country_id": Many2one("res.country", "Country", required=True, default=_default_country),
    }
    _declared_v18 = {  # Odoo 18: included or not is the company's default unless the tax overrides it
        "price_include": Boolean("Included in Price", compute="_compute_price_include"),
        "price_include_override": Selection(("tax_included", "tax_excluded"), "Included in Price"),
    }

    def _compute_price_include(self, record: dict) -> bool:
        if record.get("price_include_override"):
            return record["price_include_override"] == "tax_included"
        company = self.db.get("res.company", record["company_id"])
        return (company.get("account_price_include") if company else None) == "tax_included"

    def _check(self, ids: list[int]) -> None:
        for rid in ids:
            record = self.db.get(self._name, rid)
            if record["include_base_amount"] or record["amount_type"] == "group":
                raise UserError("Odoo sandbox: taxes of groups and taxes affecting the base of later taxes are not "
                                "modelled; their amounts would differ from Odoo's")
            if record["type_tax_use"] == "none":
                continue
            duplicates = self.with_context(active_test=False).search([
                ("company_id", "=", record["company_id"]), ("name", "=", record["name"]),
                ("type_tax_use", "=", record["type_tax_use"]), ("tax_scope", "=", record["tax_scope"]),
                ("id", "!=", rid)])
            if duplicates:
                company = self.env["res.company"]._display(self.db.get("res.company", record["company_id"]))
                lines = "\n".join(f"- {self.db.get(self._name, d)['name']} in {company}" for d in duplicates)
                raise ValidationError(f"Tax names must be unique!\n{lines}")

    def _sorted_records(self, ids: Any) -> list[dict]:
        """The taxes of a line, as Odoo applies them (``sequence, id``)."""
        records = [self.db.get(self._name, tid) for tid in ids or []]
        found = sorted((r for r in records if r is not None), key=lambda r: (r["sequence"], r["id"]))
        return [{**record, "price_include": bool(self._value(record, "price_include"))} for record in found]


def company_rounding(model: Model) -> tuple[str, int]:
    """The main company's tax rounding method and id."""
    company = model.db.get("res.company", model.env.ref("base.main_company"))
    return company.get("tax_calculation_rounding_method") or "round_per_line", company["id"]


def compute_line(model: Model, taxes: Any, price_unit: float, quantity: float, discount: float,
                 currency_id: Any) -> TaxLine:
    """A line's amounts with its document's currency and the company's rounding method."""
    currency = model.db.get("res.currency", currency_id)
    rounding = currency["rounding"] if currency else 0.01
    method, _ = company_rounding(model)
    return line_amounts(model.env["account.tax"]._sorted_records(taxes), price_unit, quantity, discount or 0.0,
                        rounding, method == "round_per_line")


def currency_rounding(model: Model, currency_id: Any) -> float:
    currency = model.db.get("res.currency", currency_id)
    return currency["rounding"] if currency else 0.01
