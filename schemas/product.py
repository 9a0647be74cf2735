"""Product: a Magento catalog product (``GET /V1/products/{sku}``) as the ERP ``product`` document.

Beyond the catalogue basics it carries the texts (``description``, ``short_description``), the cost and the
special price with its dates (custom attributes), a grouped product's children (``product_links`` of type
``associated``), the weight in kilograms (converted from pounds when the fetcher says the store uses them,
``_bridge.weight_unit``) and, when a notification named a store view, that view's name (``_bridge.store_*``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate

from schemas.common import Flag, Int, MagentoSchema, Number, Text, Timestamp, optional, required
from schemas.dates import date_text

PRODUCT_FIELDS: tuple[str, ...] = (
    "magento_id", "sku", "name", "type", "price", "status", "visibility", "weight", "weight_kg", "attribute_set_id",
    "category_ids", "attributes", "stock", "children", "created_at", "updated_at",
    "description", "short_description", "cost", "special_price", "special_from_date", "special_to_date",
    "magento_weight_unit", "weight_unit_source", "store_code", "store_name",
)
KG_PER_LB = 0.45359237  # exact, by definition of the international pound
WEIGHT_UNITS = ("lbs", "kgs")
WEIGHT_UNIT_SOURCES = ("setting", "store_config")
_TEXT_ATTRIBUTES = ("description", "short_description")
_NUMBER_ATTRIBUTES = ("cost", "special_price")
_DATE_ATTRIBUTES = ("special_from_date", "special_to_date")


class _StockItem(MagentoSchema):
    qty = optional(Number)
    is_in_stock = Flag(load_default=False, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"qty": data["qty"], "is_in_stock": bool(data["is_in_stock"])}


class _CategoryLink(MagentoSchema):
    category_id = required(Int)


class _BundleLink(MagentoSchema):
    sku = required(Text)


class _BundleOption(MagentoSchema):
    product_links = fields.List(fields.Nested(_BundleLink), load_default=list, allow_none=True)


class _Extension(MagentoSchema):
    stock_item = fields.Nested(_StockItem, load_default=None, allow_none=True)
    category_links = fields.List(fields.Nested(_CategoryLink), load_default=None, allow_none=True)
    bundle_product_options = fields.List(fields.Nested(_BundleOption), load_default=list, allow_none=True)


class _CustomAttribute(MagentoSchema):
    attribute_code = required(Text)
    value = fields.Raw(load_default=None, allow_none=True)


class _CustomAttributes(fields.List[Any]):
    """``custom_attributes``; a list of well-formed items (the usual case: a product has tens) skips loading
    each through ``_CustomAttribute``, which gives the same result and is kept for the error messages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Nested(_CustomAttribute), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if isinstance(value, list) and all(isinstance(item, dict) and isinstance(item.get("attribute_code"), str)
                                           for item in value):
            return [{"attribute_code": item["attribute_code"], "value": item.get("value")} for item in value]
        return super()._deserialize(value, attr, data, **kwargs)


class _ProductLink(MagentoSchema):
    link_type = optional(Text)
    linked_product_sku = optional(Text)


class _BridgeExtras(MagentoSchema):
    children_skus = fields.List(Text(), load_default=None, allow_none=True)
    weight_unit = Text(load_default=None, allow_none=True, validate=validate.OneOf(WEIGHT_UNITS))
    weight_unit_source = Text(load_default=None, allow_none=True, validate=validate.OneOf(WEIGHT_UNIT_SOURCES))
    store_code = optional(Text)
    store_name = optional(Text)


