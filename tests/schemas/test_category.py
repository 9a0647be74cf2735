"""Categories: single records and the nodes of the category tree."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from schemas.category import CATEGORY_FIELDS, CategorySchema, flatten_category_tree


def load(record):
    return CategorySchema().load(record)


def test_category_maps_every_field(record):
    document = load(record("category.json"))
    assert document == {
        "magento_id": 21, "name": "Parkas & Coats", "parent_id": 7, "path": "1/2/7/21", "level": 3,
        "position": 4, "is_active": True, "created_at": "2024-10-20 10:00:00",
        "updated_at": "2025-02-03 07:05:09"}
    assert set(document) == set(CATEGORY_FIELDS)


def test_root_category_has_no_parent():
    document = load({"id": 1, "parent_id": 0, "name": "Root Catalog", "is_active": "1", "level": 0,
                     "path": "1", "position": "0"})
    assert (document["parent_id"], document["is_active"], document["position"]) == (None, True, 0)


def test_tree_nodes_flatten_parents_first_with_paths(record):
    nodes = [load(node) for node in flatten_category_tree(record("category.tree.json"))]
    assert [(n["magento_id"], n["parent_id"], n["path"]) for n in nodes] == [
        (2, 1, "1/2"), (7, 2, "1/2/7"), (21, 7, "1/2/7/21"), (30, 2, "1/2/30")]
    assert nodes[3]["is_active"] is False and nodes[2]["created_at"] is None


def test_tree_keeps_given_paths():
    tree = {"id": 9, "parent_id": 4, "name": "Sub", "path": "1/2/4/9",
            "children_data": [{"id": 10, "parent_id": 9, "name": "Leaf"}]}
    assert [node["path"] for node in flatten_category_tree(tree)] == ["1/2/4/9", "1/2/4/9/10"]


def test_tree_root_under_unknown_parent_gets_no_path():
    nodes = list(flatten_category_tree({"id": 9, "parent_id": 4, "name": "Sub", "children_data": []}))
    assert "path" not in nodes[0]


def test_missing_name_is_named(record):
    category = record("category.json")
    del category["name"]
    with pytest.raises(ValidationError) as caught:
        load(category)
    assert caught.value.messages == {"name": ["Missing data for required field."]}
