"""A document's currency in Odoo: it must exist and be active (checked before anything is written), and an
order reaches it through a pricelist in that currency, created when missing (``ODOO_CREATE_PRICELISTS``)."""

from __future__ import annotations

import dataclasses
import logging

from core.errors import ErpRejected
from erp.odoo.bindings import ALL_RECORDS, Writer
from erp.odoo.rpc import OdooRpc

log = logging.getLogger(__name__)
CURRENCY, PRICELIST, COMPANY = "res.currency", "product.pricelist", "res.company"


@dataclasses.dataclass(frozen=True)
class Currency:
    id: int
    code: str
    company: bool


def inactive_message(code: str, exists: bool) -> str:
    if not exists:
        return f"currency {code} does not exist in Odoo: create it (Accounting > Configuration > Currencies)"
    return (f"currency {code} is not active in Odoo: activate it (Accounting > Configuration > Currencies, "
            "or Settings > Currencies) so documents in it can be posted")


class Currencies:
    """Currency and pricelist look-ups (each answer cached once found)."""

    def __init__(self, rpc: OdooRpc, writer: Writer, create_pricelists: bool = True) -> None:
        self.rpc, self.writer = rpc, writer
        self.create_pricelists = create_pricelists
        self._company: int | None = None
        self._found: dict[str, Currency] = {}
        self._pricelists: dict[int, int | None] = {}

    def company_currency(self) -> int:
        """The currency of the company (the first one)."""
        if self._company is None:
            rows = self.rpc.execute_kw(COMPANY, "search_read", [[]], {"fields": ["currency_id"], "limit": 1,
                                                                    "order": "id"})
            if not rows or not rows[0].get("currency_id"):
                raise ErpRejected("Odoo has no company with a currency")
            self._company = rows[0]["currency_id"][0]
        return self._company

    def active(self, code: str | None) -> Currency:
        """The active ``res.currency`` of that code; ErpRejected (saying what to activate) otherwise."""
        code = (code or "").strip().upper()
        if not code:
            return Currency(self.company_currency(), "", True)
        if code not in self._found:
            rows = self.rpc.execute_kw(CURRENCY, "search_read", [[("name", "=", code)]],
                                       {"fields": ["active"], "limit": 1, **ALL_RECORDS})
            if not rows or not rows[0]["active"]:
                raise ErpRejected(inactive_message(code, bool(rows)), details={"currency": code})
            self._found[code] = Currency(rows[0]["id"], code, rows[0]["id"] == self.company_currency())
        return self._found[code]

    def pricelist(self, currency: Currency) -> int | None:
        """A pricelist in the currency; created when missing (a foreign currency needs one; the company's
        own works without), or ErpRejected when ``ODOO_CREATE_PRICELISTS`` is off."""
        if currency.id not in self._pricelists or self._pricelists[currency.id] is None:
            found = self.rpc.execute_kw(PRICELIST, "search", [[("currency_id", "=", currency.id)]],
                                        {"limit": 1, "order": "id"})
            self._pricelists[currency.id] = found[0] if found else self._missing(currency)
        return self._pricelists[currency.id]

    def _missing(self, currency: Currency) -> int | None:
        if currency.company:
            return None
        if not self.create_pricelists:
            raise ErpRejected(f"Odoo has no pricelist in {currency.code}: create one (Sales > Products > "
                              "Pricelists) or set ODOO_CREATE_PRICELISTS=true", details={"currency": currency.code})
        pricelist = self.writer.create(PRICELIST, f"pricelist_{currency.code.lower()}",
                                       {"name": f"Magento {currency.code}", "currency_id": currency.id})
        log.info("created pricelist %s for orders in %s", pricelist, currency.code)
        return pricelist
