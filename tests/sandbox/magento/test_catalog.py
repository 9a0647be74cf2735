"""Products, configurable children, attribute sets and stock items over REST."""

from __future__ import annotations

from urllib.parse import urlencode


def test_product_get_has_the_real_shape(api):
    product = api.get("/V1/products/NW-PARKA").json
    assert list(product)[:10] == ["id", "sku", "name", "attribute_set_id", "price", "status", "visibility", "type_id",
                                  "created_at", "updated_at"]
    extension = product["extension_attributes"]
    assert extension["category_links"] == [{"position": 0, "category_id": "4"}, {"position": 0, "category_id": "3"}]
    assert extension["stock_item"]["item_id"] == 10 and extension["stock_item"]["is_in_stock"] is True
    assert extension["configurable_product_links"] == [11, 12, 13, 14]
    assert [o["label"] for o in extension["configurable_product_options"]] == ["Color", "Size"]
    attributes = {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}
    assert attributes["features"] == "7101,7104,7105" and attributes["category_ids"] == ["4", "3"]


def test_bundle_options_list_their_product_skus(api):
    options = api.get("/V1/products/NW-COOK-KIT").json["extension_attributes"]["bundle_product_options"]
    assert [[link["sku"] for link in option["product_links"]] for option in options] == [
        ["NW-STOVE"], ["NW-FUEL-230"], ["NW-BOTTLE-750", "NW-MUG-350"]]
    assert options[1]["product_links"][0]["qty"] == 2 and options[0]["product_links"][0]["id"] == "1"


def test_sku_lookup_is_case_insensitive(api):
    assert api.get("/V1/products/nw-stove").json["sku"] == "NW-STOVE"


def test_product_404_wording(api):
    response = api.get("/V1/products/NO-SUCH-SKU")
    assert response.status_code == 404
    assert response.json == {
        "message": "The product that was requested doesn't exist. Verify the product and try again."}


def test_put_moves_updated_at_on_every_save(api, clock):
    before = api.get("/V1/products/NW-STOVE").json["updated_at"]
    clock.advance(61)
    first = api.put("/V1/products/NW-STOVE", {"product": {"price": 61.5}}).json
    clock.advance(5)
    second = api.put("/V1/products/NW-STOVE", {"product": {}}).json
    assert before < first["updated_at"] < second["updated_at"] == "2024-06-01 12:01:06"
    assert api.get("/V1/products/NW-STOVE").json["price"] == 61.5


def test_put_merges_custom_attributes_and_extension_attributes(api):
    body = {"product": {"sku": "IGNORED", "name": "Trail Stove II", "custom_attributes": [
        {"attribute_code": "features", "value": "7101"}, {"attributeCode": "color", "value": "5101"}],
        "extensionAttributes": {"categoryLinks": [{"position": 1, "categoryId": 7}],
                                "stockItem": {"qty": "12.0", "isInStock": 1}}}}
    product = api.put("/V1/products/NW-STOVE", body).json
    attributes = {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}
    assert product["sku"] == "NW-STOVE" and product["name"] == "Trail Stove II"
    assert attributes["features"] == "7101" and attributes["color"] == "5101" and attributes["url_key"] == "trail-stove"
    assert product["extension_attributes"]["category_links"] == [{"position": 1, "category_id": "7"}]
    assert attributes["category_ids"] == ["7"]
    assert product["extension_attributes"]["stock_item"]["qty"] == 12


def test_post_creates_with_new_id_and_defaults(api, clock):
    created = api.post("/V1/products", {"product": {"sku": "NEW-1", "name": "New one", "price": "9.95",
                                                    "typeId": "virtual"}}).json
    assert created["id"] == 51 and created["price"] == 9.95 and created["type_id"] == "virtual"
    assert created["created_at"] == created["updated_at"] == "2024-06-01 12:00:00"
    assert created["attribute_set_id"] == 4 and created["extension_attributes"]["stock_item"]["qty"] == 0


def test_post_with_an_existing_sku_updates_it(api):
    updated = api.post("/V1/products", {"product": {"sku": "nw-stove", "price": 70}}).json
    assert updated["id"] == 22 and updated["sku"] == "NW-STOVE" and updated["price"] == 70


def test_create_needs_a_sku_and_a_name(api):
    assert api.post("/V1/products", {"product": {"name": "x"}}).json["parameters"] == {"fieldName": "sku"}
    nameless = api.post("/V1/products", {"product": {"sku": "Z"}})
    assert nameless.status_code == 400 and nameless.json["parameters"] == ["Product Name"]
    assert api.post("/V1/products", {}).json["parameters"] == {"fieldName": "product"}


def test_bad_number_and_bad_json_are_400(api):
    assert api.put("/V1/products/NW-STOVE", {"product": {"price": "cheap"}}).status_code == 400
    response = api.client.put("/rest/V1/products/NW-STOVE", headers=api.headers, data=b"{not json",
                              content_type="application/json")
    assert response.status_code == 400 and response.json == {"message": "Decoding error."}


