"""Customers and guests as ``res.partner``: every customer address as a child contact (type ``invoice``,
``delivery`` or ``other``), a business customer (company on its default billing address) as a person under
its company partner with the tax id, and an order's own addresses as child contacts of its partner."""

from __future__ import annotations

import logging
from typing import Any

from core.errors import ErpRejected
from erp.odoo import values
from erp.odoo.bindings import Bindings, KeyLocks, Writer
from erp.odoo.reference import Reference

log = logging.getLogger(__name__)
PARTNER = "res.partner"


class Partners:
    def __init__(self, bindings: Bindings, writer: Writer, reference: Reference, locks: KeyLocks) -> None:
        self.bindings, self.writer, self.reference, self.locks = bindings, writer, reference, locks

    def upsert_customer(self, key: str, doc: dict[str, Any]) -> int:
        """res.partner bound as ``customer_<id>`` (under its company for a business), with one child contact
        per Magento address bound as ``address_customer_<id>_<address id>``."""
        billing = values.default_address(doc, "invoice")
        company = self._company(key, doc, billing)
        country, state = self._locate(billing)
        vat = values.customer_vat(doc, billing, business=company is not None)
        vals = values.customer_vals(doc, billing, country, state, company_id=company, vat=vat)
        partner, _ = self.writer.upsert(PARTNER, values.binding_name("customer", key), vals,
                                        create_vals={"customer_rank": 1})
        self._addresses(key, partner, doc)
        return partner

    def delete_customer(self, key: str) -> None:
        """Archive the customer's partner, its own company and its address contacts (Odoo keeps them for past
        orders); a company shared through its tax id stays."""
        bound = self.bindings.find_many(PARTNER, [values.binding_name("customer", key),
                                                  values.binding_name("company_customer", key)])
        bound.update(self.bindings.find_prefixed(PARTNER, values.binding_name("address_customer", key)))
        for binding in bound.values():
            self.writer.write(PARTNER, binding.res_id, {"active": False})
        if bound:
            log.info("archived res.partner %s (Magento customer %s deleted)", sorted(b.res_id for b in bound.values()),
                     key)

    def order_partner(self, order_key: str, doc: dict[str, Any]) -> int:
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

    def order_addresses(self, order_key: str, partner: int, doc: dict[str, Any]) -> tuple[int, int]:
        """(invoice, delivery) contacts holding the order's billing and shipping addresses; a virtual order
        (no shipping address) delivers to its invoice contact."""
        email = (doc.get("customer") or {}).get("email")
        invoice = self._child(values.address_name("order", order_key, "invoice"), partner, "invoice",
                              doc.get("billing_address"), email) or partner
        delivery = self._child(values.address_name("order", order_key, "delivery"), partner, "delivery",
                               doc.get("shipping_address"), email) or invoice
        return invoice, delivery

    def _company(self, key: str, doc: dict[str, Any], billing: dict[str, Any] | None) -> int | None:
        """The company partner of a business customer (None for a person); the customer's own company
        partner is archived when it no longer has one, or when it now shares one by tax id."""
        own = values.binding_name("company_customer", key)
        if billing is None or not values.company_name(billing):
            self._archive(own)
            return None
        vat = values.customer_vat(doc, billing, business=True)
        name = values.company_binding(key, vat)
        country, state = self._locate(billing)
        adopt = [("vat", "=", vat), ("is_company", "=", True)] if vat else None
        with self.locks.hold((PARTNER, name)):
            company, _ = self.writer.upsert(PARTNER, name, values.company_vals(billing, vat, country, state),
                                            create_vals={"customer_rank": 1}, adopt=adopt)
        if name != own:
            self._archive(own)
        return company

    def _addresses(self, key: str, partner: int, doc: dict[str, Any]) -> None:
        """One child contact per Magento address; contacts of addresses Magento no longer has are archived."""
        self._adopt_role_contacts(key, doc)
        kept = set()
        for address in doc.get("addresses") or []:
            name = values.customer_address_name(key, address)
            kept.add(name)
            self._child(name, partner, values.address_type(address), address, doc.get("email"))
        stale = self.bindings.find_prefixed(PARTNER, values.binding_name("address_customer", key))
        for name, binding in stale.items():
            if name not in kept:
                self.writer.write(PARTNER, binding.res_id, {"active": False})

    def _adopt_role_contacts(self, key: str, doc: dict[str, Any]) -> None:
        """Contacts bound by role (``address_customer_7_invoice``, before every address had its own) are
        rebound to the address that is now the default for that role, or archived and unbound."""
        legacy = self.bindings.find_many(PARTNER, [values.address_name("customer", key, role) for role in values.ROLES])
        for role in values.ROLES:
            binding = legacy.get(values.address_name("customer", key, role))
            if binding is None:
                continue
            target = values.default_address(doc, role)
            name = values.customer_address_name(key, target) if target else None
            if name and self.bindings.find(PARTNER, name) is None:
                self.bindings.bind(PARTNER, name, binding.res_id)
                log.info("res.partner %s: bound to Magento address %s of customer %s", binding.res_id, name, key)
            else:
                self.writer.write(PARTNER, binding.res_id, {"active": False})
            self.bindings.drop(binding)

    def _child(self, name: str, parent: int, role: str, address: dict[str, Any] | None,
               email: str | None) -> int | None:
        """Upsert the child contact bound as ``name``; without an address, archive it if it exists."""
        if address is None:
            self._archive(name)
            return None
        country, state = self._locate(address)
        vals = values.address_vals(address, role=role, parent_id=parent, country_id=country, state_id=state,
                                   email=email)
        child, _ = self.writer.upsert(PARTNER, name, vals)
        return child

    def _archive(self, name: str) -> None:
        existing = self.writer.find(PARTNER, name)
        if existing is not None:
            self.writer.write(PARTNER, existing, {"active": False})

    def _locate(self, address: dict[str, Any] | None) -> tuple[int | None, int | None]:
        if not address:
            return None, None
        country = self.reference.country_id(address.get("country_id"))
        return country, self.reference.state_id(country, address.get("region_code"), address.get("region"))
