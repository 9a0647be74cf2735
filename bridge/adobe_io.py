"""Adobe I/O Events for Adobe Commerce (pure): CloudEvents deliveries to the bridge's notifications.

A delivery is one CloudEvents 1.0 object, or a JSON array of them (batch delivery). The event ``type``
ends in ``observer.<Magento event name>``, e.g. ``com.adobe.commerce.observer.catalog_product_save_commit_after``;
the record's fields are under ``data.value``. ``OBSERVER_EVENTS`` lists every event the bridge maps.
"""

from __future__ import annotations

from typing import Any

from bridge.rejection import Rejection
from core import entities, parsing
from core.entities import PRODUCT_ID, SKU_KEYED
from schemas.notification import Notification, identifier_problem, key_problem, normalise_key

# Every observer event the bridge maps, and the (entity, action) it announces: the entity table's
# ``adobe_io_prefix`` (the model's $_eventPrefix) with each suffix, and its ``adobe_io_extra`` events.
OBSERVER_EVENTS: dict[str, tuple[str, str]] = {
    event: (row.name, action) for row in entities.rows() for event, action in row.adobe_io_events.items()
}

_SKU_FIELDS = ("sku", "product_sku")
_ID_FIELDS = ("entity_id", "id")
_EVENT_ID_FIELDS = ("event_id", "eventid", "id")


def observer_event(event_type: str) -> str:
    """``com.adobe.commerce.observer.catalog_product_save_after`` -> ``catalog_product_save_after``."""
    _, marker, name = event_type.rpartition("observer.")
    return name if marker else ""


def entity_action(event_type: str) -> tuple[str, str]:
    """(entity, action) of an Adobe Commerce event type; an unmapped type raises a 422 Rejection."""
    mapped = OBSERVER_EVENTS.get(observer_event(event_type))
    if mapped is None:
        raise Rejection(422, f"unknown Adobe Commerce event type {event_type!r}",
                        {"type": ["Not an observer event the bridge maps; see docs/receiver.md."]})
    return mapped


def notifications_from_delivery(payload: Any, client_id: str = "") -> list[Notification]:
    """Every notification in one delivery (an event or a batch); bad events raise a Rejection.

    With ``client_id`` (ADOBE_IO_CLIENT_ID) set, every event must be addressed to it (``recipient_client_id``):
    Adobe signs every integration's deliveries with the same key pair, so the signature alone does not
    say the event was meant for this bridge.
    """
    events = payload if isinstance(payload, list) else [payload]
    if not events:
        raise Rejection(400, "the batch holds no event", {"body": ["Must hold at least one event."]})
    notifications = []
    for index, event in enumerate(events):
        try:
            notifications.append(notification_from_event(event, client_id))
        except Rejection as rejection:
            if isinstance(payload, list):
                rejection.error = f"event {index}: {rejection.error}"
                rejection.details = {str(index): rejection.details}
            raise
    return notifications


def notification_from_event(event: Any, client_id: str = "") -> Notification:
    """One CloudEvents object to a notification with ``source="adobe-io"``."""
    if not isinstance(event, dict):
        raise Rejection(400, "an Adobe I/O event must be a JSON object", {"body": ["Must be an object."]})
    if client_id:
        _check_recipient(event, client_id)
    event_id = _event_id(event)
    event_type = event.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise Rejection(400, "the event has no type", {"type": ["Missing data for required field."]})
    entity, action = entity_action(event_type)
    value = _record_fields(event)
    key, key_type = event_key(entity, value, event_type)
    return Notification(id=event_id, entity=entity, action=action, key=key,
                        occurred_at=_occurred_at(event.get("time")), source="adobe-io", key_type=key_type)


def event_key(entity: str, value: dict[str, Any], event_type: str) -> tuple[str, str | None]:
    """(key, key_type) from ``data.value``: the SKU for product and stock, the numeric id otherwise.

    A stock item without a SKU is keyed by its ``product_id`` (key_type ``product_id``): the consumer
    looks the SKU up, so the receiver makes no Magento call.
    """
    raw, key_type = _first_present(value, _usual_fields(entity)), None
    if raw is None and entity == "stock":
        raw, key_type = _first_present(value, (PRODUCT_ID,)), PRODUCT_ID
    if raw is None:
        raise Rejection(422, _missing_key_message(entity, event_type),
                        {"data.value": [f"Has none of the fields {', '.join(_key_fields(entity))}."]})
    problem = key_problem(entity, raw, key_type)
    if problem:
        raise Rejection(422, f"the {entity} key in data.value is unusable: {problem}",
                        {"data.value": [problem[0].upper() + problem[1:] + "."]})
    return normalise_key(entity, raw, key_type), key_type


def _first_present(value: dict[str, Any], fields: tuple[str, ...]) -> Any:
    return next((value[name] for name in fields if value.get(name) not in (None, "")), None)


def _usual_fields(entity: str) -> tuple[str, ...]:
    return _SKU_FIELDS if entity in SKU_KEYED else _ID_FIELDS


def _key_fields(entity: str) -> tuple[str, ...]:
    """Every field a key may come from: for a stock item, its product's id too."""
    return _usual_fields(entity) + ((PRODUCT_ID,) if entity == "stock" else ())


def _missing_key_message(entity: str, event_type: str) -> str:
    if entity == "stock":
        return (f"{event_type} carries neither a SKU (sku, product_sku) nor a product_id in data.value, so the "
                "stock item cannot be identified; subscribe the event with its product_id field (or a sku field)")
    return f"{event_type} carries no record key for {entity}"


def _check_recipient(event: dict[str, Any], client_id: str) -> None:
    recipient = event.get("recipient_client_id", event.get("recipientclientid"))
    if recipient != client_id:
        raise Rejection(403, "the event is addressed to another Adobe I/O integration, not this bridge "
                             "(recipient_client_id differs from ADOBE_IO_CLIENT_ID)",
                        {"recipient_client_id": ["Does not match ADOBE_IO_CLIENT_ID."]})


def _event_id(event: dict[str, Any]) -> str:
    for name in _EVENT_ID_FIELDS:
        value = event.get(name)
        if isinstance(value, str) and value.strip():
            problem = identifier_problem(value.strip())
            if problem:
                raise Rejection(400, f"the event id is unusable: {problem}",
                                {name: [problem[0].upper() + problem[1:] + "."]})
            return value.strip()
    raise Rejection(400, "the event has no id", {"event_id": ["Missing data for required field."]})


def _record_fields(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data")
    value = data.get("value") if isinstance(data, dict) else None
    if not isinstance(value, dict):
        raise Rejection(400, "the event has no record fields", {"data.value": ["Must be an object."]})
    return value


def _occurred_at(raw: Any) -> str | None:
    """The CloudEvents ``time`` as ISO 8601 UTC, or None when absent or unreadable (it is informative)."""
    if not isinstance(raw, str):
        return None
    try:
        return parsing.iso(parsing.utc_datetime(raw))
    except (ValueError, OverflowError):
        return None

