"""Contract test against the real Magento payloads in /work/shared/magento-samples (see its SOURCES.md).

Every file in the folder has a check below: records are mapped with ``map_record`` and the documents'
key invariants are asserted; request bodies are checked for the shapes the bridge's code relies on; error
bodies go through the client's own rendering and classification (``consumers.magento.errors``) and 2xx
answers through its own parsing (``consumers.magento.responses``). A file without a check fails the test.

Then the Magento sandbox is held to the samples (``FAITHFUL``): its answer for the seeded equivalent of each
recorded answer must carry every key of the real one, at every level, with the same JSON type where neither
is null. The only exceptions are listed with their reason (``OMITTED_WHEN_NULL``, custom attribute codes).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flask.testing import FlaskClient

from consumers.magento import errors
from consumers.magento.responses import Answer
from consumers.magento.search_criteria import SearchCriteria
from core.errors import MagentoRateLimited, MagentoValidationError, MappingError
from core.notification import Notification
from schemas.category import flatten_category_tree
from schemas.common import Flag, Int, Number
from schemas.mapping import DOCUMENT_FIELDS, document_hash, document_version, map_record, record_key
from schemas.sales import TrackSchema
from sandbox.magento import create_app, sandbox_of

Check = Callable[[Callable[[str], Any]], None]
CHECKS: dict[str, Check] = {}


def check(*names: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for name in names:
            CHECKS[name] = function
        return function
    return register


def mapped(entity: str, record: dict[str, Any]) -> dict[str, Any]:
    """map_record plus the invariants every document keeps."""
    document = map_record(entity, record)
    assert set(document) == set(DOCUMENT_FIELDS[entity])
    assert json.loads(json.dumps(document)) == document
    assert document_hash(document) == document_hash(map_record(entity, record))
    return document


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=0.005)


# Products ----------------------------------------------------------------------------------------------

@check("product.simple.json")
def _product_simple(sample: Callable[[str], Any]) -> None:
    record = sample("product.simple.json")
    document = mapped("product", record)
    assert (document["magento_id"], document["sku"], document["type"]) == (190, "MH09-L-Blue", "simple")
    assert document["category_ids"] == [15]  # category_links' "15" as an int
    assert document["stock"] == {"qty": 100, "is_in_stock": True} and document["children"] == []
    assert document["attributes"]["color"] == "5477" and "category_ids" not in document["attributes"]
    assert record_key("product", record) == "MH09-L-Blue"
    assert document_version("product", document) == "2020-03-27 16:06:41"


@check("product.configurable.json")
def _product_configurable(sample: Callable[[str], Any]) -> None:
    record = sample("product.configurable.json")
    document = mapped("product", record)
    assert document["children"] is None  # the fetcher did not add _bridge.children_skus: unknown
    assert document["attributes"]["climate"] == "5628,5630,5631,5634,5636"  # multi-select as Magento sends it
    assert document["category_ids"] == [15, 36, 2] and document["weight"] is None
    with_children = mapped("product", {**record, "_bridge": {"children_skus": ["MH01-XS-Black", "MH01-S-Gray"]}})
    assert with_children["children"] == ["MH01-XS-Black", "MH01-S-Gray"]


@check("product.bundle.json")
def _product_bundle(sample: Callable[[str], Any]) -> None:
    record = sample("product.bundle.json")
    document = mapped("product", record)
    options = record["extension_attributes"]["bundle_product_options"]
    expected = list(dict.fromkeys(link["sku"] for option in options for link in option["product_links"]))
    assert document["children"] == expected and len(expected) == 8
    assert document["attributes"]["activity"] == "5435,5438" and document["category_ids"] == [3, 5]


# Categories ----------------------------------------------------------------------------------------------

@check("category.json")
def _category(sample: Callable[[str], Any]) -> None:
    document = mapped("category", sample("category.json"))
    placement = (document["magento_id"], document["parent_id"], document["path"], document["level"])
    assert placement == (15, 12, "1/2/11/12/15", 4)
    assert document["is_active"] is True and document_version("category", document) == "2020-03-27 16:06:36"


@check("category.tree.json")
def _category_tree(sample: Callable[[str], Any]) -> None:
    nodes = [mapped("category", node) for node in flatten_category_tree(sample("category.tree.json"))]
    assert [(n["magento_id"], n["parent_id"], n["path"], n["level"]) for n in nodes] == [
        (2, 1, "1/2", 1), (11, 2, "1/2/11", 2)]


# Customers -----------------------------------------------------------------------------------------------

@check("customer.json")
def _customer(sample: Callable[[str], Any]) -> None:
    document = mapped("customer", sample("customer.json"))
    assert len(document["addresses"]) == 12
    defaults = [(a["magento_id"], a["default_billing"], a["default_shipping"]) for a in document["addresses"]
                if a["default_billing"] or a["default_shipping"]]
    assert defaults == [(1, True, True)]  # customer "default_billing": "1" and the address's own flags agree
    first = document["addresses"][0]
    assert (first["region"], first["region_code"], first["street"]) == ("Michigan", "MI", ["6146 Honey Bluff Parkway"])


@check("customer.company-2-addresses.json")
def _customer_two_addresses(sample: Callable[[str], Any]) -> None:
    document = mapped("customer", sample("customer.company-2-addresses.json"))
    billing, shipping = document["addresses"]
    assert (billing["magento_id"], billing["default_billing"], billing["default_shipping"]) == (4, True, False)
    assert (shipping["magento_id"], shipping["default_billing"], shipping["default_shipping"]) == (5, False, True)
    assert billing["company"] == "Clay Company" and (billing["region"], billing["region_code"]) == (None, None)


@check("customer.create.response.json", "customer.create.request.json")
def _customer_create(sample: Callable[[str], Any]) -> None:
    document = mapped("customer", sample("customer.create.response.json"))
    request = sample("customer.create.request.json")["customer"]
    assert (document["email"], document["firstname"], document["lastname"]) == (
        request["email"], request["firstname"], request["lastname"])
    sent, stored = request["addresses"][0], document["addresses"][0]
    assert sent["defaultBilling"] is True and "defaultBilling" not in stored  # requests may use camelCase
    assert (stored["street"], stored["postcode"], stored["region_code"], stored["default_billing"]) == (
        sent["street"], sent["postcode"], sent["region"]["regionCode"], True)


@check("customer_group.json")
def _customer_group(sample: Callable[[str], Any]) -> None:
    group = sample("customer_group.json")
    assert set(group) == {"id", "code", "tax_class_id", "tax_class_name"}
    assert Int().deserialize(group["id"]) == 2 and isinstance(group["code"], str)  # what a group_id points at


# Orders ------------------------------------------------------------------------------------------------

def assert_lines_add_up(document: dict[str, Any]) -> None:
    assert close(sum(line["row_total"] for line in document["lines"]), document["subtotal"])


@check("order.json")
def _order(sample: Callable[[str], Any]) -> None:
    record = sample("order.json")
    document = mapped("order", record)
    assert_lines_add_up(document)
    assert len(record["items"]) == 3 and len(document["lines"]) == 2  # configurable parent + child folded
    hoodie = document["lines"][0]
    assert (hoodie["magento_item_id"], hoodie["sku"], hoodie["product_type"], hoodie["product_id"]) == (
        16, "MH09-XS-Blue", "configurable", 181)
    assert (hoodie["qty"], hoodie["price"], hoodie["row_total"], hoodie["tax_amount"]) == (2, 69, 138, 11.39)
    assert document["shipping_address"]["magento_id"] == 17 and document["billing_address"]["magento_id"] == 18
    assert document["customer"]["magento_id"] == 1 and document["customer"]["is_guest"] is False


@check("order.guest.json")
def _order_guest(sample: Callable[[str], Any]) -> None:
    document = mapped("order", sample("order.guest.json"))
    assert_lines_add_up(document)
    assert document["customer"] == {"magento_id": None, "email": "guest@guest.com", "firstname": "Guest",
                                    "lastname": "Guester", "is_guest": True, "group_id": 0}
    assert document["shipping_address"]["customer_address_id"] is None  # Magento sends 0
    assert [line["sku"] for line in document["lines"]] == ["WP13-28-Blue"]


@check("order.edited.json")
def _order_edited(sample: Callable[[str], Any]) -> None:
    document = mapped("order", sample("order.edited.json"))
    assert_lines_add_up(document)
    assert (document["increment_id"], document["relation_parent_id"]) == ("000000013-1", 9)  # "9" in Magento


@check("order.with-status-histories.json")
def _order_with_discounted_rows(sample: Callable[[str], Any]) -> None:
    """Real data breaking the usual rule: these rows' row_total is already net of their discount.

    The mapper keeps Magento's values (docs/mapping.md, "Known exception"); row_total plus discount_amount
    add up to the subtotal instead, and the order's discount_amount is their negative sum.
    """
    document = mapped("order", sample("order.with-status-histories.json"))
    lines = document["lines"]
    assert not close(sum(line["row_total"] for line in lines), document["subtotal"])
    assert close(sum(line["row_total"] + line["discount_amount"] for line in lines), document["subtotal"])
    assert close(sum(line["discount_amount"] for line in lines), -document["discount_amount"])


@check("order.save.response.json", "order.save.request.json")
def _order_save_partial(sample: Callable[[str], Any]) -> None:
    """The partial order ``POST /V1/orders`` answers with must NOT map: it lacks totals and currency."""
    response, request = sample("order.save.response.json"), sample("order.save.request.json")
    assert record_key("order", request["entity"]) == record_key("order", response) == "12"  # "12" vs 12
    with pytest.raises(MappingError) as caught:
        map_record("order", response)
    assert caught.value.message.startswith("order 12 cannot be mapped: ")
    assert set(caught.value.details) == {"increment_id", "order_currency_code", "grand_total", "subtotal"}
    assert caught.value.details["grand_total"] == ["Field may not be null."]


@check("order.comment.response.json")
def _order_comment(sample: Callable[[str], Any]) -> None:
    assert sample("order.comment.response.json") is True  # a bare JSON boolean, not an object
    assert Answer.from_text(sample.text("order.comment.response.json")).true() is True


# Sales documents --------------------------------------------------------------------------------------

@check("invoice.json")
def _invoice(sample: Callable[[str], Any]) -> None:
    document = mapped("invoice", sample("invoice.json"))
    lines = {line["order_item_id"]: line for line in document["lines"]}
    assert sorted(lines) == list(range(3, 12))
    assert lines[5]["row_total"] is None and lines[5]["price"] == 68  # dynamic bundle parent: a dummy row
    assert lines[11]["row_total"] is None and lines[11]["price"] == 0  # configurable child: a dummy row
    assert close(sum(line["row_total"] for line in lines.values() if line["row_total"] is not None),
                 document["subtotal"])
    assert (document["state"], document["currency"], document["grand_total"]) == (2, "USD", 165)


@check("invoice.create.request.json", "invoice.create.request.oca.json")
def _invoice_requests(sample: Callable[[str], Any]) -> None:
    plain, oca = sample("invoice.create.request.json"), sample("invoice.create.request.oca.json")
    assert plain == {"capture": True, "notify": True}
    item = oca["items"][0]
    assert set(item) == {"orderItemId", "qty"} and "appendComment" in oca  # Magento takes camelCase keys
    assert (Int().deserialize(item["orderItemId"]), Number().deserialize(item["qty"])) == (32, 1.0)


@check("invoice.create.response.json", "shipment.create.response.json", "stock_item.update.response.json")
def _id_string_responses(sample: Callable[[str], Any]) -> None:
    names = ("invoice.create.response.json", "shipment.create.response.json", "stock_item.update.response.json")
    assert all(isinstance(sample(name), str) for name in names)  # the OpenAPI schema says integer
    assert [Answer.from_text(sample.text(name)).id() for name in names] == [4, 3, 190]  # the client's parsing


@check("shipment.create.request.json")
def _shipment_request(sample: Callable[[str], Any]) -> None:
    request, invoice = sample("shipment.create.request.json"), mapped("invoice", sample("invoice.json"))
    shipped = {Int().deserialize(item["order_item_id"]) for item in request["items"]}
    assert shipped <= {line["order_item_id"] for line in invoice["lines"]}  # same tutorial order 3
    assert [TrackSchema().load(track) for track in request["tracks"]] == [
        {"number": "1Y-9876543210", "carrier_code": "ups", "title": "United Parcel Service"}]


@check("shipment.create.request.oca.json")
def _shipment_request_oca(sample: Callable[[str], Any]) -> None:
    request = sample("shipment.create.request.oca.json")
    order = mapped("order", sample("order.with-status-histories.json"))  # the same OCA order 12
    shipped = [Int().deserialize(item["order_item_id"]) for item in request["items"]]  # "24", "25"
    assert shipped == [line["magento_item_id"] for line in order["lines"]]


@check("shipment_track.create.request.json", "shipment_track.create.response.json")
def _shipment_track(sample: Callable[[str], Any]) -> None:
    sent, stored = sample("shipment_track.create.request.json")["entity"], sample("shipment_track.create.response.json")
    assert TrackSchema().load(sent) == TrackSchema().load(stored) == {
        "number": "XYZ", "carrier_code": "tablerate", "title": "Your shipment"}
    assert (Int().deserialize(sent["order_id"]), Int().deserialize(sent["parent_id"])) == (
        stored["order_id"], stored["parent_id"])  # "12"/"3" sent, 12/3 stored


@check("creditmemo.refund.request.json")
def _creditmemo_refund(sample: Callable[[str], Any]) -> None:
    request = sample("creditmemo.refund.request.json")
    arguments = request["arguments"]
    assert [Number().deserialize(arguments[name]) for name in
            ("shipping_amount", "adjustment_positive", "adjustment_negative")] == [0, 0, 0]
    refunded = {item["order_item_id"] for item in request["items"]}
    assert set(arguments["extension_attributes"]["return_to_stock_items"]) <= refunded


# Stock --------------------------------------------------------------------------------------------------

@check("stock_item.json")
def _stock_item(sample: Callable[[str], Any]) -> None:
    record = sample("stock_item.json")
    assert "sku" not in record  # Magento's stock item does not carry its SKU
    with pytest.raises(MappingError, match="_bridge.sku"):
        map_record("stock", record)
    document = mapped("stock", {**record, "_bridge": {"sku": "MH09-L-Blue"}})
    assert document == {"sku": "MH09-L-Blue", "item_id": 190, "product_id": 190, "qty": 30, "is_in_stock": True}
    assert document_version("stock", document) is None


@check("stock_item.update.request.json")
def _stock_update_request(sample: Callable[[str], Any]) -> None:
    body = sample("stock_item.update.request.json")
    assert list(body) == ["stockItem"]  # camelCase wrapper
    item = body["stockItem"]
    assert (Number().deserialize(item["qty"]), Flag().deserialize(item["is_in_stock"])) == (333.0, True)


# Search envelope, errors, events ------------------------------------------------------------------------

@check("attribute_sets.list.json")
def _search_envelope(sample: Callable[[str], Any]) -> None:
    envelope = sample("attribute_sets.list.json")
    assert set(envelope) == {"items", "search_criteria", "total_count"}
    assert envelope["total_count"] == len(envelope["items"]) == 1
    page = Answer.from_text(sample.text("attribute_sets.list.json")).search()  # the client's parsing
    assert (page.total_count, page.items, page.search_criteria) == (1, envelope["items"], envelope["search_criteria"])
    criteria = SearchCriteria().where("attribute_set_name", "Default").where("entity_type_id", 4)
    assert dataclasses.replace(criteria, page_size=20).echo() == envelope["search_criteria"]


@check("error.400.invalid-product-data.json")
def _error_400(sample: Callable[[str], Any]) -> None:
    body = sample("error.400.invalid-product-data.json")
    assert body["message"] == "Invalid product data: %1" and isinstance(body["parameters"], list)
    assert errors.render(body) == "Invalid product data: Invalid attribute set entity type"
    text = sample.text("error.400.invalid-product-data.json")
    error = errors.classify(400, text, {}, reason="Bad Request", call="PUT /rest/all/V1/products/MH09-L-Blue")
    assert type(error) is MagentoValidationError and error.status == 400 and error.body == text
    assert error.message == ("Invalid product data: Invalid attribute set entity type "
                             "[PUT /rest/all/V1/products/MH09-L-Blue]")
    assert error.report_text().startswith("magento answered 400: Invalid product data: Invalid attribute set")


@check("error.429.too-many-requests.json")
def _error_429(sample: Callable[[str], Any]) -> None:
    body = sample("error.429.too-many-requests.json")
    assert body == {"message": "Too Many Requests", "trace": None} and errors.render(body) == body["message"]
    error = errors.classify(429, sample.text("error.429.too-many-requests.json"), {"retry-after": "30"},
                            call="POST /rest/all/V1/orders/12/comments")
    assert type(error) is MagentoRateLimited and (error.status, error.retry_after) == (429, 30.0)
    assert error.message == "Too Many Requests [POST /rest/all/V1/orders/12/comments]"
    assert error.details["may_have_reached_magento"] is False  # a 429 proves the write was not processed


@check("event.adobe-io.catalog_product_save_commit_after.json")
def _adobe_io_event(sample: Callable[[str], Any]) -> None:
    event = sample("event.adobe-io.catalog_product_save_commit_after.json")
    assert event["specversion"] == "1.0" and event["type"].startswith("com.adobe.commerce.observer.")
    payload = event["data"]["value"]
    notification = Notification.from_dict({"id": event["id"], "entity": "product", "action": "save",
                                           "key": payload["sku"], "occurred_at": event["time"],
                                           "source": "adobe-io"})
    assert notification.key == "eventtest1" and notification.routing_key == "product.save"
    with pytest.raises(MappingError) as caught:  # the event's payload is not a record: fetch the product
        map_record("product", payload)
    assert {"id", "type_id"} <= set(caught.value.details)
    assert Number().deserialize(payload["price"]) == 32444.0  # numbers as text in event payloads
    assert Number().deserialize(payload["stock_data"]["qty"]) == 65


@check("SOURCES.md")
def _sources(sample: Callable[[str], Any]) -> None:
    text = sample("SOURCES.md")
    listed = set(re.findall(r"`([^`\s]+\.json)`", text))
    missing = sorted(set(CHECKS) - {"SOURCES.md"} - listed)
    assert not missing, f"files without provenance in SOURCES.md: {missing}"


# The sandbox answers the samples' shapes ---------------------------------------------------------------

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
    return {str: "string", list: "array", dict: "object"}[type(value)]


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
    for name, (entity, answer) in FAITHFUL.items():
        problems = shape_differences(Samples(samples_dir)(name), answer(api))
        used |= {place.rsplit(".", 1)[-1] for place, problem in problems if problem == "missing"}
    assert used == set(OMITTED_WHEN_NULL)
    orders = key_places(api.get("orders?searchCriteria=")["items"])
    assert {place.rsplit(".", 1)[-1] for place in orders} >= set(OMITTED_WHEN_NULL)


def test_every_sandbox_answer_that_has_a_sample_is_held_to_it(samples_dir: Path) -> None:
    answers = {name for name in CHECKS if name.endswith(".json") and not name.endswith("request.json")
               and not name.endswith("request.oca.json")}
    without_route = {"customer_group.json", "event.adobe-io.catalog_product_save_commit_after.json"}
    assert sorted(answers - without_route - set(FAITHFUL)) == []


# The tests -----------------------------------------------------------------------------------------------

class Samples:
    """``sample(name)``: a file's JSON (the text of ``.md`` files); ``sample.text(name)``: its raw text."""

    def __init__(self, samples_dir: Path) -> None:
        self.samples_dir = samples_dir

    def text(self, name: str) -> str:
        return (self.samples_dir / name).read_text()

    def __call__(self, name: str) -> Any:
        return self.text(name) if name.endswith(".md") else json.loads(self.text(name))


def reader(samples_dir: Path) -> Samples:
    return Samples(samples_dir)


def test_every_file_in_the_samples_folder_has_a_check(samples_dir: Path) -> None:
    present = {path.name for path in samples_dir.iterdir() if path.is_file()}
    assert sorted(present - set(CHECKS)) == [], "new sample files: add a check to tests/test_contract_samples.py"
    assert sorted(set(CHECKS) - present) == [], "checked sample files that are gone"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_sample(samples_dir: Path, name: str) -> None:
    if not (samples_dir / name).is_file():
        pytest.fail(f"{name} is missing from {samples_dir}")
    CHECKS[name](reader(samples_dir))
