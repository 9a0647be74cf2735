"""The broker layout as pure data: names, arguments and bindings; ``broker.amqp`` declares it.

Flow (see docs/architecture.md):

    publishers ──► magento.events (topic) ──<entity>.*──► magento.<entity> (quorum) ──► consumers
    consumer, retryable failure ──► magento.retry (headers, retry_tier=<N>s)
        ──► magento.retry.<N>s (quorum, TTL N s) ──TTL expires, dead-lettered to "" with the
        original routing key magento.<entity>──► magento.<entity>
    consumer, permanent failure or attempts exhausted ──► "" ──► magento.<entity>.dead
    a message redelivered DELIVERY_LIMIT times (a consumer crashing on it) ──► magento.<entity>.dead

The ERP → Magento direction is the same engine: erp.events (topic) ──<entity>.*──► erp.<entity>, dead
letters in erp.<entity>.dead, and the same retry tiers (a retried copy carries its queue's name as its
routing key, so a tier sends it back to whichever queue it came from). A stream names one queue: "stock" is
magento.stock, "erp.stock" is erp.stock (core/entities.py).

Quorum queues dead-letter "at-least-once" here, so a message expiring from a retry tier is never lost
between the two queues. Header names do not start with ``x-``: a headers exchange ignores those.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from core.entities import ERP, QUEUES, STREAMS, parse_stream

EVENTS_EXCHANGE = "magento.events"
ERP_EVENTS_EXCHANGE = "erp.events"
RETRY_EXCHANGE = "magento.retry"
DEFAULT_EXCHANGE = ""
RETRY_TIER_HEADER = "retry_tier"
DELIVERY_LIMIT = 20

# Message headers the bridge sets (AMQP ``message_id`` holds the event id).
H_ATTEMPTS = "bridge-attempts"
H_FIRST_ATTEMPT_AT = "bridge-first-attempt-at"
H_LAST_ATTEMPT_AT = "bridge-last-attempt-at"
H_ERROR_CLASS = "bridge-error-class"
H_ERROR = "bridge-error"
H_DEAD_AT = "bridge-dead-at"

QUORUM = {"x-queue-type": "quorum"}
AT_LEAST_ONCE = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


@dataclasses.dataclass(frozen=True)
class ExchangeSpec:
    name: str
    type: str


@dataclasses.dataclass(frozen=True)
class QueueSpec:
    name: str
    arguments: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class BindingSpec:
    queue: str
    exchange: str
    routing_key: str = ""
    arguments: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class Topology:
    exchanges: tuple[ExchangeSpec, ...]
    queues: tuple[QueueSpec, ...]
    bindings: tuple[BindingSpec, ...]


def events_exchange(origin: str | None) -> str:
    """The exchange a change from ``origin`` is published to: magento.events, or erp.events for the ERP's."""
    return ERP_EVENTS_EXCHANGE if origin == ERP else EVENTS_EXCHANGE


def entity_queue(entity: str) -> str:
    """The queue of a stream (an entity, or "erp.<entity>"; the entity table's ``queue``); ``magento.<entity>``
    for a name the table lacks."""
    return QUEUES.get(entity) or f"magento.{entity}"


def dead_queue(entity: str) -> str:
    return f"{entity_queue(entity)}.dead"


def retry_tier(seconds: int) -> str:
    return f"{seconds}s"


def retry_queue(seconds: int) -> str:
    return f"magento.retry.{retry_tier(seconds)}"


def entity_of_queue(queue: str) -> str | None:
    """The entity whose main or dead-letter queue this is, or None."""
    return _ENTITY_OF_QUEUE.get(queue)


_ENTITY_OF_QUEUE: dict[str, str] = {name: entity for entity in STREAMS
                                    for name in (entity_queue(entity), dead_queue(entity))}


def _entity_queues(entity: str) -> tuple[QueueSpec, QueueSpec]:
    main = QueueSpec(entity_queue(entity), {
        **QUORUM, **AT_LEAST_ONCE,
        "x-dead-letter-exchange": DEFAULT_EXCHANGE,
        "x-dead-letter-routing-key": dead_queue(entity),
        "x-delivery-limit": DELIVERY_LIMIT,
    })
    return main, QueueSpec(dead_queue(entity), dict(QUORUM))


def _retry_queue(seconds: int) -> QueueSpec:
    return QueueSpec(retry_queue(seconds), {
        **QUORUM, **AT_LEAST_ONCE,
        "x-message-ttl": seconds * 1000,
        "x-dead-letter-exchange": DEFAULT_EXCHANGE,
    })


def topology(entities: Iterable[str] = STREAMS, retry_delays: Iterable[int] = ()) -> Topology:
    """Everything to declare for the streams ``entities`` and the retry tiers ``retry_delays`` (seconds)."""
    queues: list[QueueSpec] = []
    bindings: list[BindingSpec] = []
    for name in entities:
        origin, entity = parse_stream(name)
        queues.extend(_entity_queues(name))
        bindings.append(BindingSpec(entity_queue(name), events_exchange(origin), f"{entity}.*"))
    for seconds in retry_delays:
        queues.append(_retry_queue(seconds))
        bindings.append(BindingSpec(retry_queue(seconds), RETRY_EXCHANGE, "",
                                    {"x-match": "all", RETRY_TIER_HEADER: retry_tier(seconds)}))
    exchanges = (ExchangeSpec(EVENTS_EXCHANGE, "topic"), ExchangeSpec(ERP_EVENTS_EXCHANGE, "topic"),
                 ExchangeSpec(RETRY_EXCHANGE, "headers"))
    return Topology(exchanges, tuple(queues), tuple(bindings))


def all_queue_names(entities: Iterable[str] = STREAMS, retry_delays: Iterable[int] = ()) -> list[str]:
    return [queue.name for queue in topology(entities, retry_delays).queues]
