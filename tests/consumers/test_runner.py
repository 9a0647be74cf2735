"""The consumer engine against the real RabbitMQ: acks, coalescing, retries, dead letters.

Reconnects and broker errors are tested in test_connection.py, acks held behind a slow record in test_settling.py.
"""

from __future__ import annotations

import threading
import time

import pika
import pytest
import tenacity

from broker.amqp import declare
from broker.topology import (
    DEFAULT_EXCHANGE,
    H_ATTEMPTS,
    H_DEAD_AT,
    H_ERROR,
    H_ERROR_CLASS,
    H_FIRST_ATTEMPT_AT,
    H_LAST_ATTEMPT_AT,
    RETRY_TIER_HEADER,
    dead_queue,
    entity_queue,
    retry_queue,
    topology,
)
from consumers.dispatch import Outcome
from core.errors import MagentoAuthError, MagentoServerError, MagentoUnavailable, MagentoValidationError
from schemas.notification import Notification
from tests import support
from tests.consumers.helpers import Recorder, Reports, depth, notification, publish, wait_for_rows

PRODUCTS = entity_queue("product")
FAST_PUBLISH_RETRY = {"stop": tenacity.stop_after_attempt(2), "wait": tenacity.wait_fixed(0.1),
                      "retry": tenacity.retry_if_exception_type(Exception), "reraise": True}


def get_dead(channel, entity: str = "product"):
    """The one dead letter of ``entity`` (waiting for it), as (properties, body)."""
    support.wait_for(lambda: depth(channel, dead_queue(entity)) >= 1, 20, message="a dead letter")
    method, properties, body = channel.basic_get(dead_queue(entity), auto_ack=True)
    return properties, body


def test_success_acks_every_delivery_and_reports_it(consumer_settings, start_runner, amqp_channel) -> None:
    reports = Reports()
    running = start_runner(consumer_settings(), ["product", "customer"],
                           Recorder(lambda notes: Outcome("skipped", "unchanged") if notes[0].key == "7"
                                    else Outcome()), reports)
    publish(amqp_channel, notification("SKU-1", "e1"))
    publish(amqp_channel, notification("7", "e2", entity="customer"))
    wait_for_rows(reports, 2)
    running.stop()
    assert reports.of("e1")[0]["status"] == "synced"
    assert (reports.of("e2")[0]["status"], reports.of("e2")[0]["detail"]) == ("skipped", "unchanged")
    assert reports.of("e1")[0]["attempts"] == 1
    assert running.runner.counts["ack"] == 2
    assert depth(amqp_channel, PRODUCTS) == depth(amqp_channel, entity_queue("customer")) == 0


def test_notifications_waiting_for_a_busy_worker_cost_one_call(consumer_settings, start_runner,
                                                               amqp_channel) -> None:
    release = threading.Event()
    handler = Recorder(lambda notes: (release.wait(20), Outcome())[1])
    reports = Reports()
    running = start_runner(consumer_settings(CONSUMER_CONCURRENCY=1, CONSUMER_PREFETCH=20), ["product"],
                           handler, reports)
    publish(amqp_channel, notification("BUSY", "busy"))
    support.wait_for(lambda: handler.calls, message="the first call")
    for index in range(5):
        publish(amqp_channel, notification("HOT", f"hot-{index}"))
    support.wait_for(lambda: running.runner.waiting == 5, message="the 5 notifications waiting")
    release.set()
    wait_for_rows(reports, 6)
    running.stop()
    assert handler.calls_for("HOT") == [[f"hot-{index}" for index in range(5)]]
    assert [reports.of(f"hot-{index}")[0]["status"] for index in range(5)] == ["synced"] * 5
    assert running.runner.counts["ack"] == 6


class LaterReports(Reports):
    """A reporter that stores later: the callbacks of ``when_stored`` wait until the test releases them."""

    def __init__(self) -> None:
        super().__init__()
        self.callbacks: list = []

    def when_stored(self, callback) -> None:
        with self.lock:
            self.callbacks.append(callback)

    def store_all(self) -> None:
        with self.lock:
            callbacks, self.callbacks = self.callbacks, []
        for callback in callbacks:
            callback()


