"""Category: a Magento category (``GET /V1/categories/{id}``, or a node of the tree) as the ``category`` document."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marshmallow import post_load

from schemas.common import Flag, Int, MagentoSchema, Text, Timestamp, optional, required, zero_is_none

CATEGORY_FIELDS: tuple[str, ...] = (
    "magento_id", "name", "parent_id", "path", "level", "position", "is_active", "created_at", "updated_at",
)
TREE_ROOT_ID = 1  # Magento's invisible "Root Catalog", path "1"


class CategorySchema(MagentoSchema):
    document_fields = CATEGORY_FIELDS  # the keys of the ERP document it loads
    id = required(Int)
    name = required(Text)
    parent_id = optional(Int)
    path = optional(Text)
    level = optional(Int)
    position = optional(Int)
    is_active = Flag(load_default=None, allow_none=True)
    created_at = optional(Timestamp)
    updated_at = optional(Timestamp)

    @post_load
    def _document(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            "magento_id": data["id"], "name": data["name"], "parent_id": zero_is_none(data["parent_id"]),
            "path": data["path"], "level": data["level"], "position": data["position"],
            "is_active": data["is_active"], "created_at": data["created_at"], "updated_at": data["updated_at"],
        }


def flatten_category_tree(tree: dict[str, Any], parent_path: str | None = None) -> Iterator[dict[str, Any]]:
    """Each node of a ``GET /V1/categories`` tree as a category record, parents first, ``path`` filled in.

    Tree nodes carry no ``path``; it is the parent's path plus the node's id, starting from the root
    catalog (id 1, path ``"1"``). Malformed nodes are yielded as they are so that mapping reports them.
    """
    record = {key: value for key, value in tree.items() if key != "children_data"}
    path = record.get("path") or _derived_path(record, parent_path)
    if path is not None:
        record["path"] = path
    yield record
    for child in tree.get("children_data") or []:
        yield from flatten_category_tree(child, path) if isinstance(child, dict) else iter([child])


def _derived_path(record: dict[str, Any], parent_path: str | None) -> str | None:
    node_id, parent_id = record.get("id"), record.get("parent_id")
    if node_id is None:
        return None
    if parent_path is not None:
        return f"{parent_path}/{node_id}"
    if str(parent_id) == str(TREE_ROOT_ID):
        return f"{TREE_ROOT_ID}/{node_id}"
    if parent_id in (0, "0", None):
        return str(node_id)
    return None
