"""Fixtures for the stores: an empty reports table; two engines on one database, as two processes would hold."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from store.db import ensure_schema, make_engine, sync_reports, sync_state


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def state_engines(request) -> Iterator[list[Engine]]:
    """Two engines on one empty database: two consumer processes, as far as the database can tell."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "module_postgres_url")
    pair = [make_engine(url), make_engine(url)]
    ensure_schema(pair[0])
    with pair[0].begin() as connection:
        connection.execute(sync_state.delete())
    yield pair
    for engine in pair:
        engine.dispose()



@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request) -> Iterator[Engine]:
    """An empty reports table, on SQLite and on the local PostgreSQL."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "module_postgres_url")
    database = make_engine(url)
    ensure_schema(database)
    with database.begin() as connection:
        connection.execute(sync_reports.delete())
    yield database
    database.dispose()
