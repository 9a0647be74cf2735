"""Contract test: the real Magento request bodies, answers, errors and events in /work/shared/magento-samples.

Request bodies are checked for the shapes the bridge's code relies on; error bodies go through the client's
own rendering and classification (``magento.errors``) and 2xx answers through its own parsing
(``magento.responses``). Records are checked in ``test_contract_mapping``; a file of the folder
that neither module checks fails ``test_every_file_in_the_samples_folder_has_a_check``. Skipped when the
folder is absent.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from core.errors import MagentoRateLimited, MagentoValidationError, MappingError
from magento import errors
from magento.responses import Answer
from magento.search_criteria import SearchCriteria
from schemas.common import Flag, Int, Number
from schemas.mapping import map_record
from schemas.notification import Notification
from schemas.sales import TrackSchema
from tests.samples import Checks, Samples, mapped
from tests.test_contract_mapping import CHECKS as RECORD_CHECKS

CHECKS = Checks()
check = CHECKS.register


def checked() -> set[str]:
    """Every file name a check of either contract module covers."""
    return set(RECORD_CHECKS) | set(CHECKS)


# Answers ------------------------------------------------------------------------------------------------

@check("order.comment.response.json")
def _order_comment(sample: Samples) -> None:
    assert sample("order.comment.response.json") is True  # a bare JSON boolean, not an object
    assert Answer.from_text(sample.text("order.comment.response.json")).true() is True


# Sales documents --------------------------------------------------------------------------------------

@check("invoice.create.request.json", "invoice.create.request.oca.json")
def _invoice_requests(sample: Samples) -> None:
    plain, oca = sample("invoice.create.request.json"), sample("invoice.create.request.oca.json")
    assert plain == {"capture": True, "notify": True}
    item = oca["items"][0]
    assert set(item) == {"orderItemId", "qty"} and "appendComment" in oca  # Magento takes camelCase keys
    assert (Int().deserialize(item["orderItemId"]), Number().deserialize(item["qty"])) == (32, 1.0)


@check("invoice.create.response.json", "shipment.create.response.json", "stock_item.update.response.json")
def _id_string_responses(sample: Samples) -> None:
    names = ("invoice.create.response.json", "shipment.create.response.json", "stock_item.update.response.json")
    assert all(isinstance(sample(name), str) for name in names)  # the OpenAPI schema says integer
    assert [Answer.from_text(sample.text(name)).id() for name in names] == [4, 3, 190]  # the client's parsing


@check("shipment.create.request.json")
def _shipment_request(sample: Samples) -> None:
    request, invoice = sample("shipment.create.request.json"), mapped("invoice", sample("invoice.json"))
    shipped = {Int().deserialize(item["order_item_id"]) for item in request["items"]}
    assert shipped <= {line["order_item_id"] for line in invoice["lines"]}  # same tutorial order 3
    assert [TrackSchema().load(track) for track in request["tracks"]] == [
        {"number": "1Y-9876543210", "carrier_code": "ups", "title": "United Parcel Service", "description": None,
         "created_at": None, "magento_id": None}]  # a request has no track id or date yet


@check("shipment.create.request.oca.json")
def _shipment_request_oca(sample: Samples) -> None:
    request = sample("shipment.create.request.oca.json")
    order = mapped("order", sample("order.with-status-histories.json"))  # the same OCA order 12
    shipped = [Int().deserialize(item["order_item_id"]) for item in request["items"]]  # "24", "25"
    assert shipped == [line["magento_item_id"] for line in order["lines"]]


@check("shipment_track.create.request.json", "shipment_track.create.response.json")
def _shipment_track(sample: Samples) -> None:
    sent, stored = sample("shipment_track.create.request.json")["entity"], sample("shipment_track.create.response.json")
    common = {"number": "XYZ", "carrier_code": "tablerate", "title": "Your shipment", "description": "WH/OUT/00082"}
    assert TrackSchema().load(sent) == {**common, "created_at": None, "magento_id": None}
    assert TrackSchema().load(stored) == {**common, "created_at": "2020-05-01 15:50:52", "magento_id": 3}
    assert (Int().deserialize(sent["order_id"]), Int().deserialize(sent["parent_id"])) == (
        stored["order_id"], stored["parent_id"])  # "12"/"3" sent, 12/3 stored


@check("creditmemo.refund.request.json")
def _creditmemo_refund(sample: Samples) -> None:
    request = sample("creditmemo.refund.request.json")
    arguments = request["arguments"]
    assert [Number().deserialize(arguments[name]) for name in
            ("shipping_amount", "adjustment_positive", "adjustment_negative")] == [0, 0, 0]
    refunded = {item["order_item_id"] for item in request["items"]}
    assert set(arguments["extension_attributes"]["return_to_stock_items"]) <= refunded


@check("stock_item.update.request.json")
def _stock_update_request(sample: Samples) -> None:
    body = sample("stock_item.update.request.json")
    assert list(body) == ["stockItem"]  # camelCase wrapper
    item = body["stockItem"]
    assert (Number().deserialize(item["qty"]), Flag().deserialize(item["is_in_stock"])) == (333.0, True)


# Search envelope, errors, events ------------------------------------------------------------------------

@check("attribute_sets.list.json")
def _search_envelope(sample: Samples) -> None:
    envelope = sample("attribute_sets.list.json")
    assert set(envelope) == {"items", "search_criteria", "total_count"}
    assert envelope["total_count"] == len(envelope["items"]) == 1
    page = Answer.from_text(sample.text("attribute_sets.list.json")).search()  # the client's parsing
    assert (page.total_count, page.items, page.search_criteria) == (1, envelope["items"], envelope["search_criteria"])
    criteria = SearchCriteria().where("attribute_set_name", "Default").where("entity_type_id", 4)
    assert dataclasses.replace(criteria, page_size=20).echo() == envelope["search_criteria"]


@check("error.400.invalid-product-data.json")
def _error_400(sample: Samples) -> None:
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
def _error_429(sample: Samples) -> None:
    body = sample("error.429.too-many-requests.json")
    assert body == {"message": "Too Many Requests", "trace": None} and errors.render(body) == body["message"]
    error = errors.classify(429, sample.text("error.429.too-many-requests.json"), {"retry-after": "30"},
                            call="POST /rest/all/V1/orders/12/comments")
    assert type(error) is MagentoRateLimited and (error.status, error.retry_after) == (429, 30.0)
    assert error.message == "Too Many Requests [POST /rest/all/V1/orders/12/comments]"
    assert error.details["may_have_reached_magento"] is False  # a 429 proves the write was not processed


@check("event.adobe-io.catalog_product_save_commit_after.json")
def _adobe_io_event(sample: Samples) -> None:
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
def _sources(sample: Samples) -> None:
    text = sample("SOURCES.md")
    listed = set(re.findall(r"`([^`\s]+\.json)`", text))
    missing = sorted(checked() - {"SOURCES.md"} - listed)
    assert not missing, f"files without provenance in SOURCES.md: {missing}"


# The folder and the checks -------------------------------------------------------------------------------

def test_every_file_in_the_samples_folder_has_a_check(samples_dir: Path) -> None:
    present = {path.name for path in samples_dir.iterdir() if path.is_file()}
    assert sorted(present - checked()) == [], \
        "new sample files: add a check to tests/test_contract_mapping.py or tests/test_contract_rest.py"
    assert sorted(checked() - present) == [], "checked sample files that are gone"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_sample(samples_dir: Path, name: str) -> None:
    CHECKS.run(samples_dir, name)
