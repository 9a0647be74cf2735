"""The searchCriteria of a list request, read the way Magento's web API reads it (the sandbox's own parser).

Magento turns the query string into nested arrays the way PHP's ``parse_str`` does (``a[b][0][c]=v``; a
later key overwrites an earlier one, a deeper key replaces a value by an array), then fills a
``SearchCriteriaInterface`` from it, accepting snake_case and camelCase keys alike:
``searchCriteria[filter_groups][i][filters][j][field|value|condition_type]``, ``[sortOrders][k][field|
direction]``, ``[pageSize]``, ``[currentPage]``. Groups and sort orders are taken in index order; a
filter without a condition type is ``eq``, a sort order without a direction ``ASC``. The matching itself
(filters ORed within a group, groups ANDed) is in ``sandbox/magento/search.py``. Written from Magento's
documentation on purpose, not shared with the client's builder, so a bug on one side shows on the other.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from sandbox.magento.http import invalid_type, invalid_value, required

# Condition types of Magento's Pdo\Mysql::prepareSqlCondition that the sandbox answers.
CONDITIONS = frozenset({
    "eq", "neq", "like", "nlike", "in", "nin", "gt", "gteq", "lt", "lteq", "moreq",
    "null", "notnull", "finset", "nfinset", "from", "to",
})
DIRECTIONS = frozenset({"ASC", "DESC"})
_KEY = re.compile(r"searchCriteria((?:\[[^\[\]]*\])+)")
_PART = re.compile(r"\[([^\[\]]*)\]")
_CAMEL = {"filterGroups": "filter_groups", "sortOrders": "sort_orders", "pageSize": "page_size",
          "currentPage": "current_page", "conditionType": "condition_type"}
_WHOLE = re.compile(r"\s*[0-9]+\s*")


@dataclasses.dataclass(frozen=True)
class Filter:
    """One filter: ``field <condition_type> value``, the value as the query string gave it."""

    field: str
    value: str
    condition_type: str = "eq"


@dataclasses.dataclass(frozen=True)
class SortOrder:
    field: str
    direction: str = "ASC"


@dataclasses.dataclass(frozen=True)
class Criteria:
    """A request's searchCriteria: groups of ORed filters (the groups ANDed), sort orders, a page."""

    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[SortOrder, ...] = ()
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """The ``search_criteria`` object of the answer's envelope (Magento leaves unset parts out)."""
        echoed: dict[str, Any] = {"filter_groups": [
            {"filters": [dataclasses.asdict(item) for item in group]} for group in self.filter_groups]}
        if self.sort_orders:
            echoed["sort_orders"] = [dataclasses.asdict(order) for order in self.sort_orders]
        if self.page_size is not None:
            echoed["page_size"] = self.page_size
        if self.current_page is not None:
            echoed["current_page"] = self.current_page
        return echoed


def parse_query(params: Sequence[tuple[str, str]]) -> Criteria:
    """The request's searchCriteria; Magento's 400s for a missing one, a bad condition, direction or page."""
    if not any(name == "searchCriteria" or name.startswith("searchCriteria[") for name, _ in params):
        raise required("searchCriteria")
    _check_values(params)
    tree = _nested(params)
    groups = tuple(group for group in (_group(node) for node in _indexed(tree.get("filter_groups"))) if group)
    orders = tuple(_sort_order(node) for node in _indexed(tree.get("sort_orders")))
    return Criteria(groups, orders, _page(tree.get("page_size")), _page(tree.get("current_page")))


def _check_values(params: Sequence[tuple[str, str]]) -> None:
    """Magento's type and value checks, in the order the parameters came."""
    for name, value in params:
        last = name.rsplit("[", 1)[-1]
        if last in ("condition_type]", "conditionType]") and value and value not in CONDITIONS:
            raise invalid_value(value, "condition_type")
        if last == "direction]" and value and value.upper() not in DIRECTIONS:
            raise invalid_value(value, "direction")
        if name in _PAGE_KEYS and value and not _WHOLE.fullmatch(value):
            raise invalid_type(value, "int")


_PAGE_KEYS = frozenset(f"searchCriteria[{key}]" for key in ("pageSize", "page_size", "currentPage", "current_page"))


def _nested(params: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``searchCriteria[...]`` parameters as nested dicts, like PHP's ``parse_str`` (camelCase keys renamed)."""
    tree: dict[str, Any] = {}
    for name, value in params:
        match = _KEY.fullmatch(name)
        if not match:
            continue
        *parents, leaf = [_CAMEL.get(part, part) for part in _PART.findall(match.group(1))]
        node = tree
        for part in parents:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        node[leaf] = value
    return tree


def _indexed(node: Any) -> list[dict[str, Any]]:
    """The array entries of ``node`` that are themselves arrays, numeric indexes first, in order."""
    if not isinstance(node, dict):
        return []
    keys = sorted(node, key=lambda key: (0, int(key), key) if key.isdigit() else (1, 0, key))
    return [node[key] for key in keys if isinstance(node[key], dict)]


def _group(node: dict[str, Any]) -> tuple[Filter, ...]:
    return tuple(_filter(item) for item in _indexed(node.get("filters")))


def _filter(node: dict[str, Any]) -> Filter:
    field = _text(node, "field")
    if not field:
        raise required("field")
    return Filter(field, _text(node, "value"), _text(node, "condition_type") or "eq")


def _sort_order(node: dict[str, Any]) -> SortOrder:
    return SortOrder(_text(node, "field"), (_text(node, "direction") or "ASC").upper())


def _text(node: dict[str, Any], key: str) -> str:
    """A scalar entry (missing is empty); an array where text belongs is Magento's type error."""
    value = node.get(key, "")
    if isinstance(value, dict):
        raise invalid_type("Array", "string")
    return value


def _page(raw: Any) -> int | None:
    if isinstance(raw, dict):
        raise invalid_type("Array", "int")
    return int(raw) if raw else None
