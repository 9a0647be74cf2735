"""Fixtures of the operations tests: settings on the test broker, dead letters as the consumer writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest

from broker.publisher import Publisher
from broker.topology import dead_queue
from consumers.retry import Decision, dead_headers
from core import parsing
from core.settings import Settings
from schemas.notification import Notification
from store.db import ensure_schema, make_engine
from store.erp_watermarks import ErpWatermarks
from tests.ops import helpers

MAGENTO_TOKEN = "ops-test-token-9d2e"


@pytest.fixture
def magento() -> Iterator[helpers.MagentoSandbox]:
    """The Magento sandbox (empty seed) served from a thread, with its admin API at hand."""
    from sandbox.magento.app import create_app, run_in_thread

    app = create_app(MAGENTO_TOKEN, "empty")
    with run_in_thread(app) as server:
        yield helpers.MagentoSandbox(app, server.url, MAGENTO_TOKEN)


@pytest.fixture
def settings(make_settings: Callable[..., Settings], broker: str, magento: helpers.MagentoSandbox) -> Settings:
    """Settings on the test broker, the sandbox Magento (fast in-process retries) and a fresh SQLite file."""
    return make_settings(AMQP_URL=broker, MAGENTO_BASE_URL=magento.url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN,
                         MAGENTO_RETRIES="1", MAGENTO_BACKOFF_SECONDS="0", MAGENTO_TIMEOUT="5")


@pytest.fixture
def client(settings: Settings) -> Iterator[Any]:
    from magento.client import MagentoClient

    with MagentoClient(settings, sleep=lambda _seconds: None) as made:
        yield made


@pytest.fixture
def engine(settings: Settings) -> Iterator[Any]:
    from store.db import ensure_schema, make_engine

    made = make_engine(settings.database_url)
    ensure_schema(made)
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture
def publisher(broker: str) -> Iterator[Publisher]:
    started = Publisher(broker, name="test-ops-publisher").start()
    assert started.wait_ready(10), "the test publisher could not connect"
    try:
        yield started
    finally:
        started.close()


@pytest.fixture
def watermarks(sqlite_url: str) -> Iterator[ErpWatermarks]:
    """The ERP poller's positions in a database of its own."""
    engine = make_engine(sqlite_url)
    ensure_schema(engine)
    yield ErpWatermarks(engine)
    engine.dispose()


def dead_letter(entity: str, key: str, *, event_id: str | None = None, error_class: str = "MagentoAuthError",
                error: str = "magento answered 401: The consumer isn't authorized to access Magento_Catalog::products.",
                attempts: int = 1, dead_at: dt.datetime | None = None, extra_headers: dict[str, Any] | None = None,
                body: bytes | None = None) -> tuple[Notification, bytes, dict[str, Any]]:
    """(notification, body, headers) of a dead letter exactly as the consumer runner writes one."""
    notification = Notification(id=event_id or helpers.event_id(entity, key), entity=entity, action="save",
                                key=key, occurred_at="2026-03-02T09:15:00Z", source="webhook")
    now = parsing.iso(dead_at or parsing.utc_now())
    headers = dead_headers(extra_headers or {}, Decision("dead", attempts, None, error_class, error), now)
    return notification, (body if body is not None else notification.to_body()), headers


@pytest.fixture
def put_dead(amqp_channel: Any) -> Callable[..., Notification]:
    """Put one dead letter in ``magento.<entity>.dead`` as the consumer runner does; returns its notification."""
    amqp_channel.confirm_delivery()

    def put(entity: str, key: str, **options: Any) -> Notification:
        notification, body, headers = dead_letter(entity, key, **options)
        amqp_channel.basic_publish("", dead_queue(entity), body,
                                   pika.BasicProperties(delivery_mode=2, message_id=notification.id,
                                                        headers=headers, content_type="application/json"),
                                   mandatory=True)
        return notification
    return put


@pytest.fixture
def put_many_dead(publisher: Publisher) -> Callable[[str, list[str]], None]:
    """Put many dead letters at once (pipelined confirms), one per key."""
    def put(entity: str, keys: list[str]) -> None:
        futures = []
        for key in keys:
            notification, body, headers = dead_letter(entity, key)
            futures.append(publisher.publish_async("", dead_queue(entity), body, message_id=notification.id,
                                                   headers=headers))
        for future in futures:
            future.result(30)
    return put
