"""``bridgectl status``: the table, the ``--json`` shape, and a broker that cannot be reached."""

from __future__ import annotations

import json

import pika

from broker.topology import entity_queue
from core.entities import STREAMS
from ops.status_cmd import status
from store.reports import ReportStore
from tests.ops.helpers import invoke
from tests.support import free_port


def test_json_is_keyed_by_entity_with_the_documented_fields(settings, amqp_channel, engine):
    amqp_channel.confirm_delivery()
    for n in range(2):
        amqp_channel.basic_publish("", entity_queue("customer"), b"{}", pika.BasicProperties(message_id=str(n)))
    ReportStore(engine).record(event_id="e", entity="customer", key="5", action="save", status="synced",
                               attempts=1, duration_ms=3)
    result = invoke(status, ["--json"], settings)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert list(figures) == list(STREAMS)
    for row in figures.values():
        assert set(row) == {"queued", "retrying", "dead", "consumers", "last_reconcile_at", "synced_last_hour",
                            "failed_last_hour"}
    assert figures["customer"] == {"queued": 2, "retrying": 0, "dead": 0, "consumers": 0,
                                   "last_reconcile_at": None, "synced_last_hour": 1, "failed_last_hour": 0}


def test_the_table_has_a_row_per_entity_and_the_retry_tiers(settings):
    result = invoke(status, [], settings)
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["ENTITY", "QUEUED", "RETRYING", "DEAD"]
    assert [line.split()[0] for line in lines[1:10]] == list(STREAMS)
    assert lines[1].split() == ["product", "0", "0", "0", "0", "-", "0", "0"]
    assert lines[9].split() == ["erp.stock", "0", "0", "0", "0", "-", "0", "0"]
    assert lines[10] == "retry tiers (all entities): 5s 0, 30s 0, 120s 0, 600s 0, 1800s 0"


def test_an_unreachable_broker_still_shows_the_database_figures(make_settings):
    settings = make_settings(AMQP_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F")
    result = invoke(status, ["--json"], settings)
    assert result.exit_code == 1 and "cannot reach the broker at 127.0.0.1:" in result.stderr
    assert "connection refused" in result.stderr
    assert json.loads(result.stdout)["order"]["queued"] is None
    assert json.loads(result.stdout)["order"]["synced_last_hour"] == 0
