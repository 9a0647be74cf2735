"""The client's catalog endpoints against the running Magento sandbox: products (hostile SKUs included),
configurable children, attribute sets, stock items and categories, read and write, over real HTTP."""

from __future__ import annotations

import pytest

from core.errors import MagentoNotFound, MagentoValidationError
from magento.search_criteria import SearchCriteria
from tests.magento.conftest import SANDBOX_START

# SKU -> the path segment that must reach Magento (one segment, nothing decoded on the way)
HOSTILE_SKUS = {"bla/koe": "bla%2Fkoe", "24-MB 01": "24-MB%2001", "a%b": "a%25b", "x?y#z": "x%3Fy%23z"}
PARKA_CHILDREN = ["NW-PARKA-S-Red", "NW-PARKA-M-Red", "NW-PARKA-M-Navy", "NW-PARKA-L-Navy"]
LATER = "2024-06-01 12:01:30"  # SANDBOX_START + 90 s


# Products ------------------------------------------------------------------------------------------------

def test_list_products_filters_sorts_pages_and_echoes_the_criteria(magento, sandbox):
    simple = SearchCriteria().where("type_id", "simple").order_by("price", "DESC").order_by("entity_id")
    everything = magento.list_products(simple)
    page = magento.list_products(simple.page(3, 2))
    assert page.total_count == everything.total_count == 10 == len(everything.items)
    assert [item["sku"] for item in page.items] == [item["sku"] for item in everything.items[3:6]]
    prices = [item["price"] for item in everything.items]
    assert prices == sorted(prices, reverse=True) and {item["type_id"] for item in everything.items} == {"simple"}
    assert page.search_criteria == simple.page(3, 2).echo()


def test_list_products_projects_fields(magento, sandbox):
    parkas = SearchCriteria().where("sku", "NW-PARKA%", "like")
    page = magento.list_products(parkas.project("items[id,sku],total_count"))
    assert page.total_count == 5 and page.search_criteria is None
    assert page.items == [{"id": 10, "sku": "NW-PARKA"}] + [
        {"id": product_id, "sku": sku} for product_id, sku in zip(range(11, 15), PARKA_CHILDREN)]


def test_get_product_returns_the_stored_record_with_its_stock_item(magento, sandbox):
    product = magento.get_product("BAG/TOTE-01")
    assert product == sandbox.record("product", "BAG/TOTE-01")
    assert product["extension_attributes"]["stock_item"]["product_id"] == product["id"]


def test_get_product_of_an_unknown_sku_is_not_found(magento, sandbox):
    with pytest.raises(MagentoNotFound) as caught:
        magento.get_product("NO-SUCH-SKU")
    assert not caught.value.route_missing and caught.value.status == 404
    assert caught.value.message == ("The product that was requested doesn't exist. Verify the product and try "
                                    "again. [GET /rest/default/V1/products/NO-SUCH-SKU]")


@pytest.mark.parametrize("sku", list(HOSTILE_SKUS))
def test_a_hostile_sku_is_created_read_updated_and_stocked_as_one_path_segment(magento, sandbox, sku):
    created = magento.create_product({"sku": sku, "name": f"Hostile {sku}", "price": 10, "attribute_set_id": 4,
                                      "type_id": "simple"})
    assert created["sku"] == sku and isinstance(created["id"], int)
    assert magento.get_product(sku) == created == sandbox.record("product", sku)
    sandbox.admin("POST", "/clock", {"advance": 90})
    updated = magento.update_product(sku, {"price": 12.5})
    assert (updated["sku"], updated["id"], updated["price"], updated["updated_at"]) == (sku, created["id"], 12.5, LATER)
    item = magento.get_stock_item(sku)
    assert magento.update_stock_item(sku, item["item_id"], {"qty": 7, "is_in_stock": True}) == item["item_id"]
    assert magento.get_stock_item(sku)["qty"] == 7 and magento.configurable_children(sku) == []
    segment = HOSTILE_SKUS[sku]
    assert [call["path"] for call in sandbox.calls()] == [
        "/rest/all/V1/products", f"/rest/default/V1/products/{segment}", f"/rest/all/V1/products/{segment}",
        f"/rest/default/V1/stockItems/{segment}", f"/rest/all/V1/products/{segment}/stockItems/{item['item_id']}",
        f"/rest/default/V1/stockItems/{segment}", f"/rest/default/V1/configurable-products/{segment}/children"]


def test_creating_an_existing_sku_updates_that_product(magento, sandbox):
    """Magento saves by SKU, which is why the client may resend this POST."""
    first = magento.create_product({"sku": "NW-STOVE", "price": 64.9})
    assert first["id"] == 22 and first["price"] == 64.9 and first["name"] == "Trail Stove"
    assert magento.list_products(SearchCriteria().where("sku", "NW-STOVE")).total_count == 1


def test_a_new_product_without_a_name_is_refused_with_magentos_sentence(magento, sandbox):
    with pytest.raises(MagentoValidationError) as caught:
        magento.create_product({"sku": "NEW-1", "price": 5})
    assert caught.value.message == ('The "Product Name" attribute value is empty. Set the attribute and try again. '
                                    "[POST /rest/all/V1/products]")
    assert "NEW-1" not in sandbox.keys("product")


