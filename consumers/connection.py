"""The consuming connection of the consumer engine (an adapter: imports pika): opened, checked, lost, closed.

``ConsumerConnection`` owns the runner's one ``BlockingConnection`` and its channel: it declares the layout,
sets the prefetch and consumes each entity's queue under a consumer tag of its own. ``connect`` retries
while the broker is unreachable (exponential backoff with jitter); refused credentials or vhost are not
retried. Every opening is a new ``generation``: delivery tags belong to the channel that delivered them,
so a result of an earlier generation is never acked on the current one. Only the runner's I/O thread
uses it, except ``connection``, which worker threads read to wake that thread. See docs/consumers.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

import pika
import pika.exceptions
import tenacity
from pika.adapters.blocking_connection import BlockingChannel

from broker.amqp import connection_parameters, declare
from broker.topology import entity_queue, topology
from core.errors import broker_unreachable, network_cause
from core.parsing import host_port
from core.settings import Settings

log = logging.getLogger(__name__)

FATAL_CONNECT_ERRORS = (pika.exceptions.ProbableAuthenticationError, pika.exceptions.ProbableAccessDeniedError,
                        pika.exceptions.AuthenticationError)

# How the I/O thread waits between attempts to (re)connect; jitter spreads many consumers apart.
RECONNECT_WAIT = tenacity.wait_exponential_jitter(multiplier=0.5, max=30, jitter=0.5)

# on_message(channel, method, properties, body), pika's consumer callback.
OnMessage = Callable[[Any, Any, Any, bytes], None]


class ConsumerConnection:
    """The connection and channel consuming ``entities``' queues; None while disconnected."""

    def __init__(self, settings: Settings, entities: tuple[str, ...], name: str,
                 reconnect_wait: Any = RECONNECT_WAIT) -> None:
        self._settings = settings
        self._entities = entities
        self._name = name
        self._reconnect_wait = reconnect_wait
        self._entity_by_tag: dict[str, str] = {}
        self._fatal: str | None = None  # why the broker cancelled a consumer, raised by check_channel
        self._cause: str | None = None  # why the broker cannot be reached, while it cannot
        self.connection: pika.BlockingConnection | None = None
        self.channel: BlockingChannel | None = None
        self.generation = 0  # how many times the connection was opened

    def connect(self, on_message: OnMessage, stop_requested: Callable[[], bool],
                sleep: Callable[[float], None]) -> bool:
        """Open and consume, retrying transient failures (waiting with ``sleep``); False when stopped meanwhile."""
        retrying = tenacity.Retrying(
            stop=lambda _state: stop_requested(), wait=self._reconnect_wait,
            retry=tenacity.retry_if_exception(is_transient), reraise=True, sleep=sleep,
            before_sleep=lambda state: self._unreachable(_failure(state)))
        try:
            retrying(self._open, on_message)
        except pika.exceptions.AMQPConnectionError as error:
            if is_transient(error) and stop_requested():
                return False
            raise
        if self._cause is not None:
            log.info("reached the broker at %s again", self.address)
            self._cause = None
        return True

    @property
    def address(self) -> str:
        """``host:port`` of the broker (never the credentials)."""
        return host_port(self._settings.amqp_url)

    def _unreachable(self, error: BaseException) -> None:
        """Say once per outage why the broker cannot be reached (each further attempt only at DEBUG)."""
        level = logging.WARNING if self._cause is None else logging.DEBUG
        log.log(level, "%s; retrying until it answers", broker_unreachable(self._settings.amqp_url, error))
        self._cause = network_cause(error)

    def entity_of(self, consumer_tag: str) -> str:
        """The entity whose queue the consumer ``consumer_tag`` consumes."""
        return self._entity_by_tag[consumer_tag]

    @property
    def _open_channel(self) -> BlockingChannel:
        """The channel, for the methods the I/O thread calls only while connected."""
        assert self.channel is not None
        return self.channel

    def check_channel(self) -> None:
        """Raise a channel error when the broker closed the channel or cancelled one of its consumers."""
        if self._fatal is not None:
            raise pika.exceptions.ConsumerCancelled(self._fatal)
        if self._open_channel.is_closed:
            reason = getattr(self.channel, "_closing_reason", None) or "the broker closed the channel"
            raise pika.exceptions.ChannelClosed(-1, str(reason))

    def cancel_consumers(self) -> None:
        """Stop the broker delivering more (``basic_cancel`` each consumer; pika requeues what it still holds)."""
        for tag in list(self._entity_by_tag):
            self._open_channel.basic_cancel(tag)
        self._entity_by_tag = {}

    def consume(self, on_message: OnMessage) -> None:
        """Consume each entity's queue (again, after ``cancel_consumers``), each under a new consumer tag."""
        self._entity_by_tag = {f"{self._name}.{entity}.{uuid.uuid4().hex[:8]}": entity
                               for entity in self._entities}
        for tag, entity in self._entity_by_tag.items():
            self._open_channel.basic_consume(entity_queue(entity), on_message, consumer_tag=tag)

    def forget(self) -> None:
        """Drop the connection that was lost: its channel and consumers are gone with it."""
        self.connection = self.channel = None
        self._entity_by_tag = {}

    def close(self) -> None:
        """Close the connection, if open; what it did not ack goes back to the queues."""
        connection, self.connection, self.channel = self.connection, None, None
        if connection is not None:
            _close_quietly(connection)

    def _open(self, on_message: OnMessage) -> None:
        connection = pika.BlockingConnection(connection_parameters(self._settings.amqp_url, name=self._name))
        try:
            channel = connection.channel()
            declare(channel, topology(self._entities, self._settings.retry_delays))
            channel.basic_qos(prefetch_count=self._settings.prefetch)
            channel.add_on_cancel_callback(self._on_cancelled)
            self.generation += 1
            self.connection, self.channel = connection, channel
            self.consume(on_message)
        except BaseException:
            self.connection = self.channel = None
            _close_quietly(connection)
            raise

    def _on_cancelled(self, frame: Any) -> None:
        tag = frame.method.consumer_tag
        queue_name = entity_queue(self._entity_by_tag.get(tag, "?"))
        self._fatal = f"the broker cancelled the consumer of {queue_name} (was the queue deleted?)"


def is_transient(error: BaseException) -> bool:
    """Whether connecting may succeed later: a connection error other than refused credentials or vhost."""
    return isinstance(error, pika.exceptions.AMQPConnectionError) and not isinstance(error, FATAL_CONNECT_ERRORS)


def _failure(state: tenacity.RetryCallState) -> BaseException:
    """The error of the attempt that failed (tenacity calls ``before_sleep`` only after a failed attempt)."""
    error = state.outcome.exception() if state.outcome is not None else None
    assert error is not None
    return error


def _close_quietly(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception as error:  # already closing or lost: nothing left to release
        log.debug("closing the consumer connection: %s", error)