def test_a_message_is_acked_only_once_its_report_is_stored(consumer_settings, start_runner, amqp_channel) -> None:
    reports = LaterReports()
    running = start_runner(consumer_settings(), ["product"], Recorder(), reports)
    publish(amqp_channel, notification("SKU-1", "e1"))
    support.wait_for(lambda: reports.callbacks, message="the report")

    stopping = threading.Thread(target=running.stop)
    stopping.start()
    running.thread.join(1.0)  # a stop takes a poll interval (0.05 s) when nothing is outstanding
    assert running.thread.is_alive() and running.runner.counts["ack"] == 0
    reports.store_all()
    stopping.join(30)

    assert running.runner.counts["ack"] == 1 and not running.thread.is_alive()
    assert depth(amqp_channel, PRODUCTS) == 0


def test_one_record_is_never_handled_twice_at_once(consumer_settings, start_runner, amqp_channel) -> None:
    def slowly(notes: list[Notification]) -> Outcome:
        time.sleep(0.01)
        return Outcome()

    handler = Recorder(slowly)
    reports = Reports()
    running = start_runner(consumer_settings(CONSUMER_CONCURRENCY=8), ["product"], handler, reports)
    events = [(f"SKU-{index % 10}", f"e{index}") for index in range(120)]
    for key, event in events:
        publish(amqp_channel, notification(key, event))
    wait_for_rows(reports, len(events))
    running.stop()
    assert max(handler.max_active_per_record.values()) == 1
    assert handler.max_running > 1
    assert sorted(row["event"] for row in reports.rows) == sorted(event for _, event in events)
    assert depth(amqp_channel, PRODUCTS) == 0


def test_a_retryable_failure_waits_in_a_delay_tier_and_comes_back(consumer_settings, start_runner,
                                                                   amqp_channel) -> None:
    failures = iter([MagentoUnavailable("Read timed out"), MagentoServerError("Internal Error", status=500)])

    def flaky(notes):
        error = next(failures, None)
        if error:
            raise error
        return Outcome()
    reports = Reports()
    running = start_runner(consumer_settings(MAX_ATTEMPTS=5), ["product"], Recorder(flaky), reports)
    publish(amqp_channel, notification("SKU-R", "r1"))
    wait_for_rows(reports, 3)
    running.stop()
    assert reports.statuses("r1") == [("retrying", 1), ("retrying", 2), ("synced", 3)]
    assert reports.of("r1")[1]["error_text"] == "magento answered 500: Internal Error"
    assert depth(amqp_channel, PRODUCTS) == depth(amqp_channel, retry_queue(1)) == 0


def test_retry_copy_carries_attempts_and_the_tier_retry_after_asks_for(consumer_settings, start_runner,
                                                                      amqp_channel) -> None:
    def limited(notes):
        raise MagentoUnavailable("Too Many Requests", status=429, retry_after=1.5)
    reports = Reports()
    running = start_runner(consumer_settings(RETRY_DELAYS="1,30"), ["product"], Recorder(limited), reports)
    publish(amqp_channel, notification("SKU-L", "l1"), headers={"trace": "t-1"})
    wait_for_rows(reports, 1)
    running.stop()
    method, properties, body = amqp_channel.basic_get(retry_queue(30), auto_ack=True)
    assert method is not None, "the copy waits in the 30 s tier"
    assert properties.message_id == "l1"
    assert body == notification("SKU-L", "l1").to_body()
    headers = properties.headers
    assert (headers[H_ATTEMPTS], headers[RETRY_TIER_HEADER], headers["trace"]) == (1, "30s", "t-1")
    assert headers[H_ERROR] == "magento answered 429: Too Many Requests"
    assert headers[H_FIRST_ATTEMPT_AT] == headers[H_LAST_ATTEMPT_AT]


