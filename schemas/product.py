"""Product: a Magento catalog product (``GET /V1/products/{sku}``) as the ERP ``product`` document."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load

from schemas.common import Flag, Int, MagentoSchema, Number, Text, Timestamp, optional, required

PRODUCT_FIELDS: tuple[str, ...] = (
    "magento_id", "sku", "name", "type", "price", "status", "visibility", "weight", "attribute_set_id",
    "category_ids", "attributes", "stock", "children", "created_at", "updated_at",
)


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


class _CustomAttributes(fields.List):
    """``custom_attributes``; a list of well-formed items (the usual case: a product has tens) skips loading
    each through ``_CustomAttribute``, which gives the same result and is kept for the error messages."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Nested(_CustomAttribute), **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[dict[str, Any]]:
        if isinstance(value, list) and all(isinstance(item, dict) and isinstance(item.get("attribute_code"), str)
                                           for item in value):
            return [{"attribute_code": item["attribute_code"], "value": item.get("value")} for item in value]
        return super()._deserialize(value, attr, data, **kwargs)


class _BridgeExtras(MagentoSchema):
    children_skus = fields.List(Text(), load_default=None, allow_none=True)


class ProductSchema(MagentoSchema):
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
    bridge = fields.Nested(_BridgeExtras, data_key="_bridge", load_default=None, allow_none=True)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        extension = data["extension_attributes"] or {}
        attributes = {item["attribute_code"]: item["value"] for item in data["custom_attributes"] or []}
        return {
            "magento_id": data["id"], "sku": data["sku"], "name": data["name"], "type": data["type_id"],
            "price": data["price"], "status": data["status"], "visibility": data["visibility"],
            "weight": data["weight"], "attribute_set_id": data["attribute_set_id"],
            "category_ids": _category_ids(extension, attributes),
            "attributes": {code: value for code, value in attributes.items() if code != "category_ids"},
            "stock": extension.get("stock_item"),
            "children": _children(data["type_id"], extension, data["bridge"] or {}),
            "created_at": data["created_at"], "updated_at": data["updated_at"],
        }


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


def _children(type_id: str, extension: dict[str, Any], bridge: dict[str, Any]) -> list[str] | None:
    """Child SKUs: bundle options' products, or the configurable's children the fetcher added.

    None for a configurable whose children the fetcher did not supply: unknown, which is not "none".
    """
    if type_id == "bundle":
        options = extension.get("bundle_product_options") or []
        return _unique(link["sku"] for option in options for link in option["product_links"] or [])
    if type_id == "configurable":
        skus = bridge.get("children_skus")
        return None if skus is None else _unique(skus)
    return []


def _unique(values: Any) -> list[Any]:
    """Values de-duplicated, first occurrence first."""
    return list(dict.fromkeys(values))
