"""The entity table (core/entities.py) and its wiring: every row must be known to every layer.

``wiring_problems`` walks the table and asks each layer about each row: the mapper, both ERP backends, the
Magento client's records module and the Magento sandbox, the broker topology, the Procfile and the
consumers' command line, Adobe I/O routing, the receiver's format and settings, the demo. A row a layer does
not know is reported with the layer's name; the tests below prove each check can fail.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import types
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pytest
from marshmallow import Schema

from bridge.adobe_io import entity_action
from bridge.rejection import Rejection
from broker.topology import EVENTS_EXCHANGE, dead_queue, entity_queue, topology
from consumers.__main__ import parse_args
from core import entities
from core.entities import ID, SKU, Entity, ListEndpoint
from core.errors import ConfigError, MalformedMessage
from core.settings import Settings
from erp.http import resource
from erp.odoo.backend import OdooBackend
from erp.odoo.rpc import OdooRpc
from magento import records
from magento.client import MagentoClient
from magento.endpoints import Endpoints
from magento.responses import Answer
from ops import demo, demo_summary
from sandbox.erp.app import create_app
from sandbox.magento import admin
from sandbox.magento.routes import find_route
from schemas import mapping
from schemas.notification import Notification

# Every layer is imported above, before any test changes the table: what a layer derived from the table
# when it was loaded is what it knows, as in a running process.

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_KEYS = {SKU: "SKU-1", ID: "7"}
Check = Callable[[Entity], "str | None"]


def _mapper(row: Entity) -> str | None:
    schema = mapping.mapper(row.mapper)
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        return f"{row.mapper} is not a marshmallow Schema"
    if not all(isinstance(name, str) for name in mapping.document_fields(schema)):
        return f"{row.mapper} has document_fields that are not names"
    if mapping.SCHEMAS.get(row.name) is not schema:
        return f"schemas.mapping maps {row.name} with {mapping.SCHEMAS.get(row.name)}, not {row.mapper}"
    return None


def _odoo(row: Entity) -> str | None:
    backend = OdooBackend(OdooRpc("http://127.0.0.1:9", "db", "user", "password"))
    try:
        return None if row.writer in backend.writers else f"the Odoo backend has no writer {row.writer!r}"
    finally:
        backend.close()


def _http(row: Entity) -> str | None:
    if resource(row.name) != row.writer:
        return f"the HTTP backend writes {row.name} to /{resource(row.name)}, not /{row.writer}"
    answer = create_app().test_client().get(f"/{row.writer}")
    return None if answer.status_code == 200 else f"the ERP sandbox answers GET /{row.writer} with {answer.status_code}"


class RecordingMagento(Endpoints):
    """The Magento client's endpoints over a ``request`` that records each call and answers it with nothing."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.settings = types.SimpleNamespace(magento_weight_unit="kgs", magento_store_code="default")

    def request(self, method: str, relative_path: str, **_options: object) -> Answer:
        self.calls.append(f"{method} {relative_path}")
        return Answer([] if relative_path == "store/storeConfigs" else {}, "{}")


def _magento_client(row: Entity) -> str | None:
    if row.fetch not in records.FETCHERS:
        return f"magento.records has no fetcher for GET {row.fetch}"
    if records.list_endpoint(row.name) != row.list:
        return f"magento.records lists {row.name} with {records.list_endpoint(row.name)}, not {row.list}"
    magento, key = RecordingMagento(), SAMPLE_KEYS[row.key]
    records.fetch_record(cast(MagentoClient, magento), row.name, key)
    if magento.calls[:1] != [f"GET {row.fetch_path(key)}"]:
        return f"fetching {row.name} {key} first calls {magento.calls[:1]}, not GET {row.fetch_path(key)}"
    return None


def _magento_sandbox(row: Entity) -> str | None:
    for path in (row.fetch_path(SAMPLE_KEYS[row.key]), row.list.path):
        if find_route("GET", ["V1", *path.split("/")]) is None:
            return f"the Magento sandbox has no route GET /V1/{path}"
    return None if row.name in admin.ENTITIES else f"the Magento sandbox's feed cannot emit {row.name}"


def _topology(row: Entity) -> str | None:
    layout = topology()
    if entity_queue(row.name) != row.queue:
        return f"broker.topology names {row.name}'s queue {entity_queue(row.name)}, not {row.queue}"
    declared = {queue.name for queue in layout.queues}
    bound = {(binding.queue, binding.exchange, binding.routing_key) for binding in layout.bindings}
    if not {row.queue, dead_queue(row.name)} <= declared or (row.queue, EVENTS_EXCHANGE, f"{row.name}.*") not in bound:
        return f"broker.topology does not declare and bind {row.queue} (and its dead-letter queue)"
    return None


