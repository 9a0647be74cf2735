"""The consumer engine: pika consuming on one thread, handlers in a worker pool (an adapter: imports pika).

The calling thread owns one ``BlockingConnection`` and runs its I/O loop (``process_data_events``) without
ever blocking on work, so heartbeats flow while handlers make long HTTP calls. Deliveries are grouped by
record in a ``Dispatcher``; a worker thread runs ``handler(notifications)`` for one record's group, then
publishes retry or dead-letter copies through a confirm-waiting ``Publisher`` (its own connection; that
half is ``consumers.worker``) and hands the acks back to the I/O thread (a queue plus
``add_callback_threadsafe`` to wake it, once for however many results arrive meanwhile). A delivery is
acked only after its handler returned, or after its retry/dead copy was confirmed, and, when the reporter
stores later (``when_stored``), after its report is stored; when the copy cannot be published it is
requeued at once. Acks go out once per loop, one ``multiple=True`` ack for every finished delivery below
the oldest unfinished one (``AckLedger``). Results whose channel died with a lost connection are never
acked on the new one: the broker redelivers those messages. See docs/consumers.md.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pika
import pika.exceptions
import tenacity

from bridge.amqp import connection_parameters, declare
from bridge.publisher import Publisher
from consumers.dispatch import AckLedger, Dispatcher, Handler, Outcome, Reporter, no_report
from consumers.retry import RetryPolicy
from consumers.worker import ACK, PUBLISH_RETRY, REQUEUE, Delivery, Settles, Worker
from core import parsing
from core.errors import MalformedMessage
from core.notification import ENTITIES, Notification
from core.settings import Settings
from core.topology import entity_queue, topology

__all__ = ["Outcome", "Reporter", "Handler", "Runner", "RunnerFailed", "install_signal_handlers", "no_report",
           "Delivery", "PUBLISH_RETRY"]

log = logging.getLogger(__name__)

FATAL_CONNECT_ERRORS = (pika.exceptions.ProbableAuthenticationError, pika.exceptions.ProbableAccessDeniedError,
                        pika.exceptions.AuthenticationError)
EXIT_FORCED = 1

# How the I/O thread waits between attempts to (re)connect; jitter spreads many consumers apart.
RECONNECT_WAIT = tenacity.wait_exponential_jitter(multiplier=0.5, max=30, jitter=0.5)


class RunnerFailed(RuntimeError):
    """The consumer cannot go on (a channel error, refused credentials): the process should exit non-zero."""


class Runner:
    """Consumes ``entities``' queues until ``stop()``; ``run()`` returns after a graceful stop."""

    def __init__(self, settings: Settings, entities: Iterable[str], handler: Handler,
                 reporter: Reporter = no_report, *, name: str = "bridge-consumer",
                 publish_retry: dict[str, Any] | None = None, reconnect_wait: Any = RECONNECT_WAIT,
                 poll_interval: float = 0.2, clock: Any = parsing.utc_now) -> None:
        self._entities = tuple(dict.fromkeys(entities))
        unknown = [entity for entity in self._entities if entity not in ENTITIES]
        if not self._entities or unknown:
            raise ValueError(f"name entities to consume from {', '.join(ENTITIES)} (got {list(entities)})")
        self._settings = settings
        self._handler = handler
        self._reporter = reporter
        self._name = name
        self._policy = RetryPolicy.from_settings(settings)
        self._publish_retry = publish_retry or PUBLISH_RETRY
        self._reconnect_wait = reconnect_wait
        self._poll_interval = poll_interval
        self._clock = clock
        self._lock = threading.Lock()  # guards the dispatcher, _stopping and _outstanding across threads
        self._dispatcher: Dispatcher[Delivery] = Dispatcher(settings.consumer_concurrency)
        self._completions: queue.SimpleQueue[Settles] = queue.SimpleQueue()
        self._wake_pending = False  # a wake-up is on its way to the I/O thread: results need not send another
        self._acks = AckLedger(0)
        self._stop_requested = False
        self._stopping = False
        self._fatal: str | None = None
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None
        self._entity_by_tag: dict[str, str] = {}
        self._generation = 0
        self._outstanding = 0
        self._executor: ThreadPoolExecutor | None = None
        self._publisher: Publisher | None = None
        self._worker: Worker | None = None
        self.consuming = threading.Event()
        self.counts: Counter[str] = Counter()

    # ---- public ------------------------------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop()``: then requeue what waits, finish and settle what runs, close, return."""
        self._executor = ThreadPoolExecutor(self._settings.consumer_concurrency, thread_name_prefix="consumer")
        self._publisher = Publisher(self._settings.amqp_url, name=f"{self._name}-publisher").start()
        self._worker = Worker(self._handler, self._reporter, self._policy, self._publisher, self._publish_retry,
                              self._clock)
        try:
            self._serve()
        except (pika.exceptions.AMQPChannelError, *FATAL_CONNECT_ERRORS) as error:
            log.error("consumer stopping on a broker error it cannot recover from: %s", error)
            raise RunnerFailed(f"broker error: {error}") from error
        finally:
            with self._lock:
                self._stopping = True  # workers take no new group; in a failure, nothing more is acked
            self.consuming.clear()
            self._close_connection()
            self._executor.shutdown(wait=True)
            self._publisher.close()
        log.info("consumer stopped (%s)", ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "idle")

    def stop(self) -> None:
        """Ask the runner to stop gracefully; safe from any thread and from a signal handler."""
        self._stop_requested = True

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    @property
    def connections(self) -> int:
        """How many times the consuming connection was opened (1 until a reconnect)."""
        return self._generation

    @property
    def waiting(self) -> int:
        """Deliveries received and not yet handed to a handler."""
        with self._lock:
            return self._dispatcher.waiting

    # ---- connection life (I/O thread) ---------------------------------------------------------
    def _serve(self) -> None:
        while True:
            if not self._connect():
                break
            try:
                self._consume()
                return
            except pika.exceptions.AMQPConnectionError as error:
                self._lost(error)
                if self._stop_requested:
                    break
        self._wait_outstanding()

    def _connect(self) -> bool:
        """Open the consuming connection, retrying transient failures; False when stopped meanwhile."""
        retrying = tenacity.Retrying(
            stop=lambda _state: self._stop_requested, wait=self._reconnect_wait,
            retry=tenacity.retry_if_exception(_is_transient), reraise=True, sleep=self._idle,
            before_sleep=lambda state: log.warning("cannot reach the broker (%s); retrying in %.1f s",
                                                   state.outcome.exception(), state.upcoming_sleep))
        try:
            retrying(self._open)
        except pika.exceptions.AMQPConnectionError as error:
            if _is_transient(error) and self._stop_requested:
                return False
            raise
        return True

    def _open(self) -> None:
        params = connection_parameters(self._settings.amqp_url, name=self._name)
        connection = pika.BlockingConnection(params)
        try:
            channel = connection.channel()
            declare(channel, topology(self._entities, self._settings.retry_delays))
            channel.basic_qos(prefetch_count=self._settings.prefetch)
            channel.add_on_cancel_callback(self._on_cancelled)
            self._generation += 1
            self._connection, self._channel, self._stopping = connection, channel, False
            # Due acks held back above an unfinished delivery use prefetch credit: at most half the spare.
            self._acks = AckLedger(hold=max(0, self._settings.prefetch - self._settings.consumer_concurrency) // 2)
            self._entity_by_tag = {f"{self._name}.{entity}.{uuid.uuid4().hex[:8]}": entity
                                   for entity in self._entities}
            for tag, entity in self._entity_by_tag.items():
                channel.basic_consume(entity_queue(entity), self._on_message, consumer_tag=tag)
        except BaseException:
            self._connection = self._channel = None
            _close_quietly(connection)
            raise
        self.consuming.set()
        log.info("consuming %s (concurrency %d, prefetch %d)", ", ".join(map(entity_queue, self._entities)),
                 self._settings.consumer_concurrency, self._settings.prefetch)

    def _consume(self) -> None:
        while not (self._stopping and self._outstanding == 0):
            if self._stop_requested and not self._stopping:
                self._begin_stop()
            self._connection.process_data_events(time_limit=self._poll_interval)
            self._check_channel()
            self._drain_completions()
            self._send_acks()
            self._dispatch()
        self._drain_completions()
        self._send_acks(everything=True)
        self._close_connection()

    def _check_channel(self) -> None:
        if self._fatal is not None:
            raise pika.exceptions.ConsumerCancelled(self._fatal)
        if self._channel.is_closed:
            reason = getattr(self._channel, "_closing_reason", None) or "the broker closed the channel"
            raise pika.exceptions.ChannelClosed(-1, str(reason))

    def _on_cancelled(self, frame: Any) -> None:
        tag = frame.method.consumer_tag
        queue_name = entity_queue(self._entity_by_tag.get(tag, "?"))
        self._fatal = f"the broker cancelled the consumer of {queue_name} (was the queue deleted?)"

    def _begin_stop(self) -> None:
        log.info("stop requested: cancelling consumers")
        with self._lock:
            self._stopping = True
            waiting = self._dispatcher.take_waiting()
        for tag in list(self._entity_by_tag):
            self._channel.basic_cancel(tag)
        for delivery in waiting:
            self._settle(delivery, REQUEUE)
        log.info("stopping: requeued %d waiting messages, finishing %d records in flight",
                 len(waiting), self._dispatcher.in_flight)

    def _lost(self, error: BaseException) -> None:
        with self._lock:
            dropped = self._dispatcher.take_waiting()
        self.consuming.clear()
        self._connection = self._channel = None
        self._entity_by_tag = {}
        log.warning("broker connection lost (%s): %d waiting and %d in-flight records will be redelivered "
                    "by the broker; reconnecting", str(error) or type(error).__name__, len(dropped),
                    self._dispatcher.in_flight)

    def _close_connection(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            _close_quietly(connection)

    def _idle(self, seconds: float) -> None:
        """Wait ``seconds`` while disconnected, still collecting finished work (nothing to ack)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0 and not self._stop_requested:
            try:
                self._take_completion(self._completions.get(timeout=min(remaining, self._poll_interval)))
            except queue.Empty:
                pass

    def _wait_outstanding(self) -> None:
        """Wait, disconnected, for the workers to finish (their messages are redelivered, not acked)."""
        while self._outstanding:
            with contextlib.suppress(queue.Empty):
                self._take_completion(self._completions.get(timeout=self._poll_interval))
        self._drain_completions()

    # ---- deliveries and results (I/O thread) --------------------------------------------------
    def _on_message(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        entity = self._entity_by_tag[method.consumer_tag]
        self._acks.received(method.delivery_tag)
        if self._stopping:
            channel.basic_nack(method.delivery_tag, requeue=True)
            self._acks.settled(method.delivery_tag)
            return
        try:
            notification, problem = Notification.from_body(body), None
        except MalformedMessage as error:
            notification, problem = None, error
        delivery = Delivery(self._generation, method.delivery_tag, entity, properties.message_id,
                            dict(properties.headers or {}), body, notification)
        if notification is None:
            self._submit(None, [delivery], problem)
        else:
            with self._lock:
                self._dispatcher.add(notification.record, delivery)

    def _dispatch(self) -> None:
        """Start a worker for each group that may start now (workers also take the next group themselves)."""
        while True:
            with self._lock:
                group = None if self._stopping else self._dispatcher.next_group()
            if group is None:
                return
            self._submit(*group)

    def _submit(self, record: Hashable | None, deliveries: list[Delivery], problem: Exception | None = None) -> None:
        with self._lock:
            self._outstanding += 1
        self._executor.submit(self._work, record, deliveries, problem)

    def _drain_completions(self) -> None:
        self._wake_pending = False  # before draining: a result queued from now on sends its own wake-up
        while True:
            try:
                completion = self._completions.get_nowait()
            except queue.Empty:
                return
            self._take_completion(completion)

    def _take_completion(self, settles: Settles) -> None:
        for delivery, action in settles:
            self._settle(delivery, action)

    def _settle(self, delivery: Delivery, action: str) -> None:
        if delivery.generation != self._generation or self._channel is None or not self._channel.is_open:
            self.counts["stale"] += 1
            log.debug("message %s is not %sed: its channel is gone, the broker redelivers it",
                      delivery.message_id, action)
            return
        if action == ACK:
            self._acks.finished(delivery.tag, time.monotonic())  # sent by _send_acks, with others
            return
        self._channel.basic_nack(delivery.tag, requeue=True)
        self._acks.settled(delivery.tag)
        self.counts[action] += 1

    def _send_acks(self, everything: bool = False) -> None:
        """Send the acks that are due: one ``multiple=True`` ack for the finished front, others when held too long."""
        if self._channel is None or not self._channel.is_open:
            return  # the broker redelivers what was not acked
        acks = self._acks.take(time.monotonic(), everything)
        if acks.multiple is not None:
            self._channel.basic_ack(acks.multiple, multiple=True)
        for tag in acks.singles:
            self._channel.basic_ack(tag)
        self.counts[ACK] += acks.count

    def _wake(self) -> None:
        """Wake the I/O thread to collect results, unless a wake-up is on its way already."""
        if self._wake_pending:
            return
        self._wake_pending = True
        connection = self._connection
        if connection is not None:
            try:
                connection.add_callback_threadsafe(_nothing)
            except Exception:  # closed meanwhile: the I/O thread collects results by itself
                pass

    # ---- work (worker threads) ----------------------------------------------------------------
    def _work(self, record: Hashable | None, deliveries: list[Delivery], problem: Exception | None) -> None:
        """Handle one group, hand its acks to the I/O thread, then take the next group while there is one."""
        while True:
            self._hand_over(self._worker.settle(record, deliveries, problem))
            with self._lock:
                if record is not None:
                    self._dispatcher.finish(record)
                group = None if self._stopping else self._dispatcher.next_group()
                if group is None:
                    self._outstanding -= 1
                    return
            (record, deliveries), problem = group, None

    def _hand_over(self, settles: Settles) -> None:
        """Give a group's settles to the I/O thread once the reporter has stored their reports.

        A reporter that stores later (``when_stored``, see ``consumers.dispatch.Reporter``) calls back from
        its own thread; until then the group counts as outstanding, so a stop waits for its acks.
        """
        once = threading.Lock()

        def deliver() -> None:
            if not once.acquire(blocking=False):
                return  # delivered already
            self._completions.put(settles)
            with self._lock:
                self._outstanding -= 1
            self._wake()

        when_stored = getattr(self._reporter, "when_stored", None)
        if when_stored is None:
            self._completions.put(settles)
            self._wake()
            return
        with self._lock:
            self._outstanding += 1
        try:
            when_stored(deliver)
        except Exception:  # a reporter bug must not keep the acks (and a stop) waiting for ever
            log.exception("the reporter's when_stored failed; settling the group's messages now")
            deliver()


def install_signal_handlers(runner: Runner) -> None:
    """SIGTERM/SIGINT stop ``runner`` gracefully; a second signal exits at once (the broker requeues)."""
    def on_signal(signum: int, _frame: Any) -> None:
        if runner.stop_requested:
            os.write(2, b"second stop signal: exiting now; unacked messages go back to their queues\n")
            os._exit(EXIT_FORCED)
        runner.stop()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def _is_transient(error: BaseException) -> bool:
    return isinstance(error, pika.exceptions.AMQPConnectionError) and not isinstance(error, FATAL_CONNECT_ERRORS)


def _close_quietly(connection: pika.BlockingConnection) -> None:
    try:
        if connection.is_open:
            connection.close()
    except Exception as error:  # already closing or lost: nothing left to release
        log.debug("closing the consumer connection: %s", error)


def _nothing() -> None:
    """Wakes the I/O loop; the loop itself collects finished work."""
