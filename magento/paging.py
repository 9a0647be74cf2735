"""Paging through a searchCriteria list in batches, by key (``key > last``), never by page number.

Every request is page 1 of ``criteria AND key > last ORDER BY key ASC`` with ``pageSize = batch_size``:
- records created or deleted while paging cannot shift a page, so no record is skipped or seen twice, and a
  run can resume from any batch's ``last_key`` (the backfill stores it);
- the end is known from ``total_count`` (the records left, this page included), so no request is made past
  the end: Magento answers a page number past the end with the last page again, never with an empty page.
  An empty page ends the iteration too (a safety net), and a page whose last key does not move forward is
  an error (``MagentoBadResponse``) rather than an endless loop.
``batch_delay`` seconds are slept between batches (never before the first or after the last).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from core.entities import ListEndpoint  # the entity table's list endpoints; defined there, pure
from core.errors import MagentoBadResponse
from magento.search_criteria import SearchCriteria, parse_fields

if TYPE_CHECKING:
    from magento.client import MagentoClient


@dataclasses.dataclass(frozen=True)
class Batch:
    """One batch: its items, the key to resume after, and progress figures."""

    items: list[dict[str, Any]]
    last_key: int
    total: int
    seen: int
    remaining: int


def iterate(client: MagentoClient, endpoint: ListEndpoint, criteria: SearchCriteria | None = None, *,
            after: int | None = None, batch_size: int | None = None, batch_delay: float | None = None,
            sleep: Callable[[float], object] | None = None) -> Iterator[Batch]:
    """Yield every record matching ``criteria`` (after key ``after``) in ``Batch``es of ``batch_size``.

    Defaults come from the client: BATCH_SIZE, BATCH_DELAY and its injected sleep.
    """
    base = _checked(criteria or SearchCriteria(), endpoint)
    size = batch_size or client.settings.batch_size
    delay = client.settings.batch_delay if batch_delay is None else batch_delay
    pause = sleep or client.sleep
    last, seen, total = after, 0, None
    while True:
        if seen and delay:
            pause(delay)
        page = client.search(endpoint.path, _page_criteria(base, endpoint, last, size))
        total = page.total_count if total is None else total
        if not page.items:
            return
        last = _advanced(last, page.items, endpoint, endpoint.path)
        seen += len(page.items)
        remaining = max(0, page.total_count - len(page.items))
        yield Batch(items=page.items, last_key=last, total=max(total, seen), seen=seen, remaining=remaining)
        if remaining == 0:
            return


def _page_criteria(base: SearchCriteria, endpoint: ListEndpoint, last: int | None, size: int) -> SearchCriteria:
    criteria = base if last is None else base.where(endpoint.sort_field, last, "gt")
    return criteria.order_by(endpoint.sort_field, "ASC").page(size, 1)


def _checked(criteria: SearchCriteria, endpoint: ListEndpoint) -> SearchCriteria:
    """Refuse criteria that would break key paging: own sort orders or page, or a projection without the key."""
    if criteria.sort_orders or criteria.page_size is not None or criteria.current_page is not None:
        raise ValueError(f"iterate sorts by {endpoint.sort_field} and pages itself; "
                         "give criteria without sort orders, page size or current page")
    if criteria.fields:
        projection = parse_fields(criteria.fields)
        items = projection.get("items", {})
        if "total_count" not in projection or (items is not None and endpoint.item_key not in items):
            raise ValueError(f"fields must include total_count and items[{endpoint.item_key}] for paging")
    return criteria


def _advanced(last: int | None, items: list[dict[str, Any]], endpoint: ListEndpoint, where: str) -> int:
    """The page's last key, which must be a number greater than ``last``."""
    raw: Any = items[-1].get(endpoint.item_key)
    try:
        key = int(raw)
    except (TypeError, ValueError):
        raise MagentoBadResponse(f"a {where} item has no numeric {endpoint.item_key} ({raw!r}); cannot page") from None
    if last is not None and key <= last:
        raise MagentoBadResponse(f"Magento ignored the filter {endpoint.sort_field} > {last} on {where} "
                                 f"(last key {key}); paging stopped instead of looping")
    return key
