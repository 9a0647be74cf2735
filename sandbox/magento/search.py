"""Magento's getList semantics over in-memory records: filters, sort orders, paging and the envelope.

Filter groups are ANDed and the filters of one group ORed (``FilterProcessor``). Conditions follow
``Pdo\\Mysql::prepareSqlCondition`` with MySQL's default collation: text compares case-insensitively,
numbers as numbers, Magento date-times as text (which sorts correctly), and a NULL column matches
nothing but ``null`` (SQL's three-valued logic, so ``neq`` and ``nin`` skip NULLs). ``in``/``nin`` split
the value on commas; ``finset`` is ``FIND_IN_SET(value, column)`` and ``nfinset`` its negation; ``moreq``
is ``gteq``. Paging clamps the page like ``AbstractDb::getCurPage``: a page past the end returns the last
page again. The request's searchCriteria is read by ``criteria.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sandbox.magento.criteria import Criteria, Filter, parse_query

FieldValue = Callable[[dict[str, Any], str], Any]

# Columns that are text in Magento's schema even when they hold digits ("000000013" is not 13).
TEXT_FIELDS = frozenset({
    "sku", "increment_id", "original_increment_id", "relation_parent_real_id", "email", "customer_email",
    "name", "firstname", "lastname", "telephone", "postcode", "protect_code", "track_number", "url_key",
})
_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_NUMBER_PREFIX = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def criteria_from_query(params: Sequence[tuple[str, str]]) -> Criteria:
    """The request's searchCriteria (``criteria.parse_query``); Magento's 400s for a malformed one."""
    return parse_query(params)


def search(records: Iterable[dict[str, Any]], criteria: Criteria, field_value: FieldValue,
           render: Callable[[dict[str, Any]], Any] = lambda record: record) -> dict[str, Any]:
    """The ``{"items", "search_criteria", "total_count"}`` envelope of ``records`` matching ``criteria``."""
    matched = [record for record in records if _matches_all(record, criteria, field_value)]
    for order in reversed(criteria.sort_orders):
        matched.sort(key=lambda record: _sort_key(field_value(record, order.field), order.field),
                     reverse=order.direction == "DESC")
    page = paginate(matched, criteria.page_size, criteria.current_page)
    return {"items": [render(record) for record in page], "search_criteria": criteria.echo(),
            "total_count": len(matched)}


def search_by_id(records: Mapping[int, dict[str, Any]], query: Sequence[tuple[str, str]],
                 render: Callable[[dict[str, Any]], Any] = lambda record: record) -> dict[str, Any]:
    """``search`` over ``records`` in id order, with the searchCriteria of the request's ``query``."""
    return search([records[key] for key in sorted(records)], criteria_from_query(query), record_field, render)


def paginate(items: list[Any], size: int | None, current: int | None) -> list[Any]:
    """One page; no page size means every item, a page past the end means the last page."""
    if not size:
        return items
    last = max(1, math.ceil(len(items) / size))
    page = min(max(current or 1, 1), last)
    return items[(page - 1) * size: page * size]


def _matches_all(record: dict[str, Any], criteria: Criteria, field_value: FieldValue) -> bool:
    return all(any(matches(field_value(record, f.field), f) for f in group) for group in criteria.filter_groups)


def matches(value: Any, condition: Filter) -> bool:
    """Whether a column value passes one filter (a list value: any element, like a joined table)."""
    kind, wanted, field = condition.condition_type, condition.value, condition.field
    if isinstance(value, list):
        if kind in ("null", "notnull"):
            return (not value) == (kind == "null")
        return any(matches(item, condition) for item in value)
    value = _scalar(value)
    if kind == "null":
        return value is None
    if kind == "notnull":
        return value is not None
    if value is None:
        return False
    if kind in ("like", "nlike"):
        return _like(value, wanted) == (kind == "like")
    if kind in ("in", "nin"):
        return any(_compare(value, item, field) == 0 for item in wanted.split(",")) == (kind == "in")
    if kind in ("finset", "nfinset"):
        return (wanted.casefold() in [item.casefold() for item in str(value).split(",")]) == (kind == "finset")
    return _COMPARISONS[kind](_compare(value, wanted, field))


_COMPARISONS: dict[str, Callable[[int], bool]] = {
    "eq": lambda c: c == 0, "neq": lambda c: c != 0, "gt": lambda c: c > 0, "gteq": lambda c: c >= 0,
    "moreq": lambda c: c >= 0, "lt": lambda c: c < 0, "lteq": lambda c: c <= 0, "from": lambda c: c >= 0,
    "to": lambda c: c <= 0,
}


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return None
    return value


def _compare(value: Any, wanted: str, field: str) -> int:
    """-1, 0 or 1 comparing a column value with a filter's text, the way MySQL would."""
    if isinstance(value, (int, float)) and field not in TEXT_FIELDS:
        return _sign(value - _number_prefix(wanted))
    text = str(value)
    if field not in TEXT_FIELDS and _NUMBER.match(text) and _NUMBER.match(wanted):
        return _sign(float(text) - float(wanted))
    left, right = text.casefold(), _normalise_date(wanted, text).casefold()
    return (left > right) - (left < right)


def _number_prefix(text: str) -> float:
    match = _NUMBER_PREFIX.match(text)
    return float(match.group(0)) if match else 0.0


def _sign(number: float) -> int:
    return (number > 0) - (number < 0)


def _normalise_date(wanted: str, column: str) -> str:
    """``2024-05-01T10:00:00Z`` or ``2024-05-01`` as Magento's ``2024-05-01 10:00:00`` when the column is a date."""
    if not _DATE.match(column):
        return wanted
    match = _DATE.match(wanted.strip())
    if not match:
        return wanted
    day, hours, minutes, seconds = match.groups()
    if hours is None and len(column) == 10:
        return day
    return f"{day} {hours or '00'}:{minutes or '00'}:{seconds or '00'}"


def _like(value: Any, pattern: str) -> bool:
    """SQL LIKE (``%`` any run, ``_`` one character, ``\\`` escapes), case-insensitive."""
    regex, escaped = [], False
    for char in pattern:
        if escaped:
            regex.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            regex.append({"%": ".*", "_": "."}.get(char, re.escape(char)))
    return re.fullmatch("".join(regex), str(value), re.IGNORECASE | re.DOTALL) is not None


def _sort_key(value: Any, field: str) -> tuple[Any, ...]:
    """NULLs first (ascending), numbers numerically, text case-insensitively."""
    if isinstance(value, list):
        value = value[0] if value else None
    value = _scalar(value)
    if value is None:
        return (0,)
    if isinstance(value, (int, float)):
        return (1, 0, float(value), "")
    text = str(value)
    if field not in TEXT_FIELDS and _NUMBER.match(text):
        return (1, 0, float(text), "")
    return (1, 1, 0.0, text.casefold())


def record_field(record: dict[str, Any], field: str) -> Any:
    """A column: a top-level field (``entity_id`` is the ``id`` of products, customers and categories),
    else a custom attribute of that code, else NULL."""
    if field in record:
        return record[field]
    if field == "entity_id":
        return record.get("id")
    for attribute in record.get("custom_attributes") or ():
        if attribute.get("attribute_code") == field:
            return attribute.get("value")
    return None
