"""The contract every ERP backend fulfils; the consumer core drives it and owns staleness and retries."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from typing import Any

from core.errors import ErpRejected

Document = dict[str, Any]
# Stock reads: {sku: {ERP location: quantity}}; the location ALL_LOCATIONS ("") is the whole ERP (every
# internal location), read when no MAGENTO_SOURCES are set. A SKU the ERP does not hold is left out.
StockLevels = dict[str, dict[str, float]]
ALL_LOCATIONS = ""
MEASURES: tuple[str, ...] = ("on_hand", "free", "forecast")  # STOCK_QUANTITY


class ErpBackend(abc.ABC):
    """Writes ERP documents (see docs/erp-documents.md) idempotently, keyed by Magento id (SKU for stock).

    Implementations raise ``core.errors.ErpUnavailable`` (retryable), ``ErpRejected`` or ``ErpAuthError``
    (permanent) and nothing else for ERP-side failures.
    """

    name: str = "erp"

    @property
    def writers(self) -> frozenset[str]:
        """The writer names (``core.entities``: each entity's ``writer``) this backend implements."""
        return frozenset()

    @abc.abstractmethod
    def upsert(self, entity: str, key: str, document: Document) -> str | None:
        """Create or update the record for (entity, key); returns the ERP's id as text when it has one."""

    @abc.abstractmethod
    def delete(self, entity: str, key: str) -> None:
        """Delete the record, or archive/deactivate it where the ERP does not delete; absent is fine."""

    def dependencies(self, entity: str, document: Document) -> list[tuple[str, str]]:
        """Records (entity, key) the document refers to that must exist in the ERP before it is written."""
        return []

    def exists(self, entity: str, key: str) -> bool:
        """Whether the ERP already holds (entity, key); backends without dependencies may answer True."""
        return True

    def count(self, entity: str) -> int:
        """How many records of ``entity`` the ERP holds from Magento (for summaries); -1 when unknown."""
        return -1

    def preflight(self) -> None:
        """Check at start-up what the backend depends on (credentials, modules, configuration); raise
        ``ErpAuthError`` or a permanent ``ErpRejected`` (one line per problem) when it cannot work."""
        return None

    def stock_levels(self, skus: Sequence[str], locations: Sequence[str] = (ALL_LOCATIONS,),
                     measure: str = "on_hand") -> StockLevels:
        """The ERP's quantities of ``skus`` per location in ``measure`` (STOCK_QUANTITY); absent SKUs left out."""
        raise ErpRejected(f"the {self.name} ERP backend does not read stock quantities")

    def sku_of(self, key_type: str, record_id: str) -> str | None:
        """The SKU an ERP record (``key_type``, e.g. "odoo:stock.quant") is about; None when it is gone."""
        raise ErpRejected(f"the {self.name} ERP backend does not know records keyed by {key_type!r}")

    def stock_skus(self, page_size: int = 500) -> Iterator[list[str]]:
        """Every SKU the ERP holds stock for, page by page (in no particular order)."""
        raise ErpRejected(f"the {self.name} ERP backend cannot list its SKUs")

    def close(self) -> None:
        """Release connections."""
        return None
