"""Durable publishing with pipelined publisher confirms, from any thread (an adapter module: it imports pika).

One ``Publisher`` owns one AMQP connection on its own I/O thread (open it after fork). ``publish`` may be
called from many threads at once: each call hands its message to the I/O thread and waits for the
broker's confirm of that message only, so concurrent publishes share round trips instead of queueing
behind each other. Messages are persistent and ``mandatory``; a return, a nack, a lost connection or no
confirm in time raise ``BrokerUnavailable`` (``MessageUnroutable`` for a return). The I/O thread
reconnects by itself, with backoff, after the connection is lost. A message pika cannot send (a field too
long for AMQP, say) fails that publish only, and an error in any callback is logged and survived: the I/O
thread never dies of one message. ``health()`` says whether the thread runs and whether confirms flow.
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
from pika.channel import Channel

from broker.amqp import connection_parameters, declaration_steps
from broker.confirmations import Confirmation, FutureConfirmation, Ledger, Outgoing
from broker.topology import Topology
from core.errors import BrokerUnavailable, network_cause

log = logging.getLogger(__name__)


class Publisher:
    """A thread-safe, self-reconnecting, confirm-pipelining publisher on one connection."""

    def __init__(self, url: str, *, name: str = "bridge-publisher", layout: Topology | None = None,
                 confirm_timeout: float = 5.0, max_reconnect_delay: float = 5.0) -> None:
        self._params = connection_parameters(url, name=name)
        self._unreachable = False
        self.connection_attempts = 0  # how many connections the I/O thread has tried to open (for health checks)
        self._layout = layout
        self._confirm_timeout = confirm_timeout
        self._max_reconnect_delay = max_reconnect_delay
        self._lock = threading.Lock()
        self._outbox: collections.deque[Outgoing] = collections.deque()
        self._drain_scheduled = False
        self._ledger = Ledger()
        self._connection: SelectConnection | None = None
        self._channel: Channel | None = None
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

    @property
    def running(self) -> bool:
        """Whether the I/O thread is alive (False before ``start`` and after it ended)."""
        return self._thread is not None and self._thread.is_alive()

    def health(self) -> str | None:
        """Why this publisher cannot publish now, or None when it can.

        Not healthy: the I/O thread is not running; the channel is not ready or the broker blocks
        publishers; or messages await their confirm and none came back for longer than the confirm
        timeout (a broker or network that stopped answering before the connection is declared lost).
        """
        if not self.running:
            return "the publisher's I/O thread is not running"
        if not self.ready:
            return self._unready_reason()
        since = self._ledger.waiting_since
        if since is not None and time.monotonic() - since > self._confirm_timeout:
            return f"no publisher confirm came back for more than {self._confirm_timeout:g} s"
        return None

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
                      content_type: str = "application/json") -> concurrent.futures.Future[None]:
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
            connection.ioloop.add_callback_threadsafe(_guarded(callback))
        except Exception:  # the ioloop is closing: the connection is gone
            self._fail_outbox(BrokerUnavailable("the broker connection is closing"))

    def _run(self) -> None:
        delay = 0.2
        while not self._closing:
            started = time.monotonic()
            self.connection_attempts += 1
            try:
                self._connection = SelectConnection(self._params, on_open_callback=_guarded(self._on_open),
                                                    on_open_error_callback=_guarded(self._on_open_error),
                                                    on_close_callback=_guarded(self._on_closed))
                self._connection.ioloop.start()
            except Exception:  # noqa: BLE001 - the I/O thread must outlive any error; the connection is dropped
                log.exception("publisher I/O loop failed; reconnecting")
                self._abandon_connection()
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
        if not self._unreachable:  # once per outage, not at every reconnect attempt
            self._unreachable = True
            log.warning("cannot reach the broker at %s:%s: %s; retrying", self._params.host, self._params.port,
                        network_cause(error))
        connection.ioloop.stop()

    def _on_closed(self, connection: SelectConnection, reason: BaseException) -> None:
        was_ready = self._ready.is_set()
        self._ready.clear()
        self._channel = None
        self._fail_pending(BrokerUnavailable(f"the broker connection was lost: {reason}"))
        if was_ready and not self._closing:
            log.warning("broker connection lost (%s); reconnecting", reason)
        connection.ioloop.stop()

    def _abandon_connection(self) -> None:
        """After a failed I/O loop: fail what waits and close the socket, so the loop can start afresh."""
        self._ready.clear()
        self._channel = None
        self._fail_pending(BrokerUnavailable("the publisher's connection failed; reconnecting"))
        connection = self._connection
        if connection is not None:
            try:
                if not (connection.is_closed or connection.is_closing):
                    connection.close()
            except Exception:  # noqa: BLE001 - best effort on a connection already in a bad state
                log.debug("closing the failed connection raised", exc_info=True)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(_guarded(self._on_channel_closed))
        channel.add_on_return_callback(_guarded(self._on_return))
        channel.confirm_delivery(_guarded(self._on_confirm),
                                 callback=_guarded(lambda _frame: self._declare_then_ready(channel)))

    def _declare_then_ready(self, channel: Channel) -> None:
        steps = declaration_steps(channel, self._layout) if self._layout else []

        def next_step(_frame: Any = None) -> None:
            if steps:
                steps.pop(0)(next_step)
            else:
                self._ledger.new_channel()
                self._ready.set()
                self._unreachable = False
                log.info("broker connection ready (%s)", self._params.host)
        next_step()

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
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
            try:
                self._send(outgoing)
            except Exception as exc:  # noqa: BLE001 - fail this message, keep sending the others
                log.exception("message %r could not be sent", outgoing.properties.message_id)
                outgoing.confirmation.settle(BrokerUnavailable(f"the message could not be published: {exc!r}"))

    def _send(self, outgoing: Outgoing) -> None:
        if outgoing.confirmation.done():
            return
        if self._channel is None or not self._ready.is_set():
            outgoing.confirmation.settle(BrokerUnavailable(self._unready_reason()))
            return
        try:
            self._channel.basic_publish(outgoing.exchange, outgoing.routing_key, outgoing.body,
                                        outgoing.properties, mandatory=True)
        except (pika.exceptions.AMQPError, ValueError, TypeError, UnicodeError) as exc:
            # pika refused to frame this one message (e.g. ShortStringTooLong): nothing reached the broker and
            # no delivery tag was used, so only this publish fails.
            log.error("message %r could not be published: %r", outgoing.properties.message_id, exc)
            outgoing.confirmation.settle(BrokerUnavailable(f"the message could not be published: {exc!r}"))
            return
        self._ledger.sent(outgoing)

    def _on_return(self, _channel: Channel, method: Any, properties: Any, _body: bytes) -> None:
        self._ledger.returned(method.routing_key, properties.message_id)

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        self._ledger.confirmed(method.delivery_tag, method.multiple, isinstance(method, pika.spec.Basic.Ack))

    def _set_blocked(self, blocked: bool) -> None:
        self._blocked = blocked
        log.warning("broker %s publishing (resource alarm)", "blocked" if blocked else "unblocked")

    def _fail_pending(self, error: BrokerUnavailable) -> None:
        self._ledger.fail_all(error)
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


def _guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """``callback`` run in the I/O thread with any exception logged instead of ending the thread's loop."""
    def run(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:  # noqa: BLE001 - one failing callback must not stop every later publish
            log.exception("publisher callback %s failed", getattr(callback, "__name__", callback))
    return run
