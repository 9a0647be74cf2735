"""The broker layout: names operators see, and the arguments that make retries and dead letters safe."""

from __future__ import annotations

from typing import Any

import pika

from broker import topology as t


def test_names_are_the_documented_ones():
    layout = t.topology(["product"], [5, 30])
    assert [q.name for q in layout.queues] == [
        "magento.product", "magento.product.dead", "magento.retry.5s", "magento.retry.30s"]
    assert {(e.name, e.type) for e in layout.exchanges} == {("magento.events", "topic"), ("erp.events", "topic"),
                                                          ("magento.retry", "headers")}


def test_entity_queue_dead_letters_poison_messages_at_least_once():
    main = t.topology(["order"]).queues[0]
    assert main.arguments["x-queue-type"] == "quorum"
    assert main.arguments["x-dead-letter-routing-key"] == "magento.order.dead"
    assert main.arguments["x-dead-letter-strategy"] == "at-least-once"
    assert main.arguments["x-delivery-limit"] == t.DELIVERY_LIMIT


def test_entity_of_queue():
    assert t.entity_of_queue("magento.stock") == "stock"
    assert t.entity_of_queue("magento.stock.dead") == "stock"
    assert t.entity_of_queue("magento.retry.5s") is None
    assert t.entity_of_queue("magento.widget") is None


def first_body(connection: pika.BlockingConnection, channel: Any, queue: str, seconds: float = 6) -> bytes | None:
    """The body of the first message to arrive in ``queue`` within ``seconds`` (taken), or None."""
    for _ in range(int(seconds * 10)):
        method, _props, body = channel.basic_get(queue, auto_ack=True)
        if method:
            return body
        connection.sleep(0.1)
    return None


def test_a_retried_message_comes_back_to_its_entity_queue(broker_url):
    """Through the real broker: headers exchange -> tier queue -> TTL -> default exchange -> entity queue."""
    from broker.amqp import connection_parameters, declare

    layout = t.topology(["customer"], [1])
    connection = pika.BlockingConnection(connection_parameters(broker_url, name="test-topology"))
    try:
        channel = connection.channel()
        declare(channel, layout)
        channel.queue_purge("magento.customer")
        channel.confirm_delivery()
        channel.basic_publish(t.RETRY_EXCHANGE, t.entity_queue("customer"), b"{}",
                              pika.BasicProperties(delivery_mode=2, headers={t.RETRY_TIER_HEADER: "1s"}),
                              mandatory=True)
        assert channel.queue_declare("magento.retry.1s", passive=True).method.message_count == 1
        assert first_body(connection, channel, "magento.customer") == b"{}"
    finally:
        connection.close()


def test_the_erp_direction_has_its_exchange_queues_and_bindings():
    layout = t.topology(["stock", "erp.stock"], [5])
    assert {exchange.name for exchange in layout.exchanges} == {"magento.events", "erp.events", "magento.retry"}
    assert {(b.queue, b.exchange, b.routing_key) for b in layout.bindings if b.exchange != t.RETRY_EXCHANGE} == {
        ("magento.stock", "magento.events", "stock.*"), ("erp.stock", "erp.events", "stock.*")}
    erp_queue = next(queue for queue in layout.queues if queue.name == "erp.stock")
    assert erp_queue.arguments["x-dead-letter-routing-key"] == "erp.stock.dead"
    assert (t.events_exchange(None), t.events_exchange("erp")) == ("magento.events", "erp.events")
    assert (t.entity_of_queue("erp.stock"), t.entity_of_queue("erp.stock.dead")) == ("erp.stock", "erp.stock")


def test_a_change_from_the_erp_reaches_only_the_erp_queue_and_its_retry_comes_back_there(broker_url):
    """Through the real broker: erp.events routes stock.save to erp.stock alone; a retry tier sends it back."""
    from broker.amqp import connection_parameters, declare

    connection = pika.BlockingConnection(connection_parameters(broker_url, name="test-topology-erp"))
    try:
        channel = connection.channel()
        declare(channel, t.topology(["stock", "erp.stock"], [1]))
        for queue in ("magento.stock", "erp.stock"):
            channel.queue_purge(queue)
        channel.confirm_delivery()
        channel.basic_publish(t.events_exchange("erp"), "stock.save", b"first", mandatory=True)
        assert channel.queue_declare("magento.stock", passive=True).method.message_count == 0
        method, _props, body = channel.basic_get("erp.stock", auto_ack=True)
        assert method is not None and body == b"first"
        channel.basic_publish(t.RETRY_EXCHANGE, t.entity_queue("erp.stock"), b"again",
                              pika.BasicProperties(delivery_mode=2, headers={t.RETRY_TIER_HEADER: "1s"}),
                              mandatory=True)
        assert first_body(connection, channel, "erp.stock") == b"again"
    finally:
        connection.close()