def test_configurable_children(api):
    children = api.get("/V1/configurable-products/NW-PARKA/children").json
    assert [child["sku"] for child in children] == ["NW-PARKA-S-Red", "NW-PARKA-M-Red", "NW-PARKA-M-Navy",
                                                    "NW-PARKA-L-Navy"]
    assert api.get("/V1/configurable-products/NW-STOVE/children").json == []
    assert api.get("/V1/configurable-products/NOPE/children").status_code == 404


def test_attribute_sets_list(api):
    body = api.get("/V1/products/attribute-sets/sets/list?searchCriteria[pageSize]=20").json
    assert [s["attribute_set_name"] for s in body["items"]] == ["Default", "Outerwear", "Camp Gear"]
    assert body["search_criteria"] == {"filter_groups": [], "page_size": 20}


def test_stock_item_get_and_update_answers_the_id_as_a_string(api, sandbox):
    assert api.get("/V1/stockItems/NW-BOTTLE-750").json["qty"] == 120
    response = api.put("/V1/products/NW-BOTTLE-750/stockItems/20",
                       {"stockItem": {"qty": 333.0, "is_in_stock": 1, "manage_stock": 1, "use_config_manage_stock": 0,
                                      "backorders": 2, "use_config_backorders": 0}})
    assert response.status_code == 200 and response.get_data(as_text=True) == '"20"'
    item = api.get("/V1/stockItems/NW-BOTTLE-750").json
    assert item["qty"] == 333 and item["is_in_stock"] is True and item["use_config_manage_stock"] is False
    assert api.get("/V1/products/NW-BOTTLE-750").json["extension_attributes"]["stock_item"] == item


def test_stock_goes_out_of_stock_at_zero_and_back(api):
    api.put("/V1/products/NW-STOVE/stockItems/22", {"stockItem": {"qty": 0}})
    assert api.get("/V1/stockItems/NW-STOVE").json["is_in_stock"] is False
    api.put("/V1/products/NW-STOVE/stockItems/22", {"stockItem": {"qty": 4}})
    assert api.get("/V1/stockItems/NW-STOVE").json["is_in_stock"] is True


def test_stock_update_does_not_move_the_product_updated_at(api, clock):
    before = api.get("/V1/products/NW-STOVE").json["updated_at"]
    clock.advance(300)
    api.put("/V1/products/NW-STOVE/stockItems/22", {"stockItem": {"qty": 41}})
    assert api.get("/V1/products/NW-STOVE").json["updated_at"] == before


def test_stock_404_wording(api):
    response = api.get("/V1/stockItems/NOPE")
    assert response.status_code == 404
    assert response.json == {"message": "The Product with the \"%1\" SKU doesn't exist.", "parameters": ["NOPE"]}


def test_product_list_filters_on_category(api):
    query = urlencode([("searchCriteria[filter_groups][0][filters][0][field]", "category_id"),
                       ("searchCriteria[filter_groups][0][filters][0][value]", "6,7"),
                       ("searchCriteria[filter_groups][0][filters][0][condition_type]", "in")])
    found = [p["sku"] for p in api.get(f"/V1/products?{query}").json["items"]]
    assert found == ["NW-BOTTLE-750", "NW-MUG-350", "NW-STOVE", "NW-FUEL-230", "NW-COOK-KIT"]


def test_product_list_filters_on_entity_id_as_magento_does(api):
    """What the consumer asks to resolve a stock item's product_id to its SKU (camelCase keys, as Magento's
    own documentation writes them), with the fields projection."""
    stove = api.get("/V1/products/NW-STOVE").json

    def by_entity_id(value: str, fields: str | None = None):
        params = [("searchCriteria[filterGroups][0][filters][0][field]", "entity_id"),
                  ("searchCriteria[filterGroups][0][filters][0][value]", value),
                  ("searchCriteria[filterGroups][0][filters][0][conditionType]", "eq")]
        return api.get(f"/V1/products?{urlencode(params + ([('fields', fields)] if fields else []))}")

    found = by_entity_id(str(stove["id"])).json
    assert found["total_count"] == 1
    assert (found["items"][0]["id"], found["items"][0]["sku"]) == (stove["id"], "NW-STOVE")
    assert found["search_criteria"]["filter_groups"] == [
        {"filters": [{"field": "entity_id", "value": str(stove["id"]), "condition_type": "eq"}]}]
    projected = by_entity_id(str(stove["id"]), "items[id,sku],total_count")
    assert projected.json == {"items": [{"id": stove["id"], "sku": "NW-STOVE"}], "total_count": 1}
    assert by_entity_id("99999", "items[id,sku],total_count").json == {"items": [], "total_count": 0}


def test_a_refused_create_consumes_no_id(api):
    assert api.post("/V1/products", {"product": {"sku": "BAD", "name": "Bad", "price": "lots"}}).status_code == 400
    assert api.get("/V1/products/BAD").status_code == 404
    created = api.post("/V1/products", {"product": {"sku": "GOOD", "name": "Good"}}).json
    assert created["id"] == 51 and created["extension_attributes"]["stock_item"]["item_id"] == 51


def test_a_refused_update_changes_nothing(api):
    response = api.put("/V1/products/NW-STOVE", {"product": {"name": "Renamed", "status": "on"}})
    assert response.status_code == 400
    assert api.get("/V1/products/NW-STOVE").json["name"] == "Trail Stove"
