"""The sync-state store on SQLite and PostgreSQL: decide matrix, compare-and-set, per-record leases."""

from __future__ import annotations

import contextlib
import threading

import pytest
import sqlalchemy as sa

from core.errors import RecordBusy, RetryableError
from schemas.mapping import document_hash
from store.db import KEPT_CONNECTIONS, ensure_schema, make_engine, sqlite_write_lock
from store.db import sync_state as sync_state_table
from store.sync_state import SyncStateStore, canonical_version, stored_owner, synced_versions
from tests.conftest import POSTGRES_ADMIN_URL

OLD, MID, NEW = "2026-05-01 10:00:00", "2026-05-01 11:00:00", "2026-05-01 12:00:00"


class Clock:
    """A settable clock, so lease expiry is tested without sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def state(state_engines, clock) -> SyncStateStore:
    return SyncStateStore(state_engines[0], "http", clock=clock)


@pytest.fixture
def other(state_engines, clock) -> SyncStateStore:
    """The same backend's state seen through the second engine (another consumer process)."""
    return SyncStateStore(state_engines[1], "http", clock=clock)


def remember(store: SyncStateStore, version: str | None, doc_hash: str = "h1", **changes) -> bool:
    return store.remember("product", "A", version=version, doc_hash=doc_hash,
                          erp_id=changes.pop("erp_id", "17"), **changes)


# --- decide ---------------------------------------------------------------------------------------

def test_a_record_never_written_is_written(state):
    assert state.decide("product", "A", NEW, "h1") == "write"
    assert state.get("product", "A") is None


@pytest.mark.parametrize(("version", "doc_hash", "decision"), [
    (MID, "h1", "unchanged"),
    (MID, "h2", "write"),
    (NEW, "h1", "unchanged"),
    (NEW, "h2", "write"),
    (OLD, "h1", "stale"),
    (OLD, "h2", "stale"),
    (None, "h1", "unchanged"),
    (None, "h2", "write"),
])
def test_decide_matrix_against_a_stored_version(state, version, doc_hash, decision):
    remember(state, MID, "h1")

    assert state.decide("product", "A", version, doc_hash) == decision


def test_a_deleted_record_is_never_unchanged(state):
    remember(state, MID, "h1", deleted=True)

    assert state.decide("product", "A", MID, "h1") == "write"
    assert state.decide("product", "A", OLD, "h1") == "stale"


def test_without_a_stored_version_nothing_is_stale(state):
    remember(state, None, "h1")

    assert state.decide("product", "A", OLD, "h2") == "write"


def test_iso_versions_compare_like_magentos_own(state):
    remember(state, "2026-05-01T11:00:00Z", "h1")

    assert state.get("product", "A")["version"] == MID
    assert state.decide("product", "A", "2026-05-01T12:00:00+01:00", "h2") == "write"
    assert state.decide("product", "A", "2026-05-01T11:30:00+01:00", "h2") == "stale"


def test_a_version_that_is_no_time_counts_as_none_and_is_logged(state, caplog):
    remember(state, MID, "h1")

    assert state.decide("product", "A", "yesterday", "h2") == "write"
    assert remember(state, "yesterday", "h2") is True
    assert state.get("product", "A")["version"] == MID
    assert "ignoring version 'yesterday'" in caplog.text
    assert canonical_version(None) is None and canonical_version(" ") is None


def test_state_is_kept_per_backend_and_per_entity(state_engines, state):
    remember(state, MID, "h1")
    odoo = SyncStateStore(state_engines[0], "odoo")

    assert odoo.decide("product", "A", MID, "h1") == "write"
    assert state.decide("stock", "A", MID, "h1") == "write"


# --- remember: compare-and-set --------------------------------------------------------------------

def test_remember_stores_every_field(state, clock):
    assert remember(state, MID, "h1", erp_id=17) is True

    stored = state.get("product", "A")
    assert {name: stored[name] for name in ("backend", "entity", "key", "erp_id", "version", "doc_hash",
                                             "deleted", "lease_owner")} == {
        "backend": "http", "entity": "product", "key": "A", "erp_id": "17", "version": MID,
        "doc_hash": "h1", "deleted": False, "lease_owner": None}
    assert stored["synced_at"].timestamp() == clock.now


