"""The bridge's own tables are created idempotently on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from store import db


@pytest.mark.parametrize("url_fixture", ["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)])
def test_schema_is_created_twice_without_error(url_fixture, request):
    engine = db.make_engine(request.getfixturevalue(url_fixture))
    db.ensure_schema(engine)
    db.ensure_schema(engine)
    names = set(sa.inspect(engine).get_table_names())
    assert {"seen_events", "sync_reports", "sync_state", "backfill_positions", "reconcile_watermarks"} <= names
    engine.dispose()


def test_sqlite_uses_wal(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_in_memory_is_sqlite_without_a_file():
    assert db.in_memory("sqlite://") and db.in_memory("sqlite:///:memory:")
    assert not db.in_memory("sqlite:///var/bridge.sqlite3")
    assert not db.in_memory("postgresql://bridge@127.0.0.1:5432/bridge")


def test_a_database_failure_is_a_database_error(tmp_path):
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(db.DatabaseError), engine.connect() as connection:
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    engine.dispose()
    assert isinstance(engine, db.Engine)
@pytest.mark.parametrize("url_fixture", ["sqlite_url", pytest.param("postgres_url", marks=pytest.mark.postgres)])
def test_tables_added_later_are_created_on_a_database_that_has_the_older_ones(url_fixture, request):
    engine = db.make_engine(request.getfixturevalue(url_fixture))
    newer = {"echo_fingerprints", "erp_watermarks", "push_positions"}
    db.metadata.create_all(engine, tables=[table for table in db.metadata.sorted_tables if table.name not in newer])
    assert not newer & set(sa.inspect(engine).get_table_names())
    db.ensure_schema(engine)
    inspector = sa.inspect(engine)
    assert newer <= set(inspector.get_table_names())
    assert "ix_echo_fingerprints_written_at" in {index["name"] for index in inspector.get_indexes("echo_fingerprints")}
