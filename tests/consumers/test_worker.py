"""The worker half of the engine on its own: what it reports, which copy it publishes, ack or requeue.

The broker is a recording stand-in here (what is published, and whether the publish fails); the broker's
own behaviour with these copies is tested through the runner in test_runner.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import cast

import pytest
import tenacity

from broker.publisher import Publisher
from broker.topology import (
    DEFAULT_EXCHANGE,
    H_ATTEMPTS,
    H_DEAD_AT,
    H_ERROR,
    H_ERROR_CLASS,
    RETRY_EXCHANGE,
    RETRY_TIER_HEADER,
    dead_queue,
    entity_queue,
    retry_tier,
)
from consumers.dispatch import Outcome
from consumers.retry import BrokerRetryTiers
from consumers.worker import ACK, REQUEUE, Delivery, Worker
from core.errors import BrokerUnavailable, ErpRejected, ErpUnavailable, MalformedMessage
from schemas.notification import Notification
from tests.consumers.helpers import Reports, notification

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
ONCE = {"stop": tenacity.stop_after_attempt(2), "wait": tenacity.wait_none(),
        "retry": tenacity.retry_if_exception_type(BrokerUnavailable), "reraise": True}


class Broker:
    """Records what the worker publishes; ``refuse`` makes every publish fail as an unavailable broker."""

    def __init__(self) -> None:
        self.published: list[dict] = []
        self.refuse = False

    def publish(self, exchange: str, routing_key: str, body: bytes, *, message_id: str, headers: dict) -> None:
        if self.refuse:
            raise BrokerUnavailable("the broker did not confirm in time")
        self.published.append({"exchange": exchange, "routing_key": routing_key, "body": body,
                               "message_id": message_id, "headers": headers})


@pytest.fixture
def broker() -> Broker:
    return Broker()


@pytest.fixture
def reports() -> Reports:
    return Reports()


def raising(error: Exception):
    """A handler that fails with ``error``."""
    def handle(notes):
        raise error
    return handle


def worker_for(handler, reports: Reports, broker: Broker) -> Worker:
    return Worker(handler, reports, BrokerRetryTiers((5, 30), max_attempts=3), cast(Publisher, broker), ONCE,
                  clock=lambda: NOW)


def delivery(key: str, event: str, attempts_made: int = 0) -> Delivery:
    note = notification(key, event)
    headers = {H_ATTEMPTS: attempts_made} if attempts_made else {}
    return Delivery(1, int(event.rsplit("-", 1)[1]), "product", note.id, headers, note.to_body(), note)


def test_an_outcome_acks_and_reports_every_delivery_of_the_group(reports, broker):
    group = [delivery("A", "e-1"), delivery("A", "e-2", attempts_made=1)]
    worker = worker_for(lambda notes: Outcome("skipped", "unchanged"), reports, broker)

    assert worker.settle(("product", "A"), group, None) == [(group[0], ACK), (group[1], ACK)]

    assert reports.statuses("e-1") == [("skipped", 1)] and reports.statuses("e-2") == [("skipped", 2)]
    assert reports.of("e-1")[0]["detail"] == "unchanged" and broker.published == []


def test_an_outcome_with_a_resolved_key_is_reported_under_that_key(reports, broker):
    """A stock notification keyed by product id is reported under the SKU the handler resolved it to."""
    note = Notification("e-9", "stock", "save", "412", key_type="product_id")
    item = Delivery(1, 9, "stock", note.id, {}, note.to_body(), note)
    worker = worker_for(lambda notes: Outcome("synced", key="MH-TEST"), reports, broker)

    assert worker.settle(note.record, [item], None) == [(item, ACK)]

    assert [(row["key"], row["status"]) for row in reports.of("e-9")] == [("MH-TEST", "synced")]


def test_a_failure_of_a_product_id_notification_is_reported_under_the_product_id(reports, broker):
    note = Notification("e-10", "stock", "save", "412", key_type="product_id")
    item = Delivery(1, 10, "stock", note.id, {}, note.to_body(), note)
    worker = worker_for(raising(ErpUnavailable("erp answered 503")), reports, broker)

    assert worker.settle(note.record, [item], None) == [(item, ACK)]

    assert [(row["key"], row["status"]) for row in reports.of("e-10")] == [("412", "retrying")]
    assert broker.published[0]["body"] == note.to_body()  # the retry copy keeps the key_type


def test_a_retryable_failure_publishes_a_retry_copy_then_acks(reports, broker):
    item = delivery("A", "e-3")
    worker = worker_for(raising(ErpUnavailable("erp answered 503")), reports, broker)

    assert worker.settle(("product", "A"), [item], None) == [(item, ACK)]

    (copy,) = broker.published
    assert (copy["exchange"], copy["routing_key"], copy["body"], copy["message_id"]) == (
        RETRY_EXCHANGE, entity_queue("product"), item.body, "e-3")
    assert copy["headers"][H_ATTEMPTS] == 1 and copy["headers"][RETRY_TIER_HEADER] == retry_tier(5)
    assert reports.statuses("e-3") == [("retrying", 1)]
    assert reports.of("e-3")[0]["error_class"] == "ErpUnavailable"


def test_a_permanent_failure_or_the_last_attempt_is_dead_lettered(reports, broker):
    refused, last = delivery("A", "e-4"), delivery("B", "e-5", attempts_made=2)
    rejecting = worker_for(raising(ErpRejected("erp answered 422: bad price")),
                           reports, broker)
    exhausted = worker_for(raising(ErpUnavailable("erp answered 503")), reports, broker)

    assert rejecting.settle(("product", "A"), [refused], None) == [(refused, ACK)]
    assert exhausted.settle(("product", "B"), [last], None) == [(last, ACK)]

    assert [(copy["exchange"], copy["routing_key"]) for copy in broker.published] == [
        (DEFAULT_EXCHANGE, dead_queue("product"))] * 2
    assert "erp answered 422: bad price" in broker.published[0]["headers"][H_ERROR]
    assert H_DEAD_AT in broker.published[1]["headers"]
    assert reports.statuses("e-4") == [("dead", 1)] and reports.statuses("e-5") == [("dead", 3)]


def test_a_copy_the_broker_will_not_take_requeues_the_message_and_says_so(reports, broker):
    broker.refuse = True
    item = delivery("A", "e-6")
    worker = worker_for(raising(ErpUnavailable("erp answered 503")), reports, broker)

    assert worker.settle(("product", "A"), [item], None) == [(item, REQUEUE)]

    (row,) = reports.of("e-6")
    assert row["status"] == "retrying" and "could not be published" in row["error_text"]


def test_anything_but_an_outcome_is_an_unexpected_retryable_error(reports, broker, caplog):
    item = delivery("A", "e-7")
    worker = worker_for(lambda notes: "done", reports, broker)

    assert worker.settle(("product", "A"), [item], None) == [(item, ACK)]

    assert broker.published[0]["exchange"] == RETRY_EXCHANGE
    assert broker.published[0]["headers"][H_ERROR_CLASS] == "TypeError"
    assert "unexpected error handling product A" in caplog.text


def test_a_malformed_message_is_dead_lettered_without_calling_the_handler_or_reporting(reports, broker):
    item = Delivery(1, 9, "product", "m-9", {}, b"not json", None)
    worker = worker_for(lambda notes: pytest.fail("the handler was called"), reports, broker)

    assert worker.settle(None, [item], MalformedMessage("message body is not JSON")) == [(item, ACK)]

    assert broker.published[0]["routing_key"] == dead_queue("product")
    assert broker.published[0]["message_id"] == "m-9" and reports.rows == []


def test_a_failing_reporter_does_not_stop_the_ack(broker, caplog):
    item = delivery("A", "e-8")

    def reporter(*args) -> None:
        raise RuntimeError("report database gone")

    worker = Worker(lambda notes: Outcome(), reporter, BrokerRetryTiers((5,), 3), broker, ONCE, clock=lambda: NOW)
    caplog.set_level(logging.ERROR)

    assert worker.settle(("product", "A"), [item], None) == [(item, ACK)]
    assert "the reporter failed for product A" in caplog.text


def test_refused_credentials_requeue_the_group_untouched_while_the_gate_is_closed(reports, broker):
    from consumers.pause import CredentialsGate
    from core.errors import MagentoAuthError

    refused = MagentoAuthError("The consumer isn't authorized to access Magento_Catalog::products.", status=401)
    gate = CredentialsGate(lambda: raising(refused)([]), 30)  # the probe is refused too
    first, second = delivery("A", "e-6"), delivery("B", "e-7")
    worker = Worker(raising(refused), reports, BrokerRetryTiers((5, 30), max_attempts=3), broker, ONCE,
                    clock=lambda: NOW, gate=gate)

    assert worker.settle(("product", "A"), [first], None) == [(first, REQUEUE)]
    assert worker.settle(("product", "B"), [second], None) == [(second, REQUEUE)]  # paused: not even tried
    assert gate.paused and broker.published == [] and reports.statuses("e-6") == []


def test_error_texts_in_dead_letters_are_scrubbed_of_personal_data(reports, broker):
    echo = ErpRejected("{'email': 'jane@example.com', 'street': ['Main St 1'], 'Authorization': 'Bearer s3cr3t'}",
                       status=422)
    dead = delivery("A", "e-8")
    worker_for(raising(echo), reports, broker).settle(("product", "A"), [dead], None)
    header = broker.published[0]["headers"][H_ERROR]
    assert "jane@" not in header and "Main St" not in header and "s3cr3t" not in header
    assert "'email': '***'" in header
