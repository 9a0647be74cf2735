"""The receiver's broker link through a TCP proxy: outages answer 503, recovery needs no restart."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from bench.tcp_proxy import TcpProxy
from bridge.app import intake_of
from broker.link import BrokerLink
from broker.topology import entity_queue, topology
from core.entities import ENTITIES
from core.errors import BrokerUnavailable
from schemas.notification import Notification
from tests import support
from tests.bridge.conftest import TOKEN, HoldingProxy, drain, notification, proxied_url

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def post(client, event_id: str) -> int:
    return client.post("/webhooks/magento", data=notification(event_id), headers=BEARER).status_code


def test_an_outage_answers_503_and_the_receiver_recovers_without_restart(
        make_app: Callable[..., Flask], broker: str, broker_proxy: TcpProxy, amqp_channel) -> None:
    client = make_app(amqp_url=proxied_url(broker, broker_proxy), publish_timeout_seconds="1").test_client()
    assert post(client, "evt-before") == 202

    broker_proxy.cut()
    statuses = [post(client, f"evt-during-{n}") for n in range(5)]
    readiness = client.get("/readyz")
    broker_proxy.restore()

    assert statuses == [503] * 5
    assert readiness.status_code == 503 and readiness.headers["Retry-After"]
    support.wait_for(lambda: post(client, "evt-after") == 202, 20, message="the receiver to publish again")
    assert client.get("/readyz").status_code == 200
    ids = [properties.message_id for properties, _ in drain(amqp_channel, entity_queue("product"))]
    assert ids == ["evt-before", "evt-after"]


def test_the_receiver_starts_with_the_broker_down_and_accepts_once_it_is_reachable(
        make_app: Callable[..., Flask], broker: str, broker_proxy: TcpProxy, amqp_channel) -> None:
    broker_proxy.cut()
    client = make_app(amqp_url=proxied_url(broker, broker_proxy), publish_timeout_seconds="0.5").test_client()
    first = client.post("/webhooks/magento", data=notification("evt-early"), headers=BEARER)
    assert first.status_code == 503
    assert first.json["error"].startswith("the broker is unavailable")
    assert first.headers["Retry-After"] == "5"
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200

    broker_proxy.restore()
    support.wait_for(lambda: post(client, "evt-early") == 202, 20, message="the first connection")
    assert [p.message_id for p, _ in drain(amqp_channel, entity_queue("product"))] == ["evt-early"]


def test_broker_link_publishes_to_the_events_exchange(broker: str, amqp_channel) -> None:
    link = BrokerLink(broker, topology(ENTITIES, (5, 30, 120, 600, 1800)), publish_timeout=3)
    try:
        link.publish(Notification(id="evt-link", entity="stock", action="save", key="MB-01"))
        assert link.ready
    finally:
        link.close()
    [(properties, body)] = drain(amqp_channel, entity_queue("stock"))
    assert properties.message_id == "evt-link"
    assert properties.content_type == "application/json"
    assert b'"key":"MB-01"' in body


def test_broker_link_fails_fast_after_its_start_up_grace(broker_proxy: TcpProxy, broker: str) -> None:
    broker_proxy.cut()
    link = BrokerLink(proxied_url(broker, broker_proxy), topology(), publish_timeout=0.2)
    try:
        with pytest.raises(BrokerUnavailable, match="not connected"):
            link.publish(Notification(id="e", entity="product", action="save", key="A"))
        assert not link.ready
    finally:
        link.close()


def test_a_refused_layout_answers_503_until_it_is_fixed(make_app: Callable[..., Flask],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """A queue declared elsewhere with other arguments stops the receiver's declaration: 503, then recovery."""
    import pika

    from broker.amqp import connection_parameters

    with support.temporary_vhost("bridge-layout") as url:
        connection = pika.BlockingConnection(connection_parameters(url, name="test-conflict"))
        try:
            connection.channel().queue_declare("magento.order", durable=True)  # classic, not quorum
            client = make_app(amqp_url=url, publish_timeout_seconds="0.5").test_client()
            assert post(client, "evt-conflict") == 503
            assert client.get("/readyz").status_code == 503
            support.wait_for(lambda: "refused the declared layout" in caplog.text, 10, message="the refusal logged")
            connection.channel().queue_delete("magento.order")
        finally:
            connection.close()
        support.wait_for(lambda: post(client, "evt-conflict") == 202, 20, message="the layout to be declared")


def test_readyz_is_503_while_confirms_do_not_come_back_and_200_once_they_do(
        make_app: Callable[..., Flask], broker: str, holding_proxy: HoldingProxy) -> None:
    client = make_app(amqp_url=proxied_url(broker, holding_proxy), publish_timeout_seconds="0.5").test_client()
    assert post(client, "evt-flowing") == 202
    assert client.get("/readyz").status_code == 200

    holding_proxy.hold()
    assert post(client, "evt-held") == 503  # the connection is still open: only the missing confirm shows it
    support.wait_for(lambda: client.get("/readyz").status_code == 503, 10, message="readyz to see the stall")
    readiness = client.get("/readyz")
    holding_proxy.release()

    assert "no publisher confirm came back" in readiness.json["error"]
    assert readiness.headers["Retry-After"]
    support.wait_for(lambda: client.get("/readyz").status_code == 200, 10, message="readyz after the stall")


def test_readyz_is_503_when_the_publisher_thread_died_and_the_receiver_starts_a_new_one(
        make_app: Callable[..., Flask]) -> None:
    app = make_app(publish_timeout_seconds="1")
    client = app.test_client()
    support.wait_for(lambda: client.get("/readyz").status_code == 200, 10, message="the first connection")
    intake_of(app).broker.start().close()  # its I/O thread ends, as if it had died

    readiness = client.get("/readyz")
    assert readiness.status_code == 503
    assert readiness.json["details"]["broker"] in ("the broker is not connected",
                                                   "the publisher's I/O thread is not running")
    support.wait_for(lambda: client.get("/readyz").status_code == 200, 10, message="a new publisher")
    assert post(client, "evt-new-thread") == 202


def test_a_publish_after_the_publisher_thread_stopped_goes_through_a_new_one(broker: str, amqp_channel) -> None:
    link = BrokerLink(broker, topology(ENTITIES, (5, 30, 120, 600, 1800)), publish_timeout=3)
    try:
        link.publish(Notification(id="evt-first-thread", entity="stock", action="save", key="MB-01"))
        link.start().close()  # its I/O thread ends, as if it had died
        link.publish(Notification(id="evt-second-thread", entity="stock", action="save", key="MB-01"))
    finally:
        link.close()
    assert [p.message_id for p, _ in drain(amqp_channel, entity_queue("stock"))] == ["evt-first-thread",
                                                                                    "evt-second-thread"]
