"""From a request body to notifications (pure): JSON parsing and the bridge's own notification format."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from marshmallow import ValidationError

from bridge.rejection import Rejection
from core import parsing
from schemas.notification import Notification, NotificationSchema, normalise_key, plainly_valid

_SCHEMA = NotificationSchema()
_JSON_TYPES = ("application/json",)


def require_json(mimetype: str | None) -> None:
    """415 unless the body is declared as JSON (``application/json`` or any ``application/*+json``)."""
    mimetype = (mimetype or "").lower()
    if mimetype in _JSON_TYPES or (mimetype.startswith("application/") and mimetype.endswith("+json")):
        return
    raise Rejection(415, "the body must be JSON, sent with Content-Type: application/json",
                    {"content_type": [f"Got {mimetype or 'none'}."]})


def parse_json(body: bytes) -> Any:
    """The decoded JSON body; anything that is not JSON is a 400."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Rejection(400, "the body is not valid JSON", {"body": [_json_problem(exc)]}) from None


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "Nested too deeply."
    return str(exc)[:200]


def notification_from_webhook(data: Any) -> Notification:
    """Validate the bridge's own format; field problems become a 400 with details.

    A notification that plainly passes ``NotificationSchema`` (``schemas.notification.plainly_valid``) is read
    without running the schema, which costs more than the rest of the check; anything else gets the
    schema's verdict and explanation. Both ways give the same notification.
    """
    if not isinstance(data, dict):
        raise Rejection(400, "the notification must be a JSON object", {"body": ["Must be an object."]})
    fields = {name: value for name, value in data.items() if name != "source"}
    loaded = _plainly_loaded(fields) if plainly_valid(fields) else _loaded_by_schema(fields)
    if not loaded["id"].strip():
        raise Rejection(400, "the notification is not valid", {"id": ["Must not be blank."]})
    entity, key_type = loaded["entity"], loaded.get("key_type")
    return Notification(id=loaded["id"].strip(), entity=entity, action=loaded["action"],
                        key=normalise_key(entity, loaded["key"], key_type), occurred_at=_iso(loaded.get("occurred_at")),
                        store_code=loaded.get("store_code"), source="webhook", key_type=key_type)


def _loaded_by_schema(fields: dict[str, Any]) -> dict[str, Any]:
    try:
        return _SCHEMA.load(fields)
    except ValidationError as exc:
        raise Rejection(400, "the notification is not valid", _as_dict(exc.messages)) from None


def _plainly_loaded(fields: dict[str, Any]) -> dict[str, Any]:
    """What ``NotificationSchema.load`` gives for plainly valid ``fields`` (its ISO rule is ``fromisoformat``)."""
    moment = fields.get("occurred_at")
    return {"id": fields["id"], "entity": fields["entity"], "action": fields["action"], "key": fields["key"],
            "occurred_at": None if moment is None else dt.datetime.fromisoformat(moment),
            "store_code": fields.get("store_code")}


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return parsing.iso(value)


def _as_dict(messages: Any) -> dict[str, Any]:
    return messages if isinstance(messages, dict) else {"body": messages}
