"""The Odoo lines of a sales document, priced so that Odoo's totals are Magento's (pure; see docs/odoo.md).

Each priced Magento row (a line, a bundle component, the shipping) becomes an Odoo line with the sale tax
of its rate. Of three ways to write it — the catalogue unit price with a percentage discount, the net unit
price without discount, or the catalogue price and a discount line of the same tax — the one whose Odoo
total (odoo_amounts) is closest to Magento's row wins (the first, with fewer lines, on a tie). Gift cards,
store credit, reward points and credit memo adjustments are untaxed service lines. What per-line rounding
leaves over (at most a cent per priced row) goes on a rounding line; anything more is refused:
``totals differ: Magento 396.87, Odoo would get 367.00``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from core.errors import ErpRejected, MappingError
from erp.odoo import amounts
from erp.odoo.amounts import CENT, HUNDRED, ZERO, Line, Tax, dec, round2
from erp.odoo.values import catalogue_sku, line_name, required
from schemas.totals import rows_net_of_discount

# (rate in percent, price included?, Magento tax codes) -> the Odoo sale tax; raises ErpRejected if none.
TaxLookup = Callable[[Decimal, bool, tuple[str, ...]], Tax]
KeyOf = Callable[[Any], str | None]  # a row's binding name from its Magento item id (None: not bound)
SERVICES = ("shipping", "gift_card", "store_credit", "reward", "adjustment", "discount", "rounding")


@dataclasses.dataclass(frozen=True)
class Row:
    """One Odoo line: its binding name (order lines), label, product (catalogue SKU) or service, and values.
    ``item_id`` is the Magento order item whose sale line an invoice line follows."""

    label: str
    line: Line
    key: str | None = None
    product: str | None = None
    service: str | None = None
    item_id: Any = None


@dataclasses.dataclass(frozen=True)
class Priced:
    rows: list[Row]
    expected: Decimal
    computed: amounts.Totals


def price_order(doc: dict[str, Any], taxes: TaxLookup) -> Priced:
    """The order's lines (quantity ordered - canceled) and shipping; expected: grand_total less the canceled
    quantities' share."""
    rows: list[Row] = []
    canceled = ZERO
    for line in gross_rows(doc, doc.get("lines") or []):
        ordered = dec(line["qty_ordered"] if line.get("qty_ordered") is not None else line.get("qty"))
        quantity = ordered - dec(line.get("qty_canceled"))
        if ordered > 0:
            canceled += contribution(line) * (ordered - quantity) / ordered
        rows += _item_rows(line, line.get("magento_item_id"), ordered, quantity, taxes, key_of=line_name)
    expected = dec(required(doc, "grand_total")) - round2(canceled)
    return _finish(doc, rows, expected, taxes, "order", doc.get("lines") or [])


def price_move(doc: dict[str, Any], taxes: TaxLookup, entity: str) -> Priced:
    """An invoice's or credit memo's lines from ``sold_lines`` (``lines`` for older documents)."""
    source = doc.get("sold_lines")
    source = source if source is not None else doc.get("lines") or []
    rows: list[Row] = []
    for line in gross_rows(doc, source):
        quantity = dec(line.get("qty"))
        if quantity <= 0 and not dec(line.get("row_total")):
            continue  # a row without money (Magento lists every order row in an invoice, some with qty 0)
        rows += _item_rows(line, line.get("order_item_id"), quantity, quantity, taxes, key_of=lambda item: None)
    return _finish(doc, rows, dec(required(doc, "grand_total")), taxes, entity, source)


