"""Header money: the shipping object, currencies and base totals, gift cards / store credit / reward points,
local dates in the store's time zone (an unknown zone is an error naming it)."""

from __future__ import annotations

import pytest

from core.errors import MappingError
from schemas.header import SHIPPING_FIELDS, billed_shipping_discount, local_dates, shipping_object
from schemas.mapping import map_record
from schemas.totals import totals_identity
from tests.schemas.conftest import read_fixture


def order(name, **changes):
    record = read_fixture(name)
    record.update(changes)
    return map_record("order", record)


def test_shipping_with_tax_and_a_shipping_discount():
    shipping = order("order.shipping-discount.json")["shipping"]
    assert set(shipping) == set(SHIPPING_FIELDS)
    assert shipping == {"method": "polar_std", "description": "Polar Post - Standard", "amount": 15, "tax_amount": 0.83,
                        "incl_tax": 16.24, "discount_amount": 5, "discount_tax_compensation_amount": 0,
                        "tax_percent": 8.25}  # the "shipping" applied tax's percent, not 0.83 / 10


def test_the_shipping_rate_is_derived_when_magento_lists_no_shipping_tax():
    values = {"shipping_amount": 15, "shipping_tax_amount": 0.83, "shipping_discount_amount": 5}
    assert shipping_object(values, "x", None, None)["tax_percent"] == 8.3  # 0.83 / (15 - 5)
    assert shipping_object({**values, "shipping_tax_amount": 0}, "x", None, None)["tax_percent"] == 0
    assert shipping_object({**values, "shipping_discount_amount": 15}, "x", None, None)["tax_percent"] is None


def test_the_multi_rate_shipping_rate_sums_its_applied_taxes_and_lists_the_order_taxes():
    document = order("order.multi-rate.json")
    assert document["shipping"]["tax_percent"] == 6 and document["shipping"]["tax_amount"] == 0.6
    assert [(tax["code"], tax["percent"], tax["amount"]) for tax in document["applied_taxes"]] == [
        ("US-WA-STATE", 6, 11.4), ("US-WA-KING", 2.5, 2.5)]


def test_shipping_values_come_from_the_assignment_total_when_the_top_level_lacks_them():
    record = read_fixture("order.shipping-discount.json")
    for name in ("shipping_tax_amount", "shipping_amount"):
        del record[name]
    shipping = map_record("order", record)["shipping"]
    assert (shipping["amount"], shipping["tax_amount"]) == (15, 0.83)


def test_a_virtual_order_has_no_shipping_object():
    assert order("order.virtual.json")["shipping"] is None


def test_an_eur_order_on_a_usd_base_carries_both_currencies():
    document = order("order.eur-usd.json")
    assert (document["currency"], document["base_currency"], document["base_to_order_rate"]) == ("EUR", "USD", 0.92)
    assert (document["grand_total"], document["base_grand_total"], document["base_subtotal"],
            document["base_tax_amount"], document["base_shipping_amount"]) == (59.34, 64.5, 50, 9.5, 5)


def test_gift_card_store_credit_and_reward_points_are_carried():
    document = order("order.gift-card-store-credit.json")
    assert document["gift_cards"] == [{"code": "GC-7Q2X-PL", "amount": 25, "base_amount": 25}]
    amounts = (document["gift_cards_amount"], document["customer_balance_amount"], document["reward_currency_amount"],
               document["reward_points_balance"])
    assert amounts == (25, 10, 5, 500)  # the gift card total from extension_attributes, the rest from the top


def test_extension_attributes_win_over_the_top_level():
    record = read_fixture("order.gift-card-store-credit.json")
    record["extension_attributes"]["customer_balance_amount"] = 12
    assert map_record("order", record)["customer_balance_amount"] == 12


def test_coupon_and_order_level_tax_fields():
    document = order("order.tax-included.json")
    assert (document["coupon_code"], document["discount_description"], document["subtotal_incl_tax"],
            document["discount_tax_compensation_amount"], document["total_canceled"]) == (
        "WINTER10", "WINTER10", 59.9, 0.95, None)
    assert order("order.partially-canceled.json")["total_canceled"] == 86.6


@pytest.mark.parametrize(("created_at", "zone", "local", "day"), [
    ("2025-03-14 22:30:00", "Europe/Berlin", "2025-03-14 23:30:00", "2025-03-14"),  # 23:30 in Berlin: that day
    ("2025-03-14 23:30:00", "Europe/Berlin", "2025-03-15 00:30:00", "2025-03-15"),  # past midnight there
    ("2025-07-01 03:00:00", "America/Los_Angeles", "2025-06-30 20:00:00", "2025-06-30"),  # summer time
])
def test_dates_are_local_to_the_store(created_at, zone, local, day):
    document = order("order.custom-options.json", created_at=created_at, _bridge={"timezone": zone})
    assert (document["timezone"], document["created_at_local"], document["local_date"]) == (zone, local, day)
    assert document["created_at"] == created_at  # the UTC field is unchanged


