"""Pure URL building for Magento's REST API: ``{base}/rest/{store}/V1/{path}`` with every key kept in its segment.

A SKU is free text in Magento (``bla/koe``, ``24-MB 01``, ``50%+1``, even ``..``), so every variable part of a
path is percent-encoded on its own: ``/ ? # % +`` and spaces are escaped, and a segment made only of dots is
written as ``%2E`` escapes, because both HTTP clients and web servers remove ``.`` and ``..`` segments.
Note for operators: Apache decodes ``%2F`` before Magento sees it unless ``AllowEncodedSlashes NoDecode``
is set; without it a SKU holding ``/`` answers 404 (magento/magento2#8615, #25467).
"""

from __future__ import annotations

from urllib.parse import quote


def segment(value: object) -> str:
    """One path segment, percent-encoded so that it can never end or leave its segment."""
    text = str(value)
    if text == "":
        raise ValueError("a path segment (SKU or id) must not be empty")
    if set(text) == {"."}:
        return "%2E" * len(text)
    return quote(text, safe="")


def path(*parts: object) -> str:
    """Join ``parts`` into a ``V1``-relative path, encoding each as one segment: ``path("products", sku)``."""
    return "/".join(segment(part) for part in parts)


def rest_url(base_url: str, store_code: str, relative_path: str) -> str:
    """The full URL of ``relative_path`` (already encoded by ``path``) in the store view ``store_code``."""
    return f"{base_url.rstrip('/')}/rest/{segment(store_code)}/V1/{relative_path}"
