"""Odoo 17 and 18 name a product's kind differently; the one place that knows both (pure).

Odoo 17: ``detailed_type`` ``product`` (storable), ``consu`` or ``service``; the computed ``type`` mirrors it.
Odoo 18: ``type`` ``consu``, ``service`` or ``combo``, plus the boolean ``is_storable`` (a tracked ``consu``).
``major`` is the server's major version (``server_version_info[0]``, see ``major_version``).
"""

from __future__ import annotations

from typing import Any

from core.errors import ErpRejected

Vals = dict[str, Any]
SUPPORTED = (17, 18)
# Magento type -> (kind, storable): simple products are counted in stock, containers and services are not.
KINDS: dict[str, tuple[str, bool]] = {
    "simple": ("consu", True), "virtual": ("service", False), "downloadable": ("service", False),
    "configurable": ("consu", False), "bundle": ("consu", False), "grouped": ("consu", False),
}


def major_version(version_info: dict) -> int:
    """The major version from ``common.version``'s answer (``server_version_info`` [17, 0, ...] or
    ``server_version`` "17.0" / "saas~17.4"); a version the bridge does not support is a permanent error."""
    info = version_info.get("server_version_info") or []
    major = info[0] if info and isinstance(info[0], int) else _major_from_text(version_info.get("server_version"))
    if major not in SUPPORTED:
        raise ErpRejected(f"Odoo {version_info.get('server_version', major)} is not supported "
                          f"(the bridge writes Odoo {' and '.join(map(str, SUPPORTED))})")
    return major


def _major_from_text(text: Any) -> int | None:
    digits = str(text or "").split("~")[-1].split(".")[0]
    return int(digits) if digits.isdigit() else None


def product_type_vals(major: int, magento_type: str | None) -> Vals:
    """The type fields of a product created for a Magento product of ``magento_type``."""
    kind, storable = KINDS.get(magento_type or "", ("consu", False))
    return kind_vals(major, kind, storable)


def service_type_vals(major: int) -> Vals:
    """The type fields of a service product (shipping, adjustments)."""
    return kind_vals(major, "service", False)


def kind_vals(major: int, kind: str, storable: bool) -> Vals:
    if major >= 18:
        return {"type": kind, "is_storable": storable} if kind == "consu" else {"type": kind}
    return {"detailed_type": "product" if storable else kind}


def storable_fields(major: int) -> list[str]:
    """The fields of a product.product that say whether Odoo counts its stock."""
    return ["type", "is_storable"] if major >= 18 else ["type"]


def is_storable(major: int, row: dict) -> bool:
    """Whether the product read with ``storable_fields`` is counted in stock."""
    if major >= 18:
        return bool(row.get("is_storable"))
    return row.get("type") == "product"
