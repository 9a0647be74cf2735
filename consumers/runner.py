"""The consumer engine: pika consuming on one thread, handlers in a worker pool (an adapter: imports pika).

The calling thread owns the consuming connection (``consumers.connection``) and runs its I/O loop
(``process_data_events``) without ever blocking on work, so heartbeats flow while handlers make long HTTP
calls. Deliveries are grouped by record in a ``Dispatcher``; a worker thread runs ``handler(notifications)``
for one record's group, then publishes retry or dead-letter copies through a confirm-waiting ``Publisher``
(its own connection; that half is ``consumers.worker``) and hands the acks back to the I/O thread, which
sends them (``consumers.settling``). A delivery is acked only after its handler returned, or after its
retry/dead copy was confirmed, and, when the reporter stores later (``when_stored``), after its report is
stored; when the copy cannot be published it is requeued at once. See docs/consumers.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from broker.publisher import Publisher
from broker.topology import entity_queue
from consumers.connection import FATAL_CONNECT_ERRORS, RECONNECT_WAIT, ConsumerConnection
from consumers.dispatch import Dispatcher, Handler, Outcome, Reporter, no_report
from consumers.pause import CredentialsGate
from consumers.retry import BrokerRetryTiers
from consumers.settling import Settler
from consumers.worker import PUBLISH_RETRY, REQUEUE, Delivery, Settles, Worker
from core import parsing
from core.entities import STREAMS
from core.errors import MalformedMessage
from core.settings import Settings
from schemas.notification import Notification

__all__ = ["Outcome", "Reporter", "Handler", "Runner", "RunnerFailed", "no_report",
           "Delivery", "PUBLISH_RETRY"]

log = logging.getLogger(__name__)



class RunnerFailed(RuntimeError):
    """The consumer cannot go on (a channel error, refused credentials): the process should exit non-zero;
    ``refused``: the broker refused the credentials or vhost of ``AMQP_URL`` (a configuration error)."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class Runner:
    """Consumes ``entities``' queues until ``stop()``; ``run()`` returns after a graceful stop."""

    def __init__(self, settings: Settings, entities: Iterable[str], handler: Handler,
                 reporter: Reporter = no_report, *, name: str = "bridge-consumer",
                 publish_retry: dict[str, Any] | None = None, reconnect_wait: Any = RECONNECT_WAIT,
                 poll_interval: float = 0.2, clock: Any = parsing.utc_now,
                 probe: Callable[[], None] | None = None) -> None:
        self._entities = tuple(dict.fromkeys(entities))
        unknown = [entity for entity in self._entities if entity not in STREAMS]
        if not self._entities or unknown:
            raise ValueError(f"name entities to consume from {', '.join(STREAMS)} (got {list(entities)})")
        self._settings = settings
        self._handler = handler
        self._reporter = reporter
        self._name = name
        self._policy = BrokerRetryTiers.from_settings(settings)
        self._publish_retry = publish_retry or PUBLISH_RETRY
        self._poll_interval = poll_interval
        self._clock = clock
        self._lock = threading.Lock()  # guards the dispatcher, _stopping and _outstanding across threads
        self._dispatcher: Dispatcher[Delivery] = Dispatcher(settings.consumer_concurrency)
        self._link = ConsumerConnection(settings, self._entities, name, reconnect_wait)
        # Due acks held back above an unfinished delivery use prefetch credit: at most half the spare.
        self._settler = Settler(self._link, hold=max(0, settings.prefetch - settings.consumer_concurrency) // 2)
        # With a probe (the start-up check), the runner pauses while Magento or the ERP refuses the credentials.
        self._gate = CredentialsGate(probe, settings.pause_probe_seconds) if probe is not None else None
        self._paused = False
        self._stop_requested = False
        self._stopping = False
        self._outstanding = 0
        self._executor: ThreadPoolExecutor | None = None
        self._publisher: Publisher | None = None
        self._worker: Worker | None = None
        self.consuming = threading.Event()

    # ---- public ------------------------------------------------------------------------------
    def run(self) -> None:
        """Consume until ``stop()``: then requeue what waits, finish and settle what runs, close, return."""
        self._executor = ThreadPoolExecutor(self._settings.consumer_concurrency, thread_name_prefix="consumer")
        try:
            self._serve()
        except (pika.exceptions.AMQPChannelError, *FATAL_CONNECT_ERRORS) as error:
            refused = isinstance(error, FATAL_CONNECT_ERRORS)
            text = (f"the broker at {self._link.address} refused the user, password or vhost of AMQP_URL"
                    if refused else f"broker error: {error}")
            log.error("consumer stopping on a broker error it cannot recover from: %s", text)
            raise RunnerFailed(text, refused=refused) from error
        finally:
            with self._lock:
                self._stopping = True  # workers take no new group; in a failure, nothing more is acked
            self.consuming.clear()
            self._link.close()
            self._executor.shutdown(wait=True)
            if self._publisher is not None:
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
        return self._link.generation

    @property
    def counts(self) -> Counter[str]:
        """Results settled so far: ``ack``, ``requeue``, and ``stale`` (not acked: their channel was gone)."""
        return self._settler.counts

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
        if not self._link.connect(self._on_message, lambda: self._stop_requested, self._idle):
            return False
        if self._worker is None:  # the publisher starts once the broker answers: one "cannot reach" line, not two
            self._publisher = Publisher(self._settings.amqp_url, name=f"{self._name}-publisher").start()
            self._worker = Worker(self._handler, self._reporter, self._policy, self._publisher,
                                  self._publish_retry, self._clock, self._gate)
        self._stopping = False
        self._settler.new_channel()
        if self._paused:
            self._link.cancel_consumers()  # reconnected while paused: consume again only once resumed
            return True
        self.consuming.set()
        log.info("consuming %s (concurrency %d, prefetch %d)", ", ".join(map(entity_queue, self._entities)),
                 self._settings.consumer_concurrency, self._settings.prefetch)
        return True

    def _consume(self) -> None:
        while not (self._stopping and self._outstanding == 0):
            if self._stop_requested and not self._stopping:
                self._begin_stop()
            connection = self._link.connection
            assert connection is not None  # a lost connection raises out of this loop
            connection.process_data_events(time_limit=self._poll_interval)
            self._link.check_channel()
            self._watch_gate()
            self._settler.collect()
            self._settler.send_acks()
            self._dispatch()
        self._settler.collect()
        self._settler.send_acks(everything=True)
        self._link.close()

    def _begin_stop(self) -> None:
        log.info("stop requested: cancelling consumers")
        with self._lock:
            self._stopping = True
            waiting = self._dispatcher.take_waiting()
        self._link.cancel_consumers()
        for delivery in waiting:
            self._settler.settle(delivery, REQUEUE)
        log.info("stopping: requeued %d waiting messages, finishing %d records in flight",
                 len(waiting), self._dispatcher.in_flight)

    def _watch_gate(self) -> None:
        """Stop consuming when the credentials gate closed, probe while it is, consume again once it opens."""
        gate = self._gate
        if gate is None or self._stopping:
            return
        if gate.paused and not self._paused:
            self._paused = True
            self.consuming.clear()
            with self._lock:
                waiting = self._dispatcher.take_waiting()
            self._link.cancel_consumers()
            for delivery in waiting:
                self._settler.settle(delivery, REQUEUE)
        elif self._paused and not gate.paused:
            self._paused = False
            self._link.consume(self._on_message)
            self.consuming.set()
        elif self._paused and gate.probe_due():
            assert self._executor is not None  # run() made it
            self._executor.submit(gate.probe_again)

    @property
    def paused(self) -> bool:
        """Whether consuming is paused because Magento or the ERP refuses the credentials."""
        return self._paused

    def _lost(self, error: BaseException) -> None:
        with self._lock:
            dropped = self._dispatcher.take_waiting()
        self.consuming.clear()
        self._link.forget()
        log.warning("broker connection lost (%s): %d waiting and %d in-flight records will be redelivered "
                    "by the broker; reconnecting", str(error) or type(error).__name__, len(dropped),
                    self._dispatcher.in_flight)

    def _idle(self, seconds: float) -> None:
        """Wait ``seconds`` while disconnected, still collecting finished work (nothing to ack)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0 and not self._stop_requested:
            self._settler.collect_next(min(remaining, self._poll_interval))

    def _wait_outstanding(self) -> None:
        """Wait, disconnected, for the workers to finish (their messages are redelivered, not acked)."""
        while self._outstanding:
            self._settler.collect_next(self._poll_interval)
        self._settler.collect()

    # ---- deliveries and results (I/O thread) --------------------------------------------------
    def _on_message(self, channel: BlockingChannel, method: Any, properties: Any, body: bytes) -> None:
        entity = self._link.entity_of(method.consumer_tag)
        self._settler.received(method.delivery_tag)
        if self._stopping:
            self._settler.turn_away(channel, method.delivery_tag)
            return
        try:
            notification, problem = Notification.from_body(body), None
        except MalformedMessage as error:
            notification, problem = None, error
        delivery = Delivery(self._link.generation, method.delivery_tag, entity, properties.message_id,
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
        assert self._executor is not None  # run() made it
        self._executor.submit(self._work, record, deliveries, problem)

    # ---- work (worker threads) ----------------------------------------------------------------
    def _work(self, record: Hashable | None, deliveries: list[Delivery], problem: Exception | None) -> None:
        """Handle one group, hand its acks to the I/O thread, then take the next group while there is one."""
        assert self._worker is not None  # _connect() made it before the first delivery
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
            self._settler.post(settles)
            with self._lock:
                self._outstanding -= 1
            self._settler.wake()

        when_stored = getattr(self._reporter, "when_stored", None)
        if when_stored is None:
            self._settler.post(settles)
            self._settler.wake()
            return
        with self._lock:
            self._outstanding += 1
        try:
            when_stored(deliver)
        except Exception:  # a reporter bug must not keep the acks (and a stop) waiting for ever
            log.exception("the reporter's when_stored failed; settling the group's messages now")
            deliver()