def procfile_groups() -> dict[str, list[str]]:
    """``{process: entities}`` of the Procfile's ``python -m consumers`` lines."""
    groups = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        words = command.split()
        if words[:3] == ["python", "-m", "consumers"]:
            groups[name.strip()] = [word for word in words[3:] if not word.startswith("-")]
    return groups


def _procfile(row: Entity) -> str | None:
    if row.name not in procfile_groups().get(row.group, []):
        return f"the Procfile's {row.group} process does not consume {row.name}"
    return None


def _consumers(row: Entity) -> str | None:
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            parse_args([row.name])
    except SystemExit:
        return f"python -m consumers refuses {row.name}"
    return None


def _adobe_io(row: Entity) -> str | None:
    if not row.adobe_io_events:
        return f"{row.name} has no Adobe I/O events"
    for event, action in row.adobe_io_events.items():
        try:
            routed = entity_action(f"com.adobe.commerce.observer.{event}")
        except Rejection:
            routed = None
        if routed != (row.name, action):
            return f"Adobe I/O event {event} routes to {routed}, not ({row.name!r}, {action!r})"
    return None


def _receiver(row: Entity) -> str | None:
    try:
        Notification.from_dict({"id": "wiring-1", "entity": row.name, "action": "save", "key": SAMPLE_KEYS[row.key]})
        Settings.from_env({"NONCRITICAL_ENTITIES": row.name})
    except (MalformedMessage, ConfigError) as error:
        return f"the notification format or the settings refuse {row.name}: {error}"
    return None


def _demo(row: Entity) -> str | None:
    if row.name not in demo_summary.ENTITIES:
        return f"the demo summary does not count {row.name}"
    if row.name not in demo.emit_order() or row.name not in demo.CONSUMER_GROUPS.get(row.group, []):
        return f"the demo does not emit {row.name} or start its {row.group} consumers"
    return None


CHECKS: dict[str, Check] = {
    "mapper": _mapper, "odoo": _odoo, "http": _http, "magento client": _magento_client,
    "magento sandbox": _magento_sandbox, "topology": _topology, "procfile": _procfile, "consumers": _consumers,
    "adobe io": _adobe_io, "receiver": _receiver, "demo": _demo,
}


def wiring_problems(rows: tuple[Entity, ...] | None = None) -> dict[tuple[str, str], str]:
    """``{(entity, layer): problem}`` for every row of the table (magento_to_erp) a layer does not know."""
    problems = {}
    for row in entities.rows() if rows is None else rows:
        for layer, check in CHECKS.items():
            try:
                problem = check(row)
            except Exception as error:  # noqa: BLE001 (a layer that does not know the row may fail in any way)
                problem = f"{type(error).__name__}: {error}"
            if problem:
                problems[(row.name, layer)] = problem
    return problems


@pytest.mark.parametrize("row", entities.rows(), ids=lambda row: row.name)
def test_every_entity_is_wired_through_every_layer(row):
    assert wiring_problems((row,)) == {}


def test_an_entity_added_to_the_table_alone_is_reported_by_every_layer(monkeypatch):
    widget = Entity("widget", ID, "widgets/{id}", ListEndpoint("widgets"), "schemas.widget:WidgetSchema", "widget",
                    "magento.widget", "gadgets", adobe_io_prefix="catalog_widget")
    monkeypatch.setattr(entities, "TABLE", entities.TABLE + (widget,))
    problems = wiring_problems()
    assert {layer for entity, layer in problems if entity == "widget"} == set(CHECKS)
    assert {entity for entity, _ in problems} == {"widget"}


@pytest.mark.parametrize(("field", "value", "layers"), [
    ("writer", "partner", {"odoo", "http"}),
    ("mapper", "schemas.category:CategorySchema", {"mapper"}),
    ("fetch", "customer/{id}", {"magento client", "magento sandbox"}),
    ("list", ListEndpoint("customers", item_key="id", record_key="id"), {"magento client", "magento sandbox"}),
    ("queue", "magento.customers", {"topology"}),
    ("group", "sales", {"procfile", "demo"}),
    ("adobe_io_prefix", "customer_entity", {"adobe io"}),
])
def test_a_row_one_layer_disagrees_with_is_reported_by_that_layer(monkeypatch, field, value, layers):
    changed = dataclasses.replace(entities.entity("customer"), **{field: value})
    monkeypatch.setattr(entities, "TABLE", tuple(changed if row.name == "customer" else row for row in entities.TABLE))
    assert {layer for _, layer in wiring_problems()} == layers


