"""Settling finished deliveries: on a recording channel, then against the real RabbitMQ through the runner."""

from __future__ import annotations

import threading
from typing import Any

from broker.topology import entity_queue
from consumers.dispatch import Outcome
from consumers.settling import Settler
from consumers.worker import ACK, REQUEUE, Delivery
from tests import support
from tests.consumers.helpers import Recorder, Reports, depth, notification, publish, wait_for_rows


class RecordingChannel:
    """Stands in for the consuming channel: records what would go to the broker."""

    def __init__(self) -> None:
        self.is_open = True
        self.sent: list[tuple[Any, ...]] = []

    def basic_ack(self, tag: int, multiple: bool = False) -> None:
        self.sent.append(("ack", tag, multiple))

    def basic_nack(self, tag: int, requeue: bool = True) -> None:
        self.sent.append(("nack", tag, requeue))


class RecordingConnection:
    """Stands in for the consuming connection: counts wake-ups, or refuses them once closed."""

    def __init__(self) -> None:
        self.wakeups = 0
        self.closed = False

    def add_callback_threadsafe(self, callback: Any) -> None:
        if self.closed:
            raise RuntimeError("connection closed")
        self.wakeups += 1


class Link:
    """What a ``Settler`` reads of the consuming connection: its connection, channel and generation."""

    def __init__(self) -> None:
        self.connection: RecordingConnection | None = RecordingConnection()
        self.channel: RecordingChannel | None = RecordingChannel()
        self.generation = 1


def settler_on(link: Link, tags: range, hold: int = 0) -> Settler:
    settler = Settler(link, hold)  # type: ignore[arg-type]
    settler.new_channel()
    for tag in tags:
        settler.received(tag)
    return settler


def delivery(tag: int, generation: int = 1) -> Delivery:
    return Delivery(generation, tag, "product", f"m{tag}", {}, b"{}", None)


def test_finished_deliveries_in_front_are_acked_with_one_multiple_ack() -> None:
    link = Link()
    settler = settler_on(link, range(1, 4))
    for tag in (2, 1):
        settler.settle(delivery(tag), ACK)
    assert link.channel.sent == []  # acks wait for send_acks
    settler.send_acks()
    assert link.channel.sent == [("ack", 2, True)]
    assert settler.counts == {ACK: 2}


def test_a_requeue_is_sent_at_once_and_a_multiple_ack_goes_past_it() -> None:
    link = Link()
    settler = settler_on(link, range(1, 4))
    settler.settle(delivery(2), REQUEUE)
    assert link.channel.sent == [("nack", 2, True)]
    settler.settle(delivery(1), ACK)
    settler.settle(delivery(3), ACK)
    settler.send_acks()
    assert link.channel.sent[1:] == [("ack", 3, True)]
    assert settler.counts == {ACK: 2, REQUEUE: 1}


def test_held_acks_behind_an_unfinished_delivery_go_out_one_by_one_when_everything_is_due() -> None:
    link = Link()
    settler = settler_on(link, range(1, 4), hold=5)
    settler.settle(delivery(2), ACK)
    settler.settle(delivery(3), ACK)
    settler.send_acks()
    assert link.channel.sent == []  # held: delivery 1 is still being worked on
    settler.send_acks(everything=True)
    assert link.channel.sent == [("ack", 2, False), ("ack", 3, False)]


def test_results_of_a_channel_that_is_gone_are_stale_and_not_sent() -> None:
    link = Link()
    settler = settler_on(link, range(1, 3))
    settler.settle(delivery(1, generation=0), ACK)  # delivered on the connection before
    link.channel.is_open = False
    settler.settle(delivery(2), REQUEUE)
    settler.send_acks()
    link.channel = None
    settler.settle(delivery(2), ACK)
    settler.send_acks()
    assert settler.counts == {"stale": 3}


def test_a_delivery_turned_away_is_requeued_at_once_and_not_counted() -> None:
    link = Link()
    settler = settler_on(link, range(1, 3))
    settler.turn_away(link.channel, 1)
    settler.settle(delivery(2), ACK)
    settler.send_acks()
    assert link.channel.sent == [("nack", 1, True), ("ack", 2, True)]
    assert settler.counts == {ACK: 1}


def test_posted_results_wake_the_io_thread_once_until_it_collects() -> None:
    link = Link()
    settler = settler_on(link, range(1, 4))
    for tag in (1, 2):
        settler.post([(delivery(tag), ACK)])
        settler.wake()
    assert link.connection.wakeups == 1
    settler.collect()
    settler.post([(delivery(3), ACK)])
    settler.wake()
    assert link.connection.wakeups == 2
    settler.collect_next(timeout=0.01)
    settler.collect_next(timeout=0.01)  # nothing more: returns after the timeout
    settler.send_acks()
    assert link.channel.sent == [("ack", 3, True)]


def test_a_wake_up_without_an_open_connection_is_left_to_the_io_thread() -> None:
    link = Link()
    settler = settler_on(link, range(1, 2))
    link.connection.closed = True
    settler.wake()
    settler.collect()
    link.connection = None
    settler.wake()
    settler.post([(delivery(1), ACK)])
    settler.collect()
    settler.send_acks()
    assert link.channel.sent == [("ack", 1, True)]


def test_messages_finished_behind_a_slow_one_are_acked_so_only_the_slow_one_comes_back(
        consumer_settings, start_runner, proxy, amqp_channel) -> None:
    release = threading.Event()
    handler = Recorder(lambda notes: (release.wait(20) if notes[0].key == "SLOW" else None, Outcome())[1])
    reports = Reports()
    settings = consumer_settings(AMQP_URL=proxy.url_for(consumer_settings().amqp_url), CONSUMER_CONCURRENCY=2,
                                 CONSUMER_PREFETCH=10)  # up to 4 acks held behind an unfinished delivery
    running = start_runner(settings, ["product"], handler, reports)
    publish(amqp_channel, notification("SLOW", "s1"))
    support.wait_for(lambda: handler.calls_for("SLOW"), message="the slow call")
    for index in range(8):
        publish(amqp_channel, notification(f"FAST-{index}", f"f{index}"))
    support.wait_for(lambda: running.runner.counts["ack"] == 8, message="the 8 fast messages acked")
    proxy.drop()  # the slow message was never acked, not even by a multiple ack: the broker redelivers it
    support.wait_for(lambda: running.runner.connections == 2 and running.runner.waiting == 1,
                     message="the slow message redelivered (waiting for its first handling to end)")
    release.set()
    support.wait_for(lambda: len(handler.calls_for("SLOW")) == 2, message="the slow message handled again")
    wait_for_rows(reports, 10)
    running.stop()
    assert all(handler.calls_for(f"FAST-{index}") == [[f"f{index}"]] for index in range(8))
    assert depth(amqp_channel, entity_queue("product")) == 0
