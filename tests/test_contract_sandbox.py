"""Contract test: the Magento sandbox answers the shapes of the real samples in /work/shared/magento-samples.

The sandbox's answer for the seeded equivalent of each recorded answer (``FAITHFUL``) must carry every key of
the real one, at every level, with the same JSON type where neither is null. The only exceptions are listed
with their reason (``OMITTED_WHEN_NULL``, custom attribute codes). Tests reading the samples are skipped when
the folder is absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from sandbox.magento.app import create_app, sandbox_of
from tests.samples import Samples

SANDBOX_TOKEN = "contract-sandbox-token"
# Keys Magento leaves out of an answer when their value is null (the getter is declared ``|null``), so the
# seeded equivalent lacks them when it lacks the data; each must then appear at the same place in another
# seeded record of the entity, which ``test_every_key_the_sandbox_omits_is_one_it_omits_only_when_null`` checks.
OMITTED_WHEN_NULL = {
    "customer_dob": "only the orders of a customer with a date of birth have it (orders 1 and 2)",
    "applied_rule_ids": "only orders and rows a cart price rule applied to have it (order 5)",
    "region": "addresses in a country without regions (NL) have none; order 5 ships to California",
    "region_code": "as region",
    "region_id": "as region",
}
# Where the sandbox holds every record of an entity, for the check above.
ALL_RECORDS = {"order": "orders", "product": "products", "customer": "customers/search", "invoice": "invoices"}
SANDBOX_ORDER = {"entity": {"entity_id": 5, "state": "canceled", "status": "canceled"}}
NEW_CUSTOMER = {"customer": {
    "email": "mila.jansen@example.net", "firstname": "Mila", "lastname": "Jansen", "website_id": 1,
    "addresses": [{"defaultShipping": True, "defaultBilling": True, "firstname": "Mila", "lastname": "Jansen",
                   "region": {"regionCode": "WA", "region": "Washington", "regionId": 62}, "postcode": "98101",
                   "street": ["400 Pine Street"], "city": "Seattle", "telephone": "(555) 010-4400",
                   "countryId": "US"}]}, "password": "Regen-2024-Seattle"}


class SandboxApi:
    """The demo sandbox in-process: ``call(method, path, body)`` answers (status, decoded JSON)."""

    def __init__(self) -> None:
        self.app = create_app(SANDBOX_TOKEN, "demo")
        self.client: FlaskClient = self.app.test_client()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        answer = self.client.open(f"/rest/V1/{path}", method=method, json=body,
                                  headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"})
        return answer.status_code, json.loads(answer.get_data(as_text=True))

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, value = self.call(method, path, body)
        assert status == 200, f"{method} {path}: {status} {value}"
        return value

    def get(self, path: str) -> Any:
        return self.ok("GET", path)


def _rate_limited(api: SandboxApi) -> Any:
    api.app.test_client().post("/__sandbox/faults/rate-limit", json={"count": 1, "retry_after": 5})
    status, body = api.call("GET", "orders/1")
    assert status == 429
    return body


def _refused_product(api: SandboxApi) -> Any:
    status, body = api.call("POST", "products", {"product": {"sku": "NEW-NAMELESS"}})
    assert status == 400
    return body


# sample -> (entity for OMITTED_WHEN_NULL, the sandbox's answer for its seeded equivalent)
FAITHFUL: dict[str, tuple[str, Callable[[SandboxApi], Any]]] = {
    "product.simple.json": ("product", lambda api: api.get("products/NW-STOVE")),
    "product.configurable.json": ("product", lambda api: api.get("products/NW-PARKA")),
    "product.bundle.json": ("product", lambda api: api.get("products/NW-COOK-KIT")),
    "category.json": ("category", lambda api: api.get("categories/4")),
    "category.tree.json": ("category", lambda api: api.get("categories")),
    "customer.json": ("customer", lambda api: api.get("customers/1")),
    "customer.company-2-addresses.json": ("customer", lambda api: api.get("customers/2")),
    "customer.create.response.json": ("customer", lambda api: api.ok("POST", "customers", NEW_CUSTOMER)),
    "order.json": ("order", lambda api: api.get("orders/5")),
    "order.guest.json": ("order", lambda api: api.get("orders/3")),
    "order.edited.json": ("order", lambda api: api.get("orders/2")),
    "order.with-status-histories.json": ("order", lambda api: api.get("orders/4")),
    "order.save.response.json": ("order", lambda api: api.ok("POST", "orders", SANDBOX_ORDER)),
    "order.comment.response.json": ("order", lambda api: api.ok("POST", "orders/2/comments",
                                                                {"statusHistory": {"comment": "Synced."}})),
    "invoice.json": ("invoice", lambda api: api.get("invoices/2")),
    "invoice.create.response.json": ("invoice", lambda api: api.ok("POST", "order/2/invoice", {"capture": True})),
    "shipment.create.response.json": ("shipment", lambda api: api.ok("POST", "order/2/ship", {})),
    "shipment_track.create.response.json": ("shipment", lambda api: api.ok("POST", "shipment/track", {"entity": {
        "order_id": "3", "parent_id": "1", "track_number": "3SNWXG000999", "carrier_code": "custom",
        "title": "PostNL"}})),
    "stock_item.json": ("stock", lambda api: api.get("stockItems/NW-STOVE")),
    "stock_item.update.response.json": ("stock", lambda api: api.ok("PUT", "products/NW-STOVE/stockItems/22",
                                                                    {"stockItem": {"qty": 12}})),
    "attribute_sets.list.json": ("attribute_set", lambda api: api.get(
        "products/attribute-sets/sets/list?searchCriteria[filter_groups][0][filters][0][field]=attribute_set_name"
        "&searchCriteria[filter_groups][0][filters][0][value]=Default&searchCriteria[pageSize]=20")),
    "error.400.invalid-product-data.json": ("error", _refused_product),
    "error.429.too-many-requests.json": ("error", _rate_limited),
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names[type(value)]


def merged_items(items: list[dict[str, Any]]) -> dict[str, Any]:
    """One object holding the keys of every object in an array, at every level (first non-null value wins)."""
    merged: dict[str, Any] = {}
    for item in items:
        for key, value in item.items():
            merged[key] = _union(merged.get(key), value)
    return merged


def _union(first: Any, second: Any) -> Any:
    if first is None:
        return second
    if isinstance(first, dict) and isinstance(second, dict):
        return merged_items([first, second])
    if isinstance(first, list) and isinstance(second, list) and all(isinstance(x, dict) for x in first + second):
        return first + second
    return first


def shape_differences(real: Any, mine: Any, where: str = "") -> list[tuple[str, str]]:
    """(place, problem) for each key of ``real`` that ``mine`` lacks or holds as another JSON type, at every
    level: objects key by key, arrays of objects by the keys of all their items, custom attributes by code."""
    if json_type(real) != json_type(mine):
        return [] if "null" in (json_type(real), json_type(mine)) else [
            (where, f"{json_type(real)} in the sample, {json_type(mine)} in the sandbox")]
    if isinstance(real, dict):
        found = []
        for key, value in real.items():
            if key not in mine:
                found.append((f"{where}.{key}", "missing"))
            else:
                found += _differences_of(key, value, mine[key], f"{where}.{key}")
        return found
    if isinstance(real, list) and real and mine and all(isinstance(item, dict) for item in real + mine):
        return shape_differences(merged_items(real), merged_items(mine), f"{where}[]")
    if isinstance(real, list) and real and mine:
        return shape_differences(real[0], mine[0], f"{where}[]")
    return []


def _differences_of(key: str, real: Any, mine: Any, where: str) -> list[tuple[str, str]]:
    if key != "custom_attributes" or not isinstance(real, list) or not isinstance(mine, list):
        return shape_differences(real, mine, where)
    # attribute codes are the catalog's own (the samples are Luma's): compare the codes both have
    ours = {attribute["attribute_code"]: attribute["value"] for attribute in mine}
    return [problem for attribute in real if attribute["attribute_code"] in ours
            for problem in shape_differences(attribute["value"], ours[attribute["attribute_code"]],
                                             f"{where}[{attribute['attribute_code']}]")]


def key_places(value: Any, where: str = "") -> set[str]:
    """Every ``place.key`` in ``value``, in the notation of ``shape_differences``."""
    places: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            places.add(f"{where}.{key}")
            places |= key_places(item, f"{where}.{key}")
    elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        places |= key_places(merged_items(value), f"{where}[]")
    return places


def unexplained(entity: str, problems: list[tuple[str, str]], api: SandboxApi) -> list[tuple[str, str]]:
    """The problems left once keys omitted when null are found in another seeded record of ``entity``."""
    left = [(place, problem) for place, problem in problems
            if not (problem == "missing" and place.rsplit(".", 1)[-1] in OMITTED_WHEN_NULL)]
    omitted = [place for place, problem in problems if (place, problem) not in left]
    listing = ALL_RECORDS.get(entity)
    elsewhere = key_places(api.get(f"{listing}?searchCriteria=")["items"], ".items") if listing and omitted else set()
    return left + [(place, f"missing from every seeded {entity}") for place in omitted
                   if f".items[]{place}" not in elsewhere]


def test_shape_differences_finds_missing_keys_and_other_types_at_every_level() -> None:
    real = {"a": 1, "b": {"c": "x", "d": [1]}, "e": [{"f": 1}, {"g": None}], "h": None, "i": True}
    assert shape_differences(real, real) == []
    mine = {"a": 1.5, "b": {"c": 3, "d": []}, "e": [{"f": 2}], "h": {"z": 1}, "i": 1}
    assert shape_differences(real, mine) == [
        (".b.c", "string in the sample, number in the sandbox"), (".e[].g", "missing"),
        (".i", "boolean in the sample, number in the sandbox")]


@pytest.fixture
def sandbox_api() -> Iterator[SandboxApi]:
    """A fresh demo sandbox, in-process."""
    api = SandboxApi()
    yield api
    sandbox_of(api.app).feed.close()


@pytest.mark.parametrize("name", sorted(FAITHFUL))
def test_the_sandbox_answers_the_shape_of_the_real_sample(samples_dir: Path, sandbox_api: SandboxApi,
                                                          name: str) -> None:
    entity, answer = FAITHFUL[name]
    problems = shape_differences(Samples(samples_dir)(name), answer(sandbox_api))
    assert unexplained(entity, problems, sandbox_api) == [], f"the sandbox's {entity} differs from {name}"


def test_every_key_the_sandbox_omits_is_one_it_omits_only_when_null(samples_dir: Path,
                                                                     sandbox_api: SandboxApi) -> None:
    """Keeps OMITTED_WHEN_NULL honest: each exception is used by some sample and present in some record."""
    api, used = sandbox_api, set()
    for name, (_entity, answer) in FAITHFUL.items():
        problems = shape_differences(Samples(samples_dir)(name), answer(api))
        used |= {place.rsplit(".", 1)[-1] for place, problem in problems if problem == "missing"}
    assert used == set(OMITTED_WHEN_NULL)
    orders = key_places(api.get("orders?searchCriteria=")["items"])
    assert {place.rsplit(".", 1)[-1] for place in orders} >= set(OMITTED_WHEN_NULL)


def test_every_sandbox_answer_that_has_a_sample_is_held_to_it(samples_dir: Path) -> None:
    """Every answer file of the folder (each has a check: test_contract_rest) is in FAITHFUL or has no route."""
    names = {path.name for path in samples_dir.iterdir() if path.is_file()}
    answers = {name for name in names if name.endswith(".json") and not name.endswith("request.json")
               and not name.endswith("request.oca.json")}
    without_route = {"customer_group.json", "event.adobe-io.catalog_product_save_commit_after.json"}
    assert sorted(answers - without_route - set(FAITHFUL)) == []
