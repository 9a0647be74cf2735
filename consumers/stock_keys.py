"""Stock notifications keyed by their product's id, resolved to the SKU stock is keyed by.

Adobe I/O stock item events carry ``product_id`` and ``item_id`` but no SKU, and the receiver makes no
Magento call, so it queues them with ``key_type="product_id"``. Before taking the record's lease, the
pipeline asks Magento for the product's SKU (``GET /V1/products`` with searchCriteria ``entity_id eq <id>``
and ``fields=items[id,sku],total_count``) and handles the notification as the stock notification of that
SKU. A product Magento no longer has gives None: there is no SKU to match its stock item to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.entities import PRODUCT_ID
from core.errors import MagentoBadResponse, MagentoError, MalformedMessage
from magento.search_criteria import SearchCriteria
from schemas.notification import Notification

if TYPE_CHECKING:
    from magento.client import MagentoClient

SKU_PROJECTION = "items[id,sku],total_count"


def resolve(client: MagentoClient, notification: Notification) -> Notification | None:
    """``notification`` with the key the pipeline works with: unchanged when it has the usual key, the
    stock notification of the product's SKU when keyed by product id, None when Magento has no such product.

    Magento errors keep their class (it carries the retry decision) and name the lookup.
    """
    if notification.key_type is None:
        return notification
    if notification.key_type != PRODUCT_ID:
        raise MalformedMessage(f"{notification.entity} notification with unknown key_type {notification.key_type!r}")
    sku = sku_of_product(client, notification.key)
    return None if sku is None else notification.keyed_by(sku)


def sku_of_product(client: MagentoClient, product_id: str) -> str | None:
    """The SKU of Magento product ``product_id`` (an entity id), or None when Magento has no such product."""
    criteria = SearchCriteria().where("entity_id", product_id, "eq").project(SKU_PROJECTION)
    try:
        items = client.list_products(criteria).items
    except MagentoError as error:
        raise _naming_the_lookup(error, product_id) from error
    return _sku_in(items, product_id)


def _sku_in(items: list[dict[str, Any]], product_id: str) -> str | None:
    """The SKU of the listed product ``product_id``; None when nothing is listed, an error for other items."""
    matching = [item for item in items if str(item.get("id")) == product_id]
    if not matching:
        if items:
            raise MagentoBadResponse(f"Magento answered products {[item.get('id') for item in items]} to "
                                     f"entity_id eq {product_id}")
        return None
    sku = matching[0].get("sku")
    if not isinstance(sku, str) or not sku:
        raise MagentoBadResponse(f"Magento listed product {product_id} without a SKU: {matching[0]!r}")
    return sku


def unmatched(notification: Notification) -> str:
    """The report's reason for a notification whose product Magento no longer has."""
    return (f"product {notification.key} no longer exists in Magento, so its stock item cannot be matched "
            "to a SKU")


def _naming_the_lookup(error: MagentoError, product_id: str) -> MagentoError:
    """The same error class (so the same retry decision), its message saying what was being looked up."""
    message = f"{error.message} (looking up the SKU of product {product_id} for its stock item)"
    return type(error)(message, status=error.status, body=error.body, retry_after=error.retry_after,
                       details=error.details)
