"""Fixtures for the stores: an empty reports table; two engines on one database, as two processes would hold."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import ensure_schema, make_engine, sync_reports, sync_state

BOTH_DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextlib.contextmanager
def engine_pair(request: pytest.FixtureRequest, table: sa.Table) -> Iterator[list[Engine]]:
    """Two engines on one database (SQLite or the local PostgreSQL, by the fixture's param) with ``table``
    emptied: two processes, as far as the database can tell."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "module_postgres_url")
    pair = [make_engine(url), make_engine(url)]
    ensure_schema(pair[0])
    with pair[0].begin() as connection:
        connection.execute(table.delete())
    try:
        yield pair
    finally:
        for engine in pair:
            engine.dispose()


@pytest.fixture(params=BOTH_DATABASES)
def state_engines(request: pytest.FixtureRequest) -> Iterator[list[Engine]]:
    """Two engines on one empty sync_state table: two consumer processes."""
    with engine_pair(request, sync_state) as pair:
        yield pair


@pytest.fixture(params=BOTH_DATABASES)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An empty reports table, on SQLite and on the local PostgreSQL."""
    with engine_pair(request, sync_reports) as pair:
        pair[1].dispose()
        yield pair[0]