def test_update_product_moves_updated_at_and_keeps_what_it_does_not_name(magento, sandbox):
    before = magento.get_product("NW-MUG-350")
    sandbox.admin("POST", "/clock", {"advance": 90})
    after = magento.update_product("NW-MUG-350", {"name": "Enamel Mug 350 ml",
                                                  "custom_attributes": [{"attribute_code": "color", "value": "58"}]})
    assert before["updated_at"] != after["updated_at"] == LATER and after["created_at"] == before["created_at"]
    assert after["name"] == "Enamel Mug 350 ml" and after["price"] == before["price"]
    codes = {attribute["attribute_code"]: attribute["value"] for attribute in after["custom_attributes"]}
    assert codes["color"] == "58" and codes["category_ids"] == ["7", "8"]
    assert magento.get_product("NW-MUG-350") == after


def test_configurable_children_are_the_linked_simple_products(magento, sandbox):
    children = magento.configurable_children("NW-PARKA")
    assert [child["sku"] for child in children] == PARKA_CHILDREN
    assert children[0] == sandbox.record("product", "NW-PARKA-S-Red")
    assert magento.configurable_children("NW-STOVE") == []


def test_attribute_sets_are_listed_and_filtered(magento, sandbox):
    every = magento.list_attribute_sets()
    assert [(s["attribute_set_id"], s["attribute_set_name"]) for s in every.items] == [
        (4, "Default"), (10, "Outerwear"), (11, "Camp Gear")]
    outerwear = magento.list_attribute_sets(SearchCriteria().where("attribute_set_name", "outerwear"))
    assert outerwear.total_count == 1 and outerwear.items[0]["attribute_set_id"] == 10


# Stock ---------------------------------------------------------------------------------------------------

def test_stock_update_answers_the_item_id_and_does_not_touch_the_product(magento, sandbox):
    item = magento.get_stock_item("NW-MUG-350")
    assert (item["qty"], item["is_in_stock"]) == (0, False)
    product_before = magento.get_product("NW-MUG-350")
    sandbox.admin("POST", "/clock", {"advance": 90})
    answer = magento.update_stock_item("NW-MUG-350", item["item_id"], {"qty": 25, "is_in_stock": True})
    assert answer == item["item_id"] and isinstance(answer, int)
    assert magento.get_stock_item("NW-MUG-350")["qty"] == 25
    assert magento.get_product("NW-MUG-350")["updated_at"] == product_before["updated_at"]


def test_stock_falls_out_of_stock_at_zero_quantity(magento, sandbox):
    item = magento.get_stock_item("NW-STOVE")
    magento.update_stock_item("NW-STOVE", item["item_id"], {"qty": 0})
    assert magento.get_stock_item("NW-STOVE")["is_in_stock"] is False


def test_stock_of_an_unknown_sku_is_not_found_with_the_sku_in_the_sentence(magento, sandbox):
    with pytest.raises(MagentoNotFound) as caught:
        magento.get_stock_item("GONE-1")
    assert caught.value.message.startswith('The Product with the "GONE-1" SKU doesn\'t exist.')


# Categories ----------------------------------------------------------------------------------------------

def test_category_tree_from_the_store_root_by_default_and_from_any_root_and_depth(magento, sandbox):
    tree = magento.category_tree()
    assert tree["id"] == 2 and [child["id"] for child in tree["children_data"]] == [3, 6, 8]
    outdoor = tree["children_data"][0]
    assert [(child["id"], child["name"]) for child in outdoor["children_data"]] == [(4, "Jackets & Parkas"),
                                                                                   (5, "Bags")]
    shallow = magento.category_tree(root_id=3, depth=0)
    assert shallow["id"] == 3 and shallow["children_data"] == []
    assert [child["children_data"] for child in magento.category_tree(depth=1)["children_data"]] == [[], [], []]


def test_categories_are_listed_with_criteria_and_read_by_id(magento, sandbox):
    inactive = magento.list_categories(SearchCriteria().where("is_active", "0"))
    assert [category["id"] for category in inactive.items] == [8]
    assert magento.list_categories().total_count == 8
    assert magento.get_category(4) == sandbox.record("category", "4")


def test_create_category_under_a_parent_then_update_it(magento, sandbox):
    created = magento.create_category({"name": "Tents", "parent_id": 3, "is_active": True})
    assert (created["id"], created["parent_id"], created["path"], created["level"]) == (9, 3, "1/2/3/9", 3)
    assert magento.get_category(3)["children"] == "4,5,9"
    sandbox.admin("POST", "/clock", {"advance": 90})
    updated = magento.update_category(created["id"], {"name": "Tents & Tarps", "is_active": False})
    assert (updated["name"], updated["is_active"], updated["updated_at"]) == ("Tents & Tarps", False, LATER)
    assert created["updated_at"] == SANDBOX_START
    assert magento.get_category(9) == updated


def test_unknown_category_is_not_found_with_the_id_in_the_sentence(magento, sandbox):
    with pytest.raises(MagentoNotFound) as caught:
        magento.get_category(999)
    assert caught.value.message == "No such entity with id = 999 [GET /rest/default/V1/categories/999]"