def test_without_a_zone_the_local_date_is_the_utc_date():
    document = order("order.multi-rate.json", created_at="2025-03-14 23:30:00")
    assert (document["timezone"], document["created_at_local"], document["local_date"]) == (
        None, None, "2025-03-14")
    assert local_dates(None, "Europe/Berlin") == {"created_at_local": None, "local_date": None}


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", ""])
def test_an_unknown_zone_is_an_error_naming_it(zone):
    with pytest.raises(MappingError) as caught:
        order("order.multi-rate.json", _bridge={"timezone": zone})
    assert caught.value.message.startswith("order 401 cannot be mapped: _bridge.timezone: ")
    assert repr(zone) in caught.value.message


def test_invoices_and_credit_memos_carry_the_header_money():
    invoice = map_record("invoice", read_fixture("invoice.configurable.json"))
    assert (invoice["base_currency"], invoice["timezone"], invoice["created_at_local"], invoice["local_date"]) == (
        "USD", "Europe/Oslo", "2025-03-15 00:30:00", "2025-03-15")
    assert invoice["shipping"]["amount"] == 5 and invoice["shipping"]["method"] is None
    memo = map_record("creditmemo", read_fixture("creditmemo.store-credit.json"))
    assert (memo["adjustment"], memo["adjustment_positive"], memo["adjustment_negative"]) == (3, 5, 2)
    assert (memo["refund_to_store_credit"], memo["customer_balance_refunded"]) == (True, 78.78)
    assert memo["shipping"] is None  # nothing shipped back: no shipping money, no method


def test_a_credit_memo_without_magentos_adjustment_gets_positive_minus_negative():
    record = read_fixture("creditmemo.json")
    del record["adjustment"]
    memo = map_record("creditmemo", record)
    assert memo["adjustment"] == -5 and memo["refund_to_store_credit"] is None


def test_the_shipping_rate_is_the_documents_own_rate_that_gives_its_tax_to_the_cent():
    assert order("order.tax-included.json")["shipping"]["tax_percent"] == 19  # 0.78 on 4.12, not 18.932
    values = {"shipping_amount": 15, "shipping_tax_amount": 0.83, "shipping_discount_amount": 5}
    assert shipping_object(values, "x", None, None, [8.25, 19, 0])["tax_percent"] == 8.25
    assert shipping_object(values, "x", None, None, [8.3, 8.25])["tax_percent"] == 8.3  # two fit: derived
    tiny = {"shipping_amount": 1, "shipping_tax_amount": 0.08}
    assert shipping_object(tiny, "x", None, None, [8.25, 7.5])["tax_percent"] == 8  # both fit 1.00: derived


def test_an_invoice_names_its_shipping_rate_from_the_orders_rows():
    record = read_fixture("invoice.configurable.json")
    record.update(shipping_amount=10, shipping_tax_amount=0.83, grand_total=86.61)
    invoice = map_record("invoice", record)
    assert invoice["shipping"]["tax_percent"] == 8.25  # 0.83 / 10 would say 8.3


def test_an_invoices_shipping_discount_is_its_discount_less_its_lines():
    """Magento's invoices and credit memos have no shipping_discount_amount: it is inside discount_amount."""
    assert billed_shipping_discount(-14.57, [{"discount_amount": 11.98}, {"discount_amount": None}]) == 2.59
    assert billed_shipping_discount(-8.4, [{"discount_amount": 8.4}]) == 0
    assert billed_shipping_discount(None, [{"discount_amount": 8.4}]) is None
    assert billed_shipping_discount(-5, [{"discount_amount": 8.4}]) is None  # never a negative shipping discount


def test_an_invoice_with_a_shipping_discount_rebuilds_its_total_at_the_shipping_rate():
    record = read_fixture("invoice.configurable.json")  # rows at 8.25 %, no discount
    record.update(shipping_amount=10, shipping_tax_amount=0.66, discount_amount=-2, grand_total=84.44)
    invoice = map_record("invoice", record)
    assert "shipping_discount_amount" not in record
    assert (invoice["shipping"]["discount_amount"], invoice["shipping"]["tax_percent"]) == (2, 8.25)  # 0.66 on 8
    assert totals_identity(invoice).ok, totals_identity(invoice).detail


def test_a_tax_included_shipping_discount_is_taxed_net_of_its_compensation():
    """Prices incl. 8.25 %: shipping 54.13 incl. (50 + 4.13 tax), 10 off incl.: tax 3.36 on 40.77 = 50 − 10 + 0.77."""
    record = read_fixture("invoice.configurable.json")  # rows at 8.25 %, no discount
    record.update(shipping_amount=50, shipping_tax_amount=3.36, shipping_discount_tax_compensation_amount=0.77,
                  discount_amount=-10, grand_total=119.91)
    invoice = map_record("invoice", record)
    assert (invoice["shipping"]["discount_amount"], invoice["shipping"]["tax_percent"]) == (10, 8.25)  # not 8.4
    assert totals_identity(invoice).ok, totals_identity(invoice).detail
