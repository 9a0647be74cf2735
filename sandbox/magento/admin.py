"""``/__sandbox/...``: the admin API for tests, the demo and benchmarks (no bearer token; see docs/sandbox-magento.md).

Errors answer ``{"error": "<reason>"}`` with 400 (bad input) or 404 (unknown record or name).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from sandbox.magento.categories import link_children
from sandbox.magento.inventory import forget_product, legacy_saved
from sandbox.magento.rest import Sandbox
from sandbox.magento.sales import render_order
from sandbox.magento.seeding import parse_stamp, synthetic_products
from sandbox.magento.shapes import coerce_stock, merge_custom_attributes
from sandbox.magento.store import Change, Store

# The entities the change feed notifies about (the sandbox's own list; tests/sandbox/magento checks it
# against the bridge's notification format).
ENTITIES: tuple[str, ...] = (
    "product", "customer", "category", "order", "invoice", "shipment", "creditmemo", "stock",
)

admin = Blueprint("magento_sandbox_admin", __name__, url_prefix="/__sandbox")


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@admin.errorhandler(AdminError)
def _admin_error(exc: AdminError) -> tuple[Response, int]:
    return jsonify({"error": str(exc)}), exc.status


@admin.errorhandler(ValueError)
def _bad_value(exc: ValueError) -> tuple[Response, int]:
    return jsonify({"error": str(exc)}), 400


def current_sandbox() -> Sandbox:
    return current_app.extensions["magento_sandbox"]


def json_body() -> dict[str, Any]:
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise AdminError(400, "the body must be a JSON object")
    return body


def _entity(name: str) -> str:
    if name not in ENTITIES:
        raise AdminError(404, f"unknown entity {name!r}; known: {', '.join(ENTITIES)}")
    return name


@admin.get("")
def overview() -> Response:
    sandbox = current_sandbox()
    with sandbox.store.lock:
        counts = {entity: sum(1 for _ in sandbox.store.keys(entity)) for entity in ENTITIES}
    feed = {key: value for key, value in sandbox.feed.status().items() if key != "deliveries"}
    return jsonify({"counts": counts, "faults": sandbox.faults.snapshot(), "feed": feed,
                    "now": sandbox.store.now_text()})


@admin.get("/health")
def health() -> Response:
    return jsonify({"ok": True})


@admin.post("/reset")
def reset() -> Response:
    seed = json_body().get("seed", current_app.config["MAGENTO_SANDBOX_SEED"])
    current_sandbox().reset(seed)
    return jsonify({"reset": True, "seed": seed})


# records
def _find(store: Store, entity: str, key: str) -> dict[str, Any]:
    record = store.find(_entity(entity), key)
    if record is None:
        raise AdminError(404, f"no {entity} {key!r}")
    return record


def _view(entity: str, record: dict[str, Any]) -> Any:
    if entity == "stock":
        return record["extension_attributes"]["stock_item"]
    return render_order(record) if entity == "order" else record


def _key(entity: str, record: dict[str, Any]) -> str:
    if entity in ("product", "stock"):
        return record["sku"]
    return str(record.get("entity_id", record.get("id")))


@admin.get("/records/<entity>")
def record_keys(entity: str) -> Response:
    store = current_sandbox().store
    with store.lock:
        return jsonify({"keys": list(store.keys(_entity(entity)))})


@admin.get("/records/<entity>/<path:key>")
def read_record(entity: str, key: str) -> Response:
    store = current_sandbox().store
    with store.lock:
        return Response(json.dumps(_view(entity, _find(store, entity, key))), mimetype="application/json")


@admin.post("/touch/<entity>/<path:key>")
def touch(entity: str, key: str) -> Response:
    """Apply field changes (may be none), move ``updated_at`` and emit a save notification."""
    sandbox, changes = current_sandbox(), json_body()
    store = sandbox.store
    with store.lock:
        record = _find(store, entity, key)
        if entity == "stock":
            record["extension_attributes"]["stock_item"].update(coerce_stock(changes))
            legacy_saved(store, record["sku"])
        else:
            changes.pop("sku" if entity == "product" else "id", None)
            _merge(record, {k: v for k, v in changes.items() if k != "updated_at"})
            store.touch(record)
            if changes.get("updated_at"):
                record["updated_at"] = parse_stamp(changes["updated_at"])
        store.changed(entity, "save", _key(entity, record))
        payload = json.dumps(_view(entity, record))
        emitted = store.drain_changes()
    sandbox.feed.emit(emitted)
    return Response(payload, mimetype="application/json")


def _merge(record: dict[str, Any], changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        if key == "custom_attributes" and isinstance(value, list):
            record[key] = merge_custom_attributes(record.get(key) or [], value)
        elif isinstance(value, dict) and isinstance(record.get(key), dict):
            _merge(record[key], value)
        else:
            record[key] = value


@admin.delete("/records/<entity>/<path:key>")
def delete_record(entity: str, key: str) -> Response:
    sandbox = current_sandbox()
    store = sandbox.store
    with store.lock:
        record = _find(store, entity, key)
        deleted = _delete(store, entity, record)
        emitted = store.drain_changes()
    sandbox.feed.emit(emitted)
    return jsonify({"deleted": deleted})


def _delete(store: Store, entity: str, record: dict[str, Any]) -> list[str]:
    if entity == "stock":
        raise AdminError(400, "a stock item goes with its product: delete the product")
    if entity == "product":
        store.drop_product(record)
        forget_product(store, record["sku"])
        keys = [record["sku"]]
    elif entity == "category":
        doomed = [c for c in store.categories.values() if c["path"] == record["path"]
                  or c["path"].startswith(record["path"] + "/")]
        for category in doomed:
            del store.categories[category["id"]]
        link_children(store)
        keys = [str(category["id"]) for category in doomed]
    else:
        del store.table(entity)[int(_key(entity, record))]
        keys = [_key(entity, record)]
    for key in keys:
        store.changed(entity, "delete", key)
    return keys


@admin.post("/generate/products")
def generate_products() -> Response:
    body, sandbox = json_body(), current_sandbox()
    stamp = parse_stamp(body["updated_at"]) if body.get("updated_at") else None
    with sandbox.store.lock:
        result = synthetic_products(sandbox.store, int(body.get("count", 1)), str(body.get("prefix", "SYN-")),
                                    stamp, bool(body.get("emit", False)))
        emitted = sandbox.store.drain_changes()
    sandbox.feed.emit(emitted)
    return jsonify(result)


@admin.get("/requests")
def requests_log() -> Response:
    since = int(request.args.get("since", "0") or 0)
    entries = current_sandbox().requests(since)
    return jsonify({"requests": entries, "last_seq": entries[-1]["seq"] if entries else since})


@admin.delete("/requests")
def clear_requests() -> Response:
    current_sandbox().clear_requests()
    return jsonify({"cleared": True})


# feed
@admin.get("/feed")
def feed_status() -> Response:
    return jsonify(current_sandbox().feed.status())


@admin.put("/feed")
def configure_feed() -> Response:
    body = json_body()
    current_sandbox().feed.configure(body.get("url", ""), body.get("secret", ""), bool(body.get("suppress", False)))
    return feed_status()


@admin.post("/feed/emit/<entity>")
def emit_all(entity: str) -> Response:
    """Queue a ``save`` notification for every record of ``entity``, even while the feed is suppressed."""
    sandbox = current_sandbox()
    with sandbox.store.lock:
        now = sandbox.store.now()
        changes = [Change(_entity(entity), "save", key, now) for key in sandbox.store.keys(entity)]
    if not sandbox.feed.url:
        raise AdminError(400, "configure the feed first: PUT /__sandbox/feed {\"url\", \"secret\"}")
    return jsonify({"queued": sandbox.feed.emit(changes, force=True)})


@admin.post("/feed/flush")
def flush_feed() -> Response:
    idle = current_sandbox().feed.wait_idle(float(json_body().get("timeout", 10)))
    return jsonify({"idle": idle, **{k: v for k, v in current_sandbox().feed.status().items() if k != "deliveries"}})
