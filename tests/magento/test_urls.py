"""Path building: every key stays inside its own segment, whatever characters it holds."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from magento.urls import path, rest_url, segment

HOSTILE = ["bla/koe", "24-MB 01", "a?b=c", "a#frag", "50%", "%2F", "a+b", "..", ".", "../orders", "x/../../admin",
           "ü-ß", "tab\tkey", "semi;colon", "back\\slash", "a&b=c"]


@pytest.mark.parametrize(("key", "encoded"), [
    ("bla/koe", "bla%2Fkoe"), ("24-MB 01", "24-MB%2001"), ("a?b", "a%3Fb"), ("a#b", "a%23b"), ("50%", "50%25"),
    ("%2F", "%252F"), ("a+b", "a%2Bb"), ("..", "%2E%2E"), (".", "%2E"), ("../x", "..%2Fx"), ("ü", "%C3%BC"),
    ("MH01-XS-Black", "MH01-XS-Black"), ("42", "42"),
])
def test_a_segment_is_percent_encoded(key: str, encoded: str) -> None:
    assert segment(key) == encoded


@pytest.mark.parametrize("key", HOSTILE)
def test_a_hostile_key_cannot_leave_its_segment_and_decodes_back(key: str) -> None:
    encoded = segment(key)
    assert not set("/?#") & set(encoded)
    assert encoded not in {".", ".."}
    assert unquote(encoded) == key


def test_a_path_encodes_each_part_on_its_own() -> None:
    assert path("products", "bla/koe", "stockItems", 7) == "products/bla%2Fkoe/stockItems/7"


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        segment("")


def test_the_rest_url_puts_the_store_code_before_v1() -> None:
    assert rest_url("https://shop.example.test/", "all", "orders/5") == "https://shop.example.test/rest/all/V1/orders/5"
    assert rest_url("https://shop.example.test/m2", "default", "products") == (
        "https://shop.example.test/m2/rest/default/V1/products")
