"""Building blocks shared by the mappers: lenient Magento field types, the base schema, addresses, errors.

Magento's REST API is loose about types across versions and endpoints (``"15"`` for 15, ``1``/``"1"``/``true``
for a flag, a street as text or list), so the fields here accept every form Magento is known to send and
turn it into one: ints, JSON numbers, booleans, ``YYYY-MM-DD HH:MM:SS`` UTC text. Anything else is a field
error naming the Magento field, which ``schemas.mapping`` turns into a ``MappingError``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from core.parsing import magento_timestamp, utc_datetime

_INTEGER_TEXT = re.compile(r"^[+-]?\d+$")
_ZERO_DATES = frozenset({"0000-00-00 00:00:00", "0000-00-00"})


class MagentoSchema(Schema):
    """Base of every mapper schema: Magento adds fields across versions, so unknown fields are ignored."""

    class Meta:
        unknown = EXCLUDE


class Int(fields.Field[int]):
    """An integer given as a JSON number or as digits in a string (``"15"``); never a bool or a fraction."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError("Not a whole number (got a boolean).")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER_TEXT.match(value.strip()):
            return int(value.strip())
        raise ValidationError(f"Not a whole number: {value!r}.")


class Number(fields.Field[int | float]):
    """Money or a quantity: a JSON number kept as Magento gave it, or numeric text (``"32444.000000"``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | float:
        if isinstance(value, bool):
            raise ValidationError("Not a number (got a boolean).")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and math.isfinite(value):
            return value
        if isinstance(value, str):
            return _number_from_text(value)
        raise ValidationError(f"Not a number: {value!r}.")


def _number_from_text(text: str) -> int | float:
    stripped = text.strip()
    if _INTEGER_TEXT.match(stripped):
        return int(stripped)
    try:
        number = float(stripped)
    except ValueError:
        raise ValidationError(f"Not a number: {text!r}.") from None
    if not math.isfinite(number):
        raise ValidationError(f"Not a finite number: {text!r}.")
    return number


class Text(fields.Field[str]):
    """Text; a number is accepted and written as text (Magento sends some codes as numbers)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise ValidationError(f"Not text: {value!r}.")


class Flag(fields.Boolean):
    """A boolean given as ``true``/``false``, ``1``/``0`` or ``"1"``/``"0"``."""


class Timestamp(fields.Field[str | None]):
    """A date-time as Magento's own UTC text ``YYYY-MM-DD HH:MM:SS`` (ISO 8601 input is converted to it)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        if not isinstance(value, str):
            raise ValidationError(f"Not a date-time: {value!r}.")
        if value.strip() in _ZERO_DATES:
            return None  # Magento's legacy "no date"
        try:
            return magento_timestamp(utc_datetime(value))
        except ValueError:
            raise ValidationError(f"Not a date-time: {value!r}.") from None


class Street(fields.Field[list[str]]):
    """Street lines: Magento sends a list, older endpoints one text with newlines."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        if isinstance(value, str):
            return value.split("\n")
        if isinstance(value, list) and all(isinstance(line, str) for line in value):
            return list(value)
        raise ValidationError("Not a list of street lines.")


class Region(fields.Field[dict[str, Any]]):
    """A region as customer addresses give it (``{region_code, region, region_id}``) or as a name."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict[str, Any]:
        if isinstance(value, str):
            return {"region": value, "region_code": None}
        if isinstance(value, Mapping):
            name, code = value.get("region"), value.get("region_code")
            if not all(part is None or isinstance(part, str) for part in (name, code)):
                raise ValidationError("region and region_code must be text.")
            return {"region": name, "region_code": code}
        raise ValidationError("Not a region (expected a name or {region_code, region, region_id}).")


def optional(field_class: type[fields.Field[Any]], **kwargs: Any) -> fields.Field[Any]:
    """A field that may be absent or null; it then loads as None."""
    return field_class(load_default=None, allow_none=True, **kwargs)


def required(field_class: type[fields.Field[Any]], **kwargs: Any) -> fields.Field[Any]:
    return field_class(required=True, **kwargs)


def zero_is_none(value: int | None) -> int | None:
    """Magento writes 0 for "no such record" in several id fields (root parent, guest address)."""
    return value or None


ADDRESS_FIELDS: tuple[str, ...] = (
    "magento_id", "customer_address_id", "firstname", "lastname", "company", "street", "city", "region",
    "region_code", "postcode", "country_id", "telephone", "email", "default_billing", "default_shipping", "vat_id",
)


class AddressSchema(MagentoSchema):
    """A customer address (``id``, region object, default flags) or an order address (``entity_id``)."""

    id = optional(Int)
    entity_id = optional(Int)
    customer_address_id = optional(Int)
    firstname = optional(Text)
    lastname = optional(Text)
    company = optional(Text)
    street = Street(load_default=list, allow_none=True)
    city = optional(Text)
    region = optional(Region)
    region_code = optional(Text)
    postcode = optional(Text)
    country_id = optional(Text)
    telephone = optional(Text)
    email = optional(Text)
    vat_id = optional(Text)
    default_billing = Flag(load_default=False, allow_none=True)
    default_shipping = Flag(load_default=False, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        region = data["region"] or {"region": None, "region_code": None}
        magento_id = data["id"] if data["id"] is not None else data["entity_id"]
        return {
            "magento_id": magento_id, "customer_address_id": zero_is_none(data["customer_address_id"]),
            "firstname": data["firstname"], "lastname": data["lastname"], "company": data["company"],
            "street": data["street"] or [], "city": data["city"], "region": region["region"],
            "region_code": data["region_code"] or region["region_code"], "postcode": data["postcode"],
            "country_id": data["country_id"], "telephone": data["telephone"], "email": data["email"],
            "default_billing": bool(data["default_billing"]), "default_shipping": bool(data["default_shipping"]),
            "vat_id": blank_is_none(data["vat_id"]),
        }


def blank_is_none(text: str | None) -> str | None:
    """Text without surrounding spaces; Magento's empty text for "not given" is None."""
    return text.strip() or None if text is not None else None


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested error dict as ``{"items[0].sku": ["Missing data for required field."]}``."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for name, sub in messages.items():
            flat.update(flatten_errors(sub, _join(prefix, name)))
        return flat
    texts = messages if isinstance(messages, list) else [messages]
    return {prefix or "record": [str(text) for text in texts]}


def _join(prefix: str, name: Any) -> str:
    if isinstance(name, int):
        return f"{prefix}[{name}]"
    if name == "_schema":
        return prefix
    return f"{prefix}.{name}" if prefix else str(name)


def decimal(value: int | float | None) -> Decimal:
    """A Magento number as an exact Decimal (``74.7`` is ``Decimal("74.7")``, not its binary neighbour); None is 0."""
    return Decimal(0) if value is None else Decimal(str(value))


def plain_number(value: Decimal) -> int | float:
    """A Decimal back as a JSON number: an int when whole, else the float that prints as the same digits."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def money_sum(values: list[int | float | None]) -> int | float | None:
    """The exact sum of Magento numbers as a JSON number; None when every value is None."""
    present = [value for value in values if value is not None]
    return plain_number(sum((decimal(value) for value in present), Decimal(0))) if present else None
