"""The duplicate store: shared through the database, bounded by the window, batched, failing open."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from bridge.in_flight import InFlight
from store.db import ensure_schema, make_engine, seen_events
from store.seen_events import SeenEvents
from tests import support

WINDOW = 86_400


class Clock:
    def __init__(self, now: float = 1_760_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def open_store(database_url: str) -> Iterator[Callable[..., SeenEvents]]:
    """Build stores on one database, as separate worker processes would (each with its own engine)."""
    stores: list[SeenEvents] = []
    engines: list[sa.engine.Engine] = []

    def build(clock: Clock, **kwargs: Any) -> SeenEvents:
        engine = make_engine(database_url)
        ensure_schema(engine)
        engines.append(engine)
        stores.append(SeenEvents(engine, WINDOW, clock=clock, linger=0, **kwargs))
        return stores[-1]
    yield build
    for store in stores:
        store.close()
    for engine in engines:
        engine.dispose()


def rows(store: SeenEvents) -> dict[str, float]:
    with store._engine.connect() as connection:
        return dict(connection.execute(sa.select(seen_events.c.event_id, seen_events.c.accepted_at)).all())


def test_a_recorded_id_is_a_duplicate_here_at_once_and_in_another_worker_once_committed(
        open_store: Callable[..., SeenEvents]) -> None:
    clock = Clock()
    first, second = open_store(clock), open_store(clock)
    assert not first.seen("evt-1")
    first.record("evt-1")
    assert first.seen("evt-1")  # this worker remembers before the commit
    assert first.flush()
    assert second.seen("evt-1")
    assert not second.seen("evt-2")


def test_ids_older_than_the_window_are_not_duplicates(open_store: Callable[..., SeenEvents]) -> None:
    clock = Clock()
    first, second = open_store(clock), open_store(clock)
    first.record("evt-1")
    first.flush()
    clock.now += WINDOW + 1
    assert not first.seen("evt-1")
    assert not second.seen("evt-1")


def test_prune_deletes_only_rows_older_than_the_window(open_store: Callable[..., SeenEvents]) -> None:
    clock = Clock()
    store = open_store(clock)
    store.record("old")
    store.flush()
    clock.now += WINDOW - 10
    store.record("recent")
    store.flush()
    clock.now += 20
    assert store.prune() == 1
    assert set(rows(store)) == {"recent"}


def test_the_writer_prunes_every_prune_interval(open_store: Callable[..., SeenEvents]) -> None:
    clock = Clock()
    store = open_store(clock, prune_interval=0.05)
    store.record("old")
    store.flush()
    clock.now += WINDOW + 1
    support.wait_for(lambda: "old" not in rows(store), 10, message="the periodic prune")


def test_recording_an_expired_id_again_renews_it(open_store: Callable[..., SeenEvents]) -> None:
    clock = Clock()
    store = open_store(clock)
    store.record("evt-1")
    store.flush()
    clock.now += WINDOW + 5
    store.record("evt-1")
    store.flush()
    assert rows(store)["evt-1"] == clock.now
    assert open_store(clock).seen("evt-1")


def test_concurrent_records_are_all_committed(open_store: Callable[..., SeenEvents]) -> None:
    store = open_store(Clock())
    threads = [threading.Thread(target=store.record, args=(f"evt-{n % 40}",)) for n in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.flush()
    assert len(rows(store)) == 40


def test_an_unreachable_database_fails_open(caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{support.free_port()}/none",
                         connect_args={"connect_timeout": 2})
    store = SeenEvents(engine, WINDOW, clock=Clock(), linger=0)
    try:
        assert not store.seen("evt-1")
        store.record("evt-1")
        assert store.flush()  # the failed commit is over; nothing waits for it
        assert store.seen("evt-1")  # this process still remembers what it accepted
        assert not store.seen("evt-2")
    finally:
        store.close()
    failures = [record for record in caplog.records if "duplicate-detection database failed" in record.message]
    assert len(failures) == 1  # logged once, on the change of state


def test_in_flight_makes_the_second_caller_wait_for_the_first() -> None:
    in_flight = InFlight()
    assert in_flight.begin("evt-1") is None
    waiter = in_flight.begin("evt-1")
    assert waiter is not None and not waiter.is_set()
    assert in_flight.begin("evt-2") is None
    in_flight.end("evt-1")
    assert waiter.is_set()
    assert in_flight.begin("evt-1") is None
