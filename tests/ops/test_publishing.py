"""Listed records become notifications; a page is published and confirmed whole, or the call raises."""

from __future__ import annotations

import pytest
import tenacity

from broker.topology import entity_queue
from core.errors import BrokerUnavailable, MessageUnroutable
from magento.records import list_endpoint
from ops.publishing import backfill_event_id, event_id, listed_key, occurred_at, publish_all, reconcile_event_id
from schemas.notification import Notification
from tests.ops.helpers import bodies, drain, ids

ONCE = {"stop": tenacity.stop_after_attempt(1), "reraise": True}


def test_keys_and_times_come_from_the_list_item():
    products, orders = list_endpoint("product"), list_endpoint("order")
    assert listed_key(products, "product", {"id": 7, "sku": "24-MB 01/x"}) == "24-MB 01/x"
    assert listed_key(orders, "order", {"entity_id": 12}) == "12"
    assert listed_key(orders, "order", {"entity_id": None}) is None
    assert listed_key(products, "product", {"id": 7, "sku": ""}) is None
    assert occurred_at(products, {"updated_at": "2024-05-01 10:00:00"}) == "2024-05-01T10:00:00.000Z"
    assert occurred_at(products, {"updated_at": "yesterday"}) is None
    assert occurred_at(list_endpoint("stock"), {"updated_at": "2024-05-01 10:00:00"}) is None


def test_a_page_goes_to_the_webhooks_exchange_confirmed(broker, publisher, amqp_channel):
    notes = [Notification(id=f"n{n}", entity="order", action="save", key=str(n), source="backfill")
             for n in range(1, 4)]
    publish_all(publisher, notes)
    messages = drain(amqp_channel, entity_queue("order"))
    assert ids(messages) == ["n1", "n2", "n3"] and bodies(messages)[0]["source"] == "backfill"


def test_an_unroutable_page_says_to_declare_the_topology(broker, publisher, amqp_channel):
    amqp_channel.queue_unbind(entity_queue("invoice"), "magento.events", "invoice.*")
    note = Notification(id="i1", entity="invoice", action="save", key="1")
    with pytest.raises(MessageUnroutable, match="declare the broker topology"):
        publish_all(publisher, [note])


def test_a_refusing_broker_raises_after_the_retries(broker):
    class Down:
        calls = 0

        def publish_async(self, *args, **kwargs):
            Down.calls += 1
            raise BrokerUnavailable("the broker is not connected")

    retry = {"stop": tenacity.stop_after_attempt(2), "wait": tenacity.wait_none(), "reraise": True,
             "retry": tenacity.retry_if_exception_type(BrokerUnavailable)}
    with pytest.raises(BrokerUnavailable):
        publish_all(Down(), [Notification(id="x", entity="order", action="save", key="1")], retry)
    assert Down.calls == 2


def test_ids_keep_their_readable_form_while_they_fit_in_an_amqp_message_id():
    assert backfill_event_id("r1", "product", "WB-RED") == "backfill-r1-product-WB-RED"
    assert reconcile_event_id("product", "WB-RED", "2024-05-01 10:00:00") == "reconcile-product-WB-RED-20240501T100000Z"
    fits = "x" * (255 - len("reconcile-product--20240501T100000Z"))
    assert reconcile_event_id("product", fits, "2024-05-01 10:00:00") == f"reconcile-product-{fits}-20240501T100000Z"


def test_a_long_key_is_hashed_into_a_stable_id_of_at_most_255_bytes():
    sku = "€" * 100  # 300 bytes
    hashed = reconcile_event_id("product", sku, "2024-05-01 10:00:00")
    assert hashed == reconcile_event_id("product", sku, "2024-05-01 10:00:00")
    assert hashed.startswith("reconcile-product-sha256-") and hashed.endswith("-20240501T100000Z")
    assert len(hashed.encode()) <= 255
    assert hashed != reconcile_event_id("product", sku + "€", "2024-05-01 10:00:00")
    hashed_form = event_id("backfill-r1-product", sku).removeprefix("backfill-r1-product-")
    assert event_id("backfill-r1-product", hashed_form) != event_id("backfill-r1-product", sku)  # one-to-one
