"""Customers and guests as ``res.partner``, with child contacts (type ``invoice``/``delivery``) holding the
default billing and shipping addresses, and an order's own addresses as child contacts of its partner."""

from __future__ import annotations

import logging

from consumers.erp import odoo_values as values
from consumers.erp.odoo_bindings import Bindings, KeyLocks, Writer
from consumers.erp.odoo_reference import Reference
from core.errors import ErpRejected

log = logging.getLogger(__name__)
PARTNER = "res.partner"


class Partners:
    def __init__(self, bindings: Bindings, writer: Writer, reference: Reference, locks: KeyLocks) -> None:
        self.bindings, self.writer, self.reference, self.locks = bindings, writer, reference, locks

    def upsert_customer(self, key: str, doc: dict) -> int:
        """res.partner bound as ``customer_<id>``, with its invoice and delivery child contacts."""
        billing = values.default_address(doc, "invoice")
        country, state = self._locate(billing)
        partner, _ = self.writer.upsert(PARTNER, values.binding_name("customer", key),
                                        values.customer_vals(doc, billing, country, state),
                                        create_vals={"customer_rank": 1})
        for role in values.ROLES:
            self._child(values.address_name("customer", key, role), partner, role,
                        values.default_address(doc, role), doc.get("email"))
        return partner

    def delete_customer(self, key: str) -> None:
        """Archive the customer's partner and its address contacts (Odoo keeps them for past orders)."""
        names = [values.binding_name("customer", key)] + [values.address_name("customer", key, role)
                                                          for role in values.ROLES]
        bound = self.bindings.find_many(PARTNER, names)
        for binding in bound.values():
            self.writer.write(PARTNER, binding.res_id, {"active": False})
        if bound:
            log.info("archived res.partner %s (Magento customer %s deleted)", sorted(b.res_id for b in bound.values()),
                     key)

    def order_partner(self, order_key: str, doc: dict) -> int:
        """The order's customer: the bound customer, or the guest partner of the order's e-mail."""
        customer = doc.get("customer") or {}
        if customer.get("magento_id") and not customer.get("is_guest"):
            partner = self.writer.find(PARTNER, values.binding_name("customer", str(customer["magento_id"])))
            if partner is None:
                raise ErpRejected(f"order {doc.get('increment_id')}: customer {customer['magento_id']} is not in Odoo "
                                  "(it must be imported first)")
            return partner
        name = values.guest_name(customer.get("email"), order_key)
        with self.locks.hold((PARTNER, name)):
            partner, _ = self.writer.upsert(PARTNER, name, values.guest_vals(doc), create_vals={"customer_rank": 1})
        return partner

    def order_addresses(self, order_key: str, partner: int, doc: dict) -> tuple[int, int]:
        """(invoice, delivery) contacts holding the order's billing and shipping addresses; a virtual order
        (no shipping address) delivers to its invoice contact."""
        email = (doc.get("customer") or {}).get("email")
        invoice = self._child(values.address_name("order", order_key, "invoice"), partner, "invoice",
                              doc.get("billing_address"), email) or partner
        delivery = self._child(values.address_name("order", order_key, "delivery"), partner, "delivery",
                               doc.get("shipping_address"), email) or invoice
        return invoice, delivery

    def _child(self, name: str, parent: int, role: str, address: dict | None, email: str | None) -> int | None:
        """Upsert the child contact bound as ``name``; without an address, archive it if it exists."""
        if address is None:
            existing = self.writer.find(PARTNER, name)
            if existing is not None:
                self.writer.write(PARTNER, existing, {"active": False})
            return None
        country, state = self._locate(address)
        vals = values.address_vals(address, role=role, parent_id=parent, country_id=country, state_id=state,
                                   email=email)
        child, _ = self.writer.upsert(PARTNER, name, vals)
        return child

    def _locate(self, address: dict | None) -> tuple[int | None, int | None]:
        if not address:
            return None, None
        country = self.reference.country_id(address.get("country_id"))
        return country, self.reference.state_id(country, address.get("region_code"), address.get("region"))
