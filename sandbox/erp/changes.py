"""The HTTP ERP sandbox's change detection: the change feed ``GET /changes``, the ERP's own edits and the
outgoing webhook's settings (``/__sandbox/edit``, ``/__sandbox/webhook``); see docs/http-erp.md."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import BadRequest

from sandbox.erp.store import ENTITIES, ErpStore
from sandbox.erp.webhook import Webhook

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def feed(store: ErpStore, args: Any) -> tuple[dict[str, Any], int]:
    """``GET /changes?after=<cursor>&limit=N``: every write after the cursor, oldest first, and the next cursor.

    ``next`` is the last change's cursor, or ``after`` itself when nothing is new (poll again with it); an
    absent or empty ``after`` starts from the first change.
    """
    after, limit = args.get("after", ""), args.get("limit", str(DEFAULT_LIMIT))
    if after and not (after.isascii() and after.isdigit()):
        return {"error": "after must be a cursor this ERP gave (a whole number), or empty"}, 400
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_LIMIT:
        return {"error": f"limit must be a whole number from 1 to {MAX_LIMIT}"}, 400
    changes = store.changes_after(int(after or 0), int(limit))
    listed = [{"entity": change.entity, "key": change.key, "cursor": str(change.cursor)} for change in changes]
    return {"changes": listed, "next": listed[-1]["cursor"] if listed else after}, 200


def admin_routes(app: Flask, store: ErpStore, webhook: Webhook) -> None:
    """``/__sandbox/edit`` (a change made in the ERP itself) and ``/__sandbox/webhook`` (where changes go)."""

    @app.post("/__sandbox/edit")
    def edit() -> Response:
        body = _body()
        entity, key = body.get("entity"), body.get("key")
        if entity not in ENTITIES or not isinstance(key, str) or not key:
            raise BadRequest(f"entity must be one of {', '.join(ENTITIES)} and key a non-empty string")
        if body.get("delete") is True:
            return jsonify({"entity": entity, "key": key, "deleted": store.remove(entity, key)})
        document = body.get("document")
        if not isinstance(document, dict):
            raise BadRequest("document must be a JSON object (or pass \"delete\": true)")
        record_id, created = store.edit(entity, key, document)
        return jsonify({"id": record_id, "entity": entity, "key": key, "created": created})

    @app.route("/__sandbox/webhook", methods=["GET", "POST"])
    def webhook_settings() -> Response:
        if request.method == "POST":
            body = _body()
            url, secret = body.get("url", ""), body.get("secret", "")
            if not isinstance(url, str) or not isinstance(secret, str):
                raise BadRequest("url and secret must be strings")
            try:
                webhook.configure(url, secret)
            except ValueError as exc:
                raise BadRequest(str(exc)) from None
        return jsonify(webhook.status())


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body
