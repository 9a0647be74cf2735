"""Pinning down the one record a backfill cannot list, so the rest of the entity can still be published.

When a page of one record after key K keeps failing (Magento cannot render that record: a 500 or a bad
answer), the record's own key is unknown: it cannot be listed. It is the first record after K, so a page of
one record with ``K < key <= upper`` fails exactly when ``upper`` reaches it, and is empty below it. Probing
``upper`` at K+1, K+2, K+4, ... and then halving the last gap finds the key in about twice log2(gap) small
calls. A probe that lists a record instead (the failure did not come back), an outage or a refusal gives
None: the backfill then stops there as before.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from core.entities import ListEndpoint
from core.errors import MagentoAuthError, MagentoError, MagentoForbidden, MagentoNotFound, MagentoUnavailable
from magento.search_criteria import SearchCriteria

if TYPE_CHECKING:
    from magento.client import MagentoClient

log = logging.getLogger(__name__)

PROBE_LIMIT = 48  # doublings: ids up to 2**48 past the last good key


def unlistable_key(client: MagentoClient, endpoint: ListEndpoint, criteria: SearchCriteria,
                   after: int | None) -> int | None:
    """The sort key of the first record after ``after`` that Magento cannot list, or None when not pinned down."""
    low, step = (after or 0), 1
    for _ in range(PROBE_LIMIT):
        verdict = _fails(client, endpoint, criteria, after, low + step)
        if verdict is None:
            return None
        if verdict:
            return _first_failing(client, endpoint, criteria, after, low, low + step)
        low, step = low + step, step * 2
    return None


def _first_failing(client: MagentoClient, endpoint: ListEndpoint, criteria: SearchCriteria, after: int | None,
                   good: int, bad: int) -> int | None:
    """The smallest ``upper`` in (good, bad] whose probe fails (``bad``'s does, ``good``'s does not)."""
    while bad - good > 1:
        middle = (good + bad) // 2
        verdict = _fails(client, endpoint, criteria, after, middle)
        if verdict is None:
            return None
        good, bad = (good, middle) if verdict else (middle, bad)
    return bad


def _fails(client: MagentoClient, endpoint: ListEndpoint, criteria: SearchCriteria, after: int | None,
           upper: int) -> bool | None:
    """True when listing one record in (after, upper] fails, False when that range is empty, else None."""
    probe = criteria if after is None else criteria.where(endpoint.sort_field, after, "gt")
    probe = probe.where(endpoint.sort_field, upper, "lteq").order_by(endpoint.sort_field, "ASC").page(1, 1)
    try:
        page = client.search(endpoint.path, probe)
    except (MagentoUnavailable, MagentoAuthError, MagentoForbidden) as error:
        log.warning("looking for the record Magento cannot list: %s", error.message)
        return None
    except MagentoNotFound as error:
        return None if error.route_missing else True
    except MagentoError:
        return True
    return None if page.items else False
