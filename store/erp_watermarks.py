"""Where each ERP poll is, kept in ``erp_watermarks`` (one row per source), moved only forward.

A source is one thing the poller reads: ``odoo:stock.quant`` (Odoo's newest ``write_date`` seen plus the
repeat set, see ``store.poll_window``) or ``http:changes`` (the HTTP ERP change feed's opaque cursor). The
poller saves a source's state only after the broker confirmed that page's notifications, and every save is
one compare-and-set statement, so two pollers racing on one database never move a watermark back:

- ``advance`` stores an Odoo state only when its ``write_date`` is at or after the stored one (at the same
  second the repeat set is replaced, which can at worst publish a repeat once more);
- ``advance_cursor`` stores a cursor only when the stored one is still the cursor the poller read from
  (cursors are opaque, so "forward" means "from where I started"); a poller that loses gets False.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from store.db import erp_watermarks, sqlite_write_lock
from store.poll_window import PollMark, decode_seen, encode_seen, odoo_write_date

_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_TABLE = erp_watermarks.c
_FIELDS = ("source", "write_date", "seen", "cursor", "published", "updated_at")


@dataclasses.dataclass(frozen=True)
class _Statements:
    advance: Any
    first_cursor: Any
    next_cursor: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The compare-and-set statements for ``dialect``, built once."""
    insert = _INSERTS[dialect](erp_watermarks).values(**{name: sa.bindparam(name) for name in _FIELDS})
    new = insert.excluded
    advance = insert.on_conflict_do_update(
        index_elements=["source"],
        set_={"write_date": new.write_date, "seen": new.seen, "published": new.published,
              "updated_at": new.updated_at},
        where=sa.or_(_TABLE.write_date.is_(None), _TABLE.write_date <= new.write_date))
    first_cursor = insert.on_conflict_do_update(
        index_elements=["source"],
        set_={"cursor": new.cursor, "published": new.published, "updated_at": new.updated_at},
        where=_TABLE.cursor.is_(None))
    next_cursor = erp_watermarks.update().where(  # an UPDATE's bind names must differ from its columns'
        _TABLE.source == sa.bindparam("b_source"), _TABLE.cursor == sa.bindparam("b_expected")).values(
        cursor=sa.bindparam("b_cursor"), published=sa.bindparam("b_published"),
        updated_at=sa.bindparam("b_updated_at"))
    return _Statements(advance.returning(_TABLE.source), first_cursor.returning(_TABLE.source), next_cursor)


class ErpWatermarks:
    """Reads and writes ``erp_watermarks``; every write a compare-and-set (SQLite 3.35+ and PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        if engine.dialect.name not in _INSERTS:
            raise ValueError(f"ERP watermarks need SQLite or PostgreSQL, not {engine.dialect.name}")
        self.engine = engine
        self._write_lock = sqlite_write_lock(engine)
        self._sql = _statements(engine.dialect.name)

    def load(self, source: str) -> PollMark | None:
        """The stored state of ``source``, or None before its first save."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(erp_watermarks).where(_TABLE.source == source)).mappings().first()
        return None if row is None else _mark(row)

    def all(self) -> dict[str, PollMark]:
        """Every source's state, by source (for ``bridgectl status``)."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(erp_watermarks).order_by(_TABLE.source)).mappings().all()
        return {row["source"]: _mark(row) for row in rows}

    def updated_at(self, source: str) -> dt.datetime | None:
        """When ``source`` was last saved (the poller's last confirmed page), or None."""
        with self.engine.connect() as connection:
            moment = connection.execute(sa.select(_TABLE.updated_at).where(_TABLE.source == source)).scalar()
        return None if moment is None else _as_utc(moment)

    def advance(self, mark: PollMark, now: dt.datetime) -> bool:
        """Store an Odoo state unless a newer ``write_date`` is stored; True when stored."""
        return self._run(self._sql.advance, _values(mark, now)) is not None

    def advance_cursor(self, mark: PollMark, expected: str | None, now: dt.datetime) -> bool:
        """Store ``mark.cursor`` only if the stored cursor is still ``expected`` (None: no cursor yet)."""
        if mark.cursor is None:
            raise ValueError("advance_cursor needs the new cursor in mark.cursor")
        values = _values(mark, now)
        if expected is None:
            return self._run(self._sql.first_cursor, values) is not None
        values = {f"b_{name}": value for name, value in {**values, "expected": expected}.items()}
        return bool(self._run(self._sql.next_cursor, values) == 1)

    def reset(self, source: str) -> bool:
        """Forget ``source`` (the next poll reads everything); True when there was a row."""
        with self._write_lock, self.engine.begin() as connection:
            return connection.execute(erp_watermarks.delete().where(_TABLE.source == source)).rowcount == 1

    def _run(self, statement: Any, values: dict[str, Any]) -> Any:
        """One statement in its own transaction: the first row it returns, or its row count."""
        with self._write_lock, self.engine.begin() as connection:
            result = connection.execute(statement, values)
            return result.first() if result.returns_rows else result.rowcount


def _values(mark: PollMark, now: dt.datetime) -> dict[str, Any]:
    write_date = None if mark.write_date is None else odoo_write_date(mark.write_date)  # sortable text, or refused
    return {"source": mark.source, "write_date": write_date, "seen": encode_seen(mark.seen),
            "cursor": mark.cursor, "published": mark.published, "updated_at": now}


def _mark(row: Any) -> PollMark:
    return PollMark(row["source"], row["write_date"], decode_seen(row["seen"]), row["cursor"], row["published"])


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
