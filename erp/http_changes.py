"""The HTTP ERP's change feed (``ERP_HTTP_CHANGES=1``): ``GET {ERP_HTTP_URL}/changes?after=<cursor>&limit=N``.

The answer is ``{"changes": [{"entity", "key", "cursor"}], "next": "<cursor>"}``, oldest first; cursors are
opaque. A change names the record, never its content (docs/http-erp.md). The calls go through the HTTP ERP
backend's session (token, timeout, error classes: ``ErpUnavailable``, ``ErpAuthError``, ``ErpRejected``).
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from core.errors import ErpRejected
from erp.http import HttpErpBackend


@dataclasses.dataclass(frozen=True)
class Change:
    entity: str
    key: str
    cursor: str


@dataclasses.dataclass(frozen=True)
class ChangePage:
    """One answer of the feed: its changes and the cursor to read on from."""

    changes: list[Change]
    next: str


class HttpChangeFeed:
    """Reads the change feed with the backend's session (one pooled connection is enough)."""

    def __init__(self, backend: HttpErpBackend) -> None:
        self.backend = backend

    def page(self, after: str | None, limit: int) -> ChangePage:
        """The changes after ``after`` (None: from the first), at most ``limit``."""
        url = f"{self.backend.base_url}/changes?{urlencode({'after': after or '', 'limit': limit})}"
        response = self.backend._call("GET", url)
        if response.status_code in (404, 405):
            raise ErpRejected(f"GET /changes answered {response.status_code}: this ERP serves no change feed "
                              "(unset ERP_HTTP_CHANGES, or fix ERP_HTTP_URL)", status=response.status_code)
        self.backend._raise_for(response, "GET")
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return parse_page(answer, after)

    def close(self) -> None:
        self.backend.close()


def parse_page(answer: Any, after: str | None) -> ChangePage:
    """The feed's answer checked; anything else than the contract is ErpRejected naming what is wrong."""
    if not isinstance(answer, dict) or not isinstance(answer.get("changes"), list):
        raise ErpRejected('GET /changes did not answer a JSON object with a "changes" list')
    changes = [_change(item) for item in answer["changes"]]
    following = answer.get("next")
    if following is None or following == "":
        following = changes[-1].cursor if changes else (after or "")
    if not isinstance(following, (str, int)) or isinstance(following, bool):
        raise ErpRejected('GET /changes answered a "next" that is not a cursor (a string)')
    return ChangePage(changes, str(following))


def _change(item: Any) -> Change:
    if not isinstance(item, dict):
        raise ErpRejected("GET /changes listed a change that is not a JSON object")
    entity, key, cursor = item.get("entity"), item.get("key"), item.get("cursor")
    if not isinstance(entity, str) or not isinstance(key, (str, int)) or isinstance(key, bool):
        raise ErpRejected(f"GET /changes listed a change without an entity and a key: {item!r}"[:300])
    if not isinstance(cursor, (str, int)) or isinstance(cursor, bool) or str(cursor) == "":
        raise ErpRejected(f"GET /changes listed a change without a cursor: {item!r}"[:300])
    return Change(entity, str(key), str(cursor))
