"""What differs between the Odoo servers the bridge writes to: field names of Odoo 17 and 18 (pure
``Dialect``), read once from ``common.version``, and which optional fields the database has (``Server``).

Other modules (catalogue, sales) ask ``Server.dialect`` for the names to send, never hard-code them.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from typing import Any

from core.errors import ErpRejected
from erp.odoo.rpc import OdooRpc

log = logging.getLogger(__name__)
PRODUCT_KINDS = ("storable", "consumable", "service")


@dataclasses.dataclass(frozen=True)
class Dialect:
    """Field names of one Odoo major version (17 or 18; later ones as 18). ``line_fields``, the fields
    ``sale.order.line`` really has, settles the names renamed within a major version (``tax_id`` is still
    ``tax_id`` on 18.0 and ``tax_ids`` later; ``product_uom`` likewise)."""

    major: int = 17
    line_fields: frozenset[str] = frozenset()

    @property
    def sale_line_taxes(self) -> str:
        """``sale.order.line``'s taxes: ``tax_id`` in 17, ``tax_ids`` in 18 (whichever the server has)."""
        return self._renamed("tax_id", "tax_ids")

    @property
    def sale_line_uom(self) -> str:
        """``sale.order.line``'s unit of measure: ``product_uom`` in 17, ``product_uom_id`` in 18."""
        return self._renamed("product_uom", "product_uom_id")

    def _renamed(self, old: str, new: str) -> str:
        if new in self.line_fields or old in self.line_fields:
            return new if new in self.line_fields else old
        return old if self.major < 18 else new

    def product_type_vals(self, kind: str) -> dict[str, Any]:
        """A product's type: 17 ``detailed_type`` product/consu/service; 18 ``type`` + ``is_storable``."""
        if kind not in PRODUCT_KINDS:
            raise ValueError(f"unknown product kind {kind!r}; known: {', '.join(PRODUCT_KINDS)}")
        if self.major < 18:
            return {"detailed_type": {"storable": "product", "consumable": "consu", "service": "service"}[kind]}
        if kind == "service":
            return {"type": "service"}
        return {"type": "consu", "is_storable": kind == "storable"}

    def is_storable(self, product: dict[str, Any]) -> bool:
        """Whether a product.product read with ``storable_fields`` is storable (stock is counted)."""
        return bool(product.get("is_storable")) if self.major >= 18 else product.get("type") == "product"

    @property
    def storable_fields(self) -> list[str]:
        return ["type", "is_storable"] if self.major >= 18 else ["type"]


def major_version(info: Any) -> int:
    """The major version from ``common.version``'s answer (``server_version_info`` [17, 0, ...], or
    ``server_version`` "saas~17.2" / "18.0+e")."""
    if isinstance(info, dict):
        parts = info.get("server_version_info") or []
        if parts and isinstance(parts[0], int) and not isinstance(parts[0], bool):
            return parts[0]
        found = re.search(r"(\d+)", str(parts[0] if parts else info.get("server_version") or ""))
        if found:
            return int(found.group(1))
    raise ValueError(f"common.version answered {info!r}, without a version number")


class Server:
    """The Odoo server's dialect (``common.version`` read once) and its models' fields (``fields_get``
    once per model), shared by every thread."""

    def __init__(self, rpc: OdooRpc, dialect: Dialect | None = None) -> None:
        self.rpc = rpc
        self._dialect = dialect
        self._fields: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()

    @property
    def dialect(self) -> Dialect:
        if self._dialect is None:
            major = major_version(self.rpc.version())
            try:
                line_fields = self.fields("sale.order.line")
            except ErpRejected:  # no Sales app: the preflight says so
                line_fields = frozenset()
            with self._lock:
                self._dialect = Dialect(major, line_fields)
            log.info("Odoo server is version %s", major)
        return self._dialect

    def fields(self, model: str) -> frozenset[str]:
        """The model's field names (``fields_get``), asked once."""
        if model not in self._fields:
            names = frozenset(self.rpc.execute_kw(model, "fields_get", [], {"attributes": ["type"]}))
            with self._lock:
                self._fields[model] = names
        return self._fields[model]

    def has_field(self, model: str, field: str) -> bool:
        return field in self.fields(model)
