"""A receiver whose duplicate-detection database is unreachable at start-up starts, stays ready, and catches up."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from bench.tcp_proxy import TcpProxy
from bridge.app import intake_of
from store.db import seen_events
from store.seen_events import SeenEvents
from tests import support
from tests.bridge.conftest import TOKEN, notification

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_proxy() -> Iterator[TcpProxy]:
    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        yield proxy


def post(client, event_id: str) -> int:
    return client.post("/webhooks/magento", data=notification(event_id), headers=BEARER).status_code


def stored(url: str, event_id: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.select(seen_events.c.event_id).where(
                seen_events.c.event_id == event_id)).first() is not None
    finally:
        engine.dispose()


def test_the_receiver_starts_without_its_database_stays_ready_and_creates_the_schema_later(
        make_app: Callable[..., Flask], postgres_url: str, postgres_proxy: TcpProxy, amqp_channel,
        caplog: pytest.LogCaptureFixture) -> None:
    postgres_proxy.cut()
    app = make_app(database_url=postgres_proxy.url_for(postgres_url))
    client = app.test_client()

    support.wait_for(lambda: client.get("/readyz").status_code == 200, 10, message="the broker link")
    readiness = client.get("/readyz").json
    assert readiness["status"] == "ready"
    assert "duplicate-detection database is unreachable" in readiness["degraded"]["duplicate_detection"]
    assert post(client, "evt-no-db") == 202
    assert caplog.text.count("duplicate-detection database unreachable at start-up") == 1

    postgres_proxy.restore()
    support.wait_for(lambda: "degraded" not in client.get("/readyz").json, 30, message="the schema to be created")
    assert post(client, "evt-with-db") == 202
    store = intake_of(app).store
    assert isinstance(store, SeenEvents) and store.flush(10)
    assert stored(postgres_url, "evt-with-db")
    assert post(client, "evt-with-db") == 200
