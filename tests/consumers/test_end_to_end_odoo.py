"""End to end with Odoo: real RabbitMQ, the Magento sandbox, the real pipeline, the Odoo JSON-RPC sandbox."""

from __future__ import annotations

import pytest

from core.entities import ENTITIES
from core.settings import Settings
from erp.odoo.backend import OdooBackend
from sandbox.odoo.app import ServerThread
from tests import support
from tests.consumers.e2e import (
    MAGENTO_TOKEN,
    Reports,
    admin,
    dead_letters,
    magento_keys,
    magento_sandbox,
    notes_for,
    odoo_sandbox_app,
    pipeline_factory,
    publish,
)

ODOO = {"ODOO_DB": "bridge", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "admin"}


@pytest.fixture
def odoo():
    server = ServerThread(odoo_sandbox_app()).start()
    yield server
    server.stop()


@pytest.fixture
def magento():
    with magento_sandbox() as server:
        yield server


@pytest.fixture
def bridge(consumer_settings, start_runner, magento, odoo, sqlite_url):
    settings = consumer_settings(MAGENTO_BASE_URL=magento.url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN,
                                 MAGENTO_BACKOFF_SECONDS="0.01", ERP_BACKEND="odoo", ODOO_URL=odoo.url,
                                 DATABASE_URL=sqlite_url, PAUSE_PROBE_SECONDS="0.2", **ODOO)
    handler, reporter, close = pipeline_factory(settings)
    runner = start_runner(settings, list(ENTITIES), handler, reporter, probe=lambda: handler.probe(ENTITIES))
    yield settings, Reports(sqlite_url), runner.runner
    close()


def odoo_rows(odoo_url: str, model: str, domain: list, fields: list[str]) -> list[dict]:
    backend = OdooBackend.from_settings(Settings.from_env({}, {"ODOO_URL": odoo_url, **ODOO}))
    try:
        return backend.rpc.execute_kw(model, "search_read", [domain], {"fields": fields})
    finally:
        backend.close()


def counts(odoo_url: str) -> dict[str, int]:
    backend = OdooBackend.from_settings(Settings.from_env({}, {"ODOO_URL": odoo_url, **ODOO}))
    try:
        return {entity: backend.count(entity) for entity in ENTITIES}
    finally:
        backend.close()


def test_every_entity_lands_in_odoo_and_a_second_pass_duplicates_nothing(bridge, magento, odoo):
    settings, reports, _runner = bridge
    everything = [(entity, magento_keys(magento.url, entity)) for entity in ENTITIES]
    first = [note for entity, keys in everything for note in notes_for(entity, keys)]
    publish(settings.amqp_url, first)
    finals = reports.wait_final(first, timeout=90)
    # A record imported first as another's dependency is "skipped: unchanged" when its own turn comes.
    failures = [(r["entity"], r["key"], r["status"], r["detail"], r["error"]) for r in finals.values()
                if (r["status"], r["detail"]) not in {("synced", None), ("skipped", "unchanged")}]
    assert not failures
    after_first = counts(odoo.url)
    for entity, keys in everything:
        if entity != "stock":
            assert after_first[entity] == len(keys), entity
    orders = odoo_rows(odoo.url, "sale.order", [], ["client_order_ref", "order_line"])
    second = [note for entity, keys in everything for note in notes_for(entity, keys)]
    publish(settings.amqp_url, second)
    reports.wait_final(second, timeout=90)
    assert counts(odoo.url) == after_first
    again = odoo_rows(odoo.url, "sale.order", [], ["client_order_ref", "order_line"])
    assert sorted((o["client_order_ref"], len(o["order_line"])) for o in again) == \
        sorted((o["client_order_ref"], len(o["order_line"])) for o in orders)
    assert len({o["client_order_ref"] for o in again}) == len(again)


def test_an_order_imports_its_customer_and_products_first(bridge, magento, odoo):
    settings, reports, _runner = bridge
    notes = notes_for("order", ["5"])
    publish(settings.amqp_url, notes)
    assert reports.wait_final(notes)[notes[0].id]["status"] == "synced"
    [order] = odoo_rows(odoo.url, "sale.order", [("client_order_ref", "=", "000000104")],
                        ["partner_id", "order_line"])
    assert order["partner_id"] and order["order_line"]
    assert counts(odoo.url)["customer"] == 1 and counts(odoo.url)["product"] >= 1


def test_an_odoo_outage_is_retried_then_synced(bridge, odoo):
    settings, reports, _runner = bridge
    admin(odoo.url, "faults", {"fail_next": 3, "fail_status": 503})
    notes = notes_for("customer", ["3"])
    publish(settings.amqp_url, notes)
    final = reports.wait_final(notes, timeout=60)[notes[0].id]
    assert final["status"] == "synced" and final["attempts"] >= 2


def test_revoked_odoo_credentials_pause_the_consumer_instead_of_dead_lettering(bridge, odoo):
    settings, reports, runner = bridge
    admin(odoo.url, "faults", {"revoked": True})
    notes = notes_for("category", ["4"])
    publish(settings.amqp_url, notes)
    support.wait_for(lambda: runner.paused, 30, message="the consumer to pause")
    admin(odoo.url, "faults", {"revoked": False})
    final = reports.wait_final(notes)[notes[0].id]
    assert final["status"] == "synced" and dead_letters(settings.amqp_url, "category") == []
