"""Magento's ``fields`` parameter (``items[sku,extension_attributes[stock_item[qty]]],total_count``): the sandbox's own.

Like Magento's ``FieldsFilter``: names of letters, digits and underscores separated by commas, a bracketed
list after a name keeps only those fields of its value (of each element of a list), spaces are ignored.
A malformed spec is ``400 Invalid value ... for the fields field`` (``rest.py`` answers it).
"""

from __future__ import annotations

import re
from typing import Any

Projection = dict[str, Any]  # field -> nested Projection, or None for "the whole value"
_NAME = re.compile(r"[A-Za-z0-9_]+")
_TOKEN = re.compile(r"[A-Za-z0-9_]+|[^A-Za-z0-9_]")


def parse_fields(spec: str) -> Projection:
    """The nested dict a ``fields`` value asks for; raises ValueError when it is malformed."""
    tokens = _TOKEN.findall(spec.replace(" ", ""))
    projection, used = _names(tokens, 0)
    if used != len(tokens):
        raise ValueError(f"unbalanced brackets in fields={spec!r}")
    return projection


def _names(tokens: list[str], at: int) -> tuple[Projection, int]:
    """The names from ``tokens[at]`` up to a closing bracket (or the end), and where they stopped."""
    names: Projection = {}
    while at < len(tokens) and tokens[at] != "]":
        name = tokens[at]
        if not _NAME.fullmatch(name):
            raise ValueError(f"bad field name {name!r}")
        at, names[name] = at + 1, None
        if at < len(tokens) and tokens[at] == "[":
            names[name], at = _names(tokens, at + 1)
            if at >= len(tokens):
                raise ValueError("a [ is never closed")
            at += 1
        if at < len(tokens) and tokens[at] == ",":
            at += 1
    return names, at


def project(value: Any, projection: Projection | None) -> Any:
    """Only the projected fields of ``value`` (dicts, and lists of dicts, recursively)."""
    if projection is None:
        return value
    if isinstance(value, list):
        return [project(item, projection) for item in value]
    if not isinstance(value, dict):
        return value
    return {name: project(value[name], sub) for name, sub in projection.items() if name in value}
