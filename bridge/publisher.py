"""Durable publishing with pipelined publisher confirms, from any thread (an adapter module: it imports pika).

One ``Publisher`` owns one AMQP connection on its own I/O thread (open it after fork). ``publish`` may be
called from many threads at once: each call hands its message to the I/O thread and waits for the
broker's confirm of that message only, so concurrent publishes share round trips instead of queueing
behind each other. Messages are persistent and ``mandatory``; a return, a nack, a lost connection or no
confirm in time raise ``BrokerUnavailable`` (``MessageUnroutable`` for a return). The I/O thread
reconnects by itself, with backoff, after the connection is lost.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pika
from pika.adapters.select_connection import SelectConnection

from bridge.amqp import connection_parameters
from bridge.confirmations import Confirmation, FutureConfirmation, Outgoing
from core.errors import BrokerUnavailable, MessageUnroutable
from core.topology import Topology

log = logging.getLogger(__name__)


class Publisher:
    """A thread-safe, self-reconnecting, confirm-pipelining publisher on one connection."""

    def __init__(self, url: str, *, name: str = "bridge-publisher", layout: Topology | None = None,
                 confirm_timeout: float = 5.0, max_reconnect_delay: float = 5.0) -> None:
        self._params = connection_parameters(url, name=name)
        self._layout = layout
        self._confirm_timeout = confirm_timeout
        self._max_reconnect_delay = max_reconnect_delay
        self._lock = threading.Lock()
        self._outbox: collections.deque[Outgoing] = collections.deque()
        self._drain_scheduled = False
        self._pending: dict[int, Outgoing] = {}
        self._returned: list[tuple[str, str | None]] = []
        self._next_tag = 1
        self._connection: SelectConnection | None = None
        self._channel: Any = None
        self._ready = threading.Event()
        self._blocked = False
        self._closing = False
        self._thread: threading.Thread | None = None

    # ---- public API (any thread) -------------------------------------------------------------
    def start(self) -> Publisher:
        """Start the I/O thread; returns at once (the first connection is made in the background)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="amqp-publisher", daemon=True)
            self._thread.start()
        return self

    def wait_ready(self, timeout: float) -> bool:
        """Block until the channel accepts publishes, up to ``timeout`` seconds."""
        return self._ready.wait(timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and not self._blocked

    def publish(self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
                headers: dict[str, Any] | None = None, timeout: float | None = None,
                content_type: str = "application/json") -> None:
        """Publish persistently and block until the broker confirmed it (raises BrokerUnavailable)."""
        confirmation = Confirmation()
        self._hand_over(exchange, routing_key, body, message_id, headers, content_type, confirmation)
        wait = self._confirm_timeout if timeout is None else timeout
        if not confirmation.wait(wait):
            raise BrokerUnavailable(f"the broker did not confirm message {message_id} within {wait:g} s")
        if confirmation.error is not None:
            raise confirmation.error

    def publish_async(self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
                      headers: dict[str, Any] | None = None,
                      content_type: str = "application/json") -> concurrent.futures.Future:
        """Hand a message to the I/O thread; the future completes when the broker confirmed it."""
        confirmation = FutureConfirmation()
        self._hand_over(exchange, routing_key, body, message_id, headers, content_type, confirmation)
        return confirmation.future

    def _hand_over(self, exchange: str, routing_key: str, body: bytes, message_id: str,
                   headers: dict[str, Any] | None, content_type: str,
                   confirmation: Confirmation | FutureConfirmation) -> None:
        """Queue the message for the I/O thread, waking it unless a drain is already due."""
        if not self.ready:
            confirmation.settle(BrokerUnavailable(self._unready_reason()))
            return
        properties = pika.BasicProperties(delivery_mode=2, message_id=message_id, headers=headers or None,
                                          content_type=content_type, timestamp=int(time.time()))
        with self._lock:
            self._outbox.append(Outgoing(exchange, routing_key, body, properties, confirmation))
            schedule = not self._drain_scheduled
            self._drain_scheduled = True
        if schedule:
            self._call_in_io_thread(self._drain)

    def close(self, timeout: float = 5.0) -> None:
        """Close the connection and stop the I/O thread; unconfirmed publishes fail."""
        self._closing = True
        self._call_in_io_thread(self._close_connection)
        if self._thread is not None:
            self._thread.join(timeout)

    # ---- I/O thread --------------------------------------------------------------------------
    def _call_in_io_thread(self, callback: Callable[[], None]) -> None:
        connection = self._connection
        if connection is None:
            self._fail_outbox(BrokerUnavailable(self._unready_reason()))
            return
        try:
            connection.ioloop.add_callback_threadsafe(callback)
        except Exception:  # the ioloop is closing: the connection is gone
            self._fail_outbox(BrokerUnavailable("the broker connection is closing"))

    def _run(self) -> None:
        delay = 0.2
        while not self._closing:
            started = time.monotonic()
            self._connection = SelectConnection(self._params, on_open_callback=self._on_open,
                                                on_open_error_callback=self._on_open_error,
                                                on_close_callback=self._on_closed)
            self._connection.ioloop.start()
            if self._closing:
                break
            delay = 0.2 if time.monotonic() - started > 30 else min(delay * 2, self._max_reconnect_delay)
            time.sleep(delay)
        self._connection = None

    def _on_open(self, connection: SelectConnection) -> None:
        connection.add_on_connection_blocked_callback(lambda *_: self._set_blocked(True))
        connection.add_on_connection_unblocked_callback(lambda *_: self._set_blocked(False))
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_open_error(self, connection: SelectConnection, error: BaseException) -> None:
        log.warning("broker connection failed: %s", error)
        connection.ioloop.stop()

    def _on_closed(self, connection: SelectConnection, reason: BaseException) -> None:
        was_ready = self._ready.is_set()
        self._ready.clear()
        self._channel = None
        self._fail_pending(BrokerUnavailable(f"the broker connection was lost: {reason}"))
        if was_ready and not self._closing:
            log.warning("broker connection lost (%s); reconnecting", reason)
        connection.ioloop.stop()

    def _on_channel_open(self, channel: Any) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=lambda _frame: self._declare_then_ready(channel))

    def _declare_then_ready(self, channel: Any) -> None:
        steps = _declaration_steps(channel, self._layout) if self._layout else []

        def next_step(_frame: Any = None) -> None:
            if steps:
                steps.pop(0)(next_step)
            else:
                self._next_tag = 1
                self._ready.set()
                log.info("broker connection ready (%s)", self._params.host)
        next_step()

    def _on_channel_closed(self, channel: Any, reason: BaseException) -> None:
        was_ready = self._ready.is_set()
        self._ready.clear()
        self._fail_pending(BrokerUnavailable(f"the broker closed the channel: {reason}"))
        connection = self._connection
        if connection is None or not connection.is_open or self._closing:
            return
        if was_ready:
            log.error("publisher channel closed by the broker (%s); reopening", reason)
            connection.channel(on_open_callback=self._on_channel_open)
        else:  # the broker refused the layout: reconnect with backoff instead of retrying in a tight loop
            log.error("the broker refused the declared layout (%s); retrying with backoff", reason)
            connection.close()

    def _drain(self) -> None:
        with self._lock:
            batch = list(self._outbox)
            self._outbox.clear()
            self._drain_scheduled = False
        for outgoing in batch:
            self._send(outgoing)

    def _send(self, outgoing: Outgoing) -> None:
        if outgoing.confirmation.done():
            return
        if self._channel is None or not self._ready.is_set():
            outgoing.confirmation.settle(BrokerUnavailable(self._unready_reason()))
            return
        tag = self._next_tag
        self._next_tag += 1
        self._pending[tag] = outgoing
        self._channel.basic_publish(outgoing.exchange, outgoing.routing_key, outgoing.body,
                                    outgoing.properties, mandatory=True)

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        self._returned.append((method.routing_key, properties.message_id))

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        if not method.multiple:
            outgoing = self._pending.pop(method.delivery_tag, None)
            if outgoing is not None:
                self._settle(outgoing, acked)
            return
        pending = self._pending  # in tag order: tags only grow until a reconnect empties the map
        while pending:
            tag = next(iter(pending))
            if tag > method.delivery_tag:
                break
            self._settle(pending.pop(tag), acked)

    def _settle(self, outgoing: Outgoing, acked: bool) -> None:
        ident = (outgoing.routing_key, outgoing.properties.message_id)
        if ident in self._returned:
            self._returned.remove(ident)
            error: BrokerUnavailable | None = MessageUnroutable(
                f"no queue is bound for routing key {outgoing.routing_key!r} on exchange {outgoing.exchange!r}")
        elif not acked:
            error = BrokerUnavailable("the broker refused the message (nack)")
        else:
            error = None
        outgoing.confirmation.settle(error)

    def _set_blocked(self, blocked: bool) -> None:
        self._blocked = blocked
        log.warning("broker %s publishing (resource alarm)", "blocked" if blocked else "unblocked")

    def _fail_pending(self, error: BrokerUnavailable) -> None:
        pending, self._pending = self._pending, {}
        self._returned.clear()
        for outgoing in pending.values():
            outgoing.confirmation.settle(error)
        self._fail_outbox(error)

    def _fail_outbox(self, error: BrokerUnavailable) -> None:
        with self._lock:
            batch = list(self._outbox)
            self._outbox.clear()
            self._drain_scheduled = False
        for outgoing in batch:
            outgoing.confirmation.settle(error)

    def _close_connection(self) -> None:
        if self._connection is not None and not (self._connection.is_closed or self._connection.is_closing):
            self._connection.close()
        elif self._connection is not None:
            self._connection.ioloop.stop()

    def _unready_reason(self) -> str:
        if self._blocked:
            return "the broker is blocking publishers (resource alarm)"
        return "the broker is not connected"


def _declaration_steps(channel: Any, layout: Topology) -> list[Callable[[Callable[..., None]], None]]:
    """The layout as a chain of asynchronous declarations, each taking its completion callback."""
    steps: list[Callable[[Callable[..., None]], None]] = []
    for exchange in layout.exchanges:
        steps.append(lambda done, e=exchange: channel.exchange_declare(e.name, e.type, durable=True, callback=done))
    for queue in layout.queues:
        steps.append(lambda done, q=queue: channel.queue_declare(q.name, durable=True, arguments=q.arguments,
                                                                  callback=done))
    for binding in layout.bindings:
        steps.append(lambda done, b=binding: channel.queue_bind(b.queue, b.exchange, b.routing_key,
                                                                 arguments=b.arguments, callback=done))
    return steps
