"""The data a fresh Odoo 17 database holds that the bridge relies on, with the same external ids."""

from __future__ import annotations

from sandbox.odoo.modules import seed_modules
from sandbox.odoo.orm import MODULES, Database, Env
from sandbox.odoo.precision import PRECISIONS
from sandbox.odoo.uom import UNITS
from sandbox.odoo.users import GROUPS

# code, symbol, active, id: the ids a real Odoo 17 gives them (it holds 169 currencies; these are the common ones)
CURRENCIES = (("USD", "$", True, 1), ("CAD", "$", False, 3), ("CHF", "CHF", False, 4), ("AUD", "$", False, 21),
              ("JPY", "¥", False, 25), ("EUR", "€", False, 125), ("GBP", "£", False, 143))
COUNTRY_IDS = {"US": 233}  # as in a real Odoo 17; the other countries are numbered in the sandbox's own order
# the other journals of a real Odoo 17 with the generic chart, after "Customer Invoices" (INV, id 1)
JOURNALS = (("Vendor Bills", "BILL", "purchase"), ("Miscellaneous Operations", "MISC", "general"),
            ("Exchange Difference", "EXCH", "general"), ("Cash Basis Taxes", "CABA", "general"),
            ("Bank", "BNK1", "bank"), ("Cash", "CSH1", "cash"), ("Inventory Valuation", "STJ", "general"))
