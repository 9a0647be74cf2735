"""Record shapes: stock item defaults and casting, custom attribute merges, product and category expansion."""

from __future__ import annotations

from sandbox.magento.shapes import (
    coerce_stock,
    custom_attribute,
    expand_category,
    expand_product,
    merge_custom_attributes,
    new_product,
    stock_item,
)


def test_stock_item_has_magentos_fields_and_types():
    item = stock_item(190, {"qty": 30, "is_in_stock": True})
    assert list(item)[:4] == ["item_id", "product_id", "stock_id", "qty"]
    assert item["item_id"] == 190 and item["low_stock_date"] is None and item["use_config_min_sale_qty"] == 1


def test_coerce_stock_casts_like_the_dto_setters():
    assert coerce_stock({"is_in_stock": 1, "manage_stock": "0", "qty": "333.0", "backorders": "2"}) == {
        "is_in_stock": True, "manage_stock": False, "qty": 333, "backorders": 2}


def test_merge_custom_attributes_by_code():
    merged = merge_custom_attributes([{"attribute_code": "a", "value": "1"}, {"attribute_code": "b", "value": "2"}],
                                     [{"attribute_code": "b", "value": "3"}, {"attribute_code": "c", "value": None}])
    assert merged == [{"attribute_code": "a", "value": "1"}, {"attribute_code": "b", "value": "3"},
                      {"attribute_code": "c", "value": None}]


def test_expand_product_links_and_attributes():
    product = expand_product({"id": 7, "sku": "P", "name": "P", "attribute_set_id": 4, "price": 1, "status": 1,
                              "visibility": 4, "type_id": "configurable", "created_at": "x", "updated_at": "x",
                              "category_ids": [3], "configurable": {"options": [
                                  {"attribute_id": 93, "label": "Color", "values": [1, 2]}], "children": ["C"]}},
                             {"C": 8}.__getitem__)
    assert product["extension_attributes"]["configurable_product_links"] == [8]
    assert product["extension_attributes"]["configurable_product_options"][0]["attribute_id"] == "93"
    assert custom_attribute(product, "category_ids") == ["3"] and "weight" not in product


def test_new_product_defaults():
    product = new_product(60, "N-1", "2024-06-01 12:00:00")
    assert (product["type_id"], product["attribute_set_id"], product["visibility"]) == ("simple", 4, 4)
    assert product["extension_attributes"]["category_links"] == []


def test_expand_category_derives_path_level_and_url_path():
    root = expand_category({"id": 1, "name": "Root", "created_at": "x", "updated_at": "x"}, None)
    top = expand_category({"id": 2, "name": "Default", "created_at": "x", "updated_at": "x"}, root)
    shop = expand_category({"id": 3, "name": "Shop Now", "created_at": "x", "updated_at": "x"}, top)
    leaf = expand_category({"id": 9, "name": "Leaf", "url_key": "leaf", "created_at": "x", "updated_at": "x"}, shop)
    assert (leaf["path"], leaf["level"], leaf["parent_id"]) == ("1/2/3/9", 3, 3)
    assert custom_attribute(leaf, "url_path") == "shop-now/leaf" and custom_attribute(top, "url_key") is None