def test_exhausted_attempts_end_dead_with_every_header(consumer_settings, start_runner, amqp_channel) -> None:
    def failing(notes):
        raise MagentoServerError("Internal Error: SQLSTATE[HY000] General error: 2006", status=500)
    reports = Reports()
    running = start_runner(consumer_settings(MAX_ATTEMPTS=2, RETRY_DELAYS="1"), ["product"], Recorder(failing),
                           reports)
    publish(amqp_channel, notification("SKU-X", "x1"))
    properties, body = get_dead(amqp_channel)
    running.stop()
    assert reports.statuses("x1") == [("retrying", 1), ("dead", 2)]
    assert properties.message_id == "x1"
    assert body == notification("SKU-X", "x1").to_body()
    headers = properties.headers
    assert headers[H_ATTEMPTS] == 2
    assert headers[H_ERROR_CLASS] == "MagentoServerError"
    assert headers[H_ERROR] == "magento answered 500: Internal Error: SQLSTATE[HY000] General error: 2006"
    assert headers[H_FIRST_ATTEMPT_AT] < headers[H_LAST_ATTEMPT_AT] <= headers[H_DEAD_AT]
    assert RETRY_TIER_HEADER not in headers
    assert depth(amqp_channel, PRODUCTS) == 0


def test_a_permanent_failure_is_dead_at_once(consumer_settings, start_runner, amqp_channel) -> None:
    text = 'The value of attribute "price" must be set.'
    handler = Recorder(lambda notes: (_ for _ in ()).throw(MagentoValidationError(text, status=400)))
    reports = Reports()
    running = start_runner(consumer_settings(), ["product"], handler, reports)
    publish(amqp_channel, notification("SKU-P", "p1"))
    properties, _ = get_dead(amqp_channel)
    running.stop()
    assert len(handler.calls) == 1
    assert reports.statuses("p1") == [("dead", 1)]
    assert properties.headers[H_ERROR] == f"magento answered 400: {text}"
    assert properties.headers[H_ERROR_CLASS] == "MagentoValidationError"


def test_a_401_dead_letter_blames_the_token_and_replays_once_fixed(consumer_settings, start_runner,
                                                                    amqp_channel) -> None:
    token_ok = threading.Event()

    def handler(notes):
        if not token_ok.is_set():
            raise MagentoAuthError("The consumer isn't authorized to access %resources.", status=401)
        return Outcome()
    reports = Reports()
    running = start_runner(consumer_settings(), ["customer"], Recorder(handler), reports)
    publish(amqp_channel, notification("42", "c1", entity="customer"))
    properties, body = get_dead(amqp_channel, "customer")
    assert "access token may have expired" in properties.headers[H_ERROR]
    assert "access token may have expired" in reports.of("c1")[0]["error_text"]
    token_ok.set()
    amqp_channel.basic_publish(DEFAULT_EXCHANGE, entity_queue("customer"), body, properties)  # a replay
    wait_for_rows(reports, 2)
    running.stop()
    assert reports.statuses("c1") == [("dead", 1), ("synced", 2)]


def test_a_malformed_body_is_dead_lettered_without_calling_the_handler(consumer_settings, start_runner,
                                                                        amqp_channel) -> None:
    handler = Recorder()
    running = start_runner(consumer_settings(), ["product"], handler)
    amqp_channel.basic_publish(DEFAULT_EXCHANGE, PRODUCTS, b"{not json",
                               pika.BasicProperties(message_id="m1", delivery_mode=2))
    properties, body = get_dead(amqp_channel)
    running.stop()
    assert handler.calls == []
    assert body == b"{not json"
    assert properties.message_id == "m1"
    assert properties.headers[H_ERROR_CLASS] == "MalformedMessage"
    assert properties.headers[H_ERROR].startswith("message: message body is not JSON")


@pytest.mark.parametrize(("raised", "text"), [(KeyError("sku"), "unexpected error: 'sku'"),
                                              (None, "unexpected error: the handler returned None")])
def test_an_unexpected_error_is_retried_and_says_unexpected(consumer_settings, start_runner, amqp_channel,
                                                            raised, text) -> None:
    calls = []

    def buggy(notes):
        calls.append(1)
        if len(calls) == 1:
            if raised:
                raise raised
            return None
        return Outcome()
    reports = Reports()
    running = start_runner(consumer_settings(), ["product"], Recorder(buggy), reports)
    publish(amqp_channel, notification("SKU-U", "u1"))
    wait_for_rows(reports, 2)
    running.stop()
    assert reports.statuses("u1") == [("retrying", 1), ("synced", 2)]
    assert reports.of("u1")[0]["error_text"].startswith(text)


