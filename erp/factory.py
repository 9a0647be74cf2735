"""The ERP backend factory: the backend ``ERP_BACKEND`` names, built from the settings."""

from __future__ import annotations

from core.settings import Settings
from erp.base import ErpBackend


def build_backend(settings: Settings) -> ErpBackend:
    """The ERP backend ``ERP_BACKEND`` names (``odoo``, else the HTTP ERP), built from the settings."""
    if settings.erp_backend == "odoo":
        from erp.odoo.backend import OdooBackend

        return OdooBackend.from_settings(settings)
    from erp.http import HttpErpBackend

    return HttpErpBackend.from_settings(settings)