def test_an_older_version_never_replaces_a_newer_one(state, other):
    remember(state, NEW, "h-new")

    assert remember(other, OLD, "h-old", erp_id="99") is False

    stored = state.get("product", "A")
    assert (stored["version"], stored["doc_hash"], stored["erp_id"]) == (NEW, "h-new", "17")


def test_the_same_or_a_newer_version_replaces(state):
    remember(state, MID, "h1")

    assert remember(state, MID, "h2") is True
    assert state.get("product", "A")["doc_hash"] == "h2"
    assert remember(state, NEW, "h3", deleted=True) is True
    assert (state.get("product", "A")["version"], state.get("product", "A")["deleted"]) == (NEW, True)


def test_no_version_or_no_id_keeps_the_stored_ones(state):
    remember(state, MID, "h1", erp_id="17")

    assert remember(state, None, "h2", erp_id=None) is True

    stored = state.get("product", "A")
    assert (stored["version"], stored["doc_hash"], stored["erp_id"]) == (MID, "h2", "17")


def test_forget_removes_the_record(state):
    remember(state, MID)

    state.forget("product", "A")

    assert state.get("product", "A") is None
    assert state.decide("product", "A", OLD, "h1") == "write"


def test_document_hash_ignores_key_order_but_not_values():
    assert document_hash({"a": 1, "b": [1, 2]}) == document_hash({"b": [1, 2], "a": 1})
    assert document_hash({"a": 1}) != document_hash({"a": 2})
    assert len(document_hash({})) == 64


# --- leases ---------------------------------------------------------------------------------------

def test_a_held_lease_makes_another_owner_busy(state, other):
    with state.lease("product", "A", "host1:11", ttl=30):
        with pytest.raises(RecordBusy) as busy:
            with other.lease("product", "A", "host2:22", ttl=30):
                pytest.fail("two owners held one record")

    error = busy.value
    assert isinstance(error, RetryableError)
    assert "product 'A' is being handled by another consumer (host1:11)" in error.report_text()
    assert error.retry_after == 30


def test_a_released_lease_can_be_taken_by_another_owner(state, other):
    with state.lease("product", "A", "host1:11", ttl=30):
        pass

    with other.lease("product", "A", "host2:22", ttl=30):
        assert other.get("product", "A")["lease_owner"] == "host2:22"
    assert other.get("product", "A")["lease_owner"] is None


def test_leases_are_per_record(state, other):
    with state.lease("product", "A", "host1:11", ttl=30), other.lease("product", "B", "host2:22", ttl=30):
        with other.lease("stock", "A", "host2:22", ttl=30):
            assert state.get("product", "A")["lease_owner"] == "host1:11"


def test_an_expired_lease_is_taken_over(state, other, clock):
    with state.lease("product", "A", "host1:11", ttl=30) as held:
        clock.now += 31
        with other.lease("product", "A", "host2:22", ttl=30):
            assert held.renew() is False
            assert other.get("product", "A")["lease_owner"] == "host2:22"
        assert other.get("product", "A")["lease_owner"] is None


def test_releasing_a_lost_lease_leaves_the_new_owners_alone(state, other, clock):
    with state.lease("product", "A", "host1:11", ttl=30):
        clock.now += 31
        other_lease = other.lease("product", "A", "host2:22", ttl=30)
        other_lease.__enter__()

    assert state.get("product", "A")["lease_owner"] == "host2:22"
    other_lease.__exit__(None, None, None)


def test_renew_extends_the_lease(state, other, clock):
    with state.lease("product", "A", "host1:11", ttl=30) as held:
        clock.now += 25
        assert held.renew() is True
        clock.now += 25
        with pytest.raises(RecordBusy):
            with other.lease("product", "A", "host2:22", ttl=30):
                pass


def test_the_lease_is_released_when_the_work_fails(state, other):
    with pytest.raises(KeyError):
        with state.lease("product", "A", "host1:11", ttl=30):
            raise KeyError("mapping blew up")

    with other.lease("product", "A", "host2:22", ttl=30):
        assert other.get("product", "A")["lease_owner"] == "host2:22"


def test_a_nested_lease_of_the_same_owner_leaves_the_release_to_the_outer_one(state, other):
    with state.lease("product", "A", "host1:11", ttl=30):
        with state.lease("product", "A", "host1:11", ttl=30):
            pass
        assert state.get("product", "A")["lease_owner"] == "host1:11"
        with pytest.raises(RecordBusy):
            with other.lease("product", "A", "host2:22", ttl=30):
                pass
    assert state.get("product", "A")["lease_owner"] is None