WHOLE_UNIT_CURRENCIES = ("JPY",)  # rounding 1.0 in Odoo's data
COUNTRIES = (
    ("US", "United States"), ("CA", "Canada"), ("MX", "Mexico"), ("GB", "United Kingdom"), ("IE", "Ireland"),
    ("FR", "France"), ("DE", "Germany"), ("NL", "Netherlands"), ("BE", "Belgium"), ("LU", "Luxembourg"),
    ("ES", "Spain"), ("PT", "Portugal"), ("IT", "Italy"), ("AT", "Austria"), ("CH", "Switzerland"),
    ("DK", "Denmark"), ("SE", "Sweden"), ("NO", "Norway"), ("FI", "Finland"), ("PL", "Poland"),
    ("CZ", "Czech Republic"), ("AU", "Australia"), ("NZ", "New Zealand"), ("JP", "Japan"), ("CN", "China"),
    ("IN", "India"), ("BR", "Brazil"), ("AR", "Argentina"), ("ZA", "South Africa"),
)
STATES = {
    "US": (("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
           ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
           ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
           ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
           ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"),
           ("MN", "Minnesota"), ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"),
           ("NE", "Nebraska"), ("NV", "Nevada"), ("NH", "New Hampshire"), ("NJ", "New Jersey"),
           ("NM", "New Mexico"), ("NY", "New York"), ("NC", "North Carolina"), ("ND", "North Dakota"),
           ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"), ("PA", "Pennsylvania"),
           ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"), ("TN", "Tennessee"),
           ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"),
           ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming")),
    "CA": (("AB", "Alberta"), ("BC", "British Columbia"), ("ON", "Ontario"), ("QC", "Quebec")),
    "DE": (("BW", "Baden-Württemberg"), ("BY", "Bayern"), ("BE", "Berlin"), ("HH", "Hamburg"),
           ("HE", "Hessen"), ("NW", "Nordrhein-Westfalen"), ("SN", "Sachsen")),
}


def seed(db: Database, login: str = "admin", active_currencies: tuple[str, ...] = ()) -> None:
    """Fill an empty database as a fresh Odoo with the generic chart: company, users, currencies (only USD
    active, plus ``active_currencies`` activated as a user would, which creates the default pricelist), countries,
    decimal precisions, default category, units, the chart's sale and purchase taxes, journals, the warehouse
    with its locations and delivery operation type, the modules; no pricelist."""
    with db.transaction():
        env = Env(db, uid=1)
        xmlid = _binder(env)
        currencies = {code: xmlid("base", code, "res.currency",
                                  {"name": code, "symbol": symbol, "active": active,
                                   "rounding": 1.0 if code in WHOLE_UNIT_CURRENCIES else 0.01}, rid)
                      for code, symbol, active, rid in CURRENCIES}
        company = xmlid("base", "main_company", "res.company", {"name": "My Company", "currency_id": currencies["USD"]})
        groups = [xmlid(module, name, "res.groups", {"name": label}, rid) for module, name, rid, label in GROUPS]
        xmlid("base", "user_root", "res.users", {"name": "OdooBot", "login": "__system__", "active": False})
        xmlid("base", "user_admin", "res.users", {"name": "Administrator", "login": login,
                                                  "groups_id": [(6, 0, groups)]})
        for code, name in COUNTRIES:
            country = xmlid("base", code.lower(), "res.country", {"name": name, "code": code}, COUNTRY_IDS.get(code))
            for state_code, state_name in STATES.get(code, ()):
                env["res.country.state"].create({"name": state_name, "code": state_code, "country_id": country})
        for name, digits in PRECISIONS:
            env["decimal.precision"].create({"name": name, "digits": digits})
        xmlid("product", "product_category_all", "product.category", {"name": "All"})
        for name, label, kind, factor, rid in UNITS:
            xmlid("uom", name, "uom.uom", {"name": label, "uom_type": kind, "factor": factor}, rid)
        _seed_accounting(env, xmlid, company)
        _seed_stock(env, xmlid)
        seed_modules(env["ir.module.module"], MODULES)
        for code in active_currencies:
            env["res.currency"].write([currencies_by_code(env, code)], {"active": True})
        for model, table in db.tables.items():  # new records come after the ids given above
            db.sequences[model] = max(table, default=0)


def _seed_accounting(env: Env, xmlid, company: int) -> None:
    """The generic chart on the company (United States): its country, its 15% taxes, its journals."""
    us = env.ref("base.us")
    env["res.company"].write([company], {"country_id": us, "account_fiscal_country_id": us,
                                         "chart_template": "generic_coa"})
    group = env["account.tax.group"].create({"name": "Tax 15%", "company_id": company, "country_id": us})
    taxes = {use: xmlid("account", f"{company}_{use}_tax_template", "account.tax",
                        {"name": "15%", "amount": 15.0, "type_tax_use": use, "company_id": company,
                         "tax_group_id": group, "country_id": us})
             for use in ("sale", "purchase")}
    env["res.company"].write([company], {"account_sale_tax_id": taxes["sale"],
                                         "account_purchase_tax_id": taxes["purchase"]})
    xmlid("account", "sale_journal", "account.journal", {"name": "Customer Invoices", "code": "INV",
                                                         "type": "sale"})
    for name, code, kind in JOURNALS:
        env["account.journal"].create({"name": name, "code": code, "type": kind})


def _seed_stock(env: Env, xmlid) -> None:
    physical = xmlid("stock", "stock_location_locations", "stock.location",
                     {"name": "Physical Locations", "usage": "view"})
    virtual = xmlid("stock", "stock_location_locations_virtual", "stock.location",
                    {"name": "Virtual Locations", "usage": "view"})
    partners = xmlid("stock", "stock_location_locations_partner", "stock.location",
                     {"name": "Partners", "usage": "view"})
    customers = xmlid("stock", "stock_location_customers", "stock.location",
                      {"name": "Customers", "usage": "customer", "location_id": partners})
    view = env["stock.location"].create({"name": "WH", "usage": "view", "location_id": physical})
    stock = xmlid("stock", "stock_location_stock", "stock.location",
                  {"name": "Stock", "usage": "internal", "location_id": view}, 8)  # ids of a real Odoo 17
    xmlid("stock", "stock_location_inventory", "stock.location",
          {"name": "Inventory adjustment", "usage": "inventory", "location_id": virtual}, 14)
    warehouse = xmlid("stock", "warehouse0", "stock.warehouse", {"name": "My Company", "code": "WH",
                                                                "view_location_id": view, "lot_stock_id": stock})
    xmlid("stock", "picking_type_out", "stock.picking.type", {
        "name": "Delivery Orders", "code": "outgoing", "sequence_code": "WH/OUT/", "warehouse_id": warehouse,
        "default_location_src_id": stock, "default_location_dest_id": customers})


def currencies_by_code(env: Env, code: str) -> int:
    found = env["res.currency"].with_context(active_test=False).search([("name", "=", code)], limit=1)
    if not found:
        raise ValueError(f"unknown currency {code!r}")
    return found[0]


def _create_at(env: Env, model: str, values: dict, rid: int | None) -> int:
    """Create a record, with the id ``rid`` when given (the numbering of the others goes on unchanged)."""
    if rid is None:
        return env[model].create(values)
    sequences = env.db.sequences
    if env.db.get(model, rid) is not None:
        raise ValueError(f"{model} id {rid} is taken")
    kept, sequences[model] = sequences[model], rid - 1
    try:
        return env[model].create(values)
    finally:
        sequences[model] = kept


def _binder(env: Env):
    def create_with_xmlid(module: str, name: str, model: str, values: dict, rid: int | None = None) -> int:
        rid = _create_at(env, model, values, rid)
        env["ir.model.data"].create({"module": module, "name": name, "model": model, "res_id": rid,
                                     "noupdate": True})
        return rid
    return create_with_xmlid
