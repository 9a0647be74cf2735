"""The record pipeline: fetch fresh, map, skip stale or unchanged, import dependencies first, delete on 404.

Magento and the ERP are in-memory fakes here (the pipeline's own decisions are under test); the sync
state is the real store on SQLite. The end-to-end tests run the same pipeline against the sandboxes.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest
import sqlalchemy as sa

from consumers.dispatch import Outcome
from consumers.pipeline import Pipeline, build_handler, lease_owner
from core.errors import (
    ErpUnavailable,
    MagentoNotFound,
    MagentoServerError,
    MagentoUnavailable,
    MappingError,
    RecordBusy,
)
from core.outcomes import SKIPPED, SYNCED
from erp.base import ErpBackend
from magento.responses import SearchResult
from magento.search_criteria import SearchCriteria
from schemas.notification import Notification
from store.db import ensure_schema, make_engine
from store.reports import ReportStore
from store.sync_state import SyncStateStore
from tests.schemas.conftest import read_fixture

ROUTE_MISSING = "Request does not match any route."


class FakeMagento:
    """Answers the fetcher's calls from a dict of records; a missing record is Magento's 404."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], dict] = {}
        self.down: dict[str, Exception] = {}
        self.calls: list[tuple[str, str]] = []
        self.searches: list[SearchCriteria] = []
        self.settings = types.SimpleNamespace(magento_weight_unit="kgs", magento_store_code="default")

    def _get(self, entity: str, key: str) -> dict:
        self.calls.append((entity, key))
        if entity in self.down:
            raise self.down[entity]
        if (entity, key) not in self.records:
            raise MagentoNotFound("The entity that was requested doesn't exist. Verify the entity and try again.",
                                  status=404)
        return dict(self.records[(entity, key)])

    def get_product(self, sku, store=None):
        record = self._get("product", sku)
        return record if store is None else {**record, "name": f"{record['name']} ({store})"}

    def configurable_children(self, sku): return []
    def get_customer(self, key): return self._get("customer", key)
    def get_category(self, key): return self._get("category", key)
    def get_order(self, key): return self._get("order", key)
    def get_invoice(self, key): return self._get("invoice", key)
    def get_shipment(self, key): return self._get("shipment", key)
    def get_creditmemo(self, key): return self._get("creditmemo", key)
    def get_stock_item(self, sku): return self._get("stock", sku)
    def store_configs(self): return [{"id": 1, "timezone": "UTC"}]
    def product_skus(self, product_ids): return {}

    def list_products(self, criteria: SearchCriteria) -> SearchResult:
        """Products by ``entity_id eq <id>`` (the only search the pipeline makes), projected to id and sku."""
        self.searches.append(criteria)
        if "products" in self.down:
            raise self.down["products"]
        [[wanted]] = criteria.filter_groups
        items = [{"id": record["id"], "sku": record["sku"]} for (entity, _), record in self.records.items()
                 if entity == "product" and str(record["id"]) == wanted.value]
        return SearchResult(items, len(items))


class FakeErp(ErpBackend):
    """Records writes in order; orders depend on their customer and products."""

    name = "fake"

    def __init__(self) -> None:
        self.held: dict[tuple[str, str], dict] = {}
        self.writes: list[tuple[str, str]] = []
        self.deletes: list[tuple[str, str]] = []

    def upsert(self, entity, key, document):
        self.held[(entity, key)] = document
        self.writes.append((entity, key))
        return str(len(self.writes))

    def delete(self, entity, key):
        self.held.pop((entity, key), None)
        self.deletes.append((entity, key))

    def dependencies(self, entity, document):
        if entity != "order":
            return []
        deps = [("product", line["sku"]) for line in document["lines"]]
        if document["customer"]["magento_id"]:
            deps.insert(0, ("customer", str(document["customer"]["magento_id"])))
        return deps

    def exists(self, entity, key):
        return (entity, key) in self.held


@pytest.fixture
def magento():
    return FakeMagento()


