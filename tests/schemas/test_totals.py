"""totals_identity: every money fixture rebuilds Magento's grand_total; each term counts; a gap is named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schemas.mapping import map_record
from schemas.totals import TotalsCheck, rows_net_of_discount, totals_identity, totals_parts
from tests.schemas.conftest import read_fixture

MONEY_FIXTURES = [
    ("order", name) for name in (
        "order.configurable.json", "order.bundle.json", "order.guest.json", "order.virtual.json", "order.edited.json",
        "order.multi-rate.json", "order.tax-included.json", "order.bundle-coupon.json", "order.fixed-bundle.json",
        "order.shipping-discount.json", "order.partially-canceled.json", "order.eur-usd.json",
        "order.gift-card-store-credit.json", "order.custom-options.json", "order.fleece.json")
] + [("invoice", "invoice.json"), ("invoice", "invoice.configurable.json"), ("invoice", "invoice.bundle-coupon.json"),
     ("creditmemo", "creditmemo.json"), ("creditmemo", "creditmemo.store-credit.json")]


def document(**fields):
    """A minimal order document: one line, no shipping, the rest given."""
    base = {"grand_total": 0, "subtotal": None, "lines": [], "shipping": None}
    return {**base, **fields}


def line(row_total, discount=0, tax=0, dtc=0):
    return {"row_total": row_total, "discount_amount": discount, "tax_amount": tax,
            "discount_tax_compensation_amount": dtc}


@pytest.mark.parametrize(("entity", "name"), MONEY_FIXTURES)
def test_every_money_fixture_rebuilds_its_grand_total(entity, name):
    check = totals_identity(map_record(entity, read_fixture(name)))
    assert check.ok, check.detail
    assert abs(check.actual - check.expected) <= Decimal("0.01")


def test_each_term_is_added_or_deducted():
    doc = document(
        grand_total=71.26, lines=[line(100, discount=10, tax=7.43, dtc=0.5)],
        shipping={"amount": 15, "discount_amount": 5, "tax_amount": 0.83, "discount_tax_compensation_amount": 0.1},
        adjustment=3, gift_cards_amount=25, customer_balance_amount=10, reward_currency_amount=5.6)
    parts = totals_parts(doc)
    assert parts == {"lines": Decimal(90), "tax": Decimal("8.26"), "discount_tax_compensation": Decimal("0.6"),
                     "shipping": Decimal(10), "adjustment": Decimal(3), "gift_cards": Decimal(-25),
                     "store_credit": Decimal(-10), "reward_points": Decimal("-5.6")}
    assert totals_identity(doc) == TotalsCheck(expected=Decimal("71.26"), actual=Decimal("71.26"), ok=True,
                                               detail=totals_identity(doc).detail)


def test_a_missing_tax_is_a_gap_naming_both_figures():
    check = totals_identity(document(grand_total=396.87, lines=[line(362)], shipping={"amount": 5}))
    assert not check.ok and (check.expected, check.actual) == (Decimal("396.87"), Decimal(367))
    assert check.detail.startswith("grand_total 396.87 vs 367.00 rebuilt (lines +362.00 shipping +5.00)")
    assert check.detail.endswith("differs by -29.87")


def test_one_cent_of_rounding_is_tolerated_two_are_not():
    assert totals_identity(document(grand_total=10.01, lines=[line(10)])).ok
    assert not totals_identity(document(grand_total=10.02, lines=[line(10)])).ok


def test_invoices_and_credit_memos_count_their_sold_lines_not_their_rows():
    doc = document(grand_total=52, lines=[line(52), line(None)], sold_lines=[line(52)])
    doc["lines"].append(line(52))  # a row Magento lists twice would be counted twice
    assert totals_identity(doc).ok


def test_rows_already_net_of_their_discount_are_not_discounted_twice():
    doc = document(grand_total=253.74, subtotal=293, tax_amount=19.34,
                   lines=[line(55.2, discount=13.8, tax=4.55), line(179.2, discount=44.8, tax=14.79)])
    assert rows_net_of_discount(doc) and totals_identity(doc).ok
    usual = document(grand_total=253.74, subtotal=293,
                     lines=[line(69, discount=13.8, tax=4.55), line(224, discount=44.8, tax=14.79)])
    assert not rows_net_of_discount(usual) and totals_identity(usual).ok


def test_floats_are_read_as_their_decimal_digits():
    doc = document(grand_total=0.3, lines=[line(0.1), line(0.2)])
    assert totals_identity(doc).actual == Decimal("0.3")
