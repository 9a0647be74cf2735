"""Issue #9 end to end: the Magento sandbox's money scenarios through the broker and the real pipeline into
the Odoo sandbox; every order, invoice and credit memo lands with Odoo's amount_total equal to Magento's
grand_total (an order: less its canceled share), shipments validate exactly the shipped quantities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from consumers.erp.odoo import OdooBackend
from core.notification import ENTITIES
from core.settings import Settings
from sandbox.odoo import ServerThread
from tests.consumers.conftest import consumer_settings, short_broker, start_runner  # noqa: F401 (fixtures)
from tests.consumers.e2e import (MAGENTO_TOKEN, Reports, admin, magento_sandbox, notes_for, odoo_sandbox_app,
                                 pipeline_factory, publish)

ODOO = {"ODOO_DB": "bridge", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "admin"}
CASES = ("multi_rate_tax", "tax_included_prices", "dynamic_bundle_coupon", "fixed_bundle",
         "configurable_invoice_refund", "shipping_tax_discount", "partially_canceled", "eur_on_usd_base",
         "gift_card_store_credit", "store_credit_refund", "custom_options", "unmanaged_stock", "b2b_vat",
         "two_tracks_partial_shipment")


@pytest.fixture
def magento() -> Iterator[Any]:
    with magento_sandbox() as server:
        yield server


@pytest.fixture
def odoo() -> Iterator[Any]:
    server = ServerThread(odoo_sandbox_app(modules=("stock_delivery",))).start()
    yield server
    server.stop()


@pytest.fixture
def bridge(consumer_settings, start_runner, magento, odoo, sqlite_url):  # noqa: F811
    settings = consumer_settings(MAGENTO_BASE_URL=magento.url, MAGENTO_ACCESS_TOKEN=MAGENTO_TOKEN,
                                 MAGENTO_BACKOFF_SECONDS="0.01", ERP_BACKEND="odoo", ODOO_URL=odoo.url,
                                 DATABASE_URL=sqlite_url, **ODOO)
    handler, reporter, close = pipeline_factory(settings)
    start_runner(settings, list(ENTITIES), handler, reporter)
    yield settings, Reports(sqlite_url)
    close()


def magento_record(base_url: str, path: str) -> dict:
    response = requests.get(f"{base_url}/rest/default/V1/{path}", timeout=10,
                            headers={"Authorization": f"Bearer {MAGENTO_TOKEN}"})
    response.raise_for_status()
    return response.json()


def odoo_rows(odoo_url: str, model: str, domain: list, fields: list[str]) -> list[dict]:
    backend = OdooBackend.from_settings(Settings.from_env({}, {"ODOO_URL": odoo_url, **ODOO}))
    try:
        return backend.rpc.execute_kw(model, "search_read", [domain], {"fields": fields})
    finally:
        backend.close()


def sync(settings: Settings, reports: Reports, entity: str, keys: list) -> None:
    """Publish a save per key and wait until each is synced (dead letters fail the test with their error)."""
    notes = notes_for(entity, [str(key) for key in keys])
    if not notes:
        return
    publish(settings.amqp_url, notes)
    finals = reports.wait_final(notes, timeout=90)
    failed = [(r["entity"], r["key"], r["status"], r["error"]) for r in finals.values()
              if r["status"] not in ("synced", "skipped")]
    assert not failed


@pytest.mark.parametrize("case", CASES)
def test_money_case_lands_in_odoo_with_magentos_totals(bridge, magento, odoo, case):
    settings, reports = bridge
    ids = admin(magento.url, "scenarios/money", {})[case]
    for entity, keys in (("order", [ids["order_id"]]), ("invoice", ids["invoice_ids"]),
                         ("creditmemo", ids["creditmemo_ids"]), ("shipment", ids["shipment_ids"])):
        sync(settings, reports, entity, keys)

    order = magento_record(magento.url, f"orders/{ids['order_id']}")
    [odoo_order] = odoo_rows(odoo.url, "sale.order", [("client_order_ref", "=", order["increment_id"])],
                             ["amount_total", "currency_id", "state"])
    canceled = order.get("total_canceled") or 0
    assert odoo_order["amount_total"] == pytest.approx(order["grand_total"] - canceled, abs=0.005)
    assert odoo_order["currency_id"][1] == order["order_currency_code"]
    for entity, path, move_type in (("invoice_ids", "invoices", "out_invoice"),
                                    ("creditmemo_ids", "creditmemo", "out_refund")):
        for key in ids[entity]:
            record = magento_record(magento.url, f"{path}/{key}")
            [move] = odoo_rows(odoo.url, "account.move", [("ref", "=", record["increment_id"]),
                                                          ("move_type", "=", move_type)],
                               ["amount_total", "state", "currency_id"])
            assert (move["state"], move["currency_id"][1]) == ("posted", record["order_currency_code"])
            assert move["amount_total"] == pytest.approx(record["grand_total"], abs=0.005), (path, key)


def test_a_partial_shipment_with_two_tracks_validates_its_quantities(bridge, magento, odoo):
    settings, reports = bridge
    ids = admin(magento.url, "scenarios/money", {})["two_tracks_partial_shipment"]
    for entity, keys in (("order", [ids["order_id"]]), ("invoice", ids["invoice_ids"]),
                         ("shipment", ids["shipment_ids"])):
        sync(settings, reports, entity, keys)

    [shipment] = [magento_record(magento.url, f"shipment/{key}") for key in ids["shipment_ids"]]
    pickings = odoo_rows(odoo.url, "stock.picking", [], ["state", "carrier_tracking_ref", "backorder_id"])
    [done] = [row for row in pickings if row["state"] == "done"]
    [backorder] = [row for row in pickings if row["backorder_id"]]
    assert backorder["backorder_id"][0] == done["id"] and backorder["state"] != "done"
    assert set(done["carrier_tracking_ref"].split(",")) == {track["track_number"] for track in shipment["tracks"]}
    moves = odoo_rows(odoo.url, "stock.move", [("picking_id", "=", done["id"])], ["quantity", "state"])
    assert sum(move["quantity"] for move in moves) == sum(item["qty"] for item in shipment["items"])


def test_a_refund_to_store_credit_says_so_and_a_canceled_quantity_is_not_ordered(bridge, magento, odoo):
    settings, reports = bridge
    cases = admin(magento.url, "scenarios/money", {})
    refund, canceled = cases["store_credit_refund"], cases["partially_canceled"]
    for ids in (refund, canceled):
        for entity, keys in (("order", [ids["order_id"]]), ("invoice", ids["invoice_ids"]),
                             ("creditmemo", ids["creditmemo_ids"])):
            sync(settings, reports, entity, keys)

    [memo] = odoo_rows(odoo.url, "account.move", [("move_type", "=", "out_refund")], ["narration"])
    assert "Refunded to store credit in Magento" in memo["narration"]
    order = magento_record(magento.url, f"orders/{canceled['order_id']}")
    expected = sorted(item["qty_ordered"] - item["qty_canceled"] for item in order["items"]
                      if not item.get("parent_item_id"))
    [odoo_order] = odoo_rows(odoo.url, "sale.order", [("client_order_ref", "=", order["increment_id"])],
                             ["order_line"])
    lines = odoo_rows(odoo.url, "sale.order.line", [("order_id", "=", odoo_order["id"])],
                      ["product_uom_qty", "name"])
    # catalogue lines are named "[sku] ..."; shipping and a rounding cent are service lines
    assert sorted(line["product_uom_qty"] for line in lines if line["name"].startswith("[")) == expected


def test_custom_options_name_the_line_and_the_product_is_magentos_product_id(bridge, magento, odoo):
    settings, reports = bridge
    ids = admin(magento.url, "scenarios/money", {})["custom_options"]
    sync(settings, reports, "order", [ids["order_id"]])

    order = magento_record(magento.url, f"orders/{ids['order_id']}")
    [item] = [item for item in order["items"] if item["sku"].endswith("-engraved")]
    [option] = item["product_option"]["extension_attributes"]["custom_options"]
    [line] = [line for line in odoo_rows(odoo.url, "sale.order.line", [], ["name", "product_id"])
              if line["name"].startswith("[")]
    assert str(option["option_value"]) in line["name"] and "\n" in line["name"]
    assert line["product_id"][1].startswith("[24-MB01]")  # the product sold, not the row SKU 24-MB01-engraved
