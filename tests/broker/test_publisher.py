"""The pipelining publisher on a real broker: confirms, returns, lost connections, refused layouts."""

from __future__ import annotations

import concurrent.futures

import pika
import pytest

from bench.tcp_proxy import TcpProxy
from broker.amqp import connection_parameters
from broker.publisher import Publisher
from broker.topology import EVENTS_EXCHANGE, entity_queue, topology
from core.errors import BrokerUnavailable, MessageUnroutable
from tests import support
from tests.bridge.conftest import HoldingProxy, proxied_url


@pytest.fixture
def publisher(broker: str):
    started = Publisher(broker, name="test-publisher").start()
    assert started.wait_ready(10)
    yield started
    started.close()


def test_concurrent_publishes_are_all_confirmed_and_queued(publisher: Publisher, amqp_channel) -> None:
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda n: publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id=f"m-{n}"),
                      range(200)))
    assert amqp_channel.queue_declare(entity_queue("stock"), passive=True).method.message_count == 200


def test_a_message_no_queue_takes_is_unroutable(publisher: Publisher) -> None:
    with pytest.raises(MessageUnroutable, match="no queue is bound"):
        publisher.publish(EVENTS_EXCHANGE, "quote.save", b"{}", message_id="m-unroutable")


def test_a_lost_connection_fails_fast_and_the_publisher_reconnects(broker: str, broker_proxy: TcpProxy) -> None:
    publisher = Publisher(proxied_url(broker, broker_proxy), name="test-publisher", max_reconnect_delay=0.5)
    try:
        assert publisher.start().wait_ready(10)
        broker_proxy.cut()
        support.wait_for(lambda: not publisher.ready, 10, message="the lost connection to be noticed")
        with pytest.raises(BrokerUnavailable):
            publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id="m-cut")
        broker_proxy.restore()
        assert publisher.wait_ready(20)
        publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id="m-back")
    finally:
        publisher.close()


def test_a_refused_layout_keeps_it_unready_until_fixed() -> None:
    with support.temporary_vhost("bridge-publisher") as url:
        connection = pika.BlockingConnection(connection_parameters(url, name="test-conflict"))
        try:
            connection.channel().queue_declare(entity_queue("invoice"), durable=True)  # classic, not quorum
            publisher = Publisher(url, name="test-publisher", layout=topology(), max_reconnect_delay=0.5).start()
            try:
                assert not publisher.wait_ready(1.5)
                connection.channel().queue_delete(entity_queue("invoice"))
                assert publisher.wait_ready(20)
            finally:
                publisher.close()
        finally:
            connection.close()


def test_a_message_pika_cannot_frame_fails_alone_and_the_io_thread_survives(publisher: Publisher,
                                                                              amqp_channel) -> None:
    with pytest.raises(BrokerUnavailable, match="could not be published.*ShortStringTooLong"):
        publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id="é" * 255)  # 510 bytes
    publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id="m-after")
    assert publisher.running and publisher.health() is None
    assert amqp_channel.queue_declare(entity_queue("stock"), passive=True).method.message_count == 1


def test_an_error_in_an_io_thread_callback_is_survived(publisher: Publisher) -> None:
    def broken() -> None:
        raise RuntimeError("a callback bug")

    publisher._call_in_io_thread(broken)
    publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id="m-after-bug")
    assert publisher.running


def test_health_says_when_confirms_stop_coming_back_and_recovers(broker: str, holding_proxy: HoldingProxy) -> None:
    publisher = Publisher(proxied_url(broker, holding_proxy), name="test-publisher", confirm_timeout=0.5)
    try:
        assert publisher.start().wait_ready(10)
        assert publisher.health() is None
        holding_proxy.hold()
        with pytest.raises(BrokerUnavailable, match="did not confirm"):
            publisher.publish(EVENTS_EXCHANGE, "stock.save", b"{}", message_id="m-held")
        support.wait_for(lambda: publisher.health(), 10, message="the stall to be reported")
        assert "no publisher confirm came back for more than 0.5 s" in publisher.health()
        holding_proxy.release()
        support.wait_for(lambda: publisher.health() is None, 10, message="confirms to flow again")
    finally:
        holding_proxy.release()
        publisher.close()


def test_health_names_a_stopped_io_thread(broker: str) -> None:
    publisher = Publisher(broker, name="test-publisher")
    assert publisher.health() == "the publisher's I/O thread is not running"
    assert publisher.start().wait_ready(10)
    publisher.close()
    assert publisher.health() == "the publisher's I/O thread is not running"


def test_an_unreachable_broker_is_named_once_per_outage_not_at_every_attempt(caplog: pytest.LogCaptureFixture) -> None:
    port = support.free_port()
    publisher = Publisher(f"amqp://guest:guest@127.0.0.1:{port}/", name="test-publisher", max_reconnect_delay=0.05)
    try:
        with caplog.at_level("DEBUG", logger="broker.publisher"):
            publisher.start()
            support.wait_for(lambda: publisher.connection_attempts >= 3, 10, message="three connection attempts")
    finally:
        publisher.close()
    lines = [record.getMessage() for record in caplog.records if "broker" in record.getMessage()]
    assert lines == [f"cannot reach the broker at 127.0.0.1:{port}: connection refused; retrying"]
