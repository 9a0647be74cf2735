"""Pure pieces of the MSI stock endpoints (pure): the searches that read the source items of many SKUs, the
size check of a save, and the checks of what Magento answers.

Reads: ``sku in (...)`` chunks of ``SKUS_PER_SEARCH`` (a SKU holding a comma gets an ``eq`` search of its own,
since Magento splits an ``in`` value on commas), optionally ``AND source_code in (...)``, sorted by SKU and
source so that paging is stable. Writes: ``POST /V1/inventory/source-items`` takes at most
MAGENTO_MAX_ITEMS items (Magento 2.4.3+ answers 400 ``Maximum items of type "%type" is %max`` above its
input limit, 20 by default when the limits are on); the caller chunks, this module only refuses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from core.errors import MagentoTooManyItems
from magento.responses import Answer, bad
from magento.search_criteria import SearchCriteria

SKUS_PER_SEARCH = 50
PATH = "inventory/source-items"


def source_item_searches(skus: Iterable[str], source_codes: Iterable[str] | None = None) -> list[SearchCriteria]:
    """One criteria per chunk of distinct SKUs, restricted to ``source_codes`` when given."""
    unique = list(dict.fromkeys(str(sku) for sku in skus))
    if any(sku == "" for sku in unique):
        raise ValueError("a SKU must not be empty")
    base = SearchCriteria()
    codes = list(dict.fromkeys(source_codes or ()))
    if codes:
        if any("," in code or not code.strip() for code in codes):
            raise ValueError(f"source codes must be non-empty and hold no comma: {codes}")
        base = base.where("source_code", codes, "in")
    base = base.order_by("sku").order_by("source_code")
    plain = [sku for sku in unique if "," not in sku]
    searches = [base.where("sku", plain[start:start + SKUS_PER_SEARCH], "in")
                for start in range(0, len(plain), SKUS_PER_SEARCH)]
    return searches + [base.where("sku", sku, "eq") for sku in unique if "," in sku]


def last_page(total_count: int, page_size: int) -> int:
    """The number of pages ``total_count`` items fill (at least 1: Magento repeats the last page past the end)."""
    return max(1, math.ceil(total_count / page_size))


def check_batch(items: Sequence[Any], max_items: int) -> None:
    """Refuse a save of more than ``max_items`` items before anything is sent."""
    if len(items) > max_items:
        raise MagentoTooManyItems(
            f"{len(items)} source items in one call, above MAGENTO_MAX_ITEMS={max_items}: send chunks of at most "
            f"{max_items} (Magento 2.4.3+ refuses larger REST arrays when its input limits are on)",
            details={"call": f"POST /V1/{PATH}", "max": max_items, "items": len(items)})


def saved(answer: Answer) -> None:
    """A source-items save answers ``[]`` (its service method is void); anything else is a bad answer."""
    if answer.value != [] and answer.value is not None:
        raise bad("[] (a saved source-items batch)", answer.text, answer.call)


def as_quantity(answer: Answer) -> float:
    """A salable quantity: Magento answers a bare JSON number (``37`` or ``2.5``)."""
    value = answer.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad("a number (a salable quantity)", answer.text, answer.call)
    return float(value)
