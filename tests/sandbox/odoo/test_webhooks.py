"""Automation-rule webhooks as Odoo 17 sends them: the body, the 1 s timeout, and sent before the commit."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask, request

from sandbox.serving import threaded_server
from tests.sandbox.odoo.conftest import Client
from tests.support import free_port


class Receiver:
    """A webhook receiver that, on each POST, reads the record back from the sandbox at once (as a bridge
    would) and keeps the body and what it read."""

    def __init__(self, odoo: Client, delay: float = 0.0, fields: tuple[str, ...] = ("phone",)) -> None:
        self.odoo, self.delay, self.fields = Client(odoo.url), delay, list(fields)
        self.received: list[dict] = []
        self.read_back: list[list[dict]] = []
        app = Flask(__name__)
        app.add_url_rule("/hook", "hook", self.hook, methods=["POST"])
        self.server = threaded_server(app, "127.0.0.1", free_port())
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hook(self) -> tuple[str, int]:
        body = json.loads(request.get_data())
        self.received.append({"body": body, "content_type": request.content_type})
        self.read_back.append(self.odoo.result(body["_model"], "search_read", [[("id", "=", body["_id"])]],
                                               {"fields": self.fields, "context": {"active_test": False}}))
        time.sleep(self.delay)
        return "ok", 200


@pytest.fixture
def receiver(odoo) -> Iterator[Receiver]:
    running = Receiver(odoo)
    yield running
    running.server.shutdown()


def _rule(odoo: Client, url: str, **spec) -> dict:
    answer = odoo.admin("POST", "webhooks", json={"url": url, "model": "res.partner", **spec})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_body_names_model_id_action_and_the_selected_fields(odoo, receiver):
    rule = _rule(odoo, receiver.url, fields=["name", "country_id", "write_date"], name="Notify bridge")

    partner = odoo.result("res.partner", "create", [{"name": "Ada", "country_id": 233}])

    [received] = receiver.received
    body = received["body"]
    assert received["content_type"] == "application/json"
    assert set(body) == {"_action", "_id", "_model", "id", "name", "country_id", "write_date"}
    # a real Odoo 17.0 names the rule's action "Send Webhook Notification" whatever name it was given
    assert (body["_action"], body["_id"], body["_model"]) == (f"Send Webhook Notification(#{rule['id']})", partner,
                                                              "res.partner")
    assert body["country_id"] == 233  # read with load=None: the id alone
    assert body["write_date"].startswith(odoo.result("res.partner", "read", [[partner], ["write_date"]])[0]
                                         ["write_date"])


def test_a_rule_fires_at_every_write_of_the_call_so_a_receiver_meets_repeats(odoo):
    """A real Odoo 17.0 posted 10 identical bodies for one quant ``create`` in inventory mode and 12 for the
    ``action_apply_inventory`` that followed; the sandbox posts once per create/write it makes (here 2 then 2)."""
    quants = Receiver(odoo, fields=("quantity",))
    try:
        answer = odoo.admin("POST", "webhooks", json={"url": quants.url, "model": "stock.quant",
                                                      "fields": ["product_id", "quantity", "write_date"]})
        assert answer.status_code == 200, answer.text
        product = odoo.result("product.product", "create", [{"name": "Box", "detailed_type": "product"}])
        context = {"context": {"inventory_mode": True}}
        quant = odoo.result("stock.quant", "create", [{"product_id": product, "location_id": 8,
                                                       "inventory_quantity": 5}], context)
        counted = [item["body"] for item in quants.received]
        odoo.execute("stock.quant", "action_apply_inventory", [[quant]], context)
    finally:
        quants.server.shutdown()

    assert len(counted) == 2 and counted[0] == counted[1] and counted[0]["_id"] == quant
    assert counted[0]["product_id"] == product  # load=None: the bare id
    applied = [item["body"] for item in quants.received[2:]]
    assert sorted(body["quantity"] for body in applied) == [-5.0, 5.0]


def test_without_fields_only_model_id_and_action_are_sent(odoo, receiver):
    _rule(odoo, receiver.url)

    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])

    assert receiver.received[0]["body"] == {"_action": "Send Webhook Notification(#1)", "_id": partner,
                                            "_model": "res.partner"}


def test_the_webhook_is_sent_before_the_commit_so_a_quick_reader_sees_the_old_data(odoo, receiver):
    partner = odoo.result("res.partner", "create", [{"name": "Ada", "phone": "old"}])
    _rule(odoo, receiver.url, trigger="on_write")

    odoo.result("res.partner", "write", [[partner], {"phone": "new"}])

    assert receiver.read_back == [[{"id": partner, "phone": "old"}]]
    assert odoo.result("res.partner", "read", [[partner], ["phone"]])[0]["phone"] == "new"


def test_a_new_record_is_not_there_yet_for_the_receiver(odoo, receiver):
    _rule(odoo, receiver.url, trigger="on_create")

    odoo.result("res.partner", "create", [{"name": "Ada"}])

    assert receiver.read_back == [[]]


def test_triggers_and_trigger_fields_choose_which_writes_send(odoo, receiver):
    _rule(odoo, receiver.url, trigger="on_write", trigger_fields=["phone"])
    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])

    odoo.result("res.partner", "write", [[partner], {"email": "a@example.com"}])
    odoo.result("res.partner", "write", [[partner], {"phone": "1"}])

    assert len(receiver.received) == 1


def test_a_trigger_field_written_with_its_own_value_sends_nothing(odoo, receiver):
    """A real Odoo 17.0 compares the trigger fields' old and new values: the same phone again sent nothing."""
    _rule(odoo, receiver.url, trigger="on_write", trigger_fields=["phone"])
    partner = odoo.result("res.partner", "create", [{"name": "Ada", "phone": "1"}])

    odoo.result("res.partner", "write", [[partner], {"phone": "1"}])
    odoo.result("res.partner", "write", [[partner], {"phone": "2"}])

    assert len(receiver.received) == 1


