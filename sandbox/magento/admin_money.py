"""``/__sandbox`` endpoints for the money scenarios and the store configuration (registered on the admin
blueprint): ``POST /__sandbox/scenarios/money`` and ``POST /__sandbox/store-config``."""

from __future__ import annotations

from flask import Response, jsonify

from sandbox.magento.admin import admin, current_sandbox, json_body
from sandbox.magento.scenarios import seed_money_cases
from sandbox.magento.store_config import update_store_config


@admin.post("/scenarios/money")
def money_scenarios() -> Response:
    """Add the money cases once (``sandbox.magento.scenarios``); ``{"emit": true}`` notifies every order,
    invoice, credit memo and shipment they made through the change feed. Answers ``{case: ids}``."""
    sandbox, emit = current_sandbox(), bool(json_body().get("emit"))
    with sandbox.store.lock:
        cases = seed_money_cases(sandbox.store)
        changes = []
        for ids in cases.values():
            sandbox.store.changed("order", "save", ids["order_id"])
            for kind in ("invoice", "creditmemo", "shipment"):
                for document_id in ids[f"{kind}_ids"]:
                    sandbox.store.changed(kind, "save", document_id)
        changes = sandbox.store.drain_changes()
    if emit:
        sandbox.feed.emit(changes)
    return jsonify(cases)


@admin.post("/store-config")
def store_config() -> Response:
    """Merge the body into the store view named by ``code`` (default ``default``); answers that view."""
    sandbox = current_sandbox()
    with sandbox.store.lock:
        return jsonify(update_store_config(sandbox.store, json_body()))
