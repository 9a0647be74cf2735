"""Magento's REST error bodies (exact wording, from magento/magento2 2.4), raw path segments, request keys.

Magento renders an error as ``{"message": <raw template>, "parameters": <args>}`` and leaves out
``parameters`` when there are none (``Webapi\\Rest\\Response::_renderMessages``); named placeholders give
an object (``{"resources": ...}``), positional ``%1`` placeholders a list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

ROUTE_MISSING = "Request does not match any route."
NOT_AUTHORIZED = "The consumer isn't authorized to access %resources."
PRODUCT_MISSING = "The product that was requested doesn't exist. Verify the product and try again."
ENTITY_MISSING = "The entity that was requested doesn't exist. Verify the entity and try again."
NO_SUCH_ENTITY = "No such entity with %fieldName = %fieldValue"
STOCK_PRODUCT_MISSING = "The Product with the \"%1\" SKU doesn't exist."
REQUIRED_FIELD = '"%fieldName" is required. Enter and try again.'
INVALID_TYPE = 'The "%value" value\'s type is invalid. The "%type" type was expected. Verify and try again.'
INVALID_FIELD_VALUE = 'Invalid value of "%value" provided for the %fieldName field.'
DECODING_ERROR = "Decoding error."
DUPLICATE_EMAIL = "A customer with the same email address already exists in an associated website."
ADDRESS_NOT_SAVED = "The order address couldn't be saved."
TRACK_NOT_SAVED = "Could not save the shipment tracking."
TOO_MANY_REQUESTS = "Too Many Requests"
INTERNAL_ERROR = "Internal Error. Details are available in Magento log file. Report ID: webapi-{report}"


class MagentoHttpError(Exception):
    """An error answered the way Magento's REST layer answers it."""

    def __init__(self, status: int, message: str, parameters: Mapping[str, Any] | list[Any] | None = None,
                 *, headers: Mapping[str, str] | None = None, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameters = parameters
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message}
        if self.parameters:
            body["parameters"] = self.parameters
        body.update(self.extra)
        return body


def route_missing() -> MagentoHttpError:
    return MagentoHttpError(404, ROUTE_MISSING)


def not_authorized(resources: str) -> MagentoHttpError:
    return MagentoHttpError(401, NOT_AUTHORIZED, {"resources": resources})


def product_missing() -> MagentoHttpError:
    return MagentoHttpError(404, PRODUCT_MISSING)


def entity_missing() -> MagentoHttpError:
    """What the sales repositories (orders, invoices, shipments, credit memos) answer for an unknown id."""
    return MagentoHttpError(404, ENTITY_MISSING)


def no_such_entity(field_name: str, field_value: Any) -> MagentoHttpError:
    """``NoSuchEntityException::singleField``: customers (customerId) and categories (id)."""
    return MagentoHttpError(404, NO_SUCH_ENTITY, {"fieldName": field_name, "fieldValue": field_value})


def entity_by_id(records: Mapping[int, dict[str, Any]], raw_id: Any, field_name: str) -> dict[str, Any]:
    """The record with the id ``raw_id``, else ``no_such_entity`` naming ``field_name`` (customers, categories)."""
    record_id = as_int(raw_id)
    record = records.get(record_id)
    if record is None:
        raise no_such_entity(field_name, record_id)
    return record


def stock_product_missing(sku: str) -> MagentoHttpError:
    return MagentoHttpError(404, STOCK_PRODUCT_MISSING, [sku])


def required(field_name: str) -> MagentoHttpError:
    return MagentoHttpError(400, REQUIRED_FIELD, {"fieldName": field_name})


def invalid_type(value: Any, type_name: str) -> MagentoHttpError:
    return MagentoHttpError(400, INVALID_TYPE, {"value": value, "type": type_name})


def invalid_value(value: Any, field_name: str) -> MagentoHttpError:
    return MagentoHttpError(400, INVALID_FIELD_VALUE, {"value": value, "fieldName": field_name})


def bad_request(message: str) -> MagentoHttpError:
    return MagentoHttpError(400, message)


def document_validation(document: str, messages: list[str]) -> MagentoHttpError:
    """InvoiceOrder / ShipOrder / RefundOrder: ``"<Document> Document Validation Error(s):\\n" + messages``."""
    return MagentoHttpError(400, f"{document} Document Validation Error(s):\n" + "\n".join(messages))


def raw_path(environ: Mapping[str, Any]) -> str:
    """The request path exactly as the client sent it (still percent-encoded), without the query string."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        from urllib.parse import quote

        return quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/%")
    if "://" in raw.split("?", 1)[0]:
        raw = urlsplit(raw).path
    return raw.split("?", 1)[0]


def segments(path: str) -> list[str]:
    """Split a raw path on ``/`` first, then percent-decode each segment (so ``bla%2Fkoe`` stays one)."""
    return [decode_segment(part) for part in path.split("/") if part != ""]


def decode_segment(part: str) -> str:
    return unquote_to_bytes(part.encode("latin-1", "replace")).decode("utf-8", "replace")


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def snake_case(name: str) -> str:
    """Magento's ``camelCaseToSnakeCase``: ``orderItemId`` -> ``order_item_id``; snake_case is unchanged."""
    return _CAMEL.sub(r"_\1", name).lower()


def snake_keys(value: Any) -> Any:
    """The request body with every object key in snake_case, as Magento's input processor reads it."""
    if isinstance(value, dict):
        return {snake_case(key) if isinstance(key, str) else key: snake_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake_keys(item) for item in value]
    return value


def as_int(value: Any, name: str = "id") -> int:
    """An integer path or body parameter; anything else is Magento's 400 type error."""
    if isinstance(value, bool):
        raise invalid_type(value, "int")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    raise invalid_type(value, "int")


def as_number(value: Any) -> float | int:
    """A decimal body value (``"12.50"`` or ``12.5``) as a JSON number; 400 when it is not one."""
    if isinstance(value, bool):
        raise invalid_type(value, "float")
    if isinstance(value, (int, float)):
        return value
    try:
        number = float(str(value))
    except ValueError:
        raise invalid_type(value, "float") from None
    return int(number) if number.is_integer() else number


class Call:
    """What a REST handler receives: the store, decoded path parameters, the query and the JSON body."""

    def __init__(self, store: Any, params: Mapping[str, str], query: list[tuple[str, str]], raw_body: bytes,
                 store_code: str) -> None:
        self.store = store
        self.params = dict(params)
        self.query = query
        self.raw_body = raw_body
        self.store_code = store_code

    def arg(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return default

    def body(self) -> Any:
        """The JSON body with snake_case keys; Magento's 400 ``Decoding error.`` when it is not JSON."""
        import json

        if not self.raw_body.strip():
            return {}
        try:
            return snake_keys(json.loads(self.raw_body))
        except (UnicodeDecodeError, ValueError):
            raise bad_request(DECODING_ERROR) from None

    def body_object(self, name: str) -> dict[str, Any]:
        """The required object ``name`` of the body (``{"product": {...}}``), else Magento's 400."""
        body = self.body()
        value = body.get(name) if isinstance(body, dict) else None
        if not isinstance(value, dict):
            raise required(name)
        return value
