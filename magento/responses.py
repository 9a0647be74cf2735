"""Pure parsing of Magento's 2xx bodies: each function returns the shape the endpoint documents or raises
``MagentoBadResponse`` naming what was expected and what came (a snippet), so a proxy's HTML page, an empty
body or a changed contract never travels further as if it were a record.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from core.errors import MagentoBadResponse
from magento.errors import MAX_BODY_CHARS, snippet_of


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """One page of a searchCriteria list: its items, Magento's ``total_count`` and the echoed criteria."""

    items: list[dict[str, Any]]
    total_count: int
    search_criteria: dict[str, Any] | None = None


def bad(expected: str, text: str, call: str = "") -> MagentoBadResponse:
    """The error for a 2xx body that is not what the endpoint documents."""
    where = f" [{call}]" if call else ""
    shown = snippet_of(text) or "an empty body"
    return MagentoBadResponse(f"Magento answered 2xx but not {expected}: {shown}{where}",
                              body=text[:MAX_BODY_CHARS], details={"call": call})


def parse_json(text: str, expected: str = "JSON", call: str = "") -> Any:
    """The decoded JSON value of ``text``."""
    try:
        return json.loads(text)
    except ValueError:
        raise bad(expected, text, call) from None


def as_object(value: Any, text: str, call: str = "") -> dict[str, Any]:
    """``value`` when it is a JSON object (a record)."""
    if not isinstance(value, dict):
        raise bad("a JSON object", text, call)
    return value


def as_list_of_objects(value: Any, text: str, call: str = "") -> list[dict[str, Any]]:
    """``value`` when it is a JSON array of objects (e.g. a configurable's children)."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise bad("a JSON array of objects", text, call)
    return value


def as_id(value: Any, text: str, call: str = "") -> int:
    """A positive id from ``4`` or ``"4"`` (real stores answer strings although the schema says integer)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and int(value) > 0:
        return int(value)
    raise bad("an id", text, call)


def as_true(value: Any, text: str, call: str = "") -> bool:
    """``True`` from Magento's bare ``true`` (order comments); anything else is a bad answer."""
    if value is True:
        return True
    raise bad("true", text, call)


def as_search_result(value: Any, text: str, call: str = "") -> SearchResult:
    """A search envelope ``{"items": [...], "total_count": n, "search_criteria": {...}}``."""
    envelope = as_object(value, text, call)
    items = envelope.get("items")
    if items is None:
        items = []
    total = envelope.get("total_count")
    if isinstance(total, str) and total.isdigit():
        total = int(total)
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise bad("a search result with a total_count", text, call)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise bad("a search result whose items are objects", text, call)
    criteria = envelope.get("search_criteria")
    return SearchResult(items=items, total_count=total,
                        search_criteria=criteria if isinstance(criteria, dict) else None)


@dataclasses.dataclass(frozen=True)
class Answer:
    """A decoded 2xx answer with its raw text and the call that produced it, ready to be checked."""

    value: Any
    text: str
    call: str = ""

    @classmethod
    def from_text(cls, text: str, call: str = "") -> Answer:
        return cls(parse_json(text, "JSON", call), text, call)

    def object(self) -> dict[str, Any]:
        return as_object(self.value, self.text, self.call)

    def objects(self) -> list[dict[str, Any]]:
        return as_list_of_objects(self.value, self.text, self.call)

    def id(self) -> int:
        return as_id(self.value, self.text, self.call)

    def true(self) -> bool:
        return as_true(self.value, self.text, self.call)

    def search(self) -> SearchResult:
        return as_search_result(self.value, self.text, self.call)
