"""Stock from the Odoo sandbox to the Magento sandbox through ``build_stock_push`` (the real client, backend and
echo store), and the Magento -> ERP pipeline not writing the push back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consumers.dispatch import Outcome
from consumers.pipeline import Pipeline
from consumers.stock_guard import StockGuard
from consumers.stock_plan import StockConfig
from consumers.to_magento import StockPush, build_stock_push
from core.outcomes import SKIPPED, SYNCED
from erp.odoo.backend import OdooBackend
from magento.client import MagentoClient
from schemas.notification import Notification
from store.db import ensure_schema, make_engine
from store.sync_state import SyncStateStore
from tests.erp.odoo.test_stock_reads import berlin, count, location, product
from tests.ops.helpers import MagentoSandbox
from tests.stock_sandboxes import Odoo, magento_with_berlin, odoo_sandbox

TOKEN = "stock-push-token"


@pytest.fixture
def magento() -> Iterator[MagentoSandbox]:
    with magento_with_berlin(TOKEN) as sandbox:
        yield sandbox


@pytest.fixture
def odoo() -> Iterator[Odoo]:
    with odoo_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def settings_for(make_settings, magento, odoo):
    def build(**extra):
        return make_settings(MAGENTO_BASE_URL=magento.url, MAGENTO_ACCESS_TOKEN=TOKEN, MAGENTO_RETRIES="1",
                             MAGENTO_BACKOFF_SECONDS="0", ERP_BACKEND="odoo", ODOO_URL=odoo.url, ODOO_DB="bridge",
                             ODOO_USERNAME="admin", ODOO_PASSWORD="admin", **extra)
    return build


@pytest.fixture
def world(magento, odoo):
    """Magento: two products; Odoo: the same SKUs, 10 + 4 and 0 + 0 on hand, and BER/Stock."""
    magento.generate_products(2)
    skus = sorted(magento.keys("product"))
    ber = berlin(odoo)
    first = product(odoo, skus[0])
    product(odoo, skus[1])
    count(odoo, first, location(odoo, "WH/Stock"), 10)
    count(odoo, first, ber, 4)
    product(odoo, "ODOO-ONLY")
    return skus


@pytest.fixture
def pusher(settings_for) -> Iterator[StockPush]:
    made = build_stock_push(settings_for(MAGENTO_SOURCES="default=WH/Stock,berlin=BER/Stock"))
    yield made
    made.close()


def items_of(pusher: StockPush, sku: str) -> dict[str, tuple[float, int]]:
    return {item["source_code"]: (float(item["quantity"]), item["status"])
            for item in pusher.client.source_items([sku], ["default", "berlin"])}


def note(key: str, key_type: str | None = None, source: str = "erp-poll") -> list[Notification]:
    return [Notification(f"e-{key}", "stock", "save", key, source=source, key_type=key_type)]


def test_odoo_on_hand_reaches_every_mapped_source_then_nothing_is_rewritten(pusher, world, magento):
    a, b = world
    pusher.probe()
    assert pusher.handle(note(a)).status == SYNCED
    assert items_of(pusher, a) == {"default": (10.0, 1), "berlin": (4.0, 1)}
    assert pusher.handle(note(b)).status == SYNCED  # default had the generated qty, berlin had none
    assert items_of(pusher, b) == {"default": (0.0, 0), "berlin": (0.0, 0)}

    before = len(magento.requests())
    assert pusher.handle(note(a)) == Outcome(SKIPPED, "unchanged")
    assert not [r for r in magento.requests()[before:] if r["method"] == "POST"]


def test_a_sku_magento_lacks_gets_no_source_item(pusher, world):
    assert pusher.handle(note("ODOO-ONLY")) == Outcome(SKIPPED, "not in Magento")
    assert items_of(pusher, "ODOO-ONLY") == {}


def test_an_odoo_quant_webhook_is_pushed_as_its_sku(pusher, world, odoo):
    a = world[0]
    [quant] = odoo.execute("stock.quant", "search", [[("product_id.default_code", "=", a),
                                                      ("location_id.complete_name", "=", "BER/Stock")]])
    outcome = pusher.handle(note(str(quant), key_type="odoo:stock.quant"))
    assert (outcome.status, outcome.key) == (SYNCED, a) and "berlin none -> 4" in outcome.detail
    assert items_of(pusher, a) == {"default": (10.0, 1), "berlin": (4.0, 1)}


def test_without_sources_the_legacy_stock_item_is_written(settings_for, world):
    pusher = build_stock_push(settings_for())
    try:
        assert pusher.handle(note(world[0])).status == SYNCED
        item = pusher.client.get_stock_item(world[0])
        assert (float(item["qty"]), item["is_in_stock"]) == (14.0, True)
    finally:
        pusher.close()


def test_magentos_notification_of_the_push_is_not_written_back_to_odoo(pusher, world, settings_for, odoo):
    a = world[0]
    pusher.handle(note(a))  # Magento's default source (= its stock item) now shows 10
    settings = settings_for(MAGENTO_SOURCES="default=WH/Stock,berlin=BER/Stock")
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    backend = OdooBackend.from_settings(settings)
    with MagentoClient(settings) as client:
        pipeline = Pipeline(client, backend, SyncStateStore(engine, "odoo"),
                            stock=StockGuard(pusher.fingerprints, StockConfig.from_settings(settings)))
        moves = len(odoo.execute("stock.move", "search", [[]]))
        assert pipeline.handle(note(a, source="webhook")) == Outcome(SKIPPED, "echo")
        assert len(odoo.execute("stock.move", "search", [[]])) == moves  # no inventory adjustment in Odoo
    backend.close()
    engine.dispose()