def gross_rows(doc: dict[str, Any], lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with ``row_total`` before discount: recorded Magento data has rows whose ``row_total`` is
    already net of their discount (schemas.totals.rows_net_of_discount tells, from the document's subtotal)."""
    if not rows_net_of_discount({**doc, "sold_lines": lines}):
        return lines
    return [{**line, "row_total": float(dec(line.get("row_total")) + abs(dec(line.get("discount_amount"))))}
            for line in lines]


def contribution(money: dict[str, Any]) -> Decimal:
    """What a Magento row adds to grand_total: row_total - discount + tax + discount tax compensation."""
    return (_row_total(money) - abs(dec(money.get("discount_amount"))) + dec(money.get("tax_amount"))
            + dec(money.get("discount_tax_compensation_amount")))


def uses_components(line: dict[str, Any]) -> bool:
    """A dynamic bundle whose children are taxed at different rates is written one line per child."""
    return bool(line.get("component_lines")) and line.get("price_type") == "dynamic" and (
        line.get("tax_percent") is None)


def _item_rows(line: dict[str, Any], item: Any, ordered: Decimal, quantity: Decimal, taxes: TaxLookup,
               key_of: KeyOf) -> list[Row]:
    if not uses_components(line):
        return _product_rows(line, item, catalogue_sku(line) or required(line, "sku"), ordered, quantity, taxes,
                             key_of)
    rows = []
    for child in line["component_lines"]:
        child_ordered = dec(child.get("qty")) * ordered if child.get("qty") else dec(child.get("qty_ordered"))
        child_quantity = child_ordered * quantity / ordered if ordered else ZERO
        rows += _product_rows(child, child.get("magento_item_id"), required(child, "sku"), child_ordered,
                              child_quantity, taxes, key_of)
    return rows


def _product_rows(money: dict[str, Any], item: Any, sku: str, ordered: Decimal, quantity: Decimal, taxes: TaxLookup,
                  key_of: KeyOf) -> list[Row]:
    """The row's line, and its discount line when no single line can carry Magento's net to the cent."""
    key = key_of(required_id(item))
    lines = priced_lines(money, ordered, quantity, taxes)
    rows = [Row(_label(money), lines[0], key, sku, None, item)]
    return rows + [Row(f"Discount on {sku}", line, key and f"{key}_discount", None, "discount", item)
                   for line in lines[1:]]


def required_id(item: Any) -> Any:
    if item is None or item == "":
        raise MappingError("the document has a line without magento_item_id / order_item_id")
    return item


@dataclasses.dataclass(frozen=True)
class _Basis:
    """A Magento row on the basis of its Odoo tax (tax included or not), for all its ordered units."""

    unit: Decimal  # the catalogue unit price
    gross: Decimal  # before discount
    net: Decimal  # after discount
    total: Decimal  # what it adds to grand_total
    taxes: tuple[Tax, ...]


def priced_lines(money: dict[str, Any], ordered: Decimal, quantity: Decimal, taxes: TaxLookup) -> list[Line]:
    """The Odoo line(s) of one Magento row (``quantity`` of its ``ordered`` units), the closest to Magento's
    row of: (1) the catalogue unit price with a 2-digit discount percentage, (2) the net unit price, (3) the
    catalogue price and a discount line of the same tax (what a large quantity with a small discount needs);
    on a tie the first, with fewer lines."""
    basis = _basis(money, ordered, taxes)
    share = quantity / ordered if ordered else ZERO
    percent = round2(HUNDRED * (basis.gross - basis.net) / basis.gross) if basis.gross else ZERO
    candidates = [[Line(basis.unit, quantity, percent, basis.taxes)],
                  [Line(round2(basis.net / ordered) if ordered else ZERO, quantity, ZERO, basis.taxes)]]
    if basis.gross != basis.net:
        candidates.append([Line(basis.unit, quantity, ZERO, basis.taxes),
                           Line(-round2((basis.gross - basis.net) * share), Decimal(1), ZERO, basis.taxes)])
    target = basis.total * share
    return min(candidates, key=lambda lines: (abs(amounts.totals(lines).total - target), len(lines)))


def _basis(money: dict[str, Any], ordered: Decimal, taxes: TaxLookup) -> _Basis:
    row_total = _row_total(money)
    discount = abs(dec(money.get("discount_amount")))
    compensation = dec(money.get("discount_tax_compensation_amount"))
    rate = _rate(money, row_total - discount + compensation)
    tax = taxes(rate, _prices_include_tax(money, rate), _codes(money)) if rate else None
    total = contribution({**money, "row_total": row_total})
    taxes_of = (tax,) if tax is not None else ()
    if tax is not None and tax.price_include:
        gross = dec(money.get("row_total_incl_tax")) or dec(money.get("price_incl_tax")) * ordered or total + discount
        return _Basis(_unit(money.get("price_incl_tax"), gross, ordered), gross, total, total, taxes_of)
    net = row_total - discount + compensation
    return _Basis(_unit(money.get("price"), row_total, ordered), row_total, net, total, taxes_of)


def _row_total(money: dict[str, Any]) -> Decimal:
    if money.get("row_total") is not None:
        return dec(money["row_total"])
    quantity = money["qty_ordered"] if money.get("qty_ordered") is not None else money.get("qty")
    return dec(money.get("price")) * dec(quantity)


def _unit(price: Any, gross: Decimal, ordered: Decimal) -> Decimal:
    """The catalogue unit price: Magento's when it makes the row, else the row divided by its quantity."""
    if price is not None and round2(dec(price) * ordered) == round2(gross):
        return round2(dec(price))
    return round2(gross / ordered) if ordered else round2(dec(price))


def _rate(money: dict[str, Any], net: Decimal) -> Decimal:
    """The row's tax rate: Magento's ``tax_percent``, else derived from its tax (2 digits), else 0."""
    if money.get("tax_percent") is not None:
        return dec(money["tax_percent"])
    tax = dec(money.get("tax_amount"))
    if not tax:
        return ZERO
    if net <= 0:
        raise MappingError(f"a row with tax {tax} has no tax_percent and no taxable amount to derive it from")
    return round2(tax / net * HUNDRED)


def _prices_include_tax(money: dict[str, Any], rate: Decimal) -> bool:
    """Tax-included catalogue: Magento's price is its price including tax."""
    incl, price = money.get("price_incl_tax"), money.get("price")
    return bool(rate) and incl is not None and price is not None and abs(dec(incl) - dec(price)) < CENT / 2


def _codes(money: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(tax["code"]) for tax in money.get("applied_taxes") or [] if tax.get("code"))


def _label(line: dict[str, Any]) -> str:
    label = f"[{line.get('sku')}] {line.get('description') or line.get('name') or line.get('sku')}"
    if line.get("description"):
        return label
    return label + "".join(f"\n- {sku}" for sku in line.get("components") or [])


def _finish(doc: dict[str, Any], rows: list[Row], expected: Decimal, taxes: TaxLookup, what: str,
            source: list[dict[str, Any]]) -> Priced:
    rows = rows + _shipping_rows(doc, source, taxes) + _extra_rows(doc, source, what)
    computed = amounts.totals(row.line for row in rows)
    left = round2(expected) - computed.total
    priced_rows = sum(1 for row in rows if row.line.taxes or row.service is None or row.service == "shipping")
    if left and abs(left) <= CENT * max(1, priced_rows):
        rows.append(_service("Rounding (Magento)", left, "rounding"))
        computed = amounts.totals(row.line for row in rows)
    if amounts.differs(expected, computed.total):
        raise ErpRejected(f"{what} {doc.get('increment_id')}: {amounts.totals_message(expected, computed.total)}",
                          details={"magento_total": str(round2(expected)), "odoo_total": str(computed.total)})
    return Priced(rows, round2(expected), computed)


def _shipping_rows(doc: dict[str, Any], source: list[dict[str, Any]], taxes: TaxLookup) -> list[Row]:
    shipping = doc.get("shipping")
    if shipping is None:  # documents before the shipping object: its amount, untaxed
        amount = dec(doc.get("shipping_amount"))
        return [_service("Shipping", amount, "shipping")] if amount else []
    money = shipping_money(doc, source)
    if not contribution(money) and not dec(shipping.get("amount")):
        return []
    label = f"Shipping: {shipping['description']}" if shipping.get("description") else "Shipping"
    lines = priced_lines(money, Decimal(1), Decimal(1), taxes)
    rows = [Row(label, lines[0], None, None, "shipping")]
    return rows + [Row("Discount on shipping", line, None, None, "discount") for line in lines[1:]]


def shipping_money(doc: dict[str, Any], source: list[dict[str, Any]]) -> dict[str, Any]:
    """The shipping as a priced row. Invoices and credit memos carry no shipping discount of their own (it
    is inside the document's ``discount_amount``: what the rows do not carry) and their shipping rate is
    derived from rounded amounts (``16.834`` for 21 % of a discounted shipping): the rate of the document's
    rows that reproduces the shipping tax to the cent is taken instead."""
    shipping = doc["shipping"]
    discount = shipping.get("discount_amount")
    if discount is None and doc.get("discount_amount") is not None:
        carried = sum((abs(dec(line.get("discount_amount"))) for line in source), ZERO)
        discount = max(ZERO, abs(dec(doc["discount_amount"])) - carried)
    compensation = shipping.get("discount_tax_compensation_amount")
    net = dec(shipping.get("amount")) - dec(discount) + dec(compensation)
    rate = _known_rate(shipping.get("tax_percent"), dec(shipping.get("tax_amount")), net, source)
    return {"row_total": shipping.get("amount"), "price": shipping.get("amount"),
            "price_incl_tax": shipping.get("incl_tax"), "discount_amount": discount,
            "tax_amount": shipping.get("tax_amount"), "tax_percent": rate,
            "discount_tax_compensation_amount": compensation}


def _known_rate(rate: Any, tax: Decimal, net: Decimal, source: list[dict[str, Any]]) -> Any:
    known = {dec(part["tax_percent"]) for line in source for part in [line, *(line.get("component_lines") or [])]
             if part.get("tax_percent")}
    if rate is None or not tax or dec(rate) in known:
        return rate
    fitting = [known_rate for known_rate in known if abs(round2(net * known_rate / HUNDRED) - tax) <= CENT]
    return min(fitting, key=lambda known_rate: abs(known_rate - dec(rate))) if fitting else rate


def _extra_rows(doc: dict[str, Any], source: list[dict[str, Any]], what: str) -> list[Row]:
    codes = ", ".join(str(card.get("code")) for card in doc.get("gift_cards") or [] if card.get("code"))
    extras = [("Gift card" + (f" {codes}" if codes else ""), -abs(dec(doc.get("gift_cards_amount"))), "gift_card"),
              ("Store credit", -abs(dec(doc.get("customer_balance_amount"))), "store_credit"),
              ("Reward points", -abs(dec(doc.get("reward_currency_amount"))), "reward")]
    if what == "creditmemo":
        extras += _adjustments(doc)
    if not any("discount_amount" in line for line in source):  # older documents: one document discount
        extras.append(("Discount", -abs(dec(doc.get("discount_amount"))), "discount"))
    return [_service(label, amount, service) for label, amount, service in extras if amount]


def _adjustments(doc: dict[str, Any]) -> list[tuple[str, Decimal, str]]:
    if doc.get("adjustment_positive") is None and doc.get("adjustment_negative") is None:
        return [("Adjustment", dec(doc.get("adjustment")), "adjustment")]
    return [("Adjustment refund", abs(dec(doc.get("adjustment_positive"))), "adjustment"),
            ("Adjustment fee", -abs(dec(doc.get("adjustment_negative"))), "adjustment")]


def _service(label: str, amount: Decimal, service: str) -> Row:
    return Row(label, Line(amount, Decimal(1)), None, None, service)