class ProductSchema(MagentoSchema):
    document_fields = PRODUCT_FIELDS  # the keys of the ERP document it loads
    id = required(Int)
    sku = required(Text)
    name = required(Text)
    type_id = required(Text)
    price = optional(Number)
    status = optional(Int)
    visibility = optional(Int)
    weight = optional(Number)
    attribute_set_id = optional(Int)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)
    extension_attributes = fields.Nested(_Extension, load_default=None, allow_none=True)
    custom_attributes = _CustomAttributes(load_default=list, allow_none=True)
    product_links = fields.List(fields.Nested(_ProductLink), load_default=list, allow_none=True)
    bridge = fields.Nested(_BridgeExtras, data_key="_bridge", load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        extension, bridge = data["extension_attributes"] or {}, data["bridge"] or {}
        attributes = {item["attribute_code"]: item["value"] for item in data["custom_attributes"] or []}
        return {
            "magento_id": data["id"], "sku": data["sku"], "name": data["name"], "type": data["type_id"],
            "price": data["price"], "status": data["status"], "visibility": data["visibility"],
            "weight": data["weight"], "weight_kg": kilograms(data["weight"], bridge.get("weight_unit")),
            "attribute_set_id": data["attribute_set_id"], "category_ids": _category_ids(extension, attributes),
            "attributes": {code: value for code, value in attributes.items() if code != "category_ids"},
            "stock": extension.get("stock_item"),
            "children": _children(data["type_id"], extension, bridge, data["product_links"] or []),
            "created_at": data["created_at"], "updated_at": data["updated_at"], **_attribute_fields(attributes),
            "magento_weight_unit": bridge.get("weight_unit"), "weight_unit_source": bridge.get("weight_unit_source"),
            "store_code": bridge.get("store_code"), "store_name": bridge.get("store_name"),
        }


def kilograms(weight: int | float | None, unit: str | None) -> int | float | None:
    """Magento's weight in kilograms: pounds converted (to 6 decimals), kilograms as they are; None when the
    unit is unknown (a number of unknown unit is never passed on as kilograms)."""
    if weight is None or unit not in ("lbs", "kgs"):
        return None
    return round(weight * KG_PER_LB, 6) if unit == "lbs" else weight


def _attribute_fields(attributes: dict[str, Any]) -> dict[str, Any]:
    """The texts, cost, special price and its dates, read from the custom attributes (null when absent)."""
    found: dict[str, Any] = {}
    for code in _TEXT_ATTRIBUTES + _NUMBER_ATTRIBUTES + _DATE_ATTRIBUTES:
        value = attributes.get(code)
        if value is None or (isinstance(value, str) and not value.strip()):
            found[code] = None
            continue
        try:
            found[code] = _attribute_value(code, value)
        except ValidationError as exc:
            raise ValidationError(f"{code}: {exc.messages[0]}", field_name="custom_attributes") from None
    return found


def _attribute_value(code: str, value: Any) -> Any:
    if code in _NUMBER_ATTRIBUTES:
        return Number().deserialize(value)
    if code in _DATE_ATTRIBUTES:
        return date_text(value)
    return Text().deserialize(value)


def _category_ids(extension: dict[str, Any], attributes: dict[str, Any]) -> list[int]:
    """From ``category_links`` when Magento sent them, else from the ``category_ids`` custom attribute."""
    links = extension.get("category_links")
    if links is not None:
        return _unique(link["category_id"] for link in links)
    raw = attributes.get("category_ids")
    words = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    try:
        return _unique(Int().deserialize(word) for word in words if str(word).strip())
    except ValidationError as exc:
        raise ValidationError(f"category_ids: {exc.messages[0]}", field_name="custom_attributes") from None


def _children(type_id: str, extension: dict[str, Any], bridge: dict[str, Any],
              links: list[dict[str, Any]]) -> list[str] | None:
    """Child SKUs: bundle options' products, a grouped product's associated products, or the configurable's
    children the fetcher added.

    None for a configurable whose children the fetcher did not supply: unknown, which is not "none".
    """
    if type_id == "bundle":
        options = extension.get("bundle_product_options") or []
        return _unique(link["sku"] for option in options for link in option["product_links"] or [])
    if type_id == "grouped":
        return _unique(link["linked_product_sku"] for link in links
                       if link["link_type"] == "associated" and link["linked_product_sku"])
    if type_id == "configurable":
        skus = bridge.get("children_skus")
        return None if skus is None else _unique(skus)
    return []


def _unique(values: Any) -> list[Any]:
    """Values de-duplicated, first occurrence first."""
    return list(dict.fromkeys(values))