@pytest.fixture
def erp():
    return FakeErp()


@pytest.fixture
def state(sqlite_url):
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    yield SyncStateStore(engine, "fake")
    engine.dispose()


@pytest.fixture
def pipeline(magento, erp, state):
    return Pipeline(magento, erp, state, noncritical=frozenset({"invoice"}), lease_wait=0.2)


def note(entity: str, key: str, action: str = "save") -> list[Notification]:
    return [Notification(f"evt-{entity}-{key}", entity, action, key)]


def product(sku: str = "MH-TEST", updated_at: str = "2026-01-01 10:00:00", **changes) -> dict:
    record = read_fixture("product.simple.json")
    record.update({"sku": sku, "updated_at": updated_at, **changes})
    return record


def test_a_new_record_is_written_then_an_unchanged_one_is_not(pipeline, magento, erp):
    magento.records[("product", "MH-TEST")] = product()
    assert pipeline.handle(note("product", "MH-TEST")) == Outcome(SYNCED)
    assert pipeline.handle(note("product", "MH-TEST")) == Outcome(SKIPPED, "unchanged")
    assert erp.writes == [("product", "MH-TEST")] and erp.held[("product", "MH-TEST")]["sku"] == "MH-TEST"


def test_a_product_notification_naming_a_store_view_carries_that_views_name(pipeline, magento, erp):
    magento.records[("product", "MH-TEST")] = product(name="Parka")
    batch = [Notification("evt-1", "product", "save", "MH-TEST", store_code="fr"),
             Notification("evt-2", "product", "save", "MH-TEST", store_code="nb_no"),
             Notification("evt-3", "product", "save", "MH-TEST")]
    assert pipeline.handle(batch) == Outcome(SYNCED)
    document = erp.held[("product", "MH-TEST")]
    assert (document["name"], document["store_code"], document["store_name"]) == ("Parka", "nb_no", "Parka (nb_no)")


def test_an_unmanaged_stock_item_is_reported_as_such(pipeline, magento, erp):
    magento.records[("product", "MH-TEST")] = product()
    stock = read_fixture("stock_item.json")
    stock.update(manage_stock=False, _bridge={"sku": "MH-TEST"})
    magento.records[("stock", "MH-TEST")] = stock
    outcome = pipeline.handle(note("stock", "MH-TEST"))
    assert outcome.status == SYNCED and "manage_stock false" in outcome.detail
    assert erp.held[("stock", "MH-TEST")]["manage_stock"] is False


def test_a_newer_version_is_written_and_an_older_one_is_skipped(pipeline, magento, erp):
    magento.records[("product", "MH-TEST")] = product(updated_at="2026-01-01 10:00:00", name="v1")
    pipeline.handle(note("product", "MH-TEST"))
    magento.records[("product", "MH-TEST")] = product(updated_at="2026-01-01 10:05:00", name="v2")
    assert pipeline.handle(note("product", "MH-TEST")).status == SYNCED
    magento.records[("product", "MH-TEST")] = product(updated_at="2026-01-01 10:01:00", name="v-old")
    assert pipeline.handle(note("product", "MH-TEST")) == Outcome(SKIPPED, "stale")
    assert erp.held[("product", "MH-TEST")]["name"] == "v2"


def test_a_record_magento_no_longer_has_is_deleted_in_the_erp(pipeline, magento, erp, state):
    magento.records[("product", "GONE")] = product("GONE")
    pipeline.handle(note("product", "GONE"))
    del magento.records[("product", "GONE")]
    assert pipeline.handle(note("product", "GONE", "delete")) == Outcome(SYNCED, "deleted")
    assert erp.deletes == [("product", "GONE")] and state.get("product", "GONE")["deleted"]


def test_a_delete_notification_for_a_record_that_still_exists_keeps_it(pipeline, magento, erp):
    """Fetched fresh, the latest state wins: a record re-created after its delete stays in the ERP."""
    magento.records[("product", "BACK")] = product("BACK")
    assert pipeline.handle(note("product", "BACK", "delete")).status == SYNCED
    assert erp.deletes == [] and ("product", "BACK") in erp.held


