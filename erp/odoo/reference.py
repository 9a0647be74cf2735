"""Odoo's reference data the bridge looks up (countries, states, currencies, pricelists, the stock location),
cached for the process' lifetime once found (misses are asked again, in case Odoo gains the record)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from core.errors import ErpRejected
from erp.odoo.rpc import OdooRpc

log = logging.getLogger(__name__)
ALL_RECORDS = {"context": {"active_test": False}}


class Reference:
    """Thread-safe look-ups of reference records by their natural keys."""

    def __init__(self, rpc: OdooRpc) -> None:
        self.rpc = rpc
        self._cache: dict[tuple[Any, ...], int] = {}
        self._lock = threading.Lock()

    def country_id(self, code: str | None) -> int | None:
        """``res.country`` by ISO code (``US``)."""
        if not code:
            return None
        return self._first(("country", code.upper()), "res.country", [("code", "=", code.upper())])

    def state_id(self, country_id: int | None, code: str | None, name: str | None) -> int | None:
        """``res.country.state`` of the country, by code (``MI``) or, failing that, by name (``Michigan``)."""
        if not country_id or not (code or name):
            return None
        for field, value in (("code", code), ("name", name)):
            if value:
                operator = "=" if field == "code" else "=ilike"
                found = self._first(("state", country_id, field, value.lower()), "res.country.state",
                                    [("country_id", "=", country_id), (field, operator, value)])
                if found:
                    return found
        return None

    def currency_id(self, code: str | None) -> int | None:
        """``res.currency`` by code, inactive ones included (Odoo ships most currencies inactive)."""
        if not code:
            return None
        return self._first(("currency", code.upper()), "res.currency", [("name", "=", code.upper())], ALL_RECORDS)

    def pricelist_id(self, currency_id: int | None) -> int | None:
        """A pricelist in that currency, which gives a sale order its currency; None when Odoo has none."""
        if not currency_id:
            return None
        return self._first(("pricelist", currency_id), "product.pricelist", [("currency_id", "=", currency_id)])

    def stock_location_id(self) -> int:
        """The main warehouse's stock location, where quantities are set."""
        key = ("stock_location",)
        if key not in self._cache:
            rows = self.rpc.execute_kw("stock.warehouse", "search_read", [[]],
                                       {"fields": ["lot_stock_id"], "limit": 1, "order": "id"})
            if not rows or not rows[0]["lot_stock_id"]:
                raise ErpRejected("Odoo has no warehouse with a stock location (is the Inventory app installed?)")
            self._remember(key, rows[0]["lot_stock_id"][0])
        return self._cache[key]

    def default_category_id(self) -> int:
        """Odoo's generic product category (``product.product_category_all``)."""
        key = ("default_category",)
        if key not in self._cache:
            rows = self.rpc.execute_kw("ir.model.data", "search_read", [[
                ("module", "=", "product"), ("name", "=", "product_category_all")]], {"fields": ["res_id"]})
            if not rows:
                raise ErpRejected("Odoo has no product.product_category_all category")
            self._remember(key, rows[0]["res_id"])
        return self._cache[key]

    def _first(self, key: tuple[Any, ...], model: str, domain: list[Any],
               kwargs: dict[str, Any] | None = None) -> int | None:
        if key in self._cache:
            return self._cache[key]
        found = self.rpc.execute_kw(model, "search", [domain], {"limit": 1, **(kwargs or {})})
        if not found:
            log.info("Odoo has no %s matching %s", model, domain)
            return None
        self._remember(key, found[0])
        return int(found[0])

    def _remember(self, key: tuple[Any, ...], value: int) -> None:
        with self._lock:
            self._cache[key] = value
