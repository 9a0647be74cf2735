"""Stock read from the HTTP ERP for the push to Magento (docs/http-erp.md, "Stock the bridge reads").

``GET {ERP_HTTP_URL}/stock/{sku}`` answers the SKU's stock record, ``{"sku", "quantities": {"<location>": n}}``
(one quantity per ERP location, the names MAGENTO_SOURCES maps to) or ``{"sku", "qty": n}`` (an ERP with one
location); the record may also come wrapped as ``{"document": {...}}``. 404 means the ERP has no such SKU.
``GET {ERP_HTTP_URL}/stock?offset=N&limit=M`` lists the SKUs (``{"items": [{"sku"} or {"key"}]}``). The ERP
answers the quantity it wants Magento to show, so STOCK_QUANTITY does not apply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from core.errors import ErpRejected
from erp.base import ALL_LOCATIONS, StockLevels

# get(path) -> the decoded JSON answer, or None on 404 (the HttpErpBackend's own call and error rules)
Getter = Callable[[str], Any]


def stock_levels(get: Getter, path_of: Callable[[str], str], skus: Sequence[str],
                 locations: Sequence[str] = (ALL_LOCATIONS,)) -> StockLevels:
    """``{sku: {location: quantity}}`` read one ``GET /stock/{sku}`` at a time; absent SKUs left out."""
    levels: StockLevels = {}
    for sku in dict.fromkeys(skus):
        answer = get(path_of(sku))
        if answer is not None:
            levels[sku] = quantities_of(sku, answer, locations)
    return levels


def quantities_of(sku: str, answer: Any, locations: Sequence[str]) -> dict[str, float]:
    """The record's quantity per wanted location (``ALL_LOCATIONS``: the sum); ErpRejected when it has none."""
    record = answer.get("document", answer) if isinstance(answer, dict) and "quantities" not in answer \
        and "qty" not in answer else answer
    if not isinstance(record, dict):
        raise ErpRejected(f"the ERP's stock of {sku!r} is not a JSON object: {str(answer)[:200]}")
    by_location = record.get("quantities")
    if isinstance(by_location, dict):
        numbers = {str(name): _number(sku, value) for name, value in by_location.items()}
        return {location: _at(sku, numbers, location) for location in locations}
    if "qty" in record:
        if len(locations) > 1:
            raise ErpRejected(f"the ERP's stock of {sku!r} has one qty, but MAGENTO_SOURCES maps {len(locations)} "
                              "locations: answer \"quantities\" per location")
        return {location: _number(sku, record["qty"]) for location in locations}
    raise ErpRejected(f"the ERP's stock of {sku!r} has neither \"quantities\" nor \"qty\": {str(record)[:200]}")


def _at(sku: str, numbers: dict[str, float], location: str) -> float:
    if location == ALL_LOCATIONS:
        return sum(numbers.values())
    if location not in numbers:
        raise ErpRejected(f"the ERP's stock of {sku!r} has no quantity for location {location!r} "
                          f"(it has {', '.join(sorted(numbers)) or 'none'}); check MAGENTO_SOURCES")
    return numbers[location]


def _number(sku: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ErpRejected(f"the ERP's stock of {sku!r} has a quantity that is not a number: {value!r}")
    return number


def stock_skus(get: Getter, list_path: str, page_size: int = 500) -> Iterator[list[str]]:
    """The SKUs of ``GET /stock?offset=&limit=``, page by page, until a page is short."""
    offset = 0
    while True:
        answer = get(f"{list_path}?offset={offset}&limit={page_size}")
        items = answer.get("items") if isinstance(answer, dict) else answer
        if not isinstance(items, list):
            raise ErpRejected(f"the ERP's stock list is not {{\"items\": [...]}}: {str(answer)[:200]}")
        skus = [str(item.get("sku") or item.get("key")) for item in items
                if isinstance(item, dict) and (item.get("sku") or item.get("key"))]
        if skus:
            yield skus
        if len(items) < page_size:
            return
        offset += len(items)
