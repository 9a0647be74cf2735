"""The bridge's own notification format, as accepted by ``POST /webhooks/magento`` and carried in queues."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from core.notification import (ACTIONS, ENTITIES, KEY_TYPES, SOURCES, identifier_problem, key_problem,
                               key_type_problem, moment_problem)


class _Key(fields.Field):
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