def test_a_lease_leaves_the_sync_state_alone(state):
    remember(state, MID, "h1")

    with state.lease("product", "A", "host1:11", ttl=30):
        assert remember(state, NEW, "h2") is True
        assert state.get("product", "A")["lease_owner"] == "host1:11"

    stored = state.get("product", "A")
    assert (stored["version"], stored["doc_hash"], stored["lease_owner"]) == (NEW, "h2", None)


def test_a_lease_on_a_new_record_does_not_make_it_unchanged(state):
    with state.lease("product", "A", "host1:11", ttl=30):
        assert state.decide("product", "A", MID, "h1") == "write"


def test_long_owner_names_are_stored_shortened_and_stay_distinct(state, other):
    host = "consumer-catalog-7d9f8b6c5-x2x7q.bridge.svc.cluster.local." * 5
    first, second = f"{host}:4242:140211234567890", f"{host}:4242:140211234567891"

    with state.lease("product", "A", first, ttl=30):
        stored = state.get("product", "A")["lease_owner"]
        assert len(stored) == sync_state_table.c.lease_owner.type.length and stored.startswith(host[:40])
        with pytest.raises(RecordBusy):
            with other.lease("product", "A", second, ttl=30):
                pass
    assert stored_owner(first) == stored and stored_owner(second) != stored
    with pytest.raises(ValueError, match="must not be empty"):
        stored_owner("")


def test_take_over_moves_a_lease_only_from_the_named_owner(state, other):
    with state.lease("product", "A", "host1:11", ttl=30):
        assert other.take_over("product", "A", "host9:99", "host2:22", ttl=30) is False
        assert other.take_over("product", "A", "host1:11", "host2:22", ttl=30) is True
        assert other.get("product", "A")["lease_owner"] == "host2:22"
        with other.lease("product", "A", "host2:22", ttl=30):
            pass
    assert other.get("product", "A")["lease_owner"] is None


def test_a_lease_needs_a_positive_ttl(state):
    with pytest.raises(ValueError, match="ttl"):
        with state.lease("product", "A", "host1:11", ttl=0):
            pass


# --- the pipeline's two statements: lease-and-read, remember-and-release ----------------------------

@pytest.mark.parametrize(("version", "doc_hash"), [(MID, "h1"), (MID, "h2"), (OLD, "h1"), (NEW, "h2"), (None, "h1")])
def test_the_state_read_with_the_lease_decides_like_the_store(state, version, doc_hash):
    remember(state, MID, "h1")

    with state.lease("product", "A", "host1:11", ttl=30) as held:
        assert held.state == {"version": MID, "doc_hash": "h1", "deleted": False}
        assert held.decide(version, doc_hash) == state.decide("product", "A", version, doc_hash)


def test_a_lease_on_a_new_record_reads_an_empty_state_that_decides_write(state):
    with state.lease("product", "A", "host1:11", ttl=30) as held:
        assert held.decide(MID, "h1") == "write"


def test_remember_and_release_stores_and_frees_the_record_at_once(state, other, clock):
    with state.lease("product", "A", "host1:11", ttl=30) as held:
        assert held.remember_and_release(version=MID, doc_hash="h1", erp_id="17") is True

        stored = other.get("product", "A")
        assert (stored["version"], stored["doc_hash"], stored["erp_id"], stored["lease_owner"]) == (
            MID, "h1", "17", None)
        assert stored["synced_at"].timestamp() == clock.now
        with other.lease("product", "A", "host2:22", ttl=30):  # free before the first holder's block ends
            assert other.get("product", "A")["lease_owner"] == "host2:22"


def test_leaving_the_block_after_remember_and_release_leaves_a_new_holder_alone(state, other):
    with state.lease("product", "A", "host1:11", ttl=30) as held:
        held.remember_and_release(version=MID, doc_hash="h1", erp_id=None)
        taken = other.lease("product", "A", "host2:22", ttl=30)
        taken.__enter__()

    assert state.get("product", "A")["lease_owner"] == "host2:22"
    taken.__exit__(None, None, None)