def test_an_on_write_rule_without_trigger_fields_fires_at_a_create_too(odoo, receiver):
    """A real Odoo 17.0 posted 10 times for one res.partner create under an "on_write" rule (the recomputes that
    follow a create are writes); an "on_create" rule does not fire at a write."""
    _rule(odoo, receiver.url, trigger="on_write")
    _rule(odoo, receiver.url, trigger="on_create")

    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])
    odoo.result("res.partner", "write", [[partner], {"phone": "1"}])

    assert [item["body"]["_action"] for item in receiver.received] == [
        "Send Webhook Notification(#1)", "Send Webhook Notification(#2)", "Send Webhook Notification(#1)"]


def test_a_slow_receiver_is_given_up_after_one_second_without_retry(odoo):
    slow = Receiver(odoo, delay=3)
    try:
        _rule(odoo, slow.url)
        started = time.monotonic()
        odoo.result("res.partner", "create", [{"name": "Ada"}])
        took = time.monotonic() - started
    finally:
        slow.server.shutdown()

    deliveries = odoo.admin("GET", "webhooks").json()["deliveries"]
    assert 1 <= took < 2.5
    assert [delivery.get("error") for delivery in deliveries] == ["timed out after 1s"]
    assert len(slow.received) == 1


def test_an_unreachable_url_does_not_fail_the_call(odoo):
    _rule(odoo, f"http://127.0.0.1:{free_port()}/hook")

    partner = odoo.result("res.partner", "create", [{"name": "Ada"}])

    assert isinstance(partner, int)
    assert odoo.admin("GET", "webhooks").json()["deliveries"][0]["error"].startswith("failed:")


@pytest.mark.parametrize(("spec", "message"), [
    ({"url": "ftp://x", "model": "res.partner"}, "url"), ({"url": "http://x", "model": "no.model"}, "unknown model"),
    ({"url": "http://x", "model": "res.partner", "trigger": "on_time"}, "trigger"),
    ({"url": "http://x", "model": "res.partner", "fields": ["nope"]}, "Invalid field"),
])
def test_bad_rules_are_refused(odoo, spec, message):
    answer = odoo.admin("POST", "webhooks", json=spec)

    assert answer.status_code == 400 and message in answer.json()["error"]


def test_reset_forgets_the_rules(odoo, receiver):
    _rule(odoo, receiver.url)
    odoo.admin("POST", "reset")

    odoo.result("res.partner", "create", [{"name": "Ada"}])

    assert receiver.received == []
    assert odoo.admin("GET", "webhooks").json() == {"rules": [], "deliveries": []}