def test_a_failing_reporter_does_not_keep_a_message(consumer_settings, start_runner, amqp_channel) -> None:
    def broken_reporter(*args):
        raise RuntimeError("reports database is down")
    handler = Recorder()
    running = start_runner(consumer_settings(), ["product"], handler, broken_reporter)
    publish(amqp_channel, notification("SKU-F", "f1"))
    support.wait_for(lambda: running.runner.counts["ack"] == 1, message="the ack")
    running.stop()
    assert len(handler.calls) == 1


def test_an_unconfirmed_retry_copy_leaves_the_message_requeued_not_lost(consumer_settings, start_runner,
                                                                       amqp_channel) -> None:
    healed = threading.Event()

    def handler(notes):
        if not healed.is_set():
            raise MagentoUnavailable("Read timed out")
        return Outcome()
    reports = Reports()
    running = start_runner(consumer_settings(), ["product"], Recorder(handler), reports,
                           publish_retry=FAST_PUBLISH_RETRY)
    amqp_channel.queue_delete(retry_queue(1))  # copies to the 1 s tier are now unroutable
    publish(amqp_channel, notification("SKU-Q", "q1"))
    support.wait_for(lambda: running.runner.counts["requeue"] >= 2, message="two requeues")
    assert all("could not be published" in row["error_text"] for row in reports.of("q1"))
    assert {attempts for _, attempts in reports.statuses("q1")} == {1}
    assert depth(amqp_channel, dead_queue("product")) == 0
    declare(amqp_channel, topology(["product"], (1, 2)))
    healed.set()
    support.wait_for(lambda: ("synced", 1) in reports.statuses("q1") or ("synced", 2) in reports.statuses("q1"),
                     message="q1 synced")
    running.stop()
    assert depth(amqp_channel, PRODUCTS) == depth(amqp_channel, retry_queue(1)) == 0


def test_a_runner_paused_on_refused_credentials_stops_gracefully_and_leaves_the_message_queued(
        consumer_settings, start_runner, amqp_channel) -> None:
    refused = MagentoAuthError("The consumer isn't authorized to access Magento_Catalog::products.", status=401)

    def probe() -> None:
        raise refused

    def handler(notes):
        raise refused

    running = start_runner(consumer_settings(PAUSE_PROBE_SECONDS="0.1"), ["product"], Recorder(handler),
                           Reports(), probe=probe)
    publish(amqp_channel, notification("A", "e-paused"))
    support.wait_for(lambda: running.runner.paused and depth(amqp_channel, PRODUCTS) == 1, 20,
                     message="the runner paused with the message back in its queue")
    running.stop()
    assert depth(amqp_channel, PRODUCTS) == 1 and depth(amqp_channel, dead_queue("product")) == 0


def test_the_erp_stream_is_the_same_engine_retries_come_back_to_it_and_dead_letters_stay_in_it(
        consumer_settings, start_runner, amqp_channel) -> None:
    failures = iter([MagentoUnavailable("Read timed out")])

    def handle(notes):
        if notes[0].key == "SKU-DEAD":
            raise MagentoValidationError("Could not save Source Item", status=400)
        error = next(failures, None)
        if error:
            raise error
        return Outcome()
    reports = Reports()
    running = start_runner(consumer_settings(MAX_ATTEMPTS=3), ["stock", "erp.stock"], Recorder(handle), reports)
    publish(amqp_channel, Notification("x1", "stock", "save", "SKU-X", source="erp-poll", origin="erp"))
    publish(amqp_channel, Notification("x2", "stock", "save", "SKU-DEAD", source="erp-poll", origin="erp"))
    properties, body = get_dead(amqp_channel, "erp.stock")
    wait_for_rows(reports, 3)
    running.stop()
    assert reports.statuses("x1") == [("retrying", 1), ("synced", 2)]
    assert reports.statuses("x2") == [("dead", 1)]
    assert {row["stream"] for row in reports.rows} == {"erp.stock"}
    assert Notification.from_body(body).origin == "erp"
    assert properties.headers[H_ERROR_CLASS] == "MagentoValidationError"
    assert depth(amqp_channel, entity_queue("stock")) == depth(amqp_channel, dead_queue("stock")) == 0
