"""The mappers' public interface: Magento record -> ERP document, its version, its hash, its key.

Pure functions, no I/O. Every record that cannot be mapped raises ``core.errors.MappingError`` whose
message names the Magento field and the reason, and whose ``details`` holds every field's messages.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import threading
from typing import Any

from marshmallow import Schema, ValidationError

from core import entities
from core.entities import ENTITIES, SKU_KEYED
from core.errors import MappingError
from schemas.common import Int, flatten_errors


def mapper(name: str) -> type[Schema]:
    """The schema a ``module:Class`` name of the entity table designates (``schemas.product:ProductSchema``)."""
    module_name, _, attribute = name.partition(":")
    schema = getattr(importlib.import_module(module_name), attribute, None)
    if not (isinstance(schema, type) and issubclass(schema, Schema)):
        raise TypeError(f"mapper {name!r} is not a marshmallow Schema")
    return schema


def document_fields(schema: type[Schema]) -> tuple[str, ...]:
    """The keys of the ERP document a mapper loads (its ``document_fields``)."""
    names = getattr(schema, "document_fields", None)
    if not isinstance(names, tuple) or not names:
        raise TypeError(f"mapper {schema.__name__} has no document_fields")
    return names


# The mapper of every entity and the keys of the document it loads, from the entity table.
SCHEMAS: dict[str, type[Schema]] = {row.name: mapper(row.mapper) for row in entities.rows()}
DOCUMENT_FIELDS: dict[str, tuple[str, ...]] = {name: document_fields(schema) for name, schema in SCHEMAS.items()}
VOLATILE_FIELDS: frozenset[str] = frozenset({"updated_at"})
_MAX_MESSAGE_FIELDS = 5
_local = threading.local()


def map_record(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """The ERP document for a Magento record of ``entity``; MappingError when it cannot be mapped."""
    if not isinstance(record, dict):
        raise MappingError(f"{entity} record is not a JSON object but {type(record).__name__}")
    try:
        document: dict[str, Any] = _schema(entity).load(record)
        return document
    except ValidationError as exc:
        problems = flatten_errors(exc.messages)
        raise MappingError(_describe(entity, record, problems), details=problems) from None


def record_key(entity: str, record: dict[str, Any]) -> str:
    """The notification key of a record: the SKU for product and stock, the entity id as text otherwise."""
    _schema(entity)
    if not isinstance(record, dict):
        raise MappingError(f"{entity} record is not a JSON object but {type(record).__name__}")
    if entity in SKU_KEYED:
        holder = record if entity == "product" else record.get("_bridge") or {}
        sku = holder.get("sku") if isinstance(holder, dict) else None
        if not isinstance(sku, str) or not sku.strip():
            where = "sku" if entity == "product" else "_bridge.sku"
            raise MappingError(f"{entity} record has no {where}", details={where: ["Missing data for required field."]})
        return sku
    name = entities.entity(entity).list.record_key
    try:
        return str(Int(required=True).deserialize(record.get(name)))
    except ValidationError as exc:
        raise MappingError(f"{entity} record has no usable {name}: {exc.messages[0]}",
                           details={name: list(exc.messages)}) from None


def document_version(entity: str, document: dict[str, Any]) -> str | None:
    """Magento's ``updated_at`` (``YYYY-MM-DD HH:MM:SS`` UTC) the staleness guard compares; None for stock."""
    _schema(entity)
    return document.get("updated_at") if "updated_at" in DOCUMENT_FIELDS[entity] else None


def document_hash(document: dict[str, Any]) -> str:
    """sha256 hex of the document's canonical JSON, volatile fields left out, so unchanged means unwritten."""
    stable = {name: value for name, value in document.items() if name not in VOLATILE_FIELDS}
    canonical = json.dumps(_canonical(stable), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    """Integral floats as ints, so ``69`` and ``69.0`` (same amount, two Magento spellings) hash alike."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _schema(entity: str) -> Schema:
    """One schema instance per entity and thread (instances are cheap to reuse, costly to build)."""
    cache: dict[str, Schema] = _local.__dict__.setdefault("schemas", {})
    if entity not in cache:
        if entity not in SCHEMAS:
            raise MappingError(f"no mapper for entity {entity!r}; known: {', '.join(ENTITIES)}")
        cache[entity] = SCHEMAS[entity]()
    return cache[entity]


def _describe(entity: str, record: dict[str, Any], problems: dict[str, list[str]]) -> str:
    """``order 12 cannot be mapped: increment_id: Missing data for required field.; ...``"""
    try:
        key = record_key(entity, record)
    except MappingError:
        key = "(no key)"
    shown = [f"{path}: {' '.join(texts)}" for path, texts in list(problems.items())[:_MAX_MESSAGE_FIELDS]]
    more = len(problems) - len(shown)
    return f"{entity} {key} cannot be mapped: " + "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
