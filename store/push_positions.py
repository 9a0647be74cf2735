"""Where a full push is (``bridgectl push stock --all --resume``), kept in ``push_positions``, one row per job.

A push walks the SKUs in ``sorted()`` order (Python's code-point order, never the database's collation) in
chunks; after Magento confirmed a chunk the command saves its last SKU, so ``--resume`` continues with the
first SKU after it and no confirmed chunk is sent again. Only a chunk in flight when the run was stopped
(sent, not yet confirmed) is sent once more, with the same quantities. A save belongs to its run: a new run
(``start``) replaces the row, and a save of another run, or one that would go back, changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from store.db import push_positions, sqlite_write_lock

_TABLE = push_positions.c
_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclasses.dataclass(frozen=True)
class PushPosition:
    """One job's push: ``last_sku`` is the last SKU of the last chunk Magento confirmed."""

    job: str
    run_id: str
    last_sku: str | None = None
    chunks_done: int = 0
    pushed: int = 0
    skipped: int = 0
    finished: bool = False

    def after_chunk(self, last_sku: str, pushed: int, skipped: int = 0) -> PushPosition:
        """The position once a chunk ending at ``last_sku`` was confirmed (``pushed`` written, ``skipped`` not)."""
        if self.last_sku is not None and last_sku <= self.last_sku:
            raise ValueError(f"chunk ends at {last_sku!r}, not after {self.last_sku!r}: SKUs go in sorted order")
        return dataclasses.replace(self, last_sku=last_sku, chunks_done=self.chunks_done + 1,
                                   pushed=self.pushed + pushed, skipped=self.skipped + skipped)

    def done(self) -> PushPosition:
        return dataclasses.replace(self, finished=True)


def remaining(skus: Iterable[str], position: PushPosition | None) -> list[str]:
    """The SKUs still to push, sorted and without duplicates: all of them, or those after ``last_sku``."""
    ordered = sorted(set(skus))
    if position is None or position.last_sku is None:
        return ordered
    return [sku for sku in ordered if sku > position.last_sku]


def chunks(skus: list[str], size: int) -> list[list[str]]:
    """``skus`` in chunks of at most ``size`` (``MAGENTO_MAX_ITEMS``)."""
    if size < 1:
        raise ValueError("a chunk holds at least one SKU")
    return [skus[start:start + size] for start in range(0, len(skus), size)]


class PushPositions:
    """Reads and writes ``push_positions``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write_lock = sqlite_write_lock(engine)

    def load(self, job: str) -> PushPosition | None:
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(push_positions).where(_TABLE.job == job)).mappings().first()
        if row is None:
            return None
        return PushPosition(**{field.name: row[field.name] for field in dataclasses.fields(PushPosition)})

    def start(self, job: str, run_id: str, now: dt.datetime) -> PushPosition:
        """A new run of ``job`` from the first SKU, replacing any earlier run's position."""
        position = PushPosition(job, run_id)
        values = {**dataclasses.asdict(position), "started_at": now, "updated_at": now}
        insert = _INSERTS[self.engine.dialect.name](push_positions).values(**values)
        replace = insert.on_conflict_do_update(index_elements=["job"], set_={
            name: insert.excluded[name] for name in values if name != "job"})
        with self._write_lock, self.engine.begin() as connection:
            connection.execute(replace)
        return position

    def save(self, position: PushPosition, now: dt.datetime) -> bool:
        """Store ``position`` if it belongs to the stored run and does not go back; True when stored."""
        values: dict[str, Any] = {**dataclasses.asdict(position), "updated_at": now}
        del values["job"], values["run_id"]
        with self._write_lock, self.engine.begin() as connection:
            return connection.execute(push_positions.update().where(
                _TABLE.job == position.job, _TABLE.run_id == position.run_id,
                _TABLE.chunks_done <= position.chunks_done).values(**values)).rowcount == 1
