"""The echo guard's store on SQLite and PostgreSQL: what the bridge wrote is recognised when it comes back,
racing writers on two engines end on one whole write, and old fingerprints are pruned."""

from __future__ import annotations

import datetime as dt
import decimal
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from schemas.fingerprint import fingerprint
from store.db import echo_fingerprints
from store.fingerprints import FingerprintStore, Written
from store.retention import Pruner
from tests.store.conftest import BOTH_DATABASES, engine_pair
from tests.store.test_sync_state_sql import run_together

START = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC).timestamp()


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=BOTH_DATABASES)
def engines(request: pytest.FixtureRequest) -> Iterator[list[Engine]]:
    """Two engines on one empty table: two consumer processes, as far as the database can tell."""
    with engine_pair(request, echo_fingerprints) as pair:
        yield pair


def test_what_the_bridge_wrote_comes_back_as_an_echo_however_the_side_spells_it(engines):
    store = FingerprintStore(engines[0])
    store.remember_written("stock", "MUG-1", "magento", {"qty": 10, "is_in_stock": True})

    assert store.is_echo("stock", "MUG-1", "magento", {"is_in_stock": True, "qty": "10.0000"})
    assert FingerprintStore(engines[1]).is_echo("stock", "MUG-1", "magento", {"qty": decimal.Decimal("10.0"),
                                                                                "is_in_stock": True})


def test_a_different_state_another_side_or_another_record_is_no_echo(engines):
    store = FingerprintStore(engines[0])
    store.remember_written("stock", "MUG-1", "magento", {"qty": 10})

    assert not store.is_echo("stock", "MUG-1", "magento", {"qty": 9})
    assert not store.is_echo("stock", "MUG-1", "erp", {"qty": 10})
    assert not store.is_echo("stock", "MUG-2", "magento", {"qty": 10})
    assert not store.is_echo("product", "MUG-1", "magento", {"qty": 10})


def test_the_last_write_is_the_one_remembered_with_its_time(engines):
    clock = Clock()
    store = FingerprintStore(engines[0], clock=clock)
    store.remember_written("stock", "MUG-1", "erp", {"qty": 5})
    clock.now += 60
    print_ = store.remember_written("stock", "MUG-1", "erp", {"qty": 7})

    assert not store.is_echo("stock", "MUG-1", "erp", {"qty": 5})
    assert store.is_echo("stock", "MUG-1", "erp", {"qty": 7})
    assert store.last_written("stock", "MUG-1", "erp") == Written(
        print_, dt.datetime.fromtimestamp(START + 60, dt.UTC))


def test_forget_one_side_or_both(engines):
    store = FingerprintStore(engines[0])
    for side in ("erp", "magento"):
        store.remember_written("order", "100", side, {"state": "sale"})
    store.forget("order", "100", "erp")
    assert store.last_written("order", "100", "erp") is None
    assert store.is_echo("order", "100", "magento", {"state": "sale"})
    store.forget("order", "100")
    assert store.last_written("order", "100", "magento") is None
    store.forget("order", "missing")  # nothing to forget is no error


def test_a_side_that_is_neither_erp_nor_magento_is_refused(engines):
    store = FingerprintStore(engines[0])
    with pytest.raises(ValueError):
        store.remember_written("stock", "A", "odoo", {"qty": 1})
    with pytest.raises(ValueError):
        store.is_echo("stock", "A", "", {"qty": 1})


def test_a_key_longer_than_the_column_is_refused_not_cut(engines):
    with pytest.raises(ValueError):
        FingerprintStore(engines[0]).remember_written("stock", "A" * 256, "erp", {"qty": 1})


def test_racing_writers_on_two_engines_end_on_one_whole_write(engines):
    """Consumers writing the same records at once: no insert fails on another's, the last write stands."""
    writers = 6
    stores = [FingerprintStore(engines[number % 2]) for number in range(writers)]
    start = threading.Barrier(writers)
    errors: list[BaseException] = []
    written = {f"SKU-{record}": {fingerprint({"qty": n}) for n in range(writers)} for record in range(20)}

    def write(number: int) -> None:
        start.wait()
        try:
            for record in range(20):  # every writer inserts each new record at about the same moment
                stores[number].remember_written("stock", f"SKU-{record}", "magento", {"qty": number})
        except BaseException as error:  # noqa: BLE001 - the test reports every failure
            errors.append(error)

    run_together(write, writers)

    assert errors == []
    for key, prints in written.items():
        assert stores[0].last_written("stock", key, "magento").fingerprint in prints
    # A write made after the race is the one remembered, whichever engine reads it.
    stores[3].remember_written("stock", "SKU-0", "magento", {"qty": 42})
    assert stores[0].is_echo("stock", "SKU-0", "magento", {"qty": "42.0000"})


def test_fingerprints_older_than_the_retention_are_pruned(engines, monkeypatch):
    clock = Clock()
    store = FingerprintStore(engines[0], clock=clock)
    store.remember_written("stock", "OLD", "erp", {"qty": 1})
    clock.now += 8 * 86400
    store.remember_written("stock", "NEW", "erp", {"qty": 1})
    clock.now += 86400
    monkeypatch.setattr("store.fingerprints.PRUNE_BATCH", 1)  # batches end only when one comes back short

    assert store.prune(dt.timedelta(days=7)) == 1
    assert store.last_written("stock", "OLD", "erp") is None
    assert store.last_written("stock", "NEW", "erp") is not None
    assert store.prune(dt.datetime.fromtimestamp(clock.now - 86400 + 1, dt.UTC)) == 1


def test_the_pruner_thread_prunes_fingerprints(engines):
    clock = Clock()
    store = FingerprintStore(engines[0], clock=clock)
    store.remember_written("stock", "OLD", "erp", {"qty": 1})
    clock.now += 31 * 86400

    pruner = Pruner(store, days=30, what="echo fingerprints").start()
    pruner.close()

    assert store.last_written("stock", "OLD", "erp") is None
