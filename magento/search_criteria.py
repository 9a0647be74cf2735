"""Magento searchCriteria as pure data: build query parameters, parse them back, and project fields.

Semantics (Magento's FilterProcessor): filter groups are ANDed, the filters inside one group are ORed.
``from`` and ``to`` are therefore put in two groups by ``between``. ``parse_params`` reads a query string
back (for tests); the sandbox reads requests with a parser of its own (``sandbox/magento/criteria.py``), so
that a bug here shows there instead of hiding itself.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

CONDITIONS: tuple[str, ...] = (
    "eq", "neq", "gt", "gteq", "lt", "lteq", "like", "nlike", "in", "nin",
    "null", "notnull", "finset", "from", "to",
)
DIRECTIONS = ("ASC", "DESC")


@dataclasses.dataclass(frozen=True)
class Filter:
    field: str
    value: str
    condition_type: str = "eq"

    def __post_init__(self) -> None:
        if self.condition_type not in CONDITIONS:
            raise ValueError(f"unknown condition_type {self.condition_type!r}; Magento accepts {', '.join(CONDITIONS)}")
        if not self.field:
            raise ValueError("a filter needs a field")


@dataclasses.dataclass(frozen=True)
class SortOrder:
    field: str
    direction: str = "ASC"


@dataclasses.dataclass(frozen=True)
class SearchCriteria:
    """An immutable searchCriteria; every method returns a new one."""

    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[SortOrder, ...] = ()
    page_size: int | None = None
    current_page: int | None = None
    fields: str | None = None

    def where(self, field: str, value: Any = "", condition: str = "eq") -> SearchCriteria:
        """AND a new group holding one filter."""
        return self.any_of([(field, value, condition)])

    def any_of(self, filters: Iterable[tuple[str, Any, str]]) -> SearchCriteria:
        """AND a new group whose filters are ORed: ``[(field, value, condition), ...]``."""
        group = tuple(Filter(field, _text(value), condition) for field, value, condition in filters)
        if not group:
            raise ValueError("a filter group needs at least one filter")
        return dataclasses.replace(self, filter_groups=self.filter_groups + (group,))

    def between(self, field: str, start: Any = None, end: Any = None) -> SearchCriteria:
        """``start <= field <= end`` (either bound optional), as two groups as Magento requires."""
        criteria = self
        if start is not None:
            criteria = criteria.where(field, start, "from")
        if end is not None:
            criteria = criteria.where(field, end, "to")
        return criteria

    def order_by(self, field: str, direction: str = "ASC") -> SearchCriteria:
        direction = direction.upper()
        if direction not in DIRECTIONS:
            raise ValueError("direction must be ASC or DESC")
        return dataclasses.replace(self, sort_orders=self.sort_orders + (SortOrder(field, direction),))

    def page(self, size: int, current: int = 1) -> SearchCriteria:
        if size < 1 or current < 1:
            raise ValueError("page size and current page start at 1")
        return dataclasses.replace(self, page_size=size, current_page=current)

    def project(self, fields: str) -> SearchCriteria:
        """Ask Magento for only these fields, e.g. ``items[id,sku,updated_at],total_count``."""
        parse_fields(fields)
        return dataclasses.replace(self, fields=fields)

    def to_params(self) -> list[tuple[str, str]]:
        """Query parameters in Magento's bracket form, in a stable order."""
        params: list[tuple[str, str]] = []
        for g, group in enumerate(self.filter_groups):
            for f, item in enumerate(group):
                prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
                params += [(f"{prefix}[field]", item.field), (f"{prefix}[value]", item.value),
                           (f"{prefix}[condition_type]", item.condition_type)]
        for s, order in enumerate(self.sort_orders):
            params += [(f"searchCriteria[sortOrders][{s}][field]", order.field),
                       (f"searchCriteria[sortOrders][{s}][direction]", order.direction)]
        if self.page_size is not None:
            params.append(("searchCriteria[pageSize]", str(self.page_size)))
        if self.current_page is not None:
            params.append(("searchCriteria[currentPage]", str(self.current_page)))
        if not params:
            params.append(("searchCriteria", ""))  # Magento requires the parameter even when empty
        if self.fields:
            params.append(("fields", self.fields))
        return params

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` object Magento echoes in a search result envelope."""
        echoed: dict[str, Any] = {"filter_groups": [
            {"filters": [{"field": f.field, "value": f.value, "condition_type": f.condition_type} for f in group]}
            for group in self.filter_groups]}
        if self.sort_orders:
            echoed["sort_orders"] = [{"field": s.field, "direction": s.direction} for s in self.sort_orders]
        if self.page_size is not None:
            echoed["page_size"] = self.page_size
        if self.current_page is not None:
            echoed["current_page"] = self.current_page
        return echoed


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple, set)):
        return ",".join(_text(item) for item in value)
    return "" if value is None else str(value)


_BRACKETS = re.compile(r"\[([^\]]*)\]")
_ALIASES = {"filterGroups": "filter_groups", "sortOrders": "sort_orders", "pageSize": "page_size",
            "currentPage": "current_page", "conditionType": "condition_type"}


def parse_params(params: Iterable[tuple[str, str]] | Mapping[str, str]) -> SearchCriteria:
    """The SearchCriteria encoded in query parameters (camelCase and snake_case keys both accepted).

    Raises ValueError for an unknown condition type, a bad direction or a non-numeric page.
    """
    items = params.items() if isinstance(params, Mapping) else params
    tree: dict[str, Any] = {}
    fields = None
    for name, value in items:
        if name == "fields":
            fields = value or None
            continue
        if not name.startswith("searchCriteria["):
            continue
        path = [_ALIASES.get(part, part) for part in _BRACKETS.findall(name[len("searchCriteria"):])]
        _insert(tree, path, value)
    criteria = SearchCriteria(fields=fields)
    for group in _ordered(tree.get("filter_groups", {})):
        filters = [(f.get("field", ""), f.get("value", ""), f.get("condition_type") or "eq")
                   for f in _ordered(group.get("filters", {}) if isinstance(group, dict) else {})]
        if filters:
            criteria = criteria.any_of(filters)
    for order in _ordered(tree.get("sort_orders", {})):
        criteria = criteria.order_by(order.get("field", ""), order.get("direction") or "ASC")
    size, current = tree.get("page_size"), tree.get("current_page")
    return dataclasses.replace(criteria, page_size=_page_number(size, "pageSize"),
                               current_page=_page_number(current, "currentPage"))


def _insert(tree: dict[str, Any], path: Sequence[str], value: str) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    if path:
        node[path[-1]] = value


def _ordered(node: Any) -> list[dict[str, Any]]:
    if not isinstance(node, dict):
        return []
    keys = sorted(node, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    return [node[k] for k in keys if isinstance(node[k], dict)]


def _page_number(raw: Any, name: str) -> int | None:
    if raw is None or raw == "":
        return None
    if not str(raw).isdigit():
        raise ValueError(f'"{name}" must be a whole number, got "{raw}"')
    return int(raw)


# Field projection: "items[id,sku,extension_attributes[stock_item[qty]]],total_count"
Projection = dict[str, Any]  # field -> nested Projection, or None for "the whole value"


def parse_fields(spec: str) -> Projection:
    """Parse Magento's ``fields`` parameter into a nested dict; raises ValueError when unbalanced."""
    projection, rest = _parse_field_list(spec.replace(" ", ""), 0)
    if rest != len(spec.replace(" ", "")):
        raise ValueError(f"unbalanced brackets in fields={spec!r}")
    return projection


def _parse_field_list(text: str, pos: int) -> tuple[Projection, int]:
    projection: Projection = {}
    while pos < len(text) and text[pos] != "]":
        match = re.compile(r"[A-Za-z0-9_]+").match(text, pos)
        if not match:
            raise ValueError(f"bad field name at position {pos} in {text!r}")
        name, pos = match.group(0), match.end()
        sub = None
        if pos < len(text) and text[pos] == "[":
            sub, pos = _parse_field_list(text, pos + 1)
            if pos >= len(text) or text[pos] != "]":
                raise ValueError(f"unbalanced brackets in {text!r}")
            pos += 1
        projection[name] = sub
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return projection, pos


def project(value: Any, projection: Projection | None) -> Any:
    """Keep only the projected fields of ``value`` (dicts, and lists of dicts, recursively)."""
    if projection is None:
        return value
    if isinstance(value, list):
        return [project(item, projection) for item in value]
    if not isinstance(value, dict):
        return value
    return {name: project(value[name], sub) for name, sub in projection.items() if name in value}
