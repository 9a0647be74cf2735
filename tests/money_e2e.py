"""The running world of the issue #9 end-to-end test: the Magento sandbox with its money scenario records,
real RabbitMQ, the real pipeline in a runner, and the Odoo sandbox prepared as docs/odoo.md asks.

Started once per test module (``money_world`` in tests/conftest.py): the records are pushed through the
broker in Magento's order of events (orders, then invoices, credit memos and shipments), and the tests read
what landed in Odoo.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import requests

from consumers.runner import Runner
from core.entities import ENTITIES
from core.settings import Settings
from sandbox.odoo.app import ServerThread
from tests import support
from tests.consumers.e2e import (
    MAGENTO_TOKEN,
    Reports,
    admin,
    magento_sandbox,
    notes_for,
    odoo_sandbox_app,
    pipeline_factory,
    publish,
)
from tests.consumers.helpers import RunningRunner

ODOO_LOGIN = {"ODOO_DB": "bridge", "ODOO_USERNAME": "admin", "ODOO_PASSWORD": "admin"}
SHORT_TIERS = (1, 2)
PHASES = (("order", "order_id"), ("invoice", "invoice_ids"), ("creditmemo", "creditmemo_ids"),
          ("shipment", "shipment_ids"))
CENT = Decimal("0.01")


def cents(value: Any) -> Decimal:
    """An amount rounded to the cent as an accountant reads it (half up)."""
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


class MoneyWorld:
    """The running sandboxes and bridge; reads Magento over REST and Odoo over JSON-RPC."""

    def __init__(self, magento_url: str, odoo_url: str, settings: Settings, reports: Reports) -> None:
        self.magento_url, self.odoo_url, self.settings, self.reports = magento_url, odoo_url, settings, reports
        self.cases: dict[str, dict] = {}
        self.finals: dict[tuple[str, str], dict] = {}

    def magento(self, path: str) -> Any:
        response = requests.get(f"{self.magento_url}/rest/default/V1/{path}", timeout=10,
                                headers={"Authorization": f"Bearer {MAGENTO_TOKEN}"})
        response.raise_for_status()
        return response.json()

    def odoo(self, model: str, method: str, args: list, kwargs: dict | None = None) -> Any:
        return support.odoo_execute(self.odoo_url, model, method, args, kwargs)

    def rows(self, model: str, domain: list, fields: list[str]) -> list[dict]:
        return self.odoo(model, "search_read", [domain], {"fields": fields, "context": {"active_test": False}})

    def sync(self, entity: str, keys: list[Any]) -> dict[str, dict]:
        """Publish a save per key as the receiver does and wait for each final report; key -> report."""
        notes = notes_for(entity, [str(key) for key in keys])
        if not notes:
            return {}
        publish(self.settings.amqp_url, notes)
        finals = self.reports.wait_final(notes, timeout=90)
        by_key = {row["key"]: row for row in finals.values()}
        self.finals.update({(entity, key): row for key, row in by_key.items()})
        return by_key

    def seed_and_sync_cases(self) -> None:
        """Seed every money case in the Magento sandbox and push its records, one phase per entity."""
        self.cases = admin(self.magento_url, "scenarios/money", {})
        for entity, field in PHASES:
            keys = [key for ids in self.cases.values() for key in _as_list(ids[field])]
            self.sync(entity, keys)

    def failures(self, case: str) -> list[tuple]:
        """The records of a case that did not sync, with their errors."""
        ids = self.cases[case]
        wanted = [(entity, str(key)) for entity, field in PHASES for key in _as_list(ids[field])]
        return [(entity, key, self.finals[(entity, key)]["status"], self.finals[(entity, key)]["error"])
                for entity, key in wanted if self.finals[(entity, key)]["status"] != "synced"]


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _settings(amqp_url: str, magento_url: str, odoo_url: str, database_url: str) -> Settings:
    return Settings.from_env({}, {
        "AMQP_URL": amqp_url, "RETRY_DELAYS": "1,2", "MAX_ATTEMPTS": "3", "CONSUMER_CONCURRENCY": "4",
        "DATABASE_URL": database_url, "MAGENTO_BASE_URL": magento_url, "MAGENTO_ACCESS_TOKEN": MAGENTO_TOKEN,
        "MAGENTO_BACKOFF_SECONDS": "0.01", "ERP_BACKEND": "odoo", "ODOO_URL": odoo_url, **ODOO_LOGIN})


@contextlib.contextmanager
def running_world(amqp_url: str, workdir: Path, odoo_version: int = 17) -> Iterator[MoneyWorld]:
    """Start the sandboxes (Odoo 17 or 18) and the bridge, seed and sync the money cases; stop everything
    afterwards."""
    support.empty_topology(amqp_url, SHORT_TIERS, name="money-e2e-fixture")
    database_url = f"sqlite:///{workdir / 'bridge.sqlite3'}"
    with contextlib.ExitStack() as stack:
        magento = stack.enter_context(magento_sandbox())
        odoo = ServerThread(odoo_sandbox_app(version=odoo_version, modules=("stock_delivery",))).start()
        stack.callback(odoo.stop)
        settings = _settings(amqp_url, magento.url, odoo.url, database_url)
        handler, reporter, close = pipeline_factory(settings)
        stack.callback(close)
        running = RunningRunner(Runner(settings, list(ENTITIES), handler, reporter, poll_interval=0.05))
        running.thread.start()
        stack.callback(running.stop)
        support.wait_for(lambda: running.runner.consuming.is_set() or not running.thread.is_alive(), 20,
                         message="the runner to consume")
        world = MoneyWorld(magento.url, odoo.url, settings, Reports(database_url))
        world.seed_and_sync_cases()
        yield world


class OdooReader:
    """What an accountant reads in Odoo: a Magento document's sale.order / account.move and their lines."""

    def __init__(self, world: MoneyWorld) -> None:
        self.world = world

    def order(self, increment_id: str) -> dict:
        [order] = self.world.rows("sale.order", [("client_order_ref", "=", increment_id)], ORDER_FIELDS)
        return order

    def move(self, increment_id: str, move_type: str) -> dict:
        [move] = self.world.rows("account.move", [("ref", "=", increment_id), ("move_type", "=", move_type)],
                                 ORDER_FIELDS + ["narration"])
        return move

    def lines(self, model: str, parent: dict) -> list[dict]:
        """The document's lines with their product's SKU (``default_code``) and taxes' rates."""
        field, taxes = ("order_id", "tax_id") if model == "sale.order.line" else ("move_id", "tax_ids")
        rows = self.world.rows(model, [(field, "=", parent["id"])],
                               ["name", "product_id", "price_unit", "discount", "price_subtotal", "price_total",
                                taxes, "product_uom_qty" if model == "sale.order.line" else "quantity"])
        products = self._products([row["product_id"][0] for row in rows if row["product_id"]])
        rates = self._rates([tax for row in rows for tax in row[taxes]])
        for row in rows:
            product = products.get(row["product_id"][0]) if row["product_id"] else {}
            row["sku"], row["service"] = product.get("default_code"), product.get("type") == "service"
            row["qty"] = row.get("product_uom_qty", row.get("quantity"))
            row["rates"] = sorted(rates[tax] for tax in row[taxes])
        return rows

    def product_lines(self, model: str, parent: dict) -> list[tuple[str, float]]:
        """(SKU, quantity) of the lines selling a catalogue product (not shipping, gift cards, rounding...)."""
        return [(row["sku"], row["qty"]) for row in self.lines(model, parent) if row["sku"] and not row["service"]]

    def order_quantities(self, order: dict) -> list[tuple[float, float, float]]:
        """(ordered, invoiced less refunded, delivered) of each catalogue line of a sale.order."""
        rows = self.world.rows("sale.order.line", [("order_id", "=", order["id"])],
                               ["product_id", "product_uom_qty", "qty_invoiced", "qty_delivered"])
        products = self._products([row["product_id"][0] for row in rows if row["product_id"]])
        return sorted((row["product_uom_qty"], row["qty_invoiced"], row["qty_delivered"]) for row in rows
                      if row["product_id"] and products[row["product_id"][0]]["type"] != "service")

    def quantities(self, model: str, domain: list, field: str) -> list[tuple[str, float]]:
        """(SKU, quantity) of the stock moves or quants matching ``domain``, without zero quantities."""
        rows = self.world.rows(model, domain, ["product_id", field])
        products = self._products([row["product_id"][0] for row in rows])
        return sorted((products[row["product_id"][0]]["default_code"], row[field]) for row in rows if row[field])

    def _products(self, ids: list[int]) -> dict[int, dict]:
        rows = self.world.rows("product.product", [("id", "in", sorted(set(ids)))], ["default_code", "type"])
        return {row["id"]: row for row in rows}

    def _rates(self, ids: list[int]) -> dict[int, tuple[float, bool]]:
        rows = self.world.rows("account.tax", [("id", "in", sorted(set(ids)))], ["amount", "price_include"])
        return {row["id"]: (row["amount"], row["price_include"]) for row in rows}


ORDER_FIELDS = ["amount_untaxed", "amount_tax", "amount_total", "currency_id", "state", "partner_id"]
