"""Where the backfill and the reconciler are, kept in the bridge's database (``store.db``), one row per entity.

``BackfillPositions``: the run id, range and the unique key of the last record published and confirmed, saved
after every page so ``backfill --resume`` continues after the last finished page. ``Watermarks``: the newest
``updated_at`` (Magento's UTC text) the reconciler published and confirmed, and when it last ran.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import backfill_positions, reconcile_watermarks
from store.reports import as_utc


@dataclasses.dataclass(frozen=True)
class Position:
    """One entity's backfill: ``last_key`` is the sort key of the last record published and confirmed."""

    entity: str
    run_id: str
    since: str | None
    until: str | None
    batch_size: int
    last_key: int | None = None
    pages_done: int = 0
    published: int = 0
    failed_pages: int = 0
    finished: bool = False

    def after_page(self, last_key: int, published: int) -> Position:
        return dataclasses.replace(self, last_key=last_key, pages_done=self.pages_done + 1,
                                   published=self.published + published)


class BackfillPositions:
    """Reads and writes ``backfill_positions``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, entity: str) -> Position | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(backfill_positions).where(
                backfill_positions.c.entity == entity)).mappings().first()
        if row is None:
            return None
        return Position(**{field.name: _from_db(field.name, row[field.name])
                           for field in dataclasses.fields(Position)})

    def save(self, position: Position, now: dt.datetime) -> None:
        values: dict[str, Any] = {**dataclasses.asdict(position), "updated_at": now,
                                  "last_key": None if position.last_key is None else str(position.last_key)}
        _upsert(self.engine, backfill_positions, "entity", values)


@dataclasses.dataclass(frozen=True)
class Watermark:
    entity: str
    watermark: str  # Magento's UTC "YYYY-MM-DD HH:MM:SS"
    last_run_at: dt.datetime
    published: int


class Watermarks:
    """Reads and writes ``reconcile_watermarks``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, entity: str) -> Watermark | None:
        return self.all().get(entity)

    def all(self) -> dict[str, Watermark]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(reconcile_watermarks)).mappings().all()
        return {row["entity"]: Watermark(row["entity"], row["watermark"], as_utc(row["last_run_at"]),
                                         row["published"]) for row in rows}

    def save(self, mark: Watermark) -> None:
        _upsert(self.engine, reconcile_watermarks, "entity", dataclasses.asdict(mark))


def _from_db(name: str, value: Any) -> Any:
    if name == "last_key" and value is not None:
        return int(value)
    return value


def _upsert(engine: Engine, table: sa.Table, key: str, values: dict[str, Any]) -> None:
    """Update the row of ``values[key]``, or insert it (portable across SQLite and PostgreSQL)."""
    with engine.begin() as connection:
        updated = connection.execute(table.update().where(table.c[key] == values[key]).values(**values)).rowcount
        if not updated:
            connection.execute(table.insert().values(**values))
