"""Push positions on SQLite and PostgreSQL: a push stopped after any confirmed chunk resumes with the next SKU,
every SKU pushed exactly once; a save of another run or one going back changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from store.db import ensure_schema, make_engine, push_positions
from store.push_positions import PushPosition, PushPositions, chunks, remaining

NOW = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC)
SKUS = [f"SKU-{number:04d}" for number in range(2000)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request) -> Iterator[Engine]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "module_postgres_url")
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.begin() as connection:
        connection.execute(push_positions.delete())
    yield engine
    engine.dispose()


def push(positions: PushPositions, position: PushPosition, skus: list[str], sent: list[str],
         stop_after: int | None = None) -> PushPosition:
    """What ``bridgectl push stock`` does: chunks of 20, the position saved after each confirmed one."""
    for number, chunk in enumerate(chunks(remaining(skus, position), 20)):
        if stop_after is not None and number == stop_after:
            return position  # killed before this chunk was confirmed
        sent.extend(chunk)
        position = position.after_chunk(chunk[-1], pushed=len(chunk))
        assert positions.save(position, NOW)
    position = position.done()
    assert positions.save(position, NOW)
    return position


def test_a_push_killed_after_a_chunk_resumes_after_it_without_repeats(database):
    sent: list[str] = []
    push(PushPositions(database), PushPositions(database).start("stock", "run-1", NOW), SKUS, sent, stop_after=37)
    assert len(sent) == 37 * 20

    resumed = PushPositions(database).load("stock")  # a new process, --resume
    assert resumed == PushPosition("stock", "run-1", "SKU-0739", chunks_done=37, pushed=740)
    final = push(PushPositions(database), resumed, SKUS, sent)

    assert sent == SKUS  # every SKU once, in order
    assert PushPositions(database).load("stock") == final
    assert final == PushPosition("stock", "run-1", "SKU-1999", 100, 2000, 0, finished=True)


def test_a_new_run_starts_from_the_first_sku_and_the_old_run_cannot_save_over_it(database):
    positions = PushPositions(database)
    old = positions.start("stock", "run-1", NOW).after_chunk("SKU-0019", 20)
    assert positions.save(old, NOW)
    new = positions.start("stock", "run-2", NOW)

    assert positions.load("stock") == PushPosition("stock", "run-2")
    assert not positions.save(old.after_chunk("SKU-0039", 20), NOW)
    assert positions.load("stock") == new


def test_a_save_that_would_go_back_changes_nothing(database):
    positions = PushPositions(database)
    first = positions.start("stock", "run-1", NOW).after_chunk("SKU-0019", 20)
    second = first.after_chunk("SKU-0039", 18, skipped=2)
    assert positions.save(second, NOW)
    assert not positions.save(first, NOW)
    assert positions.load("stock") == second and second.skipped == 2


def test_jobs_are_kept_apart(database):
    positions = PushPositions(database)
    positions.start("stock", "run-1", NOW)
    assert positions.load("product") is None


def test_remaining_is_sorted_unique_and_after_the_last_confirmed_sku():
    assert remaining(["b", "a", "c", "a"], None) == ["a", "b", "c"]
    assert remaining(["b", "a", "c"], PushPosition("stock", "r", last_sku="a")) == ["b", "c"]
    assert remaining(["b", "a", "c"], PushPosition("stock", "r", last_sku="c")) == []
    # code-point order: upper case before lower case, whatever the database's collation says
    assert remaining(["a-1", "B-1", "b-1"], PushPosition("stock", "r", last_sku="B-1")) == ["a-1", "b-1"]


def test_a_chunk_must_end_after_the_last_one():
    position = PushPosition("stock", "r", last_sku="SKU-0019")
    with pytest.raises(ValueError):
        position.after_chunk("SKU-0019", 20)


def test_chunks_hold_at_most_the_size():
    assert chunks(["a", "b", "c"], 2) == [["a", "b"], ["c"]]
    assert chunks([], 20) == []
    with pytest.raises(ValueError):
        chunks(["a"], 0)
