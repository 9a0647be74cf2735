"""The bridge's notification format, defined once: the dataclass carried in queues, its schema, the fast check.

A notification says which record changed, never its contents; ``POST /webhooks/magento`` accepts it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import unicodedata
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from core.entities import (  # noqa: F401 (PRODUCT_ID)
    ACTIONS,
    ENTITIES,
    ERP_ENTITIES,
    KEY_TYPES,
    ORIGINS,
    PRODUCT_ID,
    SKU_KEYED,
    SOURCES,
    stream,
)
from core.errors import MalformedMessage

# ENTITIES, ACTIONS, SKU_KEYED, KEY_TYPES (with PRODUCT_ID) and SOURCES come from the entity table
# (core/entities.py); the modules that take them with the format may import them from here too.
# An event id travels as the AMQP message id, a short string of at most 255 bytes. A key travels only in
# bodies; its limit, in bytes too, lets through any key of 255 characters (Magento's SKUs hold 64). Ids built
# from long keys hash the key (ops.publishing.event_id).
MAX_ID_BYTES = 255
MAX_KEY_BYTES = 1020
MAX_NUMERIC_DIGITS = 20  # Magento's entity ids are 32-bit; 20 digits hold any 64-bit id


@dataclasses.dataclass(frozen=True)
class Notification:
    """One change: ``key`` is the SKU for product and stock, Magento's numeric entity id otherwise.

    ``key_type`` None means that usual key; ``"product_id"`` (stock only) means ``key`` is the numeric id of
    the stock item's product, to be resolved to its SKU by the consumer. ``origin`` None means a change in
    Magento (to be written into the ERP); ``"erp"`` a change in the ERP (to be written into Magento).
    """

    id: str
    entity: str
    action: str
    key: str
    occurred_at: str | None = None
    store_code: str | None = None
    source: str = "webhook"
    key_type: str | None = None
    origin: str | None = None

    @property
    def routing_key(self) -> str:
        return f"{self.entity}.{self.action}"

    @property
    def stream(self) -> str:
        """The queue's stream: the entity for a Magento change ("stock"), "erp.<entity>" for an ERP change."""
        return stream(self.origin, self.entity)

    @property
    def record(self) -> tuple[str, str]:
        """The record this notification is about, the unit of coalescing and of per-record ordering.

        A key of another type is its own record (``("stock product_id", "42")``), never one SKU "42"; a change
        from the ERP is a record of its stream (``("erp.stock", "MB-01")``), apart from Magento's changes.
        """
        if self.key_type is None:
            return self.stream, self.key
        return f"{self.stream} {self.key_type}", self.key

    def keyed_by(self, key: str) -> Notification:
        """This notification with its usual key (e.g. the SKU a product id resolved to)."""
        return dataclasses.replace(self, key=key, key_type=None)

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if getattr(self, field.name) is not None}

    def to_body(self) -> bytes:
        return json.dumps(self.to_dict(), separators=(",", ":"), sort_keys=True).encode()

    @classmethod
    def from_body(cls, body: bytes) -> Notification:
        """Parse a queued message body; a body that is not a notification raises MalformedMessage."""
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedMessage(f"message body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise MalformedMessage("message body is not a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Notification:
        """Validate with the notification schema (the receiver's rules); problems raise MalformedMessage.

        A notification that plainly passes those rules (every queued message the bridge published) is
        accepted without running the schema, which costs ten times more than the check.
        """
        if not plainly_valid(data):
            problems = _schema().validate(data)
            if problems:
                raise MalformedMessage("not a notification: " + json.dumps(problems, sort_keys=True))
        values = {name: data[name] for name in _FIELDS if data.get(name) is not None}
        values["key"] = normalise_key(values["entity"], data["key"], values.get("key_type"))
        return cls(**values)


_FIELDS = tuple(field.name for field in dataclasses.fields(Notification))


def plainly_valid(data: dict[str, Any]) -> bool:
    """Whether ``data`` surely passes ``NotificationSchema``; False when unsure.

    A subset of the schema's rules, written out: ``from_dict`` asks the schema whenever this says False,
    which it does for every notification with a ``key_type`` (rare; the schema checks those).
    """
    identifier, entity, action, key = data.get("id"), data.get("entity"), data.get("action"), data.get("key")
    return ("key_type" not in data and data.get("origin") is None
            and type(identifier) is str and identifier_problem(identifier) is None
            and type(entity) is str and entity in ENTITIES and type(action) is str and action in ACTIONS
            and type(key) in (str, int) and key_problem(entity, key) is None
            and _optional_text(data, "store_code", 64) and _plain_source(data.get("source", "webhook"))
            and _plain_moment(data.get("occurred_at")))


def identifier_problem(identifier: str) -> str | None:
    """Why ``identifier`` (an event id, already stripped) cannot be used, or None when it can."""
    if not identifier.strip():
        return "must not be blank"
    size = len(identifier.encode("utf-8", "surrogatepass"))
    if size > MAX_ID_BYTES:
        return f"must be at most {MAX_ID_BYTES} bytes in UTF-8 (got {size})"
    if has_control_characters(identifier):
        return "must not contain control characters"
    return None


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control character (C0, DEL, C1) or an unpaired surrogate."""
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in text)


def _optional_text(data: dict[str, Any], name: str, limit: int) -> bool:
    value = data.get(name)
    return value is None or (type(value) is str and len(value) <= limit)


def _plain_source(source: Any) -> bool:
    return type(source) is str and source in SOURCES


def _plain_moment(value: Any) -> bool:
    """An absent ``occurred_at``, or one ``datetime.fromisoformat`` reads (the schema's ISO 8601 rule)."""
    if value is None:
        return True
    if type(value) is not str:
        return False
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return moment_problem(moment) is None


def moment_problem(moment: dt.datetime) -> str | None:
    """Why ``moment`` cannot be carried as a UTC time (an offset pushing it past year 1 or 9999), or None."""
    try:
        if moment.tzinfo is not None:
            moment.astimezone(dt.UTC)
    except OverflowError:
        return "must be a date-time that is within years 1 to 9999 in UTC"
    return None


@functools.cache
def _schema() -> NotificationSchema:
    """One shared NotificationSchema (validation keeps no per-call state), built on first use."""
    return NotificationSchema()


def normalise_key(entity: str, key: Any, key_type: str | None = None) -> str:
    """The key as text; numeric ids (a product id too) given as JSON numbers become their decimal string."""
    if isinstance(key, bool):
        raise ValueError("must be a string or a number")
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    if not isinstance(key, str):
        raise ValueError("must be a string or a number")
    return key if entity in SKU_KEYED and key_type is None else key.strip()


def key_type_problem(entity: str, key_type: Any) -> str | None:
    """Why ``key_type`` cannot go with ``entity``, or None when it can (None, the usual key, always can)."""
    if key_type is None:
        return None
    if not isinstance(key_type, str) or key_type not in KEY_TYPES:
        return f"must be one of: {', '.join(KEY_TYPES)} (or left out for the usual key)"
    if KEY_TYPES[key_type] != entity:
        return f"only {KEY_TYPES[key_type]} notifications may be keyed by {key_type}, not {entity}"
    return None


def key_problem(entity: str, key: Any, key_type: str | None = None) -> str | None:
    """Why ``key`` (of ``key_type``, None for the usual key) cannot identify a record of ``entity``, or None."""
    try:
        text = normalise_key(entity, key, key_type)
    except ValueError as exc:
        return str(exc)
    if text.strip() == "":
        return "must not be empty"
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_KEY_BYTES:
        return f"must be at most {MAX_KEY_BYTES} bytes in UTF-8 (got {size})"
    numeric = entity not in SKU_KEYED or key_type is not None
    if numeric and not (text.isascii() and text.isdigit() and int(text) > 0):
        return f"must be a positive numeric {_id_name(entity, key_type)}"
    if numeric and len(text) > MAX_NUMERIC_DIGITS:
        return f"must be a numeric {_id_name(entity, key_type)} of at most {MAX_NUMERIC_DIGITS} digits"
    if has_control_characters(text):
        return "must not contain control characters"
    return None


def _id_name(entity: str, key_type: str | None) -> str:
    return f"id for {entity}" if key_type is None else f"{key_type.replace('_', ' ')} for {entity}"


class _Key(fields.Field[Any]):
    """A record key given as a JSON string or number; checked against the entity in the schema."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValidationError("Must be a string or a number.")
        return value


class NotificationSchema(Schema):
    """Validates a notification; unknown top-level fields are ignored."""

    class Meta:
        unknown = EXCLUDE

    id = fields.String(required=True, validate=validate.Length(min=1))
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    key = _Key(required=True)
    occurred_at = fields.DateTime(format="iso", load_default=None, allow_none=True)
    store_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    source = fields.String(load_default="webhook", validate=validate.OneOf(SOURCES))
    # None (or absent) for the usual key; "product_id" for a stock notification keyed by its product's id.
    key_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        tuple(KEY_TYPES), error="Must be one of: {choices} (or left out for the usual key)."))
    # None (or absent) for a change in Magento; "erp" for a change in the ERP, bound for Magento.
    origin = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ORIGINS, error="Must be one of: {choices} (or left out for a change in Magento)."))

    @validates_schema
    def _moment_fits_utc(self, data: dict[str, Any], **kwargs: Any) -> None:
        moment = data.get("occurred_at")
        problem = moment_problem(moment) if moment is not None else None
        if problem:
            raise ValidationError(_sentence(problem), field_name="occurred_at")

    @validates_schema
    def _id_is_usable(self, data: dict[str, Any], **kwargs: Any) -> None:
        identifier = data.get("id")
        problem = identifier_problem(identifier.strip()) if isinstance(identifier, str) and identifier else None
        if problem:
            raise ValidationError(_sentence(problem), field_name="id")

    @validates_schema
    def _origin_has_entity(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("origin") is not None and data.get("entity") not in ERP_ENTITIES:
            raise ValidationError(f"Changes from the ERP are synced for: {', '.join(ERP_ENTITIES)}.",
                                  field_name="entity")

    @validates_schema
    def _key_fits_entity(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "entity" not in data or "key" not in data:
            return
        key_type = data.get("key_type")
        problem = key_type_problem(data["entity"], key_type)
        if problem:
            raise ValidationError(_sentence(problem), field_name="key_type")
        problem = key_problem(data["entity"], data["key"], key_type)
        if problem:
            raise ValidationError(_sentence(problem), field_name="key")


def _sentence(problem: str) -> str:
    return problem[0].upper() + problem[1:] + "."
