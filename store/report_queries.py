"""What the operator's commands ask of the sync reports beyond ``ReportStore``: reads over ``sync_reports``.

``bridgectl status`` estimates the messages waiting in the retry tiers per entity (``retrying_by_entity``);
``bridgectl dlq`` finds the dead letters a later sync resolved (``last_successful_syncs``); the demo waits
until every notification has a final report (``latest_statuses``); the benchmarks count reports
(``count_reports``, ``report_history``). Each call is one short read on its own connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from core.outcomes import RETRYING, SKIPPED, SYNCED
from store.db import sync_reports
from store.reports import as_utc

Record = tuple[str, str | None]  # (entity, key); key None for a record whose key is unknown
KEYS_PER_QUERY = 500  # record keys per IN (...) list
# A skip because the entity's Magento module answered "unavailable" says nothing about the record.
_NOT_A_SYNC = "entity unavailable%"


def retrying_by_entity(engine: Engine, since: dt.datetime) -> dict[str, int]:
    """Events per entity whose latest report since ``since`` is ``retrying``."""
    table = sync_reports.c
    latest = sa.select(sa.func.max(table.id)).where(table.at >= since).group_by(table.event_id)
    statement = (sa.select(table.entity, sa.func.count()).where(table.id.in_(latest), table.status == RETRYING)
                 .group_by(table.entity))
    with engine.connect() as connection:
        return {entity: count for entity, count in connection.execute(statement)}


def last_successful_syncs(engine: Engine, records: Iterable[Record]) -> dict[Record, dt.datetime]:
    """Each record's latest successful sync (``synced``, or ``skipped`` as unchanged, stale or deleted), in UTC;
    records without one (or without a key) are left out."""
    keys_by_entity: dict[str, set[str]] = {}
    for entity, key in records:
        if key is not None:
            keys_by_entity.setdefault(entity, set()).add(key)
    found: dict[Record, dt.datetime] = {}
    with engine.connect() as connection:
        for entity, keys in keys_by_entity.items():
            ordered = sorted(keys)
            for start in range(0, len(ordered), KEYS_PER_QUERY):
                statement = _last_syncs_statement(entity, ordered[start:start + KEYS_PER_QUERY])
                for key, at in connection.execute(statement):
                    found[(entity, key)] = as_utc(at)
    return found


def _last_syncs_statement(entity: str, keys: list[str]) -> sa.Select[str, dt.datetime]:
    table = sync_reports.c
    return (sa.select(table.key, sa.func.max(table.at))
            .where(table.entity == entity, table.key.in_(keys), table.status.in_((SYNCED, SKIPPED)),
                   sa.or_(table.detail.is_(None), ~table.detail.like(_NOT_A_SYNC)))
            .group_by(table.key))


def report_history(engine: Engine) -> list[tuple[str, str]]:
    """Every report's (event id, status), oldest recorded first."""
    table = sync_reports.c
    with engine.connect() as connection:
        return [(event_id, status) for event_id, status
                in connection.execute(sa.select(table.event_id, table.status).order_by(table.id))]


def latest_statuses(engine: Engine) -> dict[str, str]:
    """Each event id's latest status; empty while the reports table does not exist yet."""
    if not sa.inspect(engine).has_table(sync_reports.name):
        return {}
    return dict(report_history(engine))


def count_reports(engine: Engine, *, except_status: str | None = None) -> int:
    """How many reports are stored (only those whose status is not ``except_status``, when given)."""
    statement = sa.select(sa.func.count()).select_from(sync_reports)
    if except_status is not None:
        statement = statement.where(sync_reports.c.status != except_status)
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())
