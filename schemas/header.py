"""Header money shared by orders, invoices and credit memos: currencies, shipping, taxes, gift cards, local dates.

``HeaderSchema`` declares Magento's fields; ``header_fields(data, ...)`` turns them into the document fields of
MONEY-CONTRACT.md (docs/erp-documents.md). Adobe Commerce puts gift card, store credit and reward amounts in
``extension_attributes`` or at the top level, so both are read (the extension first). ``_bridge`` holds what the
fetcher added: the store's time zone, the order's rows (for invoices and credit memos) and product SKUs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import ValidationError, fields

from schemas.common import Int, MagentoSchema, Number, Text, decimal, money_sum, optional, plain_number
from schemas.order_lines import OrderItemSchema, derived_rate, taxable_base

HEADER_FIELDS: tuple[str, ...] = (
    "base_currency", "base_to_order_rate", "base_grand_total", "subtotal_incl_tax",
    "discount_tax_compensation_amount", "shipping", "gift_cards_amount", "customer_balance_amount",
    "reward_currency_amount", "timezone", "created_at_local", "local_date",
)
SHIPPING_FIELDS: tuple[str, ...] = (
    "method", "description", "amount", "tax_amount", "incl_tax", "discount_amount",
    "discount_tax_compensation_amount", "tax_percent",
)
ADOBE_AMOUNTS: tuple[str, ...] = (
    "gift_cards_amount", "customer_balance_amount", "reward_currency_amount", "reward_points_balance")
_CENT = Decimal("0.01")
# shipping object field <- Magento's (top level, and in shipping_assignments[0].shipping.total)
_SHIPPING_SOURCES: dict[str, str] = {
    "amount": "shipping_amount", "tax_amount": "shipping_tax_amount", "incl_tax": "shipping_incl_tax",
    "discount_amount": "shipping_discount_amount",
    "discount_tax_compensation_amount": "shipping_discount_tax_compensation_amount",
}


class TimeZone(fields.Field[str]):
    """An IANA time zone name (``Europe/Berlin``); an unknown name is an error naming it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"Not a time zone name: {value!r}.")
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"Unknown time zone {value!r} (expected an IANA name like Europe/Berlin).") from None
        return value.strip()


class BridgeSchema(MagentoSchema):
    """``_bridge``: the fetcher's extras (docs/erp-documents.md)."""

    timezone = optional(TimeZone)
    order_items = fields.List(fields.Nested(OrderItemSchema), load_default=None, allow_none=True)
    product_skus = fields.Dict(keys=fields.String(), values=Text(), load_default=dict, allow_none=True)


class AppliedTaxSchema(MagentoSchema):
    code = optional(Text)
    title = optional(Text)
    percent = optional(Number)
    amount = optional(Number)
    base_amount = optional(Number)


class ItemAppliedTaxesSchema(MagentoSchema):
    type = optional(Text)
    item_id = optional(Int)
    applied_taxes = fields.List(fields.Nested(AppliedTaxSchema), load_default=list, allow_none=True)


class GiftCardSchema(MagentoSchema):
    code = optional(Text)
    amount = optional(Number)
    base_amount = optional(Number)


class ShippingTotalSchema(MagentoSchema):
    shipping_amount = optional(Number)
    shipping_tax_amount = optional(Number)
    shipping_incl_tax = optional(Number)
    shipping_discount_amount = optional(Number)
    shipping_discount_tax_compensation_amount = optional(Number)


class HeaderSchema(MagentoSchema):
    """The header fields every money document may carry."""

    base_currency_code = optional(Text)
    base_to_order_rate = optional(Number)
    base_grand_total = optional(Number)
    subtotal_incl_tax = optional(Number)
    discount_tax_compensation_amount = optional(Number)
    shipping_description = optional(Text)
    shipping_tax_amount = optional(Number)
    shipping_incl_tax = optional(Number)
    shipping_discount_amount = optional(Number)
    shipping_discount_tax_compensation_amount = optional(Number)
    gift_cards_amount = optional(Number)
    customer_balance_amount = optional(Number)
    reward_currency_amount = optional(Number)
    reward_points_balance = optional(Number)
    bridge = fields.Nested(BridgeSchema, data_key="_bridge", load_default=None, allow_none=True)


