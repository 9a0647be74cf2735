"""Connection parameters and topology declaration for pika (an adapter module: it imports pika)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import pika
from pika.channel import Channel

from broker.topology import Topology, topology

log = logging.getLogger(__name__)


def connection_parameters(url: str, *, name: str, heartbeat: int = 30,
                          blocked_timeout: float = 30) -> pika.URLParameters:
    """Parameters for ``url`` with a connection name operators can see in the management UI."""
    params = pika.URLParameters(url)
    params.client_properties = {"connection_name": name}
    params.heartbeat = heartbeat
    params.blocked_connection_timeout = blocked_timeout
    params.connection_attempts = 1
    params.socket_timeout = 5
    params.stack_timeout = 10
    return params


def declare(channel: pika.adapters.blocking_connection.BlockingChannel, layout: Topology) -> None:
    """Declare ``layout`` on a blocking channel; idempotent while the arguments stay the same."""
    for exchange in layout.exchanges:
        channel.exchange_declare(exchange.name, exchange.type, durable=True)
    for queue in layout.queues:
        channel.queue_declare(queue.name, durable=True, arguments=queue.arguments)
    for binding in layout.bindings:
        channel.queue_bind(binding.queue, binding.exchange, binding.routing_key, arguments=binding.arguments)


def declare_all(url: str, entities: Iterable[str], retry_delays: Iterable[int]) -> Topology:
    """Open a short connection to ``url`` and declare the whole layout; returns what was declared."""
    layout = topology(entities, retry_delays)
    connection = pika.BlockingConnection(connection_parameters(url, name="bridge-topology"))
    try:
        declare(connection.channel(), layout)
    finally:
        connection.close()
    log.info("declared %d exchanges, %d queues, %d bindings",
             len(layout.exchanges), len(layout.queues), len(layout.bindings))
    return layout


Step = Callable[[Callable[..., None]], None]


def declaration_steps(channel: Channel, layout: Topology) -> list[Step]:
    """The layout as a chain of asynchronous declarations, each taking its completion callback."""
    steps: list[Step] = []
    for exchange in layout.exchanges:
        steps.append(_step(channel.exchange_declare, exchange.name, exchange.type, durable=True))
    for queue in layout.queues:
        steps.append(_step(channel.queue_declare, queue.name, durable=True, arguments=queue.arguments))
    for binding in layout.bindings:
        steps.append(_step(channel.queue_bind, binding.queue, binding.exchange, binding.routing_key,
                           arguments=binding.arguments))
    return steps


def _step(declaration: Callable[..., Any], *args: Any, **kwargs: Any) -> Step:
    """``declaration(*args, **kwargs, callback=done)`` once called with its completion callback ``done``."""
    return lambda done: declaration(*args, callback=done, **kwargs)
