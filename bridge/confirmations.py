"""Confirmations: how a publishing thread waits for the broker's answer to its one message.

The publisher's I/O thread settles each confirmation exactly once (ack, nack, return, lost connection);
the publishing thread waits on it. ``Confirmation`` is a bare lock, cheaper than a ``Future`` on the
receiver's request path; ``FutureConfirmation`` serves callers that publish many messages and wait later.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import threading
from typing import Any

from core.errors import BrokerUnavailable


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
        self.future: concurrent.futures.Future = concurrent.futures.Future()

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
