"""The Odoo backend: ERP documents written to Odoo 17 or 18 over JSON-RPC, bound by ir.model.data external ids.

See docs/odoo.md for the model mapping, the binding names, deletes, dependencies and error classification.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from core import entities
from core.entities import ENTITIES, SKU_KEYED
from core.errors import ErpRejected
from core.settings import Settings
from erp.base import ALL_LOCATIONS, Document, ErpBackend, StockLevels
from erp.odoo import values
from erp.odoo.bindings import Bindings, KeyLocks, Writer
from erp.odoo.catalog import Catalog
from erp.odoo.currencies import Currencies
from erp.odoo.moves import Moves
from erp.odoo.partners import Partners
from erp.odoo.preflight import preflight
from erp.odoo.reference import Reference
from erp.odoo.rpc import OdooRpc
from erp.odoo.sales import Sales
from erp.odoo.services import Services, names_from_settings
from erp.odoo.shipments import Shipments
from erp.odoo.stock_reads import StockReads
from erp.odoo.taxes import Taxes
from erp.odoo.version import Dialect, Server


class OdooBackend(ErpBackend):
    """Thread-safe: one JSON-RPC client (one connection pool, one uid) for every worker thread, and one
    lock per record so two threads never write the same Magento record at once."""

    name = "odoo"

    def __init__(self, rpc: OdooRpc, module: str = "magento", *, tax_map: dict[str, int] | None = None,
                 create_pricelists: bool = True, service_names: dict[str, str] | None = None,
                 dialect: Dialect | None = None, currencies: tuple[str, ...] = ()) -> None:
        self.rpc = rpc
        self.server = Server(rpc, dialect)
        self.bindings = Bindings(rpc, module)
        self.writer = Writer(rpc, self.bindings)
        self.reference = Reference(rpc)
        self.locks = KeyLocks()
        self.currencies = currencies
        self.catalog = Catalog(rpc, self.bindings, self.writer, self.reference, self.server)
        self.partners = Partners(self.bindings, self.writer, self.reference, self.locks)
        money = (Taxes(rpc, self.server, tax_map), Currencies(rpc, self.writer, create_pricelists),
                 Services(rpc, self.writer, self.server, service_names))
        self.sales = Sales(rpc, self.bindings, self.writer, self.server, self.catalog, self.partners, money)
        self.moves = Moves(rpc, self.bindings, self.writer, self.server, self.sales)
        self.shipments = Shipments(rpc, self.bindings, self.writer, self.server, self.catalog, self.sales)
        self.stock = StockReads(rpc)
        self._writer_table = self._writers()

    @classmethod
    def from_settings(cls, settings: Settings, **rpc_options: Any) -> OdooBackend:
        """From ODOO_URL, ODOO_DB, ODOO_USERNAME, ODOO_PASSWORD, ODOO_BINDING_MODULE, ERP_TIMEOUT and the
        money settings (ODOO_TAX_MAP, ODOO_CREATE_PRICELISTS, ODOO_*_PRODUCT)."""
        return cls(OdooRpc.from_settings(settings, **rpc_options), settings.odoo_binding_module,
                   tax_map=settings.odoo_tax_map, create_pricelists=settings.odoo_create_pricelists,
                   service_names=names_from_settings(settings))

    def preflight(self, currencies: tuple[str, ...] = ()) -> None:
        """Authenticate, and check the Odoo apps, the currencies (the company's, ``currencies`` and those
        given at construction) and their pricelists; OdooSetupError naming what to install or activate."""
        preflight(self.rpc, self.server, self.sales.currencies, tuple(self.currencies) + tuple(currencies))

    def _writers(self) -> dict[str, tuple[Callable[[str, Document], Any], Callable[[str], None]]]:
        """``{writer name (core.entities): (upsert, delete)}``: the Odoo writer of every entity."""
        return {
            "product": (self.catalog.upsert_product, self.catalog.delete_product),
            "category": (self.catalog.upsert_category, self.catalog.delete_category),
            "customer": (self.partners.upsert_customer, self.partners.delete_customer),
            "order": (self.sales.upsert_order, self.sales.delete_order),
            "shipment": (self.shipments.upsert, self.shipments.delete),
            "invoice": (lambda k, d: self.moves.upsert("invoice", k, d), lambda k: self.moves.delete("invoice", k)),
            "creditmemo": (lambda k, d: self.moves.upsert("creditmemo", k, d),
                           lambda k: self.moves.delete("creditmemo", k)),
            "stock": (self.catalog.upsert_stock, self._zero_stock),
        }

    @property
    def writers(self) -> frozenset[str]:
        return frozenset(self._writer_table)

    def upsert(self, entity: str, key: str, document: Document) -> str | None:
        upsert, _ = self._writer(entity)
        with self.locks.hold((entity, _lock_key(entity, key))):
            odoo_id = upsert(key, document)
        return str(odoo_id) if odoo_id is not None else None

    def delete(self, entity: str, key: str) -> None:
        """Archive products and customers, delete categories, cancel orders and moves, unbind shipments,
        set stock to 0; an absent record is fine."""
        _, remove = self._writer(entity)
        with self.locks.hold((entity, _lock_key(entity, key))):
            remove(key)

    def _writer(self, entity: str) -> tuple[Callable[[str, Document], Any], Callable[[str], None]]:
        _check_entity(entity)
        return self._writer_table[entities.entity(entity).writer]

    def _zero_stock(self, sku: str) -> None:
        """A deleted stock item: the bound product's quantity set to 0 (nothing when Odoo lacks the product)."""
        if self.catalog.variant_ids([sku]):
            self.catalog.set_stock(sku, 0.0)

    def dependencies(self, entity: str, document: Document) -> list[tuple[str, str]]:
        return values.dependencies(entity, document)

    def exists(self, entity: str, key: str) -> bool:
        """Bound through ir.model.data and still present in Odoo (archived records count)."""
        _check_entity(entity)
        writer = entities.entity(entity).writer
        model, prefix = values.ENTITY_MODELS["product" if writer == "stock" else writer]
        return self.writer.exists(model, values.binding_name(prefix, key))

    def count(self, entity: str) -> int:
        """Bound records of the entity (stock: bound products with a quantity in the stock location)."""
        _check_entity(entity)
        writer = entities.entity(entity).writer
        if writer == "stock":
            return self.catalog.count_stock()
        model, prefix = values.ENTITY_MODELS[writer]
        return self.bindings.count(model, prefix)

    def stock_levels(self, skus: Sequence[str], locations: Sequence[str] = (ALL_LOCATIONS,),
                     measure: str = "on_hand") -> StockLevels:
        return self.stock.levels(skus, locations, measure)

    def sku_of(self, key_type: str, record_id: str) -> str | None:
        return self.stock.sku_of(key_type, record_id)

    def stock_skus(self, page_size: int = 500) -> Iterator[list[str]]:
        return self.stock.skus(page_size)

    def close(self) -> None:
        self.rpc.close()


def _check_entity(entity: str) -> None:
    if entity not in ENTITIES:
        raise ErpRejected(f"the Odoo backend does not know entity {entity!r}")


def _lock_key(entity: str, key: str) -> str:
    return key.lower() if entity in SKU_KEYED else key