def test_the_derived_constants():
    assert entities.ENTITIES == ("product", "customer", "category", "order", "invoice", "shipment", "creditmemo",
                                 "stock")
    assert len(set(entities.ENTITIES)) == len(entities.ENTITIES)
    assert entities.SKU_KEYED == {"product", "stock"}
    assert entities.KEY_TYPES == {"product_id": "stock", "odoo:stock.quant": "stock", "odoo:stock.move": "stock",
                                  "odoo:product.product": "stock"}
    assert set(entities.ODOO_KEY_TYPES.values()) <= set(entities.KEY_TYPES)
    assert entities.QUEUES == {**{name: f"magento.{name}" for name in entities.ENTITIES}, "erp.stock": "erp.stock"}
    assert Settings.from_env({}).noncritical_entities == entities.NONCRITICAL
    assert {row.key for row in entities.TABLE} <= {SKU, ID}
    assert {row.direction for row in entities.TABLE} == {entities.MAGENTO_TO_ERP}


def test_the_procfile_groups_are_the_tables():
    erp_groups = {row.group: [row.queue] for row in entities.FROM_ERP}
    assert procfile_groups() == {**{group: list(names) for group, names in entities.groups().items()}, **erp_groups}


def test_an_unknown_entity_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown entity 'widget'; known: product, customer, .*, stock$"):
        entities.entity("widget")


def render_table() -> str:
    """The table as docs/architecture.md shows it (a Markdown table)."""
    header = ("| entity | key | fetch (GET /V1/…) | list (sort field/item key; updated; record key) | mapper "
              "| writer | queue | group | non-critical | Adobe I/O events |")
    lines = [header, "| --- " * 10 + "|"]
    for row in entities.rows():
        listed = row.list
        events = f"`{row.adobe_io_prefix}_{{save,delete}}_{{after,commit_after}}`" + "".join(
            f", `{name}`" for name in row.adobe_io_extra)
        lines.append(f"| {row.name} | {row.key} | `{row.fetch}` | "
                     f"`{listed.path}` ({listed.sort_field}/{listed.item_key}; "
                     f"{listed.updated_field or '—'}; {listed.record_key}) | `{row.mapper}` | {row.writer} "
                     f"| `{row.queue}` | {row.group} | {'yes' if row.noncritical else 'no'} | {events} |")
    return "\n".join(lines)


def test_the_architecture_document_shows_the_table():
    text = (ROOT / "docs" / "architecture.md").read_text()
    section = re.search(r"^## Entities\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    assert section is not None, "docs/architecture.md has no Entities section"
    assert render_table() in section.group(1)


def test_streams_name_every_queue_of_both_directions():
    assert entities.STREAMS == (*entities.ENTITIES, "erp.stock")
    assert entities.ERP_ENTITIES == ("stock",)
    assert [entities.QUEUES[name] for name in entities.STREAMS] == [
        *(f"magento.{name}" for name in entities.ENTITIES), "erp.stock"]


@pytest.mark.parametrize("name, parsed", [
    ("stock", (None, "stock")), ("magento.stock", (None, "stock")), ("order", (None, "order")),
    ("erp.stock", ("erp", "stock")),
])
def test_a_stream_name_says_its_origin_and_entity(name: str, parsed: tuple[str | None, str]) -> None:
    assert entities.parse_stream(name) == parsed
    assert entities.stream(*parsed) == name.removeprefix("magento.")


@pytest.mark.parametrize("name", ["erp.order", "widget", "erp.", "odoo.stock", ""])
def test_an_unknown_stream_is_refused_with_the_known_ones(name: str) -> None:
    with pytest.raises(ValueError, match="known: product, customer, .*erp.stock"):
        entities.parse_stream(name)


def test_the_erp_rows_name_their_queue_group_and_odoo_models():
    row = entities.erp_entity("stock")
    assert (row.queue, row.group, row.key, row.direction) == ("erp.stock", "erp-stock", SKU, entities.ERP_TO_MAGENTO)
    assert row.odoo_models == ("stock.quant", "stock.move")
    with pytest.raises(ValueError, match="from the ERP; known: stock"):
        entities.erp_entity("order")
