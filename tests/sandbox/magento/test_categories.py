"""Categories: the tree with rootCategoryId and depth, list, get, create and update."""

from __future__ import annotations


def test_tree_starts_at_the_store_root_and_nests_children_data(api):
    tree = api.get("/V1/categories").json
    assert (tree["id"], tree["parent_id"], tree["level"]) == (2, 1, 1)
    assert [child["name"] for child in tree["children_data"]] == ["Outdoor", "Camp Kitchen", "Clearance"]
    outdoor = tree["children_data"][0]
    assert [child["id"] for child in outdoor["children_data"]] == [4, 5]
    assert set(outdoor) == {"id", "parent_id", "name", "is_active", "position", "level", "product_count",
                            "children_data"}
    assert outdoor["children_data"][1]["product_count"] == 2  # the tote and the daypack


def test_tree_root_and_depth(api):
    tree = api.get("/V1/categories?rootCategoryId=3&depth=1").json
    assert tree["id"] == 3 and [child["children_data"] for child in tree["children_data"]] == [[], []]
    assert api.get("/V1/categories?depth=0").json["children_data"] == []


def test_tree_with_an_unknown_root_is_404(api):
    response = api.get("/V1/categories?rootCategoryId=404")
    assert response.status_code == 404 and response.json["parameters"] == {"fieldName": "id", "fieldValue": 404}


def test_category_get_shape_and_404(api):
    category = api.get("/V1/categories/4").json
    assert category["path"] == "1/2/3/4" and category["level"] == 3 and category["children"] == ""
    assert {a["attribute_code"]: a["value"] for a in category["custom_attributes"]}["url_path"] == \
        "outdoor/jackets-parkas"
    assert api.get("/V1/categories/3").json["children"] == "4,5"
    response = api.get("/V1/categories/999")
    assert response.status_code == 404
    assert response.json == {"message": "No such entity with %fieldName = %fieldValue",
                             "parameters": {"fieldName": "id", "fieldValue": 999}}


def test_create_under_a_parent_and_update(api, clock):
    created = api.post("/V1/categories", {"category": {"parentId": 6, "name": "Stoves", "isActive": True}}).json
    assert created["id"] == 9 and created["path"] == "1/2/6/9" and created["level"] == 3
    assert api.get("/V1/categories/6").json["children"] == "7,9"
    clock.advance(30)
    updated = api.put("/V1/categories/9", {"category": {"name": "Camp Stoves", "position": 4}}).json
    assert updated["name"] == "Camp Stoves" and updated["position"] == 4
    assert updated["updated_at"] > created["updated_at"]


def test_create_needs_a_name_and_an_existing_parent(api):
    assert api.post("/V1/categories", {"category": {"parent_id": 2}}).json["parameters"] == ["Name"]
    assert api.post("/V1/categories", {"category": {"name": "x", "parent_id": 77}}).status_code == 404
