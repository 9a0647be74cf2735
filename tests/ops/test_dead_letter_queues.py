"""Dead letters on the real broker: reading loses nothing, replay acks only confirmed copies, purge is exact."""

from __future__ import annotations

import datetime as dt
import signal
import sys
import time

import pytest

from broker.topology import H_ATTEMPTS, H_DEAD_AT, H_ERROR, dead_queue, entity_queue
from core.errors import BrokerUnavailable
from ops import dead_letter_queues
from ops.dead_letters import H_REPLAYED_ERROR_CLASS, H_REPLAYS, Selection
from tests import support
from tests.ops.helpers import bodies, depth, drain, ids, peek

SKUS = [f"SKU-{n:03d}" for n in range(12)]


class FailingAfter:
    """A publisher that confirms ``good`` copies, then finds the broker gone."""

    def __init__(self, publisher, good: int) -> None:
        self.publisher, self.left = publisher, good
        self.sent: list[str] = []

    def publish_async(self, exchange, routing_key, body, *, message_id, headers=None):
        if self.left == 0:
            raise BrokerUnavailable("the broker connection was lost: test")
        self.left -= 1
        self.sent.append(message_id)
        return self.publisher.publish_async(exchange, routing_key, body, message_id=message_id, headers=headers)


def test_listing_leaves_every_dead_letter_in_place_and_in_order(broker, amqp_channel, put_dead):
    for sku in SKUS:
        put_dead("product", sku)
    put_dead("order", "7")
    before = ids(peek(amqp_channel, dead_queue("product")))
    letters = dead_letter_queues.list_letters(broker, Selection())
    assert [letter.key for letter in letters] == SKUS + ["7"]
    assert ids(peek(amqp_channel, dead_queue("product"))) == before
    assert [letter.key for letter in dead_letter_queues.list_letters(broker, Selection(entities=("order",)))] == ["7"]


def test_replay_sends_each_chosen_letter_back_by_reference_then_removes_it(broker, amqp_channel, put_dead,
                                                                           publisher):
    for sku in SKUS[:3]:
        put_dead("product", sku, attempts=8, error_class="ErpUnavailable", error="erp answered 503")
    put_dead("customer", "5")
    result = dead_letter_queues.replay(broker, Selection.build(entity="product"), publisher)
    assert (result.replayed, result.not_replayed, result.interrupted_by) == (3, 0, None)
    assert depth(amqp_channel, dead_queue("product")) == 0
    assert depth(amqp_channel, dead_queue("customer")) == 1
    copies = drain(amqp_channel, entity_queue("product"))
    assert ids(copies) == [f"evt-product-{sku}" for sku in SKUS[:3]]
    assert {body["source"] for body in bodies(copies)} == {"replay"}
    headers = copies[0][0].headers
    assert H_ATTEMPTS not in headers and H_DEAD_AT not in headers and H_ERROR not in headers
    assert headers[H_REPLAYS] == 1 and headers[H_REPLAYED_ERROR_CLASS] == "ErpUnavailable"


def test_replay_by_id_and_by_time(broker, amqp_channel, put_dead, publisher):
    old = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    put_dead("order", "1", dead_at=old)
    put_dead("order", "2", dead_at=old)
    put_dead("invoice", "3")
    assert dead_letter_queues.replay(broker, Selection.build(ids=["evt-order-2"]), publisher).replayed == 1
    assert ids(drain(amqp_channel, entity_queue("order"))) == ["evt-order-2"]
    recent = dead_letter_queues.replay(broker, Selection.build(since=old + dt.timedelta(days=1)), publisher)
    assert recent.replayed == 1 and ids(drain(amqp_channel, entity_queue("invoice"))) == ["evt-invoice-3"]
    assert ids(peek(amqp_channel, dead_queue("order"))) == ["evt-order-1"]


def test_an_interrupted_replay_loses_nothing(broker, amqp_channel, put_dead, publisher):
    for sku in SKUS:
        put_dead("product", sku)
    failing = FailingAfter(publisher, good=5)
    result = dead_letter_queues.replay(broker, Selection.build(everything=True), failing)
    assert result.replayed == 5 and "connection was lost" in result.interrupted_by
    replayed = ids(drain(amqp_channel, entity_queue("product")))
    still_dead = ids(peek(amqp_channel, dead_queue("product")))
    assert replayed == failing.sent
    assert still_dead == [f"evt-product-{sku}" for sku in SKUS[5:]]  # in their original order
    assert sorted(replayed + still_dead) == sorted(f"evt-product-{sku}" for sku in SKUS)


def test_a_letter_that_dies_again_during_the_replay_is_not_replayed_twice(broker, amqp_channel, put_dead,
                                                                         publisher):
    for sku in SKUS[:4]:
        put_dead("product", sku)

    class DyingAgain:
        def publish_async(self, exchange, routing_key, body, *, message_id, headers=None):
            put_dead("product", message_id.removeprefix("evt-product-"), error="died again")
            return publisher.publish_async(exchange, routing_key, body, message_id=message_id, headers=headers)

    result = dead_letter_queues.replay(broker, Selection.build(entity="product"), DyingAgain())
    assert result.replayed == 4
    assert [letter.error for letter in dead_letter_queues.list_letters(broker, Selection())] == ["died again"] * 4