def test_an_order_imports_its_missing_customer_and_products_first(pipeline, magento, erp):
    order = read_fixture("order.configurable.json")
    customer = read_fixture("customer.json")
    customer["id"] = order["customer_id"]
    magento.records[("order", str(order["entity_id"]))] = order
    magento.records[("customer", str(order["customer_id"]))] = customer
    skus = sorted({item["sku"] for item in order["items"]})
    for sku in skus:
        magento.records[("product", sku)] = product(sku)
    pipeline.handle(note("order", str(order["entity_id"])))
    assert erp.writes[-1] == ("order", str(order["entity_id"]))
    assert erp.writes[0] == ("customer", str(order["customer_id"]))
    assert {key for entity, key in erp.writes if entity == "product"} <= set(skus)


def test_dependencies_the_erp_already_holds_are_not_fetched(pipeline, magento, erp):
    order = read_fixture("order.guest.json")
    magento.records[("order", str(order["entity_id"]))] = order
    for item in order["items"]:
        erp.held[("product", item["sku"])] = {}
    pipeline.handle(note("order", str(order["entity_id"])))
    assert magento.calls == [("order", str(order["entity_id"]))]


def test_a_noncritical_entity_whose_endpoint_is_gone_is_skipped_and_said_why(pipeline, magento):
    magento.down["invoice"] = MagentoNotFound(ROUTE_MISSING, status=404)
    outcome = pipeline.handle(note("invoice", "3"))
    assert outcome.status == SKIPPED and ROUTE_MISSING in outcome.detail
    magento.down["invoice"] = MagentoUnavailable("timed out after 4 attempts")
    assert pipeline.handle(note("invoice", "3")).status == SKIPPED


def test_a_critical_entity_whose_endpoint_is_gone_fails(pipeline, magento, erp):
    magento.down["order"] = MagentoNotFound(ROUTE_MISSING, status=404)
    with pytest.raises(MagentoNotFound):
        pipeline.handle(note("order", "9"))
    magento.down["order"] = MagentoUnavailable("timed out")
    with pytest.raises(MagentoUnavailable):
        pipeline.handle(note("order", "9"))
    assert erp.deletes == []


def test_a_record_that_cannot_be_mapped_raises_a_mapping_error(pipeline, magento, erp):
    broken = product("BROKEN")
    del broken["name"]
    magento.records[("product", "BROKEN")] = broken
    with pytest.raises(MappingError, match="name"):
        pipeline.handle(note("product", "BROKEN"))
    assert erp.writes == []


def test_a_record_leased_by_a_live_consumer_is_busy(pipeline, magento, state):
    magento.records[("product", "HOT")] = product("HOT")
    with state.lease("product", "HOT", "elsewhere:1:1", 60):
        with pytest.raises(RecordBusy):
            pipeline.handle(note("product", "HOT"))


def test_a_lease_left_by_a_dead_local_process_is_taken_over(pipeline, magento, state):
    magento.records[("product", "ORPHAN")] = product("ORPHAN")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = lease_owner().split(":")[0]
    left_behind = state.lease("product", "ORPHAN", f"{host}:{dead.stdout.strip()}:1", 300)
    left_behind.__enter__()  # never exited: the holder "died" with the lease held
    assert pipeline.handle(note("product", "ORPHAN")).status == SYNCED
    assert state.get("product", "ORPHAN")["lease_owner"] is None


def sync_state_statements(state: SyncStateStore) -> list[str]:
    """The SQL statements on the sync_state table from now on."""
    seen: list[str] = []
    sa.event.listen(state.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args:
                    seen.append(statement) if "sync_state" in statement else None)
    return seen


