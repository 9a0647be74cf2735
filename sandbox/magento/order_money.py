"""An order's money: its priced rows and shipping in the base and the order currency, then its totals.

Both currencies are computed independently, as Magento does (the order-currency prices are the base prices
converted and rounded; each currency has its own rounding remainders), so ``base_grand_total`` need not be
exactly ``grand_total / base_to_order_rate``. Order totals: ``subtotal`` = rows' ``row_total``;
``tax_amount`` = rows' tax + shipping tax; ``discount_amount`` = -(rows' discounts + shipping discount)
(negative, as Magento stores it); ``discount_tax_compensation_amount`` = rows' compensation;
``grand_total`` = subtotal + shipping + tax + discount + compensations, minus (Adobe Commerce) reward
points, gift cards and store credit, in that order, each at most what is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.magento.order_lines import Row
from sandbox.magento.tax import Pass, Unit, cents, converted, plain, row_money

MONEY = ("price", "price_incl_tax", "row_total", "row_total_incl_tax", "tax_amount", "discount_amount",
         "discount_tax_compensation_amount")
PAID_WITH = (("reward", "reward_currency_amount"), ("gift_cards", "gift_cards_amount"),
             ("customer_balance", "customer_balance_amount"))


def price_rows(rows: list[Row], shipping: Unit | None, includes_tax: bool, rate: float,
               row_based: bool = False) -> dict[str, dict]:
    """Fill every row's money (both currencies); answer the shipping money per currency ("" and "base_")."""
    shipping_money: dict[str, dict] = {}
    for prefix, convert in (("base_", lambda amount: amount), ("", lambda amount: converted(amount, rate))):
        state = Pass(includes_tax=includes_tax, row_based=row_based)
        for row in rows:
            if row.role == "money" and row.unit is not None:
                unit = row.unit
                money = row_money(Unit(convert(unit.price), unit.qty, unit.rate, unit.discount_percent), state)
                _fill(row.item, prefix, money, unit, convert(unit.price))
        shipping_money[prefix] = row_money(Unit(convert(shipping.price), 1, shipping.rate, shipping.discount_percent),
                                           state) if shipping else {key: 0 for key in MONEY}
    for row in rows:
        if row.role != "money":
            _fill_dummy(row)
    return shipping_money


def _fill(item: dict[str, Any], prefix: str, money: Mapping[str, Any], unit: Unit, entered: float) -> None:
    for key in ("price", "price_incl_tax", "row_total", "row_total_incl_tax", "tax_amount", "discount_amount",
                "discount_tax_compensation_amount"):
        item[f"{prefix}{key}"] = money[key]
    item[f"{prefix}original_price"] = cents(entered)
    item["tax_percent"], item["discount_percent"] = plain(unit.rate), plain(unit.discount_percent)


def _fill_dummy(row: Row) -> None:
    item = row.item
    if row.role == "dynamic_parent":  # the children's sums; tax and discount stay on the children
        qty = float(item["qty_ordered"])
        for prefix in ("", "base_"):
            for key in ("row_total", "row_total_incl_tax"):
                item[f"{prefix}{key}"] = cents(sum(child.item[f"{prefix}{key}"] for child in row.children))
            for key in ("price", "price_incl_tax", "original_price"):
                item[f"{prefix}{key}"] = cents(item[f"{prefix}row_total" if key != "price_incl_tax"
                                                    else f"{prefix}row_total_incl_tax"] / qty)
        return
    price = row.parent.item["price"] if row.role == "configurable_child" and row.parent else 0
    item["price"] = price  # a configurable child repeats the parent's price; its base price is 0
    for key in ("base_original_price", "base_price_incl_tax", "price_incl_tax", "base_discount_tax_compensation_amount",
                "discount_tax_compensation_amount"):
        item.pop(key, None)


def money_rows(rows: list[Row]) -> list[Row]:
    return [row for row in rows if row.role == "money"]


def order_totals(rows: list[Row], shipping: dict[str, dict], paid_with: Mapping[str, Any],
                 rate: float) -> dict[str, Any]:
    """The order's total columns in both currencies (``subtotal``, ``base_subtotal``, ...)."""
    totals: dict[str, Any] = {}
    priced = [row.item for row in money_rows(rows)]
    for prefix in ("", "base_"):
        ship = shipping[prefix]
        sums = {key: sum(float(item[f"{prefix}{key}"]) for item in priced) for key in MONEY}
        values = {"subtotal": sums["row_total"], "subtotal_incl_tax": sums["row_total_incl_tax"],
                  "tax_amount": sums["tax_amount"] + ship["tax_amount"],
                  "discount_amount": -(sums["discount_amount"] + ship["discount_amount"]),
                  "discount_tax_compensation_amount": sums["discount_tax_compensation_amount"],
                  "shipping_amount": ship["row_total"], "shipping_incl_tax": ship["row_total_incl_tax"],
                  "shipping_tax_amount": ship["tax_amount"], "shipping_discount_amount": ship["discount_amount"],
                  "shipping_discount_tax_compensation_amount": ship["discount_tax_compensation_amount"]}
        grand = (values["subtotal"] + values["shipping_amount"] + values["tax_amount"] + values["discount_amount"]
                 + values["discount_tax_compensation_amount"] + values["shipping_discount_tax_compensation_amount"])
        for name, field in PAID_WITH:
            amount = float(paid_with.get(name) or 0)
            used = min(amount if prefix else converted(amount, rate), max(grand, 0))
            values[field] = used
            grand -= used
        values["grand_total"] = grand
        values["total_due"] = grand
        totals.update({f"{prefix}{key}": cents(value) for key, value in values.items()})
    totals["base_shipping_discount_tax_compensation_amnt"] = totals.pop(
        "base_shipping_discount_tax_compensation_amount")
    return totals


def applied_taxes(rows: list[Row], shipping: dict[str, dict], shipping_rate: float,
                  code_of: Mapping[float, str]) -> dict[str, Any]:
    """``extension_attributes.applied_taxes`` (one per rate) and ``item_applied_taxes`` (per taxed row and
    shipping), as ``OrderTaxDetails`` renders them (null ids are left out, as Magento leaves them out)."""
    per_rate: dict[float, list[float]] = {}
    per_item = []
    for row in money_rows(rows):
        item, rate = row.item, float(row.item["tax_percent"])
        if rate:
            entry = _applied(code_of, rate, item["tax_amount"], item["base_tax_amount"])
            per_item.append({"type": "product", "item_id": item["item_id"], "applied_taxes": [entry]})
            _add(per_rate, rate, item["tax_amount"], item["base_tax_amount"])
    if shipping_rate:
        amount, base = shipping[""]["tax_amount"], shipping["base_"]["tax_amount"]
        per_item.append({"type": "shipping", "applied_taxes": [_applied(code_of, shipping_rate, amount, base)]})
        _add(per_rate, shipping_rate, amount, base)
    totals = [_applied(code_of, rate, amounts[0], amounts[1]) for rate, amounts in per_rate.items()]
    return {"applied_taxes": totals, "item_applied_taxes": per_item}


def _add(per_rate: dict[float, list[float]], rate: float, amount: float, base: float) -> None:
    sums = per_rate.setdefault(rate, [0.0, 0.0])
    sums[0] += amount
    sums[1] += base


def _applied(code_of: Mapping[float, str], rate: float, amount: float, base: float) -> dict[str, Any]:
    code = code_of[rate]
    return {"code": code, "title": code, "percent": plain(rate), "amount": cents(amount), "base_amount": cents(base)}
