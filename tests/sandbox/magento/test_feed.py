"""The change feed: Standard Webhooks signatures (checked here with our own HMAC), suppress, retries, emit-all."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from sandbox.magento.feed import Feed, sign
from sandbox.magento.store import Change
from schemas.notification import Notification
from tests.sandbox.magento.conftest import START
from tests.support import free_port

SECRET = "whsec_" + base64.b64encode(b"sandbox-feed-test-key-32-bytes!!").decode()


def configure(client, receiver, suppress: bool = False) -> None:
    response = client.put("/__sandbox/feed", json={"url": receiver.url, "secret": SECRET, "suppress": suppress})
    assert response.status_code == 200, response.get_data(as_text=True)


def flush(client) -> dict:
    status = client.post("/__sandbox/feed/flush", json={"timeout": 10}).json
    assert status["idle"]
    return status


def verify(entry: dict) -> dict:
    """Check one received webhook the way a receiver must: HMAC-SHA256 over "{id}.{timestamp}.{body}"."""
    headers, body = {k.lower(): v for k, v in entry["headers"].items()}, entry["body"]
    key = base64.b64decode(SECRET[len("whsec_"):])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    message = json.loads(body)
    assert message["id"] == headers["webhook-id"]
    return message


def test_a_touch_sends_a_signed_notification_in_the_bridges_format(client, receiver):
    configure(client, receiver)
    client.post("/__sandbox/touch/product/BAG%2FTOTE-01", json={"name": "Tote"})
    flush(client)
    [entry] = receiver.received
    message = verify(entry)
    assert {k: message[k] for k in ("entity", "action", "key")} == {"entity": "product", "action": "save",
                                                                     "key": "BAG/TOTE-01"}
    assert message["occurred_at"] == "2024-06-01T12:00:00.000Z"
    notification = Notification.from_body(entry["body"])  # the receiver's own schema accepts it
    assert notification.record == ("product", "BAG/TOTE-01") and notification.source == "sandbox"


def test_rest_writes_notify_every_record_they_change(api, client, receiver):
    configure(client, receiver)
    api.put("/V1/products/NW-STOVE", {"product": {"extension_attributes": {"stock_item": {"qty": 3}}}})
    api.post("/V1/order/5/invoice", {})
    flush(client)
    assert [(m["entity"], m["key"]) for m in map(verify, receiver.received)] == [
        ("product", "NW-STOVE"), ("stock", "NW-STOVE"), ("invoice", "3"), ("order", "5")]


def test_a_refused_write_notifies_nothing(api, client, receiver):
    configure(client, receiver)
    assert api.post("/V1/order/1/invoice", {}).status_code == 400
    assert flush(client)["sent"] == 0 and receiver.received == []


def test_delete_notifies_a_delete(client, receiver):
    configure(client, receiver)
    client.delete("/__sandbox/records/customer/4")
    flush(client)
    assert [(m["action"], m["entity"], m["key"]) for m in receiver.bodies()] == [("delete", "customer", "4")]


def test_suppress_loses_changes_silently_but_emit_all_still_sends(api, client, receiver):
    configure(client, receiver, suppress=True)
    api.put("/V1/products/NW-STOVE", {"product": {"price": 1}})
    assert flush(client)["suppressed"] == 1 and receiver.received == []
    queued = client.post("/__sandbox/feed/emit/category").json["queued"]
    flush(client)
    assert queued == 8 and [m["key"] for m in receiver.bodies()] == [str(i) for i in range(1, 9)]


def test_retries_until_the_receiver_accepts(client, receiver):
    receiver.fail_next = 2
    configure(client, receiver)
    client.post("/__sandbox/touch/order/3")
    flush(client)
    status = client.get("/__sandbox/feed").json
    assert status["sent"] == 1 and status["deliveries"][0]["attempts"] == 3 and len(receiver.received) == 3
    assert len({entry["headers"]["Webhook-Id"] for entry in receiver.received}) == 1


def test_a_4xx_is_not_retried(client, receiver):
    receiver.status = 401
    configure(client, receiver)
    client.post("/__sandbox/touch/order/3")
    flush(client)
    status = client.get("/__sandbox/feed").json
    assert status["failed"] == 1 and status["deliveries"][0]["attempts"] == 1


def test_emit_all_needs_a_configured_feed(client):
    response = client.post("/__sandbox/feed/emit/product")
    assert response.status_code == 400


@pytest.mark.parametrize("body", [{"url": "ftp://x", "secret": SECRET},
                                  {"url": "http://127.0.0.1:9/x", "secret": "plain"},
                                  {"url": "http://127.0.0.1:9/x"}])
def test_bad_feed_configuration_is_400(client, body):
    assert client.put("/__sandbox/feed", json=body).status_code == 400


def test_unreachable_receiver_gives_up_after_the_attempts():
    feed = Feed(attempts=3, retry_wait=0, timeout=0.5)
    feed.configure(f"http://127.0.0.1:{free_port()}/hook", SECRET)
    feed.emit([Change("order", "save", "1", START)])
    assert feed.wait_idle(10)
    status = feed.status()
    assert status["failed"] == 1 and status["deliveries"][0]["attempts"] == 3
    feed.close()


def test_sign_matches_the_standard_webhooks_example():
    """The example from the Standard Webhooks specification."""
    key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    body = b'{"test": 2432232314}'
    assert sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_feed_status_never_shows_the_secret(client, receiver):
    configure(client, receiver)
    assert SECRET not in json.dumps(client.get("/__sandbox/feed").json)