def test_a_record_costs_two_sync_state_statements_written_or_skipped(pipeline, magento, state):
    magento.records[("product", "MH-TEST")] = product()
    statements = sync_state_statements(state)

    assert pipeline.handle(note("product", "MH-TEST")) == Outcome(SYNCED)
    assert len(statements) == 2 and statements[0].startswith("INSERT") and "RETURNING" in statements[0]
    assert pipeline.handle(note("product", "MH-TEST")) == Outcome(SKIPPED, "unchanged")
    assert len(statements) == 4
    assert state.get("product", "MH-TEST")["lease_owner"] is None


def test_a_failed_write_releases_the_lease_and_remembers_nothing(pipeline, magento, erp, state, monkeypatch):
    magento.records[("product", "MH-TEST")] = product()
    def unavailable(*args):
        raise ErpUnavailable("erp answered 503")

    monkeypatch.setattr(erp, "upsert", unavailable)

    with pytest.raises(ErpUnavailable):
        pipeline.handle(note("product", "MH-TEST"))

    stored = state.get("product", "MH-TEST")
    assert (stored["lease_owner"], stored["version"], stored["doc_hash"]) == (None, None, None)


def test_the_handlers_close_stores_every_queued_report(make_settings, sqlite_url):
    settings = make_settings(MAGENTO_BASE_URL="http://127.0.0.1:9", MAGENTO_ACCESS_TOKEN="token",
                             ERP_BACKEND="http", ERP_HTTP_URL="http://127.0.0.1:9", DATABASE_URL=sqlite_url)
    _handler, reporter, close = build_handler(settings)

    for number in range(250):
        reporter(Notification(f"evt-{number}", "product", "save", f"K{number}"), "synced", 1, 40, None, None, None)
    close()

    engine = make_engine(sqlite_url)
    assert len(ReportStore(engine).query()) == 250
    engine.dispose()


def test_a_record_leased_for_a_moment_is_waited_for_not_retried(pipeline, magento, state):
    """Two workers importing one dependency: the second waits for the first instead of failing."""
    import threading

    magento.records[("product", "SHARED")] = product("SHARED")
    held = state.lease("product", "SHARED", "elsewhere:1:1", 60)
    held.__enter__()
    threading.Timer(0.05, held.__exit__, (None, None, None)).start()
    assert pipeline.handle(note("product", "SHARED")).status == SYNCED


def test_a_busy_record_is_retried_from_the_first_delay_tier(pipeline, magento, state):
    magento.records[("product", "HOT")] = product("HOT")
    with state.lease("product", "HOT", "elsewhere:1:1", 600):
        with pytest.raises(RecordBusy) as busy:
            pipeline.handle(note("product", "HOT"))
    assert busy.value.retry_after is None


def stock_item(sku: str, qty: float = 5, product_id: int = 412) -> dict:
    record = read_fixture("stock_item.json")
    record.update({"qty": qty, "product_id": product_id})
    del record["_bridge"]  # Magento's stock item has no SKU; the fetcher adds it
    return record


def stock_by_product_id(product_id: str, action: str = "save") -> list[Notification]:
    return [Notification(f"evt-stock-{product_id}", "stock", action, product_id, key_type="product_id")]


def test_a_stock_notification_keyed_by_product_id_is_synced_keyed_by_its_sku(pipeline, magento, erp, state):
    magento.records[("product", "MH-TEST")] = product("MH-TEST", id=412)
    magento.records[("stock", "MH-TEST")] = stock_item("MH-TEST", qty=7)

    assert pipeline.handle(stock_by_product_id("412")) == Outcome(SYNCED, key="MH-TEST")
    assert erp.writes == [("stock", "MH-TEST")] and erp.held[("stock", "MH-TEST")]["qty"] == 7
    [criteria] = magento.searches
    assert [[(f.field, f.value, f.condition_type) for f in group] for group in criteria.filter_groups] == [
        [("entity_id", "412", "eq")]]
    assert criteria.fields == "items[id,sku],total_count"
    assert state.get("stock", "MH-TEST")["lease_owner"] is None and state.get("stock", "412") is None
    # Then exactly a stock notification of that SKU: the same sync state, so unchanged is unchanged.
    assert pipeline.handle(note("stock", "MH-TEST")) == Outcome(SKIPPED, "unchanged")
    assert pipeline.handle(stock_by_product_id("412")) == Outcome(SKIPPED, "unchanged", key="MH-TEST")


