"""The consuming connection against the real RabbitMQ: opening, retries, reconnects, broker errors."""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit, urlunsplit

import pika
import pika.exceptions
import pytest
import tenacity

from broker.amqp import connection_parameters, declare
from broker.topology import entity_queue, topology
from consumers.connection import ConsumerConnection
from consumers.dispatch import Outcome
from consumers.runner import Runner, RunnerFailed
from core.entities import ENTITIES
from tests import support
from tests.consumers.helpers import Recorder, Reports, consumers_of, depth, notification, publish, wait_for_rows

PRODUCTS = entity_queue("product")
NO_WAIT = tenacity.wait_fixed(0)


def ignore(*args) -> None:
    """An ``on_message`` for connections whose deliveries no test looks at."""


def test_connect_consumes_each_entity_queue_until_closed(consumer_settings, amqp_channel) -> None:
    link = ConsumerConnection(consumer_settings(), ("product", "customer"), "test-link")
    assert link.connect(ignore, lambda: False, lambda seconds: None)
    assert (link.generation, link.channel.is_open) == (1, True)
    assert consumers_of(amqp_channel, PRODUCTS) == consumers_of(amqp_channel, entity_queue("customer")) == 1
    link.close()
    assert link.connection is None and link.channel is None
    support.wait_for(lambda: consumers_of(amqp_channel, PRODUCTS) == 0, message="the consumer gone")


def test_an_unreachable_broker_is_retried_until_a_stop(make_settings) -> None:
    sleeps: list[float] = []
    settings = make_settings(AMQP_URL=f"amqp://guest:guest@127.0.0.1:{support.free_port()}/%2F")
    link = ConsumerConnection(settings, ("product",), "test-link", reconnect_wait=NO_WAIT)
    assert not link.connect(ignore, lambda: len(sleeps) >= 2, sleeps.append)
    assert sleeps == [0, 0]
    assert (link.generation, link.connection) == (0, None)


def test_an_unreachable_broker_is_named_once_with_host_port_and_cause(make_settings, caplog) -> None:
    port = support.free_port()
    settings = make_settings(AMQP_URL=f"amqp://guest:hunter2@127.0.0.1:{port}/%2F")
    link = ConsumerConnection(settings, ("product",), "test-link", reconnect_wait=NO_WAIT)
    sleeps: list[float] = []
    with caplog.at_level("DEBUG", logger="consumers.connection"):
        assert not link.connect(ignore, lambda: len(sleeps) >= 3, sleeps.append)
    lines = [record.getMessage() for record in caplog.records
             if record.name == "consumers.connection" and record.levelno >= logging.INFO]
    assert lines == [f"cannot reach the broker at 127.0.0.1:{port}: connection refused; retrying until it answers"]
    assert "hunter2" not in caplog.text


def test_refused_credentials_are_not_retried(consumer_settings) -> None:
    url = urlsplit(consumer_settings().amqp_url)
    wrong = urlunsplit(url._replace(netloc=f"{url.username}:not-the-password@{url.hostname}:{url.port or 5672}"))
    sleeps: list[float] = []
    link = ConsumerConnection(consumer_settings(AMQP_URL=wrong), ("product",), "test-link", reconnect_wait=NO_WAIT)
    with pytest.raises(pika.exceptions.AMQPConnectionError) as raised:
        link.connect(ignore, lambda: False, sleeps.append)
    assert isinstance(raised.value, (pika.exceptions.ProbableAuthenticationError,
                                     pika.exceptions.ProbableAccessDeniedError,
                                     pika.exceptions.AuthenticationError))
    assert sleeps == []


def test_a_lost_connection_is_reopened_and_stale_results_are_not_acked(consumer_settings, start_runner, proxy,
                                                                      amqp_channel) -> None:
    release = threading.Event()
    handler = Recorder(lambda notes: (release.wait(20) if notes[0].key == "SLOW" else None, Outcome())[1])
    reports = Reports()
    settings = consumer_settings(AMQP_URL=proxy.url_for(consumer_settings().amqp_url))
    running = start_runner(settings, ["product"], handler, reports)
    publish(amqp_channel, notification("SLOW", "s1"))
    support.wait_for(lambda: handler.calls_for("SLOW"), message="the slow call")
    assert running.runner.connections == 1
    proxy.drop()  # a network blip: the broker stays reachable
    support.wait_for(lambda: running.runner.connections == 2 and running.runner.consuming.is_set(),
                     message="a new connection")
    for index in range(5):
        publish(amqp_channel, notification(f"SKU-{index}", f"n{index}"))
    release.set()
    support.wait_for(lambda: len(handler.calls_for("SLOW")) == 2, message="the slow record redelivered")
    wait_for_rows(reports, 7)
    running.stop()
    assert running.runner.counts["stale"] == 1
    assert handler.calls_for("SLOW") == [["s1"], ["s1"]]
    assert sorted({row["event"] for row in reports.rows}) == ["n0", "n1", "n2", "n3", "n4", "s1"]
    assert depth(amqp_channel, PRODUCTS) == 0


def test_a_channel_error_stops_the_runner_with_an_error(make_settings) -> None:
    with support.temporary_vhost("bridge-test-channel") as url:
        connection = pika.BlockingConnection(connection_parameters(url, name="test-conflict"))
        connection.channel().queue_declare(PRODUCTS, durable=True)  # a classic queue: arguments differ
        connection.close()
        runner = Runner(make_settings(AMQP_URL=url), ["product"], Recorder())
        with pytest.raises(RunnerFailed, match="PRECONDITION_FAILED"):
            runner.run()


def test_a_consumer_cancelled_by_the_broker_stops_the_runner(consumer_settings, start_runner,
                                                             amqp_channel) -> None:
    running = start_runner(consumer_settings(), ["creditmemo"], Recorder())
    amqp_channel.queue_delete(entity_queue("creditmemo"))
    running.thread.join(20)
    with pytest.raises(RunnerFailed, match="cancelled the consumer of magento.creditmemo"):
        running.stop()
    declare(amqp_channel, topology(ENTITIES))


def test_a_runner_that_cannot_reach_the_broker_says_so_in_one_line(make_settings, start_runner, caplog) -> None:
    port = support.free_port()
    settings = make_settings(AMQP_URL=f"amqp://guest:guest@127.0.0.1:{port}/%2F")
    runner = Runner(settings, ["product"], Recorder(), reconnect_wait=tenacity.wait_fixed(0.05))
    thread = threading.Thread(target=runner.run, daemon=True)
    with caplog.at_level("INFO"):
        thread.start()
        support.wait_for(lambda: runner.connections == 0 and "cannot reach the broker" in caplog.text, 10,
                         message="the unreachable broker named")
        runner.stop()
        thread.join(10)
    warnings = [record.getMessage() for record in caplog.records  # pika's own lines: see core.logs.configure
                if record.levelno >= logging.WARNING and not record.name.startswith("pika")]
    assert warnings == [f"cannot reach the broker at 127.0.0.1:{port}: connection refused; retrying until it answers"]
