"""Confirmations: how a publishing thread waits for the broker's answer to its one message.

The publisher's I/O thread settles each confirmation exactly once (ack, nack, return, lost connection);
the publishing thread waits on it. ``Confirmation`` is a bare lock, cheaper than a ``Future`` on the
receiver's request path; ``FutureConfirmation`` serves callers that publish many messages and wait later.
``Ledger`` is the I/O thread's record of the messages sent on the current channel and not yet confirmed.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import threading
import time
from typing import Any

from core.errors import BrokerUnavailable, MessageUnroutable


class Confirmation:
    """The broker's answer to one message, waited for by the publishing thread (a lock: cheaper than a Future).

    Exactly one owner settles it: whoever takes the message out of the outbox or the pending map.
    """

    __slots__ = ("_lock", "error", "_settled")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self.error: BrokerUnavailable | None = None
        self._settled = False

    def done(self) -> bool:
        return self._settled

    def settle(self, error: BrokerUnavailable | None) -> None:
        if not self._settled:
            self._settled = True
            self.error = error
            self._lock.release()

    def wait(self, timeout: float) -> bool:
        """True once settled, False after ``timeout`` seconds."""
        return self._lock.acquire(timeout=max(0.0, timeout))


class FutureConfirmation:
    """The broker's answer as a ``concurrent.futures.Future`` (``publish_async``)."""

    __slots__ = ("future",)

    def __init__(self) -> None:
        self.future: concurrent.futures.Future[None] = concurrent.futures.Future()

    def done(self) -> bool:
        return self.future.done()

    def settle(self, error: BrokerUnavailable | None) -> None:
        if self.future.done():
            return
        if error is None:
            self.future.set_result(None)
        else:
            self.future.set_exception(error)


@dataclasses.dataclass
class Outgoing:
    """A message on its way to the broker, with the confirmation its publisher waits on."""

    exchange: str
    routing_key: str
    body: bytes
    properties: Any  # pika.BasicProperties
    confirmation: Confirmation | FutureConfirmation


class Ledger:
    """Messages sent on the channel and awaiting their confirm, by delivery tag (I/O thread only).

    ``waiting_since`` (read by any thread) is when the last confirm came back, or when the first of the
    outstanding messages was sent if none was outstanding before; None while nothing awaits a confirm.
    """

    def __init__(self) -> None:
        self._pending: dict[int, Outgoing] = {}
        self._returned: list[tuple[str, str | None]] = []
        self._next_tag = 1
        self.waiting_since: float | None = None

    def new_channel(self) -> None:
        """Delivery tags start again at 1 on a channel just put in confirm mode."""
        self._next_tag = 1

    def sent(self, outgoing: Outgoing) -> None:
        if not self._pending:
            self.waiting_since = time.monotonic()
        self._pending[self._next_tag] = outgoing
        self._next_tag += 1

    def returned(self, routing_key: str, message_id: str | None) -> None:
        """The broker returned this message (mandatory, unroutable); its confirm follows."""
        self._returned.append((routing_key, message_id))

    def confirmed(self, delivery_tag: int, multiple: bool, acked: bool) -> None:
        """Settle the message(s) an ack or nack covers."""
        self.waiting_since = time.monotonic()
        if not multiple:
            outgoing = self._pending.pop(delivery_tag, None)
            if outgoing is not None:
                self._settle(outgoing, acked)
        else:
            pending = self._pending  # in tag order: tags only grow until a reconnect empties the map
            while pending and next(iter(pending)) <= delivery_tag:
                self._settle(pending.pop(next(iter(pending))), acked)
        if not self._pending:
            self.waiting_since = None

    def fail_all(self, error: BrokerUnavailable) -> None:
        """The channel is gone: every message still awaiting its confirm fails with ``error``."""
        pending, self._pending = self._pending, {}
        self.waiting_since = None
        self._returned.clear()
        for outgoing in pending.values():
            outgoing.confirmation.settle(error)

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
