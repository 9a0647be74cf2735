"""Helpers for the end-to-end tests: sandboxes in threads, the real pipeline in a runner, report polling."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pika
import requests

from broker.amqp import connection_parameters
from broker.topology import EVENTS_EXCHANGE, dead_queue
from consumers.pipeline import build_handler
from sandbox.magento.app import create_app, run_in_thread
from schemas.notification import Notification
from store.db import make_engine
from store.reports import ReportStore
from tests import support

if TYPE_CHECKING:
    from core.settings import Settings

MAGENTO_TOKEN = "e2e-magento-token"


@contextlib.contextmanager
def magento_sandbox(seed: str = "demo") -> Iterator[Any]:
    """The Magento sandbox on a free port; yields the running server (``.url``)."""
    with run_in_thread(create_app(MAGENTO_TOKEN, seed)) as server:
        yield server


def admin(base_url: str, path: str, body: dict | None = None, method: str = "POST") -> Any:
    """Call a sandbox's admin API under /__sandbox and return its JSON answer."""
    response = requests.request(method, f"{base_url}/__sandbox/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json() if response.content else None


def magento_keys(base_url: str, entity: str) -> list[str]:
    """The notification keys of every record of ``entity`` the Magento sandbox holds."""
    return [str(key) for key in admin(base_url, f"records/{entity}", method="GET")["keys"]]


def publish(amqp_url: str, notes: list[Notification]) -> None:
    """Publish notifications the way the receiver does (persistent, confirmed, message_id = event id)."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name="e2e-publisher"))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for note in notes:
            channel.basic_publish(EVENTS_EXCHANGE, note.routing_key, note.to_body(),
                                  pika.BasicProperties(delivery_mode=2, message_id=note.id,
                                                       content_type="application/json"), mandatory=True)
    finally:
        connection.close()


def notes_for(entity: str, keys: list[str], action: str = "save") -> list[Notification]:
    return [Notification(f"e2e-{uuid.uuid4().hex[:12]}", entity, action, key) for key in keys]


class Reports:
    """Reads the sync reports the pipeline writes, and waits for final statuses."""

    def __init__(self, database_url: str) -> None:
        self.store = ReportStore(make_engine(database_url))

    def final(self, event_id: str) -> dict | None:
        rows = [row for row in self.store.query(limit=None) if row["event_id"] == event_id]
        return rows[0] if rows and rows[0]["status"] != "retrying" else None

    def wait_final(self, notes: list[Notification], timeout: float = 60) -> dict[str, dict]:
        """Wait until every notification has a final report (synced, skipped or dead); map id -> row."""
        wanted = {note.id for note in notes}

        def finished() -> dict[str, dict] | None:
            latest: dict[str, dict] = {}
            for row in self.store.query(limit=None):
                if row["event_id"] in wanted and row["event_id"] not in latest:
                    latest[row["event_id"]] = row
            done = {k: v for k, v in latest.items() if v["status"] != "retrying"}
            return done if len(done) == len(wanted) else None

        return support.wait_for(finished, timeout, interval=0.1, message="final sync reports")  # type: ignore


def dead_letters(amqp_url: str, entity: str) -> list[tuple[dict, bytes]]:
    """Every dead letter of ``entity`` (headers, body), put back after reading."""
    connection = pika.BlockingConnection(connection_parameters(amqp_url, name="e2e-inspector"))
    found: list[tuple[dict, bytes]] = []
    try:
        channel = connection.channel()
        while True:
            method, properties, body = channel.basic_get(dead_queue(entity))
            if method is None:
                break
            found.append((dict(properties.headers or {}), body))
        connection.close()  # unacked messages go back to the queue
    except Exception:
        connection.close()
        raise
    return found


def pipeline_factory(settings: Settings) -> tuple[Any, Any, Any]:
    """The real pipeline (what ``python -m consumers`` runs)."""
    return build_handler(settings)


# The sale taxes an Odoo accountant sets up for the Magento sandbox's rates, excluded and included in price.
ODOO_SALE_RATES = (5.0, 7.0, 8.25, 8.5, 10.0, 19.0, 20.0, 21.0)


def odoo_sandbox_app(**options: Any) -> Any:
    """The Odoo sandbox as the operator prepares it for the Magento sandbox: EUR active besides USD, and a
    sale tax per Magento rate (price excluded and included), as docs/odoo.md asks."""
    from sandbox.odoo.app import create_app as create_odoo_app  # noqa: PLC0415 (only the Odoo end-to-end tests)

    app = create_odoo_app(db="bridge", login="admin", password="admin", currencies=("EUR",), **options)
    client = app.test_client()
    for rate in ODOO_SALE_RATES:
        for included in (False, True):
            body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": "object", "method": "execute_kw", "args": [
                    "bridge", 2, "admin", "account.tax", "create",
                    [{"name": f"Sales {rate:g}%{' incl.' if included else ''}", "amount": rate,
                      "amount_type": "percent", "type_tax_use": "sale", "price_include": included}], {}]}}
            answer = client.post("/jsonrpc", json=body).get_json()
            assert "result" in answer, answer
    return app
