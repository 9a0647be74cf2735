"""The worker half of the consumer engine: one record's deliveries in, what to do with each one out.

``Worker.settle`` runs on the runner's worker threads: it calls the handler with every notification of one
record's group, reports each delivery, and on failure publishes the retry or dead-letter copy through a
confirm-waiting ``Publisher`` before the original may be acked. It never touches the consuming channel: it
returns ``(delivery, ACK | REQUEUE)`` pairs, which the runner's I/O thread carries out. See
docs/consumers.md ("The handler interface", "Retries").
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any

import tenacity

from broker.publisher import Publisher
from broker.topology import entity_queue
from consumers.dispatch import Handler, Outcome, Reporter
from consumers.pause import CredentialsGate
from consumers.retry import RETRY, BrokerRetryTiers, Decision, attempts_made, copy_route
from core import parsing
from core.errors import BridgeError, BrokerUnavailable
from core.outcomes import DEAD, RETRYING
from schemas.notification import Notification

log = logging.getLogger(__name__)

ACK = "ack"
REQUEUE = "requeue"

# How a worker retries publishing a retry/dead copy while the broker refuses it; then the message is requeued.
PUBLISH_RETRY: dict[str, Any] = {
    "stop": tenacity.stop_after_delay(30),
    "wait": tenacity.wait_exponential(multiplier=0.25, max=5),
    "retry": tenacity.retry_if_exception_type(BrokerUnavailable),
    "reraise": True,
}


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One message as received: where it came from, its delivery tag on connection ``generation``."""

    generation: int
    tag: int
    entity: str
    message_id: str | None
    headers: dict[str, Any]
    body: bytes
    notification: Notification | None

    def __str__(self) -> str:
        if self.notification is None:
            return f"malformed message {self.message_id} in {entity_queue(self.entity)}"
        return "{} {}".format(*self.notification.record)

    @property
    def attempt(self) -> int:
        """This attempt's number: 1 for a first delivery, attempts already made + 1 after retries."""
        return attempts_made(self.headers) + 1


Settles = list[tuple[Delivery, str]]  # what the I/O thread does with each delivery of a finished group


class Worker:
    """Handles one record's group at a time on any thread; thread-safe (it keeps no per-group state)."""

    def __init__(self, handler: Handler, reporter: Reporter, policy: BrokerRetryTiers, publisher: Publisher,
                 publish_retry: dict[str, Any] = PUBLISH_RETRY, clock: Callable[[], Any] = parsing.utc_now,
                 gate: CredentialsGate | None = None) -> None:
        self._handler = handler
        self._reporter = reporter
        self._policy = policy
        self._publisher = publisher
        self._publish_retry = publish_retry
        self._clock = clock
        self._gate = gate

    def settle(self, record: Hashable | None, deliveries: list[Delivery], problem: Exception | None) -> Settles:
        """Handle the group (or dead-letter a malformed message, ``problem``); never raises."""
        try:
            return [self._fail(deliveries[0], problem, 0)] if problem else self._process(deliveries)
        except Exception:
            log.exception("consumer bug while settling %s; requeueing its messages", record)
            return [(delivery, REQUEUE) for delivery in deliveries]

    def _process(self, deliveries: list[Delivery]) -> Settles:
        # a malformed message (no notification) never gets here: settle() dead-letters it
        notifications = [delivery.notification for delivery in deliveries if delivery.notification is not None]
        if self._gate is not None and self._gate.paused:
            return [(delivery, REQUEUE) for delivery in deliveries]  # paused: back to the queue, untouched
        started = time.monotonic()
        try:
            outcome = self._handler(notifications)
            if not isinstance(outcome, Outcome):
                raise TypeError(f"the handler returned {outcome!r}, not an Outcome")
        except Exception as error:
            if self._gate is not None and self._gate.refused(error):
                log.info("%s requeued: %s", deliveries[0], self._gate.reason)
                return [(delivery, REQUEUE) for delivery in deliveries]
            if not isinstance(error, BridgeError):
                log.exception("unexpected error handling %s %s", *notifications[0].record)
            duration_ms = _elapsed_ms(started)
            return [self._fail(delivery, error, duration_ms) for delivery in deliveries]
        duration_ms = _elapsed_ms(started)
        for delivery in deliveries:
            self._report(delivery, outcome.status, delivery.attempt, duration_ms, None, None, outcome.detail,
                         outcome.key)
        log.debug("%s %s %s (%d notifications)", outcome.status, *notifications[0].record, len(deliveries))
        return [(delivery, ACK) for delivery in deliveries]

    def _fail(self, delivery: Delivery, error: Exception, duration_ms: int) -> tuple[Delivery, str]:
        """Publish the retry or dead copy, then ack; requeue instead when the copy is not confirmed."""
        decision = self._policy.decide(error, delivery.attempt)
        try:
            self._publish_copy(delivery, decision)
        except BrokerUnavailable as broker_error:
            log.warning("%s: could not publish its %s copy (%s); requeued", delivery, decision.action, broker_error)
            self._report(delivery, RETRYING, decision.attempts, duration_ms, decision.error_class,
                         f"{decision.error_text} (its {decision.action} copy could not be published: "
                         f"{broker_error}; the message was requeued)", None)
            return delivery, REQUEUE
        status = RETRYING if decision.action == RETRY else DEAD
        log.log(logging.INFO if status == RETRYING else logging.WARNING, "%s %s after attempt %d%s: %s",
                delivery, status, decision.attempts, f" (in {decision.tier} s)" if decision.tier else "",
                decision.error_text)
        self._report(delivery, status, decision.attempts, duration_ms, decision.error_class, decision.error_text,
                     None)
        return delivery, ACK

    def _publish_copy(self, delivery: Delivery, decision: Decision) -> None:
        exchange, routing_key, headers = copy_route(delivery.entity, delivery.headers, decision,
                                                    parsing.iso(self._clock()))
        message_id = delivery.message_id or (delivery.notification.id if delivery.notification else "unknown")
        tenacity.Retrying(**self._publish_retry)(self._publisher.publish, exchange, routing_key, delivery.body,
                                                 message_id=message_id, headers=headers)

    def _report(self, delivery: Delivery, status: str, attempts: int, duration_ms: int,
                error_class: str | None, error_text: str | None, detail: str | None, key: str | None = None) -> None:
        """Tell the reporter (of the notification keyed by ``key`` when the handler resolved its key); a
        malformed message has no notification and is only logged."""
        if delivery.notification is None:
            return
        notification = delivery.notification if key is None else delivery.notification.keyed_by(key)
        try:
            self._reporter(notification, status, attempts, duration_ms, error_class, error_text, detail)
        except Exception:
            log.exception("the reporter failed for %s (status %s); the message is settled anyway", delivery, status)


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
