"""The HTTP ERP sandbox's change detection: the change feed, the ERP's own edits and the signed webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import requests
from flask import Flask, request

from bridge.signatures import StandardWebhooksVerifier
from sandbox.erp.app import SandboxThread
from sandbox.serving import threaded_server
from tests.sandbox.erp.conftest import AUTH
from tests.support import free_port

SECRET = "whsec_" + "c2FuZGJveC1lcnAtc2VjcmV0LWtleQ=="  # base64 of "sandbox-erp-secret-key"


def _feed(client, after: str | None = None, limit: int | None = None):
    query = {key: value for key, value in (("after", after), ("limit", limit)) if value is not None}
    return client.get("/changes", query_string=query, headers=AUTH)


def test_the_feed_lists_every_write_in_order_with_growing_cursors(client, store):
    client.put("/product/A", json={"v": 1}, headers=AUTH)
    client.put("/product/A", json={"v": 2}, headers=AUTH)
    store.edit("stock", "A", {"qty": 5})
    client.delete("/product/A", headers=AUTH)
    client.delete("/product/A", headers=AUTH)  # nothing there: not a write

    answer = _feed(client)

    assert answer.status_code == 200
    changes = answer.json["changes"]
    assert [(change["entity"], change["key"]) for change in changes] == [
        ("product", "A"), ("product", "A"), ("stock", "A"), ("product", "A")]
    cursors = [int(change["cursor"]) for change in changes]
    assert cursors == sorted(set(cursors))
    assert answer.json["next"] == changes[-1]["cursor"]
    assert [change.action for change in store.changes] == ["save", "save", "save", "delete"]


def test_the_feed_pages_with_after_and_limit_and_keeps_the_cursor_when_nothing_is_new(client, store):
    for n in range(5):
        store.edit("stock", f"SKU-{n}", {"qty": n})

    first = _feed(client, limit=2).json
    second = _feed(client, after=first["next"], limit=2).json
    third = _feed(client, after=second["next"], limit=2).json
    empty = _feed(client, after=third["next"], limit=2).json

    keys = [change["key"] for page in (first, second, third) for change in page["changes"]]
    assert keys == [f"SKU-{n}" for n in range(5)]
    assert empty == {"changes": [], "next": third["next"]}


@pytest.mark.parametrize("query", [{"after": "abc"}, {"after": "-1"}, {"limit": "0"}, {"limit": "1001"},
                                   {"limit": "x"}])
def test_bad_cursors_and_limits_are_400(client, query):
    answer = client.get("/changes", query_string=query, headers=AUTH)

    assert answer.status_code == 400 and answer.json["error"]


def test_the_feed_needs_the_token(client):
    assert client.get("/changes").status_code == 401


def test_an_erp_edit_is_in_the_feed_and_readable_but_not_counted_as_a_client_write(client, store):
    answer = client.post("/__sandbox/edit", json={"entity": "stock", "key": "bla/koe", "document": {"qty": 3}})

    assert answer.status_code == 200 and answer.json["created"] is True
    assert client.get("/stock/bla%2Fkoe", headers=AUTH).json["document"] == {"qty": 3}
    assert [change["key"] for change in _feed(client).json["changes"]] == ["bla/koe"]
    assert store.counters()["records"] == []
    gone = client.post("/__sandbox/edit", json={"entity": "stock", "key": "bla/koe", "delete": True})
    assert gone.json["deleted"] is True and len(_feed(client).json["changes"]) == 2


def test_cursors_keep_growing_across_a_reset(client, store):
    store.edit("stock", "A", {})
    before = _feed(client).json["next"]
    client.post("/__sandbox/reset")
    store.edit("stock", "B", {})

    assert int(_feed(client).json["next"]) > int(before)
    assert _feed(client, after=before).json["changes"][0]["key"] == "B"


class Receiver:
    """Records what the ERP posts: headers and raw body."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        app = Flask(__name__)
        app.add_url_rule("/erp", "erp", self.hook, methods=["POST"])
        self.server = threaded_server(app, "127.0.0.1", free_port())
        self.url = f"http://127.0.0.1:{self.server.server_port}/erp"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hook(self) -> tuple[str, int]:
        self.posts.append({"headers": dict(request.headers), "body": request.get_data()})
        return "", 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


def test_every_change_is_posted_signed_as_standard_webhooks(server: SandboxThread, receiver):
    assert requests.post(server.url + "/__sandbox/webhook", json={"url": receiver.url, "secret": SECRET},
                         timeout=5).status_code == 200
    requests.put(server.url + "/product/A", json={"v": 1}, headers=AUTH, timeout=5)
    server.store.edit("stock", "A", {"qty": 2})
    requests.delete(server.url + "/product/A", headers=AUTH, timeout=5)

    assert server.webhook.wait_idle(5)
    bodies = [json.loads(post["body"]) for post in receiver.posts]
    verifier = StandardWebhooksVerifier([SECRET], tolerance_seconds=300)
    for post, body in zip(receiver.posts, bodies, strict=True):
        headers = post["headers"]
        verifier.verify(headers["Webhook-Id"], headers["Webhook-Timestamp"], headers["Webhook-Signature"],
                        post["body"])
        assert headers["Webhook-Id"] == body["id"]
        assert set(body) == {"id", "entity", "action", "key", "occurred_at"}
        assert body["occurred_at"].endswith("Z")
    assert [(body["entity"], body["action"], body["key"]) for body in bodies] == [
        ("product", "save", "A"), ("stock", "save", "A"), ("product", "delete", "A")]
    assert len({body["id"] for body in bodies}) == 3


def test_a_failing_receiver_is_tried_again_then_given_up_on(server: SandboxThread):
    requests.post(server.url + "/__sandbox/webhook", json={"url": f"http://127.0.0.1:{free_port()}/x",
                                                           "secret": SECRET}, timeout=5)
    server.store.edit("stock", "A", {})

    assert server.webhook.wait_idle(10)
    [delivery] = requests.get(server.url + "/__sandbox/webhook", timeout=5).json()["deliveries"]
    assert delivery["attempts"] == 3 and delivery["error"]


@pytest.mark.parametrize("settings", [{"url": "ftp://x", "secret": SECRET}, {"url": "http://x", "secret": "nope"},
                                      {"url": "http://x", "secret": "whsec_c2hvcnQ="}])
def test_bad_webhook_settings_are_400(client, settings):
    assert client.post("/__sandbox/webhook", json=settings).status_code == 400


def test_without_a_url_nothing_is_sent(server: SandboxThread, receiver):
    server.store.edit("stock", "A", {})
    time.sleep(0.2)

    assert receiver.posts == [] and server.webhook.status()["deliveries"] == []
