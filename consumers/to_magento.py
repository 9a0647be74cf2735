"""Stock from the ERP to Magento: the ``erp.stock`` handler and the engine of ``bridgectl push stock``.

``StockPush.push(skus)`` reads the ERP's quantities of the SKUs (per MAGENTO_SOURCES location, in the measure
STOCK_QUANTITY names), checks each SKU exists in Magento (``GET /V1/products/{sku}``: Magento accepts a
source item for an unknown SKU, so the push must ask; absent is skipped "not in Magento", never a dead
letter), and writes what differs (``consumers.stock_plan``): the changed source items with
``save_source_items`` in chunks of at most MAGENTO_MAX_ITEMS, or the legacy stock item without
MAGENTO_SOURCES. Unchanged SKUs are skipped "unchanged". After a write it remembers the Magento-side echo
fingerprint; for a notification (``handle``) an ERP state equal to what the bridge itself last wrote into
the ERP is an echo (skipped "echo"). Errors keep the client's classes (Magento 5xx/429 retryable, 4xx
permanent with Magento's message); an ERP webhook that finds nothing new raises ``NothingNewYet`` once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from consumers import stock_plan
from consumers.dispatch import Outcome
from consumers.stock_plan import Change, StockConfig
from core.errors import ConfigError, MagentoNotFound, MalformedMessage, NothingNewYet
from core.outcomes import SKIPPED, SYNCED
from erp.base import ALL_LOCATIONS, ErpBackend, StockLevels
from schemas.notification import Notification
from store.fingerprints import FingerprintStore

if TYPE_CHECKING:
    from core.settings import Settings
    from magento.client import MagentoClient

log = logging.getLogger(__name__)
ENTITY = "stock"
NOT_IN_MAGENTO, NOT_IN_ERP, UNCHANGED, ECHO = "not in Magento", "not in the ERP", "unchanged", "echo"


@dataclasses.dataclass(frozen=True)
class Pushed:
    """What the push did (or, in a dry run, would do) for one SKU."""

    sku: str
    outcome: Outcome
    changes: tuple[Change, ...] = ()


@dataclasses.dataclass
class StockPush:
    """Pushes the ERP's stock of SKUs to Magento; thread-safe as its client, backend and store are."""

    client: MagentoClient
    backend: ErpBackend
    fingerprints: FingerprintStore | None
    config: StockConfig = dataclasses.field(default_factory=StockConfig)

    def handle(self, notifications: list[Notification], attempt: int | None = None) -> Outcome:
        """The ``erp.stock`` handler: every notification is about one SKU (or one Odoo record of it)."""
        first = notifications[0]
        if first.entity != ENTITY:
            raise MalformedMessage(f"the ERP → Magento consumer writes stock only, not {first.entity}")
        sku = self.resolve(first)
        if sku is None:
            self._look_again(notifications, attempt, f"{first.key_type} {first.key}", "not found")
            log.info("skipped stock of %s %s: the ERP record is gone or its product has no SKU", first.key_type,
                     first.key)
            return Outcome(SKIPPED, f"{first.key_type} {first.key} is gone or its product has no SKU")
        pushed = self.push([sku], echo=True)[0]
        if pushed.outcome.status == SKIPPED and pushed.outcome.detail in (UNCHANGED, ECHO, NOT_IN_ERP):
            self._look_again(notifications, attempt, f"SKU {sku!r}", pushed.outcome.detail)
        return pushed.outcome if first.key_type is None else dataclasses.replace(pushed.outcome, key=sku)

    def _look_again(self, notifications: list[Notification], attempt: int | None, what: str,
                    found: str | None) -> None:
        """Raise NothingNewYet when an ERP webhook's notification is on its first look (see stock_plan)."""
        if stock_plan.first_look(notifications, attempt, self.config.first_retry_delay):
            raise NothingNewYet(f"nothing new yet for {what} ({found}): the ERP's webhook may have come before "
                                "its commit; looking again after the first retry delay")

    __call__ = handle

    def resolve(self, notification: Notification) -> str | None:
        """The SKU of the notification: its key, or the SKU of the ERP record its ``key_type`` names."""
        if notification.key_type is None:
            return notification.key
        return self.backend.sku_of(notification.key_type, notification.key)

    def probe(self, entities: Sequence[str] = (ENTITY,)) -> None:
        """The start-up check: every MAGENTO_SOURCES code is a Magento source, then the ERP's preflight."""
        if self.config.sources:
            known = {item.get("source_code") for item in self.client.list_sources().items}
            missing = [code for code in self.config.sources if code not in known]
            if missing:
                raise ConfigError(f"MAGENTO_SOURCES names sources Magento does not have: {', '.join(missing)} "
                                  f"(Magento has {', '.join(sorted(str(code) for code in known)) or 'none'})")
        self.backend.preflight()

    def push(self, skus: Sequence[str], *, dry_run: bool = False, echo: bool = False) -> list[Pushed]:
        """Push the SKUs' stock (a dry run writes nothing); ``echo``: skip SKUs whose ERP state the bridge wrote."""
        wanted = list(dict.fromkeys(skus))
        levels = self.backend.stock_levels(wanted, self.config.locations, self.config.measure)
        done: dict[str, Pushed] = {sku: _skipped(sku, NOT_IN_ERP) for sku in wanted if sku not in levels}
        if echo:
            done.update({sku: _skipped(sku, ECHO) for sku in wanted if sku in levels and self._is_echo(sku, levels)})
        products = self._products([sku for sku in wanted if sku not in done])
        done.update({sku: _skipped(sku, NOT_IN_MAGENTO) for sku, product in products.items() if product is None})
        present = {sku: product for sku, product in products.items() if product is not None}
        plans = self._plan(present, levels)
        if not dry_run:
            self._write(plans, levels)
        for sku, changes in plans.items():
            done[sku] = Pushed(sku, Outcome(SYNCED, stock_plan.summary(changes)), tuple(changes)) if changes \
                else _skipped(sku, UNCHANGED)
        return [done[sku] for sku in wanted]

    def _is_echo(self, sku: str, levels: StockLevels) -> bool:
        return self.fingerprints is not None and self.fingerprints.is_echo(
            ENTITY, sku, "erp", stock_plan.erp_state(levels[sku]))

    def _products(self, skus: list[str]) -> dict[str, dict[str, Any] | None]:
        """Each SKU's Magento product, None when Magento has no such product."""
        products: dict[str, dict[str, Any] | None] = {}
        for sku in skus:
            try:
                products[sku] = self.client.get_product(sku)
            except MagentoNotFound as error:
                if error.route_missing:
                    raise
                products[sku] = None
        return products

    def _plan(self, products: dict[str, dict[str, Any]], levels: StockLevels) -> dict[str, list[Change]]:
        """The changes each present SKU needs (an empty list: unchanged)."""
        sources = self.config.sources
        if not sources:
            return {sku: [change] if (change := stock_plan.legacy_change(
                        sku, levels[sku][ALL_LOCATIONS], stock_plan.stock_item(product),
                        stock_plan.backorders_allowed(product))) else []
                    for sku, product in products.items()}
        items: dict[str, dict[str, dict[str, Any]]] = {}
        if products:
            for item in self.client.source_items(list(products), list(sources)):
                items.setdefault(str(item.get("sku")), {})[str(item.get("source_code"))] = item
        return {sku: stock_plan.source_changes(sku, levels[sku], items.get(sku, {}), sources,
                                               stock_plan.backorders_allowed(product))
                for sku, product in products.items()}

    def close(self) -> None:
        """Release the Magento client, the ERP backend and the echo store's connections."""
        self.client.close()
        self.backend.close()
        if self.fingerprints is not None:
            self.fingerprints.close()

    def _write(self, plans: dict[str, list[Change]], levels: StockLevels) -> None:
        """Write every change, then remember what Magento's stock item now shows for each written SKU."""
        changes = [change for planned in plans.values() for change in planned]
        if self.config.sources:
            for chunk in stock_plan.chunks([change.source_item() for change in changes], self.config.max_items):
                self.client.save_source_items(chunk)
        else:
            for change in changes:
                self.client.set_stock_quantity(change.sku, change.erp_qty, change.in_stock, change.item_id)
        for sku, planned in plans.items():
            state = stock_plan.magento_state(levels[sku], self.config.sources) if planned else None
            if state is not None and self.fingerprints is not None:
                self.fingerprints.remember_written(ENTITY, sku, "magento", state)
        log.debug("wrote %d stock changes of %d SKUs to Magento", len(changes), sum(1 for p in plans.values() if p))


def _skipped(sku: str, reason: str) -> Pushed:
    return Pushed(sku, Outcome(SKIPPED, reason))


def build_stock_push(settings: Settings, *, engine: Any = None) -> StockPush:
    """The StockPush of the settings: its own Magento client, ERP backend and echo store (``engine``: the
    database engine to keep fingerprints in; a new one from DATABASE_URL when None)."""
    from erp.factory import build_backend
    from magento.client import MagentoClient
    from store.db import ensure_schema, make_engine

    if engine is None:
        engine = make_engine(settings.database_url)
        ensure_schema(engine)
    return StockPush(MagentoClient(settings), build_backend(settings), FingerprintStore(engine),
                     StockConfig.from_settings(settings))
