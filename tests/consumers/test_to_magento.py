"""StockPush's decisions with in-memory Magento and ERP fakes; the echo store is the real one on SQLite.

The sandboxes run the same code in tests/consumers/test_to_magento_sandbox.py and tests/ops/test_push_cmd.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from consumers.dispatch import Outcome
from consumers.pipeline import Pipeline
from consumers.stock_guard import StockGuard
from consumers.stock_plan import StockConfig
from consumers.to_magento import StockPush
from core import parsing
from core.errors import MagentoNotFound, MagentoServerError, NothingNewYet
from core.outcomes import SKIPPED, SYNCED
from erp.base import ALL_LOCATIONS, ErpBackend
from magento.responses import SearchResult
from schemas.notification import Notification
from store.db import ensure_schema, make_engine
from store.fingerprints import FingerprintStore
from store.sync_state import SyncStateStore
from tests.consumers.test_pipeline import FakeMagento, stock_item

SOURCES = {"default": "WH/Stock", "berlin": "BER/Stock"}
MISSING = "The product that was requested doesn't exist. Verify the product and try again."


class FakeStockMagento(FakeMagento):
    """Products with their stock item, MSI source items, and every stock write recorded."""

    def __init__(self) -> None:
        super().__init__()
        self.products: dict[str, dict] = {}
        self.items: dict[tuple[str, str], dict] = {}
        self.saves: list[list[dict]] = []
        self.legacy: list[tuple] = []
        self.fail_save: Exception | None = None

    def add(self, sku: str, qty: float = 0, backorders: int = 0, **sources: float) -> None:
        self.products[sku] = {"sku": sku, "extension_attributes": {"stock_item": {
            "item_id": len(self.products) + 1, "qty": qty, "is_in_stock": qty > 0, "backorders": backorders}}}
        for code, quantity in sources.items():
            self.items[(sku, code)] = {"sku": sku, "source_code": code, "quantity": quantity,
                                       "status": int(quantity > 0)}

    def get_product(self, sku, store=None):
        if sku not in self.products:
            raise MagentoNotFound(MISSING, status=404)
        return self.products[sku]

    def source_items(self, skus, source_codes=None, page_size=100):
        return [item for (sku, code), item in sorted(self.items.items()) if sku in skus and code in source_codes]

    def save_source_items(self, items):
        if self.fail_save is not None:
            raise self.fail_save
        self.saves.append(list(items))
        for item in items:
            self.items[(item["sku"], item["source_code"])] = dict(item)

    def set_stock_quantity(self, sku, qty, is_in_stock, item_id=None):
        self.legacy.append((sku, qty, is_in_stock, item_id))
        self.products[sku]["extension_attributes"]["stock_item"].update(qty=qty, is_in_stock=is_in_stock)
        return item_id

    def list_sources(self, criteria=None):
        return SearchResult([{"source_code": "default"}, {"source_code": "berlin"}], 2)

    def close(self):
        pass


class FakeStockErp(ErpBackend):
    """Quantities per SKU and location; Odoo records resolving to SKUs; stock documents written."""

    name = "fake"

    def __init__(self) -> None:
        self.levels: dict[str, dict[str, float]] = {}
        self.records: dict[tuple[str, str], str] = {}
        self.writes: list[tuple[str, str, dict]] = []

    def upsert(self, entity, key, document):
        self.writes.append((entity, key, document))
        if entity == "stock":
            self.levels[key] = {ALL_LOCATIONS: float(document["qty"]), "WH/Stock": float(document["qty"])}
        return None

    def delete(self, entity, key):
        pass

    def stock_levels(self, skus, locations=(ALL_LOCATIONS,), measure="on_hand"):
        return {sku: {loc: self.levels[sku].get(loc, 0.0) for loc in locations} for sku in skus if sku in self.levels}

    def sku_of(self, key_type, record_id):
        return self.records.get((key_type, record_id))

    def stock_skus(self, page_size=500):
        skus = sorted(self.levels)
        for start in range(0, len(skus), page_size):
            yield skus[start:start + page_size]


@pytest.fixture
def engine(sqlite_url):
    made = make_engine(sqlite_url)
    ensure_schema(made)
    yield made
    made.dispose()


@pytest.fixture
def prints(engine):
    store = FingerprintStore(engine)
    yield store
    store.close()


@pytest.fixture
def magento():
    return FakeStockMagento()


@pytest.fixture
def erp():
    return FakeStockErp()


def pusher(magento, erp, prints, **config) -> StockPush:
    return StockPush(magento, erp, prints, StockConfig(**{"sources": SOURCES, "max_items": 4, **config}))


def note(key: str, source: str = "erp-poll", key_type: str | None = None, occurred_at: str | None = None):
    return [Notification(f"e-{key}", "stock", "save", key, occurred_at=occurred_at, source=source,
                         key_type=key_type)]


def test_only_changed_source_items_are_written_in_chunks_of_max_items(magento, erp, prints):
    for number in range(5):
        sku = f"S{number}"
        magento.add(sku, default=1, berlin=2)
        erp.levels[sku] = {"WH/Stock": 1.0 if number == 0 else 7.0, "BER/Stock": 2.0 if number == 0 else 0.0}

    results = pusher(magento, erp, prints).push([f"S{n}" for n in range(5)])

    assert [r.outcome for r in results][0] == Outcome(SKIPPED, "unchanged")
    assert results[1].outcome == Outcome(SYNCED, "default 1 -> 7, berlin 2 -> 0")
    assert [len(save) for save in magento.saves] == [4, 4]  # 8 changed items, at most 4 per save
    assert magento.items[("S4", "berlin")] == {"sku": "S4", "source_code": "berlin", "quantity": 0.0, "status": 0}
    assert prints.is_echo("stock", "S1", "magento", {"qty": "7.0000"})
    assert prints.last_written("stock", "S0", "magento") is None  # nothing written, nothing remembered


def test_a_sku_magento_lacks_is_skipped_never_dead_lettered(magento, erp, prints):
    erp.levels["GHOST"] = {"WH/Stock": 3.0, "BER/Stock": 0.0}
    assert pusher(magento, erp, prints).handle(note("GHOST")) == Outcome(SKIPPED, "not in Magento")
    assert magento.saves == []


def test_a_sku_the_erp_lacks_is_skipped(magento, erp, prints):
    magento.add("A", default=1)
    assert pusher(magento, erp, prints).handle(note("A")) == Outcome(SKIPPED, "not in the ERP")


def test_without_sources_the_legacy_stock_item_gets_qty_and_is_in_stock(magento, erp, prints):
    magento.add("A", qty=5)
    magento.add("B", qty=0, backorders=1)
    magento.products["B"]["extension_attributes"]["stock_item"]["is_in_stock"] = True  # backorders: in stock at 0
    erp.levels.update({"A": {ALL_LOCATIONS: 0.0}, "B": {ALL_LOCATIONS: 0.0}})

    results = pusher(magento, erp, prints, sources={}).push(["A", "B"])

    assert magento.legacy == [("A", 0.0, False, 1)]
    assert results[1].outcome == Outcome(SKIPPED, "unchanged")
    assert prints.is_echo("stock", "A", "magento", {"qty": 0})


def test_backorders_keep_a_zero_source_item_in_stock(magento, erp, prints):
    magento.add("A", backorders=2, default=4, berlin=4)
    erp.levels["A"] = {"WH/Stock": 0.0, "BER/Stock": 0.0}
    pusher(magento, erp, prints).push(["A"])
    assert {item["status"] for item in magento.saves[0]} == {1}


def test_an_erp_state_the_bridge_itself_wrote_is_an_echo_for_a_notification(magento, erp, prints):
    magento.add("A", default=1, berlin=0)
    erp.levels["A"] = {"WH/Stock": 9.0, "BER/Stock": 0.0}
    prints.remember_written("stock", "A", "erp", {"quantities": {"WH/Stock": 9, "BER/Stock": 0}})
    push = pusher(magento, erp, prints)

    assert push.handle(note("A")) == Outcome(SKIPPED, "echo")
    assert magento.saves == []
    assert push.push(["A"])[0].outcome.status == SYNCED  # a full push makes Magento right regardless


def test_an_odoo_record_key_is_resolved_to_its_sku(magento, erp, prints):
    magento.add("A", default=1, berlin=0)
    erp.levels["A"] = {"WH/Stock": 2.0, "BER/Stock": 0.0}
    erp.records[("odoo:stock.quant", "55")] = "A"
    push = pusher(magento, erp, prints)

    assert push.handle(note("55", key_type="odoo:stock.quant")) == Outcome(SYNCED, "default 1 -> 2", key="A")
    gone = push.handle(note("56", key_type="odoo:stock.move"))
    assert gone.status == SKIPPED and "odoo:stock.move 56" in gone.detail


def test_an_erp_webhook_finding_nothing_new_looks_once_more(magento, erp, prints):
    magento.add("A", default=3, berlin=0)
    erp.levels["A"] = {"WH/Stock": 3.0, "BER/Stock": 0.0}
    push = pusher(magento, erp, prints, first_retry_delay=5.0)
    just_now = parsing.iso(parsing.utc_now())

    with pytest.raises(NothingNewYet) as retry:
        push.handle(note("A", source="erp-webhook", occurred_at=just_now))
    assert retry.value.retryable
    assert push.handle(note("A", source="erp-webhook", occurred_at=just_now), attempt=2) == \
        Outcome(SKIPPED, "unchanged")
    old = parsing.iso(parsing.utc_now() - dt.timedelta(seconds=6))
    assert push.handle(note("A", source="erp-webhook", occurred_at=old)) == Outcome(SKIPPED, "unchanged")
    assert push.handle(note("A", source="erp-poll", occurred_at=just_now)) == Outcome(SKIPPED, "unchanged")


def test_magento_errors_keep_their_class(magento, erp, prints):
    magento.add("A", default=1)
    erp.levels["A"] = {"WH/Stock": 2.0, "BER/Stock": 0.0}
    magento.fail_save = MagentoServerError("Internal error", status=500)
    with pytest.raises(MagentoServerError):
        pusher(magento, erp, prints).handle(note("A"))


def test_a_dry_run_plans_and_writes_nothing(magento, erp, prints):
    magento.add("A", default=1, berlin=1)
    erp.levels["A"] = {"WH/Stock": 2.0, "BER/Stock": 1.0}
    [result] = pusher(magento, erp, prints).push(["A"], dry_run=True)
    assert [change.line() for change in result.changes] == ["A default: 1 -> 2"]
    assert magento.saves == [] and prints.last_written("stock", "A", "magento") is None


# The Magento -> ERP side: STOCK_OWNER and the echo of the bridge's own push.

@pytest.fixture
def pipeline_for(engine, prints, magento, erp):
    def build(owner: str = "magento") -> Pipeline:
        guard = StockGuard(prints, StockConfig(sources={"default": "WH/Stock"}, owner=owner))
        return Pipeline(magento, erp, SyncStateStore(engine, "fake"), lease_wait=0.2, stock=guard)
    return build


def test_stock_owned_by_the_erp_is_not_written_into_it(pipeline_for, magento, erp):
    magento.records[("stock", "A")] = stock_item("A", qty=4)
    assert pipeline_for("erp").handle(note("A", source="webhook")) == Outcome(SKIPPED, "stock owned by the ERP")
    assert erp.writes == []


def test_magentos_notification_of_the_bridges_own_push_is_not_written_back(pipeline_for, magento, erp, prints):
    magento.add("A", default=1)
    erp.levels["A"] = {"WH/Stock": 6.0}
    StockPush(magento, erp, prints, StockConfig(sources={"default": "WH/Stock"})).push(["A"])
    magento.records[("stock", "A")] = stock_item("A", qty=6)  # Magento's stock item now shows the push
    pipeline = pipeline_for()

    assert pipeline.handle(note("A", source="webhook")) == Outcome(SKIPPED, "echo")
    assert erp.writes == []
    magento.records[("stock", "A")] = stock_item("A", qty=5)  # a sale: a real change
    assert pipeline.handle(note("A", source="webhook")).status == SYNCED
    assert [(entity, key) for entity, key, _ in erp.writes] == [("stock", "A")]
    # ... and the ERP state that write made is remembered, so the ERP's change it causes is an echo
    assert prints.is_echo("stock", "A", "erp", {"quantities": {"WH/Stock": 5}})


def test_a_webhook_about_a_record_not_committed_yet_looks_once_more(magento, erp, prints):
    push = pusher(magento, erp, prints)
    just_now = parsing.iso(parsing.utc_now())
    with pytest.raises(NothingNewYet, match="odoo:stock.quant 77"):
        push.handle(note("77", source="erp-webhook", key_type="odoo:stock.quant", occurred_at=just_now))
    with pytest.raises(NothingNewYet, match="not in the ERP"):
        push.handle(note("NEW", source="erp-webhook", occurred_at=just_now))
    assert push.handle(note("NEW", source="erp-webhook", occurred_at=just_now), attempt=2) == \
        Outcome(SKIPPED, "not in the ERP")