def header_fields(data: dict[str, Any], extension: dict[str, Any] | None, *, method: str | None = None,
                  shipping_total: dict[str, Any] | None = None, shipping_taxes: list[dict[str, Any]] | None = None,
                  known_rates: Iterable[Any] = ()) -> dict[str, Any]:
    """The shared header document fields from a loaded record (``extension``: its loaded extension_attributes;
    ``known_rates``: the tax rates the record's rows use, to name the shipping rate, see ``shipping_rate``)."""
    bridge = data["bridge"] or {}
    timezone = bridge.get("timezone")
    adobe = adobe_amounts(data, extension)
    return {
        "base_currency": data["base_currency_code"], "base_to_order_rate": data["base_to_order_rate"],
        "base_grand_total": data["base_grand_total"], "subtotal_incl_tax": data["subtotal_incl_tax"],
        "discount_tax_compensation_amount": data["discount_tax_compensation_amount"],
        "shipping": shipping_object(data, method, shipping_total, shipping_taxes, known_rates),
        **{name: adobe[name] for name in ("gift_cards_amount", "customer_balance_amount", "reward_currency_amount")},
        "timezone": timezone, **local_dates(data["created_at"], timezone),
    }


def adobe_amounts(data: dict[str, Any], extension: dict[str, Any] | None) -> dict[str, Any]:
    """Gift cards, store credit, reward points: ``extension_attributes`` first, then the top level."""
    extension = extension or {}
    return {name: extension.get(name) if extension.get(name) is not None else data.get(name)
            for name in ADOBE_AMOUNTS}


def shipping_object(data: dict[str, Any], method: str | None, total: dict[str, Any] | None,
                    shipping_taxes: list[dict[str, Any]] | None, known_rates: Iterable[Any] = ()
                    ) -> dict[str, Any] | None:
    """The ``shipping`` object; None when there is no method, description nor any shipping money."""
    total = total or {}
    values = {name: data.get(source) if data.get(source) is not None else total.get(source)
              for name, source in _SHIPPING_SOURCES.items()}
    if method is None and data.get("shipping_description") is None and not any(
            decimal(value) for value in values.values()):
        return None
    return {"method": method, "description": data.get("shipping_description"), **values,
            "tax_percent": shipping_rate(values, shipping_taxes, known_rates)}


def billed_shipping_discount(discount_amount: int | float | None, lines: Iterable[dict[str, Any]]
                             ) -> int | float | None:
    """An invoice's or credit memo's shipping discount, which Magento keeps inside the document's (negative)
    ``discount_amount`` with no column of its own: ``−discount_amount − Σ lines' discount_amount`` (the folded
    lines, so a dynamic bundle's children count once). None when ``discount_amount`` is absent or the lines
    claim more discount than the document (never a negative shipping discount)."""
    if discount_amount is None:
        return None
    shipping = -decimal(discount_amount) - sum((decimal(line.get("discount_amount")) for line in lines), Decimal(0))
    return plain_number(shipping) if shipping >= 0 else None


def shipping_rate(values: dict[str, Any], shipping_taxes: list[dict[str, Any]] | None,
                  known_rates: Iterable[Any] = ()) -> int | float | None:
    """Sum of the "shipping" applied taxes' percents when Magento lists them; else the one rate among
    ``known_rates`` (the document's own rates) that gives the shipping tax to the cent; else derived from the
    amounts, ``round(tax / (amount − discount + discount tax compensation) × 100, 4)``."""
    percents = [tax["percent"] for tax in shipping_taxes or [] if tax["percent"] is not None]
    if percents:
        return money_sum(percents)
    base = taxable_base(values["amount"], values["discount_amount"], values["discount_tax_compensation_amount"])
    tax = decimal(values["tax_amount"])
    fitting = {rate for rate in {decimal(rate) for rate in known_rates if rate is not None and decimal(rate)}
               if tax and base > 0 and abs(round(base * rate / 100, 2) - tax) <= _CENT}
    if len(fitting) == 1:
        return plain_number(fitting.pop())
    return derived_rate(values["tax_amount"], base)


def local_dates(created_at: str | None, timezone: str | None) -> dict[str, str | None]:
    """``created_at`` (UTC text) in the store's zone: ``created_at_local`` and ``local_date`` (UTC date without
    zone)."""
    if created_at is None:
        return {"created_at_local": None, "local_date": None}
    if timezone is None:
        return {"created_at_local": None, "local_date": created_at[:10]}
    utc = dt.datetime.strptime(created_at, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    local = utc.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")
    return {"created_at_local": local, "local_date": local[:10]}


def item_taxes_by_item(entries: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """``item_applied_taxes`` of type "product" by item id."""
    taxes: dict[int, list[dict[str, Any]]] = {}
    for entry in entries:
        if (entry["type"] or "product") == "product" and entry["item_id"] is not None:
            taxes.setdefault(entry["item_id"], []).extend(entry["applied_taxes"] or [])
    return taxes


def shipping_taxes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The applied taxes of ``item_applied_taxes`` entries of type "shipping"."""
    return [tax for entry in entries if entry["type"] == "shipping" for tax in entry["applied_taxes"] or []]
