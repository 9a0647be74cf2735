"""The start-up check: one line per thing to install or activate, credentials refused as such."""

from __future__ import annotations

import pytest

from core.errors import ErpAuthError, ErpRejected
from erp.base import ErpBackend
from erp.odoo.backend import OdooBackend
from erp.odoo.preflight import OdooSetupError, preflight

EUR_ACTIVE = pytest.mark.parametrize("odoo_sandbox", [{"currencies": ("EUR",)}], indirect=True)


def test_a_fresh_odoo_passes(backend):
    backend.preflight()
    backend.preflight(("USD",))


def test_refused_credentials_are_an_auth_error_each_time_it_is_asked(odoo_sandbox, odoo_rpc):
    backend = OdooBackend(odoo_rpc)
    backend.preflight()
    odoo_sandbox.faults(revoked=True)

    with pytest.raises(ErpAuthError, match="refused the credentials of login 'admin'"):
        backend.preflight()
    odoo_sandbox.faults(revoked=False)
    backend.preflight()


def test_currencies_to_activate_and_pricelists_to_create_are_one_line_each(odoo_rpc):
    backend = OdooBackend(odoo_rpc, create_pricelists=False, currencies=("EUR",))

    with pytest.raises(OdooSetupError) as error:
        backend.preflight(("GBP", "XXX", "usd"))

    assert str(error.value).splitlines() == [
        "Odoo: currency EUR is not active in Odoo: activate it (Accounting > Configuration > Currencies, or "
        "Settings > Currencies) so documents in it can be posted",
        "Odoo: currency GBP is not active in Odoo: activate it (Accounting > Configuration > Currencies, or "
        "Settings > Currencies) so documents in it can be posted",
        "Odoo: currency XXX does not exist in Odoo: create it (Accounting > Configuration > Currencies)"]


@EUR_ACTIVE
def test_a_foreign_currency_without_pricelist_when_none_may_be_created(odoo_rpc):
    with pytest.raises(OdooSetupError, match=r"^Odoo has no pricelist in EUR: create one"):
        OdooBackend(odoo_rpc, create_pricelists=False).preflight(("EUR",))
    OdooBackend(odoo_rpc, create_pricelists=True).preflight(("EUR",))


class _NoInvoicing:
    """A server without the Invoicing app (the models of the others answer)."""

    def __init__(self, server):
        self.server, self.dialect = server, server.dialect

    def fields(self, model):
        if model == "account.move":
            raise ErpRejected("Object account.move doesn't exist")
        return self.server.fields(model)

    def has_field(self, model, field):
        return field in self.fields(model)


def test_a_missing_app_says_what_to_install(odoo_rpc, backend):
    with pytest.raises(OdooSetupError, match=r"^Odoo at http://127\.0\.0\.1:\d+ \(database bridge\): install the "
                                          r"Invoicing app \(module account\)$"):
        preflight(odoo_rpc, _NoInvoicing(backend.server), backend.sales.currencies, ())


def test_other_backends_have_nothing_to_check():
    class Quiet(ErpBackend):
        def upsert(self, entity, key, document):
            return None

        def delete(self, entity, key):
            return None

    assert Quiet().preflight() is None
