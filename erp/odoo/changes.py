"""What changed in Odoo, read for the ERP poller (``bridgectl erp-poll``): keyset pages of the watched models.

Stock: ``qty_available`` is computed and bumps no ``write_date``, so the poller watches ``stock.quant`` (in
internal locations) and done ``stock.move``s (from or to an internal location). Each page is a
``search_read`` ordered by ``write_date, id`` with ``active_test`` off, without the rows the bridge's own
Odoo user last wrote (``write_uid`` != its uid from ``authenticate``: its writes are the other direction's).

Keyset paging in whole seconds: RPC answers ``write_date`` in whole seconds while the database keeps
microseconds, so ``write_date > '10:00:00'`` still matches a row stamped 10:00:00.5. A page therefore
continues from the last whole second read (``>=``) without the ids already read at that second
(``Position``), which never loops and never skips a row of that second.

The first poll of a model reads it all, except for the models in ``FROM_NEWEST`` (stock moves: years of
history that the quants already sum up), whose first poll starts at their newest row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from core.entities import FROM_ERP
from erp.odoo.rpc import OdooRpc

# The Odoo models whose changes mean "this entity changed", per entity of the ERP -> Magento direction.
WATCHED: dict[str, tuple[str, ...]] = {row.name: row.odoo_models for row in FROM_ERP}
_INTERNAL = "internal"
FILTERS: dict[str, list[Any]] = {
    "stock.quant": [("location_id.usage", "=", _INTERNAL)],
    "stock.move": [("state", "=", "done"), "|", ("location_id.usage", "=", _INTERNAL),
                   ("location_dest_id.usage", "=", _INTERNAL)],
}
# Models whose history a first poll (no watermark yet) skips: it starts at their newest row. Every done move
# already shows in a quant, and the first poll of stock.quant announces every SKU with stock.
FROM_NEWEST = frozenset({"stock.move"})
EPOCH = "1970-01-01 00:00:00"  # the start of a model with no rows yet: everything written later is read
FIELDS = ["write_date", "product_id"]
ORDER = "write_date, id"
CONTEXT = {"active_test": False}


@dataclasses.dataclass(frozen=True)
class Position:
    """Where the next page of one poll starts: the last whole second read and the ids read at it."""

    write_date: str
    ids: frozenset[int]

    def after(self, rows: list[dict[str, Any]]) -> Position:
        """The position after ``rows`` (a page in ``write_date, id`` order, non-empty)."""
        last = rows[-1]["write_date"]
        earlier = self.ids if last == self.write_date else frozenset()
        return Position(last, earlier | {row["id"] for row in rows if row["write_date"] == last})


def page_domain(model: str, bridge_uid: int, since: str | None, position: Position | None) -> list[Any]:
    """The ``search_read`` domain of one page: the model's filter, not the bridge's writes, from ``since``."""
    domain: list[Any] = [*FILTERS[model], ("write_uid", "!=", bridge_uid)]
    if position is not None:
        domain += [("write_date", ">=", position.write_date), ("id", "not in", sorted(position.ids))]
    elif since is not None:
        domain.append(("write_date", ">=", since))
    return domain


def first_position(since: str | None) -> Position | None:
    return None if since is None else Position(since, frozenset())


class OdooChanges:
    """Reads pages of changed rows and the SKUs (``default_code``) of their products."""

    def __init__(self, rpc: OdooRpc) -> None:
        self.rpc = rpc

    @property
    def bridge_uid(self) -> int:
        """The bridge's own Odoo user (authenticated once): its writes are not changes to send back."""
        return self.rpc.uid

    def page(self, model: str, since: str | None, position: Position | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` rows (``id``, ``write_date``, ``product_id``) of ``model`` changed at or after
        ``since`` (None: all), continuing after ``position`` within one poll; in ``write_date, id`` order."""
        if model not in FILTERS:
            raise ValueError(f"the poller does not watch {model!r}; it watches {', '.join(FILTERS)}")
        domain = page_domain(model, self.bridge_uid, since, position)
        rows = self.rpc.execute_kw(model, "search_read", [domain], {"fields": FIELDS, "order": ORDER,
                                                                    "limit": limit, "context": CONTEXT})
        return [dict(row) for row in rows or []]

    def newest_write_date(self, model: str) -> str | None:
        """The newest ``write_date`` among the rows the poll of ``model`` reads, or None when there is none."""
        domain = page_domain(model, self.bridge_uid, None, None)
        rows = self.rpc.execute_kw(model, "search_read", [domain], {"fields": ["write_date"], "limit": 1,
                                                                    "order": "write_date desc, id desc",
                                                                    "context": CONTEXT})
        return rows[0]["write_date"] if rows else None

    def skus(self, product_ids: Iterable[int]) -> dict[int, str]:
        """``{product id: default_code}`` of the products that have one (archived ones too)."""
        wanted = sorted(set(product_ids))
        if not wanted:
            return {}
        rows = self.rpc.execute_kw("product.product", "read", [wanted, ["default_code"]], {"context": CONTEXT})
        return {row["id"]: row["default_code"] for row in rows or []
                if isinstance(row.get("default_code"), str) and row["default_code"]}


def product_of(row: dict[str, Any]) -> int | None:
    """The product id of a quant or move row (``product_id`` is ``[id, name]`` or ``False``)."""
    value = row.get("product_id")
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], int):
        return value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None