def test_remember_and_release_never_moves_the_version_back_but_still_releases(state, other):
    remember(other, NEW, "h-new")

    with state.lease("product", "A", "host1:11", ttl=30) as held:
        assert held.remember_and_release(version=OLD, doc_hash="h-old", erp_id="99") is False

    stored = other.get("product", "A")
    assert (stored["version"], stored["doc_hash"], stored["erp_id"], stored["lease_owner"]) == (
        NEW, "h-new", "17", None)


def test_remember_and_release_of_a_deletion_keeps_version_and_id(state):
    remember(state, MID, "h1", erp_id="17")

    with state.lease("product", "A", "host1:11", ttl=30) as held:
        held.remember_and_release(version=None, doc_hash=None, erp_id=None, deleted=True)

    stored = state.get("product", "A")
    assert (stored["version"], stored["erp_id"], stored["deleted"], stored["lease_owner"]) == (MID, "17", True, None)
    assert state.decide("product", "A", MID, "h1") == "write"


def test_a_nested_lease_only_remembers_and_the_outer_one_keeps_the_record(state, other):
    with state.lease("product", "A", "host1:11", ttl=30):
        with state.lease("product", "A", "host1:11", ttl=30) as inner:
            assert inner.decide(MID, "h1") == "write"
            assert inner.remember_and_release(version=MID, doc_hash="h1", erp_id=None) is True
        assert state.get("product", "A")["lease_owner"] == "host1:11"
        with pytest.raises(RecordBusy):
            with other.lease("product", "A", "host2:22", ttl=30):
                pass
    assert state.get("product", "A")["lease_owner"] is None


# --- connections ----------------------------------------------------------------------------------

def test_the_store_keeps_a_few_connections_whatever_the_number_of_threads(state_engines):
    store = SyncStateStore(state_engines[0], "http")
    start = threading.Barrier(16)

    def work(number: int) -> None:
        start.wait()
        for round_number in range(10):
            with store.lease("product", f"K{number}-{round_number}", f"worker-{number}", ttl=60) as held:
                held.remember_and_release(version=MID, doc_hash="h", erp_id=None)

    threads = [threading.Thread(target=work, args=(number,)) for number in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 1 <= state_engines[0].pool.checkedout() <= KEPT_CONNECTIONS
    store.close()
    assert state_engines[0].pool.checkedout() == 0
    assert store.get("product", "K0-0")["version"] == MID  # usable again after close


def test_one_write_lock_per_sqlite_database_and_none_for_postgresql(sqlite_url, tmp_path):
    first, second = make_engine(sqlite_url), make_engine(sqlite_url)
    elsewhere = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")

    assert sqlite_write_lock(first) is sqlite_write_lock(second)
    assert sqlite_write_lock(elsewhere) is not sqlite_write_lock(first)
    assert isinstance(sqlite_write_lock(sa.create_engine(POSTGRES_ADMIN_URL)), contextlib.nullcontext)
    for engine in (first, second, elsewhere):
        engine.dispose()


@pytest.mark.postgres
def test_a_lost_database_connection_is_replaced_and_the_statement_runs(module_postgres_url, caplog):
    engine = make_engine(module_postgres_url)
    ensure_schema(engine)
    store = SyncStateStore(engine, "http")
    store.get("product", "A")  # opens the connection the store keeps
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = :name AND pid <> pg_backend_pid()"),
                           {"name": module_postgres_url.rsplit("/", 1)[1]})
    admin.dispose()

    assert store.remember("product", "A", version=MID, doc_hash="h1", erp_id=None) is True

    assert store.get("product", "A")["version"] == MID
    assert "connection lost" in caplog.text
    store.close()
    engine.dispose()


def test_synced_versions_are_those_of_one_backend_written_and_not_deleted(state, state_engines):
    for key, version, deleted in [("A", MID, False), ("B", NEW, False), ("C", OLD, True), ("D", None, False)]:
        state.remember("product", key, version=version, doc_hash="h", erp_id="1", deleted=deleted)
    state.remember("customer", "A", version=OLD, doc_hash="h", erp_id="1")
    SyncStateStore(state_engines[1], "odoo").remember("product", "E", version=NEW, doc_hash="h", erp_id="2")
    keys = ["A", "B", "C", "D", "E", "F"]
    assert synced_versions(state_engines[1], "http", "product", keys) == {"A": MID, "B": NEW}
    assert synced_versions(state_engines[1], "odoo", "product", keys) == {"E": NEW}
    assert synced_versions(state_engines[1], "http", "product", []) == {}
