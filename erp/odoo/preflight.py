"""The Odoo backend's start-up check: credentials, the apps it writes to, the currencies it will use and
their pricelists. Every problem is one line saying what to install or activate."""

from __future__ import annotations

import logging

from core.errors import ErpRejected
from erp.odoo.currencies import PRICELIST, Currencies
from erp.odoo.rpc import OdooRpc
from erp.odoo.version import Server

log = logging.getLogger(__name__)
# model the bridge writes -> what provides it
APPS = (("sale.order", "the Sales app (module sale_management, or sale)"),
        ("stock.picking", "the Inventory app (module stock)"),
        ("account.move", "the Invoicing app (module account)"))


class OdooSetupError(ErpRejected):
    """Odoo lacks what the bridge needs (an app, an active currency, a pricelist): a configuration problem,
    permanent until an administrator fixes it; the message has one line per problem."""


def preflight(rpc: OdooRpc, server: Server, currencies: Currencies, codes: tuple[str, ...]) -> None:
    """Raise ErpAuthError (credentials refused) or OdooSetupError (one line per problem); log what is
    optional."""
    # one authenticated call every time (a probe while paused must see credentials restored or revoked):
    # ErpAuthError names the login and database
    rpc.execute_kw("res.company", "search_count", [[]])
    problems = [f"Odoo at {rpc.url} (database {rpc.db}): install {app}" for model, app in APPS
                if not _has_model(server, model)]
    if not problems and not server.has_field("stock.picking", "carrier_tracking_ref"):
        log.info("Odoo has no stock_delivery module: shipment tracks go to the delivery's note only")
    for code in dict.fromkeys(code.strip().upper() for code in codes if code and code.strip()):
        problems += _currency_problems(rpc, currencies, code)
    if problems:
        raise OdooSetupError("\n".join(problems), details={"problems": problems})
    log.info("Odoo preflight passed: %s, database %s, version %s", rpc.url, rpc.db, server.dialect.major)


def _has_model(server: Server, model: str) -> bool:
    try:
        return bool(server.fields(model))
    except ErpRejected:
        return False


def _currency_problems(rpc: OdooRpc, currencies: Currencies, code: str) -> list[str]:
    try:
        currency = currencies.active(code)
    except ErpRejected as exc:
        return [f"Odoo: {exc}"]
    if currency.company or currencies.create_pricelists:
        return []
    if rpc.execute_kw(PRICELIST, "search", [[("currency_id", "=", currency.id)]], {"limit": 1}):
        return []
    return [f"Odoo has no pricelist in {code}: create one (Sales > Products > Pricelists) or set "
            "ODOO_CREATE_PRICELISTS=true"]
