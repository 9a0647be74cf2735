"""Fixtures for the consumer engine: short retry tiers, an in-process runner, a TCP proxy to the broker."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pika
import pytest

from bench.tcp_proxy import TcpProxy
from broker.amqp import connection_parameters, declare
from broker.topology import retry_queue, topology
from consumers.runner import Runner
from core.entities import ENTITIES
from core.settings import Settings
from tests import support
from tests.consumers.helpers import RunningRunner

SHORT_TIERS = (1, 2)


@pytest.fixture
def short_broker(broker: str) -> str:
    """The test vhost with 1 s and 2 s retry tiers declared and empty too."""
    connection = pika.BlockingConnection(connection_parameters(broker, name="test-tiers"))
    try:
        channel = connection.channel()
        declare(channel, topology(ENTITIES, SHORT_TIERS))
        for seconds in SHORT_TIERS:
            channel.queue_purge(retry_queue(seconds))
    finally:
        connection.close()
    return broker


@pytest.fixture
def consumer_settings(make_settings: Callable[..., Settings], short_broker: str) -> Callable[..., Settings]:
    """Settings for a runner on the test vhost with 1,2 s tiers; keyword overrides win."""
    def build(**overrides: Any) -> Settings:
        base = {"AMQP_URL": short_broker, "RETRY_DELAYS": "1,2", "MAX_ATTEMPTS": "3",
                "CONSUMER_CONCURRENCY": "4"}
        return make_settings(**{**base, **{key.upper(): value for key, value in overrides.items()}})
    return build


@pytest.fixture
def start_runner() -> Iterator[Callable[..., RunningRunner]]:
    """Start ``Runner(settings, entities, handler, reporter, **options)`` in a thread; stopped at teardown."""
    started: list[RunningRunner] = []

    def start(settings: Settings, entities: list[str], handler: Any, reporter: Any = None,
              **options: Any) -> RunningRunner:
        options.setdefault("poll_interval", 0.05)
        runner = Runner(settings, entities, handler, *([reporter] if reporter else []), **options)
        running = RunningRunner(runner)
        running.thread.start()
        support.wait_for(lambda: runner.consuming.is_set() or not running.thread.is_alive(), 20,
                         message="the runner to consume")
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            with contextlib.suppress(Exception):
                running.stop()


@pytest.fixture
def proxy(broker_url: str) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the broker; ``proxy.url_for(url)`` points a client at it, ``drop()`` cuts it off."""
    with TcpProxy(("127.0.0.1", urlsplit(broker_url).port or 5672)) as tcp_proxy:
        yield tcp_proxy





