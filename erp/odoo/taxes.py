"""The Odoo sale tax of each Magento rate: ``ODOO_TAX_MAP`` first (Magento tax code, then the rate as text,
e.g. ``"8.25"``), else the active ``account.tax`` with ``type_tax_use`` sale, ``amount_type`` percent, that
``amount`` and that price-included flag (the company's own first). Read once, again on a miss."""

from __future__ import annotations

import logging
import threading
from decimal import Decimal
from typing import Any

from core.errors import ErpRejected
from erp.odoo.amounts import Tax, dec
from erp.odoo.rpc import OdooRpc
from erp.odoo.version import Server

log = logging.getLogger(__name__)
TAX = "account.tax"
WANTED = ("name", "amount", "amount_type", "price_include", "company_id", "type_tax_use")
RATE_DIGITS = Decimal("0.0001")


def rate_key(rate: Decimal) -> str:
    """A rate as ODOO_TAX_MAP writes it: ``8.25``, ``19``, ``7.5``."""
    text = format(dec(rate).quantize(RATE_DIGITS).normalize(), "f")
    return text


def tax_from_row(row: dict[str, Any]) -> Tax:
    return Tax(id=row["id"], amount=dec(row.get("amount")), amount_type=row.get("amount_type") or "percent",
               price_include=bool(row.get("price_include")), name=row.get("name") or "")


def choose(taxes: list[Tax], rate: Decimal, include: bool) -> Tax | None:
    """The first percent tax of that rate and price-included flag (``taxes`` in the order to prefer)."""
    wanted = dec(rate).quantize(RATE_DIGITS)
    for tax in taxes:
        if tax.amount_type == "percent" and tax.price_include == include and tax.amount.quantize(RATE_DIGITS) == wanted:
            return tax
    return None


class Taxes:
    """Thread-safe tax look-up; ``lookup`` is the ``odoo_pricing.TaxLookup`` of the backend."""

    def __init__(self, rpc: OdooRpc, server: Server, tax_map: dict[str, int] | None = None) -> None:
        self.rpc, self.server = rpc, server
        self.tax_map = {str(key).strip().lower(): int(value) for key, value in (tax_map or {}).items()}
        self._taxes: list[Tax] | None = None
        self._lock = threading.Lock()

    def lookup(self, rate: Decimal, include: bool, codes: tuple[str, ...] = ()) -> Tax:
        mapped = self._mapped(rate, codes)
        if mapped is not None:
            return mapped
        found = choose(self._sale_taxes(), rate, include)
        if found is None:
            found = choose(self._sale_taxes(reload=True), rate, include)
        if found is None:
            kind = "price included" if include else "price excluded"
            raise ErpRejected(f"Odoo has no sale tax of {rate_key(rate)}% ({kind}): create an account.tax with "
                              f"amount {rate_key(rate)}, type Sales, percent{', included in price' if include else ''}"
                              f", or map Magento's rate in ODOO_TAX_MAP", details={"tax_rate": rate_key(rate)})
        return found

    def _mapped(self, rate: Decimal, codes: tuple[str, ...]) -> Tax | None:
        for key in [code.lower() for code in codes] + [rate_key(rate)]:
            if key in self.tax_map:
                return self._by_id(self.tax_map[key], key)
        return None

    def _by_id(self, tax_id: int, key: str) -> Tax:
        for tax in self._sale_taxes():
            if tax.id == tax_id:
                return tax
        rows = self.rpc.execute_kw(TAX, "read", [[tax_id]], {"fields": self._fields()})
        if not rows:
            raise ErpRejected(f"ODOO_TAX_MAP maps {key!r} to account.tax {tax_id}, which Odoo does not have")
        return tax_from_row(rows[0])

    def _sale_taxes(self, reload: bool = False) -> list[Tax]:
        if self._taxes is None or reload:
            rows = self.rpc.execute_kw(TAX, "search_read", [[("type_tax_use", "=", "sale")]],
                                       {"fields": self._fields(), "order": "id"})
            company = self._company()
            rows.sort(key=lambda row: 0 if _company_of(row) in (company, None) else 1)
            with self._lock:
                self._taxes = [tax_from_row(row) for row in rows]
        return self._taxes

    def _fields(self) -> list[str]:
        known = self.server.fields(TAX)
        return [field for field in WANTED if field in known]

    def _company(self) -> int | None:
        if not (self.server.has_field(TAX, "company_id") and self.server.has_field("res.users", "company_id")):
            return None
        rows = self.rpc.execute_kw("res.users", "read", [[self.rpc.uid]], {"fields": ["company_id"]})
        return _company_of(rows[0]) if rows else None


def _company_of(row: dict[str, Any]) -> int | None:
    value = row.get("company_id")
    return value[0] if isinstance(value, list) and value else (value or None)
