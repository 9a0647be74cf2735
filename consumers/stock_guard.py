"""The Magento -> ERP side of stock ownership and of the echo guard, used by ``consumers.pipeline``.

- STOCK_OWNER=erp: Magento's stock notifications no longer write quantities into the ERP (skipped "stock
  owned by the ERP").
- Echo: after the bridge pushed a quantity to Magento (``consumers.to_magento``) it remembered what Magento's
  stock item shows (side ``magento``); Magento's own stock notification that fetches exactly that ``qty`` is
  the push coming back, skipped "echo", not written into the ERP.
- After the pipeline wrote a stock document into the ERP it reads the SKU's ERP quantities back (the same
  locations and measure the push reads) and remembers them (side ``erp``), so the ERP's change that write
  causes is recognised as an echo by the push.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from consumers import stock_plan
from consumers.stock_plan import StockConfig
from core.errors import ErpError
from erp.base import ErpBackend
from store.fingerprints import FingerprintStore

log = logging.getLogger(__name__)
ENTITY = "stock"
OWNED_BY_ERP = "stock owned by the ERP"
ECHO = "echo"


@dataclasses.dataclass
class StockGuard:
    """STOCK_OWNER and the echo fingerprints for Magento's stock notifications."""

    fingerprints: FingerprintStore | None
    config: StockConfig = dataclasses.field(default_factory=StockConfig)

    def skip_reason(self, entity: str) -> str | None:
        """Why a notification of ``entity`` is not written into the ERP at all (STOCK_OWNER=erp), or None."""
        return OWNED_BY_ERP if entity == ENTITY and self.config.owner == "erp" else None

    def is_echo(self, entity: str, key: str, document: dict[str, Any]) -> bool:
        """Whether Magento's stock item (as mapped) shows exactly the quantity the bridge last pushed there."""
        if entity != ENTITY or self.fingerprints is None:
            return False
        return self.fingerprints.is_echo(ENTITY, key, "magento", {"qty": document.get("qty")})

    def written(self, entity: str, key: str, backend: ErpBackend) -> None:
        """Remember the ERP's quantities of the SKU just written (side ``erp``); a failed read only logs."""
        if entity != ENTITY or self.fingerprints is None:
            return
        try:
            levels = backend.stock_levels([key], self.config.locations, self.config.measure).get(key)
        except ErpError as error:
            log.warning("stock of SKU %s written, but its ERP quantities could not be read back for the echo "
                        "guard: %s", key, error.report_text())
            return
        if levels is not None:
            self.fingerprints.remember_written(ENTITY, key, "erp", stock_plan.erp_state(levels))
