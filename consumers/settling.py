"""Settling finished deliveries: workers' results carried back to the I/O thread and acked or requeued there.

Worker threads ``post`` a group's settles (``(delivery, ACK | REQUEUE)`` pairs) and ``wake`` the I/O thread
(``add_callback_threadsafe``, once for however many results arrive before it looks). The I/O thread
``collect``s them: a requeue is nacked at once, an ack is only recorded, and ``send_acks`` sends, once per
loop, one ``multiple=True`` ack for every finished delivery below the oldest unfinished one (``AckLedger``).
A result whose channel died with a lost connection is never acked on the new one (it is counted ``stale``):
the broker redelivers that message. Only the consuming connection's channel is used, never a worker's.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections import Counter
from typing import TYPE_CHECKING

from consumers.dispatch import AckLedger
from consumers.worker import ACK, Delivery, Settles

if TYPE_CHECKING:
    from pika.adapters.blocking_connection import BlockingChannel

    from consumers.connection import ConsumerConnection

log = logging.getLogger(__name__)


class Settler:
    """Acks and requeues finished deliveries on the channel that delivered them; ``counts`` counts each kind.

    ``hold`` is how many due acks may wait above an unfinished delivery before they go out one by one.
    """

    def __init__(self, link: ConsumerConnection, hold: int) -> None:
        self.counts: Counter[str] = Counter()  # ack, requeue, and stale (not settled: the channel was gone)
        self._link = link
        self._hold = hold
        self._acks = AckLedger(0)
        self._completions: queue.SimpleQueue[Settles] = queue.SimpleQueue()
        self._wake_pending = False  # a wake-up is on its way to the I/O thread: results need not send another

    # ---- I/O thread ---------------------------------------------------------------------------
    def new_channel(self) -> None:
        """Start the ack bookkeeping afresh for the channel just opened (its delivery tags start again)."""
        self._acks = AckLedger(hold=self._hold)

    def received(self, tag: int) -> None:
        """Note a delivery the channel just delivered (tags arrive in increasing order)."""
        self._acks.received(tag)

    def turn_away(self, channel: BlockingChannel, tag: int) -> None:
        """Requeue at once a delivery that arrived while stopping (not counted)."""
        channel.basic_nack(tag, requeue=True)
        self._acks.settled(tag)

    def settle(self, delivery: Delivery, action: str) -> None:
        """Requeue ``delivery`` now, or record that its ack is due (``send_acks`` sends it); stale ones stay."""
        channel = self._link.channel
        if delivery.generation != self._link.generation or channel is None or not channel.is_open:
            self.counts["stale"] += 1
            log.debug("message %s is not %sed: its channel is gone, the broker redelivers it",
                      delivery.message_id, action)
            return
        if action == ACK:
            self._acks.finished(delivery.tag, time.monotonic())  # sent by send_acks, with others
            return
        channel.basic_nack(delivery.tag, requeue=True)
        self._acks.settled(delivery.tag)
        self.counts[action] += 1

    def collect(self) -> None:
        """Settle every result the workers posted so far."""
        self._wake_pending = False  # before draining: a result posted from now on sends its own wake-up
        while True:
            try:
                settles = self._completions.get_nowait()
            except queue.Empty:
                return
            self._settle_all(settles)

    def collect_next(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for one group's results and settle them."""
        with contextlib.suppress(queue.Empty):
            self._settle_all(self._completions.get(timeout=timeout))

    def send_acks(self, everything: bool = False) -> None:
        """Send the acks that are due: one ``multiple=True`` ack for the finished front, others when held too long."""
        channel = self._link.channel
        if channel is None or not channel.is_open:
            return  # the broker redelivers what was not acked
        acks = self._acks.take(time.monotonic(), everything)
        if acks.multiple is not None:
            channel.basic_ack(acks.multiple, multiple=True)
        for tag in acks.singles:
            channel.basic_ack(tag)
        self.counts[ACK] += acks.count

    def _settle_all(self, settles: Settles) -> None:
        for delivery, action in settles:
            self.settle(delivery, action)

    # ---- any thread ---------------------------------------------------------------------------
    def post(self, settles: Settles) -> None:
        """Hand a group's settles to the I/O thread (``wake`` it then)."""
        self._completions.put(settles)

    def wake(self) -> None:
        """Wake the I/O thread to collect results, unless a wake-up is on its way already."""
        if self._wake_pending:
            return
        self._wake_pending = True
        connection = self._link.connection
        if connection is not None:
            try:
                connection.add_callback_threadsafe(_nothing)
            except Exception:  # closed meanwhile: the I/O thread collects results by itself
                pass


def _nothing() -> None:
    """Wakes the I/O loop; the loop itself collects finished work."""
