"""``POST /__sandbox/scenarios/money``: the money cases through the admin API, optionally notified."""

from __future__ import annotations

from sandbox.magento.scenarios import MONEY_CASES


def test_money_scenarios_answer_their_ids_once(client, api):
    first = client.post("/__sandbox/scenarios/money").json
    assert set(first) == set(MONEY_CASES)
    assert client.post("/__sandbox/scenarios/money").json == first
    assert api.get(f"/V1/orders/{first['b2b_vat']['order_id']}").status_code == 200


def test_emit_notifies_every_record_the_cases_made(client):
    cases = client.post("/__sandbox/scenarios/money", json={"emit": True}).json
    records = sum(1 + len(ids["invoice_ids"]) + len(ids["creditmemo_ids"]) + len(ids["shipment_ids"])
                  for ids in cases.values())
    assert client.get("/__sandbox/feed").json["unconfigured"] == records  # no feed URL configured
