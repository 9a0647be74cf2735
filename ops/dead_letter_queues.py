"""Reading, replaying and purging dead letters on the broker without losing one (an adapter: imports pika).

Reading is a consumer with manual acks. Every message read stays unacknowledged until the pass decides:
a replayed one is acked only after its copy was confirmed by the broker, a purged one only when the
operator said ``--yes``, and every other one is released (``basic_nack(requeue=True)``, all at once at the
end of the pass, in the order read, so the queue keeps its order). A pass reads at most the depth the queue
had when it started, so it never loops over messages it released or over dead letters that arrive during it
(a replayed message that fails again lands behind that depth). Should the process die, the broker returns
every unacknowledged message to the queue: an interrupted replay loses nothing, at worst a record is
processed twice, which is harmless.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pika
import pika.exceptions

from broker.amqp import connection_parameters
from broker.topology import DEFAULT_EXCHANGE, dead_queue
from core import parsing
from core.errors import BrokerUnavailable, broker_unreachable
from ops.dead_letters import DeadLetter, Selection, read, replay_copy

log = logging.getLogger(__name__)

REPLAY_BATCH = 200  # copies published before their confirms are awaited together
CONFIRM_TIMEOUT = 30.0
MAX_PREFETCH = 65535  # AMQP's largest prefetch count; deeper queues are read with no limit
IDLE_SWITCH = 1.0  # seconds without a delivery after which the rest is read with basic_get
RETURN_WAIT = 10.0  # longest wait for released messages to show in their queue again


class Publishing(Protocol):
    """What a replay needs of ``broker.publisher.Publisher``."""

    def publish_async(self, exchange: str, routing_key: str, body: bytes, *, message_id: str,
                      headers: dict[str, Any] | None = None) -> Any: ...


class DlqError(RuntimeError):
    """The broker could not be reached or refused the operation; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class Held:
    """A dead letter read and not yet acknowledged: ``tag`` settles it."""

    tag: int
    letter: DeadLetter


@dataclasses.dataclass
class ReplayResult:
    """What a replay did: copies confirmed (and dead letters removed), and what it left in place and why."""

    selected: list[DeadLetter] = dataclasses.field(default_factory=list)
    replayed: int = 0
    unreplayable: list[DeadLetter] = dataclasses.field(default_factory=list)
    interrupted_by: str | None = None

    @property
    def not_replayed(self) -> int:
        return len(self.selected) - self.replayed