def test_a_stock_notification_for_a_product_magento_no_longer_has_is_skipped_and_said_why(pipeline, magento, erp):
    reason = "product 42 no longer exists in Magento, so its stock item cannot be matched to a SKU"
    assert pipeline.handle(stock_by_product_id("42")) == Outcome(SKIPPED, reason)
    assert pipeline.handle(stock_by_product_id("42", "delete")) == Outcome(SKIPPED, reason)
    assert erp.writes == [] and erp.deletes == [] and magento.calls == []


def test_a_stock_delete_keyed_by_product_id_deletes_the_sku_s_stock_when_magento_has_none(pipeline, magento, erp):
    magento.records[("product", "MH-TEST")] = product("MH-TEST", id=412)
    assert pipeline.handle(stock_by_product_id("412", "delete")) == Outcome(SYNCED, "deleted", key="MH-TEST")
    assert erp.deletes == [("stock", "MH-TEST")]


@pytest.mark.parametrize("error", [MagentoUnavailable("timed out [GET /rest/default/V1/products]"),
                                   MagentoServerError("boom [GET /rest/default/V1/products]", status=500),
                                   MagentoNotFound(ROUTE_MISSING, status=404)])
def test_magento_errors_during_the_sku_lookup_keep_their_class_and_name_the_lookup(pipeline, magento, erp, error):
    magento.down["products"] = error
    with pytest.raises(type(error)) as raised:
        pipeline.handle(stock_by_product_id("412"))
    assert type(raised.value) is type(error) and raised.value.retryable == error.retryable
    assert "looking up the SKU of product 412 for its stock item" in raised.value.message
    assert erp.writes == []


def test_a_busy_sku_makes_its_product_id_notification_busy_too(pipeline, magento, state):
    """The lease is the SKU's: a product id notification never writes beside a SKU notification."""
    magento.records[("product", "HOT")] = product("HOT", id=9)
    magento.records[("stock", "HOT")] = stock_item("HOT")
    with state.lease("stock", "HOT", "elsewhere:1:1", 60):
        with pytest.raises(RecordBusy):
            pipeline.handle(stock_by_product_id("9"))


class ProbedMagento:
    """A client that records the calls of the start-up check; ``missing`` paths answer a route-missing 404."""

    def __init__(self, *missing: str) -> None:
        self.paths: list[str] = []
        self.missing = set(missing)

    def request(self, method: str, path: str, *, params=None):
        self.paths.append(path)
        if path in self.missing:
            raise MagentoNotFound(ROUTE_MISSING, status=404)


class CheckedErp(FakeErp):
    def __init__(self, refusal: Exception | None = None) -> None:
        super().__init__()
        self.refusal = refusal

    def preflight(self) -> None:
        if self.refusal is not None:
            raise self.refusal


def test_the_start_up_check_calls_each_list_once_then_the_erps_preflight(state):
    from core.errors import ErpAuthError

    client = ProbedMagento()
    Pipeline(client, CheckedErp(), state).probe(["product", "stock", "order"])
    assert client.paths == ["products", "orders"]
    with pytest.raises(ErpAuthError):
        Pipeline(ProbedMagento(), CheckedErp(ErpAuthError("Access Denied")), state).probe(["product"])


def test_the_start_up_check_passes_over_a_missing_noncritical_endpoint_only(state):
    client = ProbedMagento("invoices", "orders")
    Pipeline(client, CheckedErp(), state, noncritical=frozenset({"invoice"})).probe(["invoice"])
    with pytest.raises(MagentoNotFound):
        Pipeline(client, CheckedErp(), state, noncritical=frozenset({"invoice"})).probe(["order"])