def test_a_dead_letter_that_is_not_a_notification_stays_and_is_named(broker, amqp_channel, put_dead, publisher):
    put_dead("order", "9", body=b"{oops")
    put_dead("order", "10")
    result = dead_letter_queues.replay(broker, Selection.build(entity="order"), publisher)
    assert result.replayed == 1 and [letter.key for letter in result.unreplayable] == [None]
    assert depth(amqp_channel, dead_queue("order")) == 1


def test_a_dry_run_changes_nothing(broker, amqp_channel, put_dead):
    put_dead("order", "1")
    result = dead_letter_queues.replay(broker, Selection.build(everything=True), publisher=None, dry_run=True)
    assert [letter.key for letter in result.selected] == ["1"] and result.replayed == 0
    assert depth(amqp_channel, dead_queue("order")) == 1 and depth(amqp_channel, entity_queue("order")) == 0


def test_purge_removes_exactly_what_it_announced_and_only_when_confirmed(broker, amqp_channel, put_dead):
    for key in ("1", "2", "3"):
        put_dead("order", key)
    announced = []
    dead_letter_queues.purge(broker, Selection.build(ids=["evt-order-2"]), confirmed=False, announce=announced.append)
    assert depth(amqp_channel, dead_queue("order")) == 3
    removed = dead_letter_queues.purge(broker, Selection.build(ids=["evt-order-2"]), confirmed=True,
                                       announce=announced.append)
    assert [letter.key for letter in removed] == ["2"] and [[x.key for x in a] for a in announced] == [["2"], ["2"]]
    assert ids(peek(amqp_channel, dead_queue("order"))) == ["evt-order-1", "evt-order-3"]


def test_a_missing_queue_is_a_clear_error(broker_url):
    with dead_letter_queues.DeadLetterQueues(broker_url) as queues:
        with pytest.raises(dead_letter_queues.DlqError, match="declare the topology"):
            queues.depth("no-such-entity")


def test_a_replay_killed_midway_loses_nothing(broker, amqp_channel, put_many_dead):
    """SIGKILL the real command mid-replay: every dead letter is either still dead or replayed."""
    keys = [f"K{n:05d}" for n in range(3000)]
    put_many_dead("stock", keys)
    args = [sys.executable, "-m", "ops.cli", "dlq", "replay", "--entity", "stock"]
    with support.running(args, env={"AMQP_URL": broker, "LOG_LEVEL": "WARNING"}) as proc:
        support.wait_for(lambda: depth(amqp_channel, entity_queue("stock")) >= 300 or proc.poll() is not None,
                         timeout=60, interval=0.005, message="the replay to start")
        support.stop(proc, signal.SIGKILL)
    replayed = set(ids(drain(amqp_channel, entity_queue("stock"))))
    still_dead = set(ids(drain(amqp_channel, dead_queue("stock"))))
    assert replayed | still_dead == {f"evt-stock-{key}" for key in keys}
    print(f"killed after {len(replayed)} of {len(keys)} copies; {len(replayed & still_dead)} would be replayed twice")


def test_replay_throughput(broker, amqp_channel, put_many_dead, publisher):
    """A figure, not an assertion: how many dead letters a replay moves per second on this machine."""
    keys = [f"T{n:05d}" for n in range(2000)]
    put_many_dead("product", keys)
    started = time.perf_counter()
    result = dead_letter_queues.replay(broker, Selection.build(entity="product"), publisher)
    elapsed = time.perf_counter() - started
    assert result.replayed == len(keys) and depth(amqp_channel, dead_queue("product")) == 0
    print(f"replayed {result.replayed} dead letters in {elapsed:.2f} s ({result.replayed / elapsed:,.0f}/s)")


def test_a_message_the_broker_dead_lettered_is_listed_and_replayed(broker, amqp_channel, publisher):
    """A poison message: delivered DELIVERY_LIMIT + 1 times without an ack, RabbitMQ moves it to the dead queue."""
    from broker.topology import DELIVERY_LIMIT
    from schemas.notification import Notification
    from tests.ops.helpers import wait_for_depth

    note = Notification(id="evt-poison", entity="order", action="save", key="31")
    publisher.publish("", entity_queue("order"), note.to_body(), message_id=note.id)
    for _ in range(DELIVERY_LIMIT + 1):
        method, _properties, _body = amqp_channel.basic_get(entity_queue("order"))
        amqp_channel.basic_nack(method.delivery_tag, requeue=True)
    wait_for_depth(amqp_channel, dead_queue("order"), 1)
    [letter] = dead_letter_queues.list_letters(broker, Selection.build(entity="order"))
    assert (letter.id, letter.key, letter.error_class) == ("evt-poison", "31", "DeliveryLimitExceeded")
    assert letter.attempts == DELIVERY_LIMIT + 1 and letter.dead_at
    assert dead_letter_queues.replay(broker, Selection.build(ids=["evt-poison"]), publisher).replayed == 1
    [(properties, _body)] = drain(amqp_channel, entity_queue("order"))
    assert "x-death" not in properties.headers and properties.headers["bridge-replayed-error-class"] == \
        "DeliveryLimitExceeded"
