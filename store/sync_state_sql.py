"""The sync state store's SQL: every statement built once per dialect, each one atomic.

Writes are ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` (SQLite 3.35+ and PostgreSQL) or ``UPDATE ... WHERE``
with bind parameters, so a version never moves backwards and one record's lease has one holder at a time,
whichever process runs them.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from store.db import sync_state

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_PRIMARY_KEY = ["backend", "entity", "key"]
DIALECTS = tuple(_INSERTS)

_PK = sa.and_(sync_state.c.backend == sa.bindparam("pk_backend"), sync_state.c.entity == sa.bindparam("pk_entity"),
              sync_state.c.key == sa.bindparam("pk_key"))


@dataclasses.dataclass(frozen=True)
class Statements:
    """Every statement the store runs, built once per dialect with bind parameters (building is the slow part)."""

    get: Any
    remember: Any
    remember_and_release: Any
    acquire: Any
    release: Any
    take_over: Any
    forget: Any


@functools.cache
def statements(dialect: str) -> Statements:
    """The store's statements for ``dialect`` (``sqlite`` or ``postgresql``), built on first use."""
    insert = _INSERTS[dialect]
    table = sync_state.c
    return Statements(
        get=sa.select(sync_state).where(_PK),
        remember=_remember_statement(insert, {}).returning(table.key),
        remember_and_release=_remember_statement(insert, _released()).returning(table.key),
        acquire=_acquire_statement(insert).returning(table.version, table.doc_hash, table.deleted),
        release=sync_state.update().where(_PK, table.lease_owner == sa.bindparam("owner"))
        .values(lease_owner=None, lease_until=None),
        take_over=sync_state.update().where(_PK, table.lease_owner == sa.bindparam("from_owner"))
        .values(lease_owner=sa.bindparam("new_owner"), lease_until=sa.bindparam("until")),
        forget=sync_state.delete().where(_PK))


def _record() -> dict[str, Any]:
    return {"backend": sa.bindparam("pk_backend"), "entity": sa.bindparam("pk_entity"), "key": sa.bindparam("pk_key")}


def _remember_statement(insert: Any, also_set: dict[str, Any]) -> Any:
    """Upsert what the ERP holds unless the stored version is newer (compare-and-set), plus ``also_set``."""
    table = sync_state.c
    statement = insert(sync_state).values(**_record(), **{name: sa.bindparam(name) for name in (
        "version", "doc_hash", "erp_id", "deleted", "synced_at")})
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=_PRIMARY_KEY,
        set_={"version": sa.func.coalesce(new.version, table.version), "doc_hash": new.doc_hash,
              "erp_id": sa.func.coalesce(new.erp_id, table.erp_id), "deleted": new.deleted,
              "synced_at": new.synced_at, **also_set},
        where=sa.or_(table.version.is_(None), new.version.is_(None), table.version <= new.version))


def _released() -> dict[str, Any]:
    """SET clauses that clear the lease when ``owner`` holds it (SET sees the row as it was before)."""
    ours = sync_state.c.lease_owner == sa.bindparam("owner")
    return {"lease_owner": sa.case((ours, sa.null()), else_=sync_state.c.lease_owner),
            "lease_until": sa.case((ours, sa.null()), else_=sync_state.c.lease_until)}


def _acquire_statement(insert: Any) -> Any:
    """Take or extend the lease when it is free, expired or already ours; RETURNING reads the state too."""
    table = sync_state.c
    statement = insert(sync_state).values(**_record(), deleted=False, lease_owner=sa.bindparam("owner"),
                                          lease_until=sa.bindparam("until"))
    new = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=_PRIMARY_KEY,
        set_={"lease_owner": new.lease_owner, "lease_until": new.lease_until},
        where=sa.or_(table.lease_owner.is_(None), table.lease_until.is_(None), table.lease_until < sa.bindparam("now"),
                     table.lease_owner == sa.bindparam("owner")))