class DeadLetterQueues:
    """One blocking connection to the broker for browsing and settling ``magento.<entity>.dead`` queues."""

    def __init__(self, url: str, *, name: str = "bridgectl-dlq") -> None:
        try:
            self._connection = pika.BlockingConnection(connection_parameters(url, name=name))
            self._channel = self._connection.channel()
        except pika.exceptions.AMQPError as error:
            raise DlqError(broker_unreachable(url, error)) from None
        self._held: dict[int, str] = {}  # delivery tag -> queue, for every message read and not yet settled

    def __enter__(self) -> DeadLetterQueues:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection; the broker returns every message still unacknowledged to its queue."""
        try:
            if self._connection.is_open:
                self._connection.close()
        except pika.exceptions.AMQPError as error:
            log.debug("closing the dead-letter connection: %s", error)

    def depth(self, entity: str) -> int:
        """Messages ready in ``entity``'s dead-letter queue now."""
        try:
            return self._channel.queue_declare(dead_queue(entity), passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker as error:
            self._channel = self._connection.channel()
            self._held.clear()  # the broker returned them when it closed the channel
            raise DlqError(f"queue {dead_queue(entity)} is missing ({error.reply_text}): "
                           "declare the topology first (bridgectl topology)") from None

    def browse(self, entity: str) -> Iterator[Held]:
        """Every dead letter of ``entity`` present at the start, each left unacknowledged for the caller.

        A consumer whose prefetch covers the queue streams them (``basic_get`` costs a round trip each);
        past AMQP's largest prefetch, or should deliveries stall, ``basic_get`` takes the rest.
        """
        wanted = self.depth(entity)
        taken = 0
        for held in self._consume(entity, min(wanted, MAX_PREFETCH)):
            taken += 1
            yield held
        while taken < wanted:
            method, properties, body = self._channel.basic_get(dead_queue(entity), auto_ack=False)
            if method is None:  # someone else took the rest meanwhile
                return
            taken += 1
            yield self._hold(entity, method, properties, body)

    def _consume(self, entity: str, count: int) -> Iterator[Held]:
        if count == 0:
            return
        self._channel.basic_qos(prefetch_count=count)
        taken = 0
        try:
            for method, properties, body in self._channel.consume(dead_queue(entity), inactivity_timeout=IDLE_SWITCH):
                if method is None:
                    return
                taken += 1
                yield self._hold(entity, method, properties, body)
                if taken >= count:
                    return
        finally:
            self._channel.cancel()  # deliveries beyond ``count`` go back to the queue

    def _hold(self, entity: str, method: Any, properties: Any, body: bytes) -> Held:
        self._held[method.delivery_tag] = dead_queue(entity)
        return Held(method.delivery_tag, read(entity, properties.message_id, properties.headers, body))

    def ack(self, tag: int) -> None:
        self._channel.basic_ack(tag)
        del self._held[tag]

    def release_all(self) -> None:
        """Put every unacknowledged message back, in the order it was read, and wait until the queues show them.

        A quorum queue takes the returns through its Raft log, so a command run right after this one could
        otherwise see the queue short of them for a moment.
        """
        if not self._held:
            return
        returning = collections.Counter(self._held.values())
        ready = {queue: self._ready(queue) for queue in returning}
        self._channel.basic_nack(0, multiple=True, requeue=True)
        self._held.clear()
        deadline = time.monotonic() + RETURN_WAIT
        for queue, count in returning.items():
            while self._ready(queue) < ready[queue] + count and time.monotonic() < deadline:
                self._connection.sleep(0.01)

    def _ready(self, queue: str) -> int:
        return self._channel.queue_declare(queue, passive=True).method.message_count


def list_letters(url: str, selection: Selection) -> list[DeadLetter]:
    """Every dead letter the selection picks, oldest first per entity; nothing is removed."""
    with DeadLetterQueues(url) as queues, _connection_lost("nothing was removed"):
        found: list[DeadLetter] = []
        for entity in selection.entities:
            found.extend(held.letter for held in queues.browse(entity) if selection.matches(held.letter))
            queues.release_all()
    return found


@contextlib.contextmanager
def _connection_lost(consequence: str) -> Iterator[None]:
    """A connection lost mid-way becomes a DlqError; the broker returns every unacknowledged message itself."""
    try:
        yield
    except pika.exceptions.AMQPError as error:
        raise DlqError(f"the connection to the broker was lost ({error!r}); {consequence}") from None


def purge(url: str, selection: Selection, *, confirmed: bool,
          announce: Callable[[list[DeadLetter]], None]) -> list[DeadLetter]:
    """Show (``announce``) the dead letters the selection picks, then remove exactly those when ``confirmed``."""
    with DeadLetterQueues(url) as queues, _connection_lost("see what is left with bridgectl dlq list"):
        chosen: list[Held] = []
        for entity in selection.entities:
            chosen.extend(held for held in queues.browse(entity) if selection.matches(held.letter))
        announce([held.letter for held in chosen])
        if confirmed:
            for held in chosen:
                queues.ack(held.tag)
            log.warning("purged %d dead letters", len(chosen))
        queues.release_all()
    return [held.letter for held in chosen]


def replay(url: str, selection: Selection, publisher: Publishing, *, dry_run: bool = False,
           now: Callable[[], dt.datetime] = parsing.utc_now,
           on_progress: Callable[[int], object] = lambda _done: None,
           confirm_timeout: float = CONFIRM_TIMEOUT) -> ReplayResult:
    """Send the chosen dead letters back to their entity queues; each is removed once its copy is confirmed.

    A broker failure stops the replay: what was confirmed is removed, everything else stays dead
    (``interrupted_by`` says why). ``on_progress`` gets the number of copies confirmed by each batch.
    """
    result = ReplayResult()
    with DeadLetterQueues(url) as queues:
        try:
            for entity in selection.entities:
                batch: list[Held] = []
                for held in queues.browse(entity):
                    if not _take(held, selection, result) or dry_run:
                        continue
                    batch.append(held)
                    if len(batch) >= REPLAY_BATCH:
                        _replay_batch(queues, batch, publisher, now(), result, on_progress, confirm_timeout)
                        batch = []
                _replay_batch(queues, batch, publisher, now(), result, on_progress, confirm_timeout)
        except BrokerUnavailable as error:
            result.interrupted_by = error.message
        except pika.exceptions.AMQPError as error:  # the broker returns what was not acked
            result.interrupted_by = f"the connection to the broker was lost ({error!r})"
        if result.interrupted_by:
            log.error("replay interrupted after %d copies: %s", result.replayed, result.interrupted_by)
        with contextlib.suppress(pika.exceptions.AMQPError):
            queues.release_all()
    if result.replayed:
        log.info("replayed %d dead letters", result.replayed)
    return result


def _take(held: Held, selection: Selection, result: ReplayResult) -> bool:
    """Whether the replay sends this dead letter (chosen and replayable); notes it in ``result``."""
    if not selection.matches(held.letter):
        return False
    result.selected.append(held.letter)
    if not held.letter.replayable:
        result.unreplayable.append(held.letter)
        return False
    return True


def _replay_batch(queues: DeadLetterQueues, batch: list[Held], publisher: Publishing, now: dt.datetime,
                  result: ReplayResult, on_progress: Callable[[int], object], timeout: float) -> None:
    """Publish the batch's copies together, then ack each dead letter whose copy was confirmed, in order.

    A copy that cannot be handed over stops the batch, but the copies handed over before it are still
    awaited and their dead letters acked, so what reached the entity queue is not left dead as well.
    """
    futures, refused = [], None
    for held in batch:
        routing_key, body, headers = replay_copy(held.letter, now)
        try:
            futures.append(publisher.publish_async(DEFAULT_EXCHANGE, routing_key, body, message_id=held.letter.id,
                                                   headers=headers))
        except BrokerUnavailable as error:
            refused = error
            break
    confirmed = 0
    try:
        for held, future in zip(batch, futures):
            _wait(future, timeout, held.letter.id)
            queues.ack(held.tag)
            confirmed += 1
    finally:
        result.replayed += confirmed
        if confirmed:
            on_progress(confirmed)
    if refused is not None:
        raise refused


def _wait(future: Any, timeout: float, message_id: str) -> None:
    try:
        future.result(timeout)
    except concurrent.futures.TimeoutError:
        raise BrokerUnavailable(f"the broker did not confirm the replay of {message_id} within {timeout:g} s") from None
