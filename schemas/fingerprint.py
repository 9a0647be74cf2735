"""The echo guard's fingerprint: a stable hash of the fields the bridge wrote (or fetched) on one side.

Pure, no I/O. The hash is sha256 over a canonical JSON text, built so that two spellings of one state hash
alike and two different states never do:

- keys sorted at every level (keys are text; an int key becomes its digits);
- numbers (int, float, Decimal) written as their shortest exact decimal: ``10``, ``10.0`` and
  ``Decimal("10.0000")`` are all ``10``; floats go through ``repr`` first, so ``0.1`` stays ``0.1``;
  NaN and infinities raise ValueError (no side stores them as a quantity);
- a string is kept as it is (no trimming, no case folding, never guessed to be a number), except in the
  fields named in ``numeric`` (quantities: Magento and some HTTP ERPs send ``"10.0000"``), where a string
  that reads as a finite decimal is a number;
- booleans stay booleans (``True`` is not ``1``);
- None and a missing key are the same state: keys whose value is None are left out, at every level, because
  one side omits empty fields that the other answers as null. Inside a list None is kept (positions count);
- lists keep their order; tuples are lists; any other type raises TypeError.
"""

from __future__ import annotations

import decimal
import hashlib
import json
from collections.abc import Collection, Mapping
from typing import Any

# Quantity fields of Magento (stock items, source items) and Odoo (stock.quant, product), read as numbers.
QUANTITY_FIELDS: frozenset[str] = frozenset({"qty", "quantity", "qty_available", "free_qty", "virtual_available"})


def fingerprint(fields: Mapping[str, Any], numeric: Collection[str] = QUANTITY_FIELDS) -> str:
    """sha256 hex of the canonical JSON of ``fields`` (see the module's rules)."""
    return hashlib.sha256(canonical_json(fields, numeric).encode("utf-8")).hexdigest()


def project(record: Mapping[str, Any], names: Collection[str]) -> dict[str, Any]:
    """``record`` cut down to the fields ``names`` (a name it lacks is None, which is the same as missing).

    The echo guard compares like with like: a fetched record is projected onto the fields the bridge writes.
    """
    return {name: record.get(name) for name in names}


def canonical_json(fields: Mapping[str, Any], numeric: Collection[str] = QUANTITY_FIELDS) -> str:
    """The canonical JSON text the fingerprint hashes (for logs and tests)."""
    if not isinstance(fields, Mapping):
        raise TypeError(f"a fingerprint is taken of a mapping of fields, not {type(fields).__name__}")
    return _text(fields, frozenset(numeric), numeric_field=False)


def _text(value: Any, numeric: frozenset[str], numeric_field: bool) -> str:
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float, decimal.Decimal)):
        return _number(value)
    if isinstance(value, str):
        return _numeric_string(value) if numeric_field else json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = sorted(((str(key), item) for key, item in value.items() if item is not None), key=_first)
        if len({key for key, _ in items}) < len(items):
            raise ValueError(f"cannot fingerprint {value!r}: two keys with the same text")
        return "{" + ",".join(json.dumps(key, ensure_ascii=False) + ":" + _text(item, numeric, key in numeric)
                              for key, item in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_text(item, numeric, numeric_field) for item in value) + "]"
    raise TypeError(f"cannot fingerprint a {type(value).__name__}: {value!r}")


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _number(value: float | decimal.Decimal) -> str:
    """The shortest exact decimal text of a finite number: ``10``, ``0.1``, ``-2.5``; ``-0`` is ``0``."""
    number = decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    if not number.is_finite():
        raise ValueError(f"cannot fingerprint {value!r}: not a finite number")
    if number.is_zero():
        return "0"
    text = format(number, "f")  # exact, whatever the decimal context's precision
    return text.rstrip("0").rstrip(".") if "." in text else text


def _numeric_string(value: str) -> str:
    """A quantity sent as text: its number when it reads as a finite decimal, else the string itself."""
    try:
        number = decimal.Decimal(value.strip())
    except decimal.InvalidOperation:
        return json.dumps(value, ensure_ascii=False)
    if not number.is_finite() or not value.strip():
        return json.dumps(value, ensure_ascii=False)
    return _number(number)
