"""The figures behind ``bridgectl status``: queue depths and consumers from the broker, the rest from the database.

The broker's management plugin is not needed: ``queue_declare(passive=True)`` answers each queue's ready
messages and consumers. Retry tiers are shared by all entities and AMQP cannot browse a queue without taking
its messages, so ``retrying`` per entity is estimated from the sync reports: the events whose latest report
(within the longest retry delay plus ``RETRY_REPORT_MARGIN``) says ``retrying``, capped at what the tiers
hold, and 0 when the tiers are empty. ``synced_last_hour`` counts ``synced`` reports, ``failed_last_hour``
counts ``dead`` ones (failures for good; retried attempts are not failures yet).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import pika
import pika.exceptions

from broker.amqp import connection_parameters
from broker.topology import dead_queue, entity_queue, retry_queue
from core import parsing
from core.entities import ERP, erp_entity, parse_stream
from core.errors import broker_unreachable
from core.outcomes import DEAD, SYNCED
from ops.erp_poll_sources import HTTP_SOURCE
from store.db import DatabaseError, Engine
from store.erp_watermarks import ErpWatermarks
from store.positions import Watermarks
from store.report_queries import retrying_by_entity
from store.reports import ReportStore

log = logging.getLogger(__name__)

RETRY_REPORT_MARGIN = dt.timedelta(minutes=10)
FIELDS = ("queued", "retrying", "dead", "consumers", "last_reconcile_at", "synced_last_hour", "failed_last_hour")


class StatusError(RuntimeError):
    """A source of figures could not be read; the message says which and why."""


@dataclasses.dataclass
class QueueFigures:
    """Ready messages and consumers per queue name (None: the queue does not exist)."""

    depths: dict[str, int | None]
    consumers: dict[str, int | None]


def queue_figures(url: str, queues: Iterable[str]) -> QueueFigures:
    """Depth and consumer count of each queue, by passive declaration (no management plugin needed)."""
    try:
        connection = pika.BlockingConnection(connection_parameters(url, name="bridgectl-status"))
    except pika.exceptions.AMQPError as error:
        raise StatusError(broker_unreachable(url, error)) from None
    figures = QueueFigures({}, {})
    try:
        channel = connection.channel()
        for queue in queues:
            try:
                method = channel.queue_declare(queue, passive=True).method
                figures.depths[queue], figures.consumers[queue] = method.message_count, method.consumer_count
            except pika.exceptions.ChannelClosedByBroker:
                figures.depths[queue] = figures.consumers[queue] = None
                channel = connection.channel()
    finally:
        connection.close()
    return figures


@dataclasses.dataclass
class Status:
    """Everything ``status`` prints: per entity figures, the retry tiers' depths, and any source that failed."""

    entities: dict[str, dict[str, Any]]
    tiers: dict[str, int | None]
    problems: list[str]


def collect(url: str, engine: Engine | None, entities: Sequence[str], retry_delays: Sequence[int],
            now: dt.datetime | None = None) -> Status:
    """The figures for ``entities``; a source that fails leaves its fields None and names itself in ``problems``."""
    now = now or parsing.utc_now()
    status = Status({entity: dict.fromkeys(FIELDS) for entity in entities},
                    {retry_queue(seconds): None for seconds in retry_delays}, [])
    try:
        _add_broker(status, url, entities, retry_delays)
    except StatusError as error:
        status.problems.append(str(error))
    if engine is None:
        status.problems.append("the database could not be opened")
        return status
    try:
        _add_database(status, engine, entities, retry_delays, now)
    except DatabaseError as error:
        status.problems.append(f"cannot read the database: {getattr(error, 'orig', error)}")
    return status


def _add_broker(status: Status, url: str, entities: Sequence[str], retry_delays: Sequence[int]) -> None:
    tiers = [retry_queue(seconds) for seconds in retry_delays]
    names = [name for entity in entities for name in (entity_queue(entity), dead_queue(entity))]
    figures = queue_figures(url, names + tiers)
    for entity in entities:
        row = status.entities[entity]
        row["queued"] = figures.depths[entity_queue(entity)]
        row["consumers"] = figures.consumers[entity_queue(entity)]
        row["dead"] = figures.depths[dead_queue(entity)]
    status.tiers = {tier: figures.depths[tier] for tier in tiers}
    missing = [name for name, depth in figures.depths.items() if depth is None]
    if missing:
        status.problems.append(f"queues missing (declare the topology: bridgectl topology): {', '.join(missing)}")


def _add_database(status: Status, engine: Engine, entities: Sequence[str], retry_delays: Sequence[int],
                  now: dt.datetime) -> None:
    counts = ReportStore(engine).counts_since(now - dt.timedelta(hours=1))
    window = dt.timedelta(seconds=max(retry_delays, default=0)) + RETRY_REPORT_MARGIN
    retrying = retrying_by_entity(engine, now - window)
    marks = Watermarks(engine).all()
    tiers = status.tiers.values()
    in_tiers = None if None in tiers or not status.tiers else sum(tier or 0 for tier in tiers)
    for entity in entities:
        row = status.entities[entity]
        row["synced_last_hour"] = counts.get(entity, {}).get(SYNCED, 0)
        row["failed_last_hour"] = counts.get(entity, {}).get(DEAD, 0)
        estimate = retrying.get(entity, 0)
        row["retrying"] = estimate if in_tiers is None else min(estimate, in_tiers)
        mark = marks.get(entity)
        last_run = mark.last_run_at if mark else _last_erp_poll(engine, entity)
        row["last_reconcile_at"] = parsing.iso(last_run) if last_run else None


def _last_erp_poll(engine: Engine, stream: str) -> dt.datetime | None:
    """For an ERP stream ("erp.stock"): the ERP poller's last confirmed page over its sources; else None."""
    origin, entity = parse_stream(stream)
    if origin != ERP:
        return None
    sources = [f"odoo:{model}" for model in erp_entity(entity).odoo_models] + [HTTP_SOURCE]
    watermarks = ErpWatermarks(engine)
    return max((moment for moment in map(watermarks.updated_at, sources) if moment), default=None)
