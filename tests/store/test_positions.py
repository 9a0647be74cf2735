"""Backfill positions and reconcile watermarks survive a restart, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from store.db import ensure_schema, make_engine
from store.positions import BackfillPositions, Position, Watermark, Watermarks

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, sqlite_url):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = make_engine(url)
    ensure_schema(engine)
    yield engine
    engine.dispose()


def test_a_position_is_saved_and_read_back_with_its_numeric_key(database):
    positions = BackfillPositions(database)
    assert positions.load("product") is None
    start = Position("product", "run1", "2024-05-01 00:00:00", None, 97)
    positions.save(start, NOW)
    positions.save(start.after_page(2048, 97).after_page(4096, 97), NOW)
    assert BackfillPositions(database).load("product") == Position(
        "product", "run1", "2024-05-01 00:00:00", None, 97, last_key=4096, pages_done=2, published=194)


def test_watermarks_are_per_entity(database):
    marks = Watermarks(database)
    marks.save(Watermark("order", "2024-06-01 11:58:00", NOW, 3))
    marks.save(Watermark("order", "2024-06-01 11:59:00", NOW, 5))
    marks.save(Watermark("customer", "2024-06-01 10:00:00", NOW, 1))
    assert marks.load("order") == Watermark("order", "2024-06-01 11:59:00", NOW, 5)
    assert set(marks.all()) == {"order", "customer"} and marks.load("stock") is None
