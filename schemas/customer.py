"""Customer: a Magento customer (``GET /V1/customers/{id}``) as the ERP ``customer`` document.

Every address of the customer is carried (not only the default two), each with its ``vat_id``; the
customer's own ``taxvat``, ``dob``, ``gender`` and ``group_id`` are kept as Magento has them.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load

from schemas.common import AddressSchema, Int, MagentoSchema, Text, Timestamp, blank_is_none, optional, required
from schemas.dates import Date

CUSTOMER_FIELDS: tuple[str, ...] = (
    "magento_id", "email", "firstname", "lastname", "group_id", "website_id", "store_id", "created_at",
    "updated_at", "addresses", "taxvat", "dob", "gender",
)


class CustomerSchema(MagentoSchema):
    document_fields = CUSTOMER_FIELDS  # the keys of the ERP document it loads
    id = required(Int)
    email = required(Text)
    firstname = optional(Text)
    lastname = optional(Text)
    group_id = optional(Int)
    website_id = optional(Int)
    store_id = optional(Int)
    default_billing = optional(Int)
    default_shipping = optional(Int)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)
    taxvat = optional(Text)
    dob = optional(Date)
    gender = optional(Int)
    addresses = fields.List(fields.Nested(AddressSchema), load_default=list, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        addresses = [_with_defaults(address, data["default_billing"], data["default_shipping"])
                     for address in data["addresses"] or []]
        return {
            "magento_id": data["id"], "email": data["email"], "firstname": data["firstname"],
            "lastname": data["lastname"], "group_id": data["group_id"], "website_id": data["website_id"],
            "store_id": data["store_id"], "created_at": data["created_at"], "updated_at": data["updated_at"],
            "addresses": addresses, "taxvat": blank_is_none(data["taxvat"]), "dob": data["dob"],
            "gender": data["gender"],
        }


def _with_defaults(address: dict[str, Any], billing_id: int | None, shipping_id: int | None) -> dict[str, Any]:
    """An address is the default when it says so itself, or when the customer names its id as the default."""
    own_id = address["magento_id"]
    return {
        **address,
        "default_billing": address["default_billing"] or (own_id is not None and own_id == billing_id),
        "default_shipping": address["default_shipping"] or (own_id is not None and own_id == shipping_id),
    }
