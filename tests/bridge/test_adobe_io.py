"""Adobe I/O Events for Commerce: event type -> (entity, action), record keys, event ids, batches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bridge.adobe_io import (
    OBSERVER_EVENTS,
    entity_action,
    notification_from_event,
    notifications_from_delivery,
    observer_event,
)
from bridge.rejection import Rejection


def cloud_event(event_type: str = "com.adobe.commerce.observer.catalog_product_save_commit_after",
                value: dict[str, Any] | None = None, **envelope: Any) -> dict[str, Any]:
    """A CloudEvents 1.0 delivery shaped like Adobe's (own values)."""
    event = {
        "specversion": "1.0", "id": "0b0c3a52-5d1e-4c55-9a0f-2f7d1c1e0a11",
        "source": "urn:uuid:7d6f2c1e-0000-4000-8000-00000000a001", "type": event_type,
        "datacontenttype": "application/json", "time": "2026-03-02T09:15:27.120Z",
        "eventid": "5e1d2c3b-aaaa-4bbb-8ccc-0123456789ab", "event_id": "5e1d2c3b-aaaa-4bbb-8ccc-0123456789ab",
        "recipient_client_id": "f00dfeed0000000000000000000000aa",
        "data": {"key": "c0ffee00-1111-4222-8333-444455556666",
                 "value": value if value is not None else {"sku": "WJ12-S-Blue", "name": "Jacket",
                                                           "updated_at": "2026-03-02 09:15:26"},
                 "_metadata": {"commerceEdition": "Adobe Commerce", "storeId": "1", "websiteId": "1"}},
    }
    event.update(envelope)
    return event


@pytest.mark.parametrize("event_type, expected", [
    ("com.adobe.commerce.observer.catalog_product_save_commit_after", ("product", "save")),
    ("com.adobe.commerce.observer.catalog_product_delete_commit_after", ("product", "delete")),
    ("com.adobe.commerce.observer.catalog_category_save_after", ("category", "save")),
    ("com.adobe.commerce.observer.customer_save_commit_after", ("customer", "save")),
    ("com.adobe.commerce.observer.customer_delete_after", ("customer", "delete")),
    ("com.adobe.commerce.observer.sales_order_save_commit_after", ("order", "save")),
    ("com.adobe.commerce.observer.sales_order_place_after", ("order", "save")),
    ("com.adobe.commerce.observer.sales_order_invoice_save_commit_after", ("invoice", "save")),
    ("com.adobe.commerce.observer.sales_order_shipment_save_after", ("shipment", "save")),
    ("com.adobe.commerce.observer.sales_order_creditmemo_save_commit_after", ("creditmemo", "save")),
    ("com.adobe.commerce.observer.cataloginventory_stock_item_save_commit_after", ("stock", "save")),
    ("com.adobe.commerce.mystore.observer.catalog_product_save_after", ("product", "save")),
])
def test_observer_events_map_to_entity_and_action(event_type: str, expected: tuple[str, str]) -> None:
    assert entity_action(event_type) == expected


@pytest.mark.parametrize("event_type", [
    "com.adobe.commerce.observer.catalog_product_load_after",
    "com.adobe.commerce.plugin.magento.catalog.model.resource_model.product.save",
    "com.adobe.commerce.observer.sales_order_invoice",
    "catalog_product_save_after",
    "",
])
def test_unknown_event_types_are_422(event_type: str) -> None:
    with pytest.raises(Rejection) as refused:
        entity_action(event_type)
    assert refused.value.status == 422
    assert "type" in refused.value.details


def test_every_mapped_event_names_a_known_entity_and_action() -> None:
    assert {entity for entity, _ in OBSERVER_EVENTS.values()} == {
        "product", "category", "customer", "order", "invoice", "shipment", "creditmemo", "stock"}
    assert observer_event("com.adobe.commerce.observer.customer_save_after") == "customer_save_after"


def test_product_event_becomes_a_notification_keyed_by_sku() -> None:
    result = notification_from_event(cloud_event())
    assert (result.entity, result.action, result.key) == ("product", "save", "WJ12-S-Blue")
    assert result.id == "5e1d2c3b-aaaa-4bbb-8ccc-0123456789ab"  # event_id, stable across Adobe's retries
    assert result.source == "adobe-io"
    assert result.occurred_at == "2026-03-02T09:15:27.120Z"


def test_event_id_falls_back_to_eventid_then_the_cloudevents_id() -> None:
    event = cloud_event()
    del event["event_id"]
    assert notification_from_event(event).id == "5e1d2c3b-aaaa-4bbb-8ccc-0123456789ab"
    del event["eventid"]
    assert notification_from_event(event).id == "0b0c3a52-5d1e-4c55-9a0f-2f7d1c1e0a11"
    del event["id"]
    with pytest.raises(Rejection) as refused:
        notification_from_event(event)
    assert refused.value.status == 400


@pytest.mark.parametrize("value, key", [({"entity_id": "42", "increment_id": "000000042"}, "42"),
                                        ({"entity_id": 42}, "42"), ({"id": 7}, "7")])
def test_sales_and_customer_events_are_keyed_by_numeric_id(value: dict, key: str) -> None:
    event = cloud_event("com.adobe.commerce.observer.sales_order_save_commit_after", value)
    assert notification_from_event(event).key == key


def test_stock_event_uses_the_sku_or_product_sku() -> None:
    event_type = "com.adobe.commerce.observer.cataloginventory_stock_item_save_commit_after"
    event = cloud_event(event_type, {"product_id": 190, "sku": "MB-01", "qty": 3})
    assert notification_from_event(event).key == "MB-01"
    assert notification_from_event(cloud_event(event_type, {"product_sku": "MB-02", "qty": 0})).key == "MB-02"


STOCK_ITEM_SAVED = "com.adobe.commerce.observer.cataloginventory_stock_item_save_commit_after"


@pytest.mark.parametrize("product_id", [190, "190", " 190 ", 190.0])
def test_stock_event_with_only_a_product_id_is_keyed_by_it_for_the_consumer_to_resolve(product_id: Any) -> None:
    event = cloud_event(STOCK_ITEM_SAVED, {"item_id": 12, "product_id": product_id, "qty": 30, "is_in_stock": True})
    result = notification_from_event(event)
    assert (result.entity, result.action, result.key, result.key_type) == ("stock", "save", "190", "product_id")
    assert result.record == ("stock product_id", "190")  # never coalesced with a SKU "190"
    assert json.loads(result.to_body())["key_type"] == "product_id"


def test_stock_event_with_a_sku_keeps_the_usual_key_and_no_key_type() -> None:
    result = notification_from_event(cloud_event(STOCK_ITEM_SAVED, {"product_id": 190, "sku": "MB-01"}))
    assert (result.key, result.key_type) == ("MB-01", None)
    assert "key_type" not in json.loads(result.to_body())


def test_stock_delete_event_with_only_a_product_id_is_keyed_by_it() -> None:
    event = cloud_event("com.adobe.commerce.observer.cataloginventory_stock_item_delete_commit_after",
                        {"item_id": 12, "product_id": 7})
    result = notification_from_event(event)
    assert (result.action, result.key, result.key_type) == ("delete", "7", "product_id")


def test_stock_event_without_a_sku_or_product_id_is_422_and_says_so() -> None:
    with pytest.raises(Rejection) as refused:
        notification_from_event(cloud_event(STOCK_ITEM_SAVED, {"item_id": 190, "qty": 30}))
    assert refused.value.status == 422
    assert "carries neither a SKU (sku, product_sku) nor a product_id" in refused.value.error
    assert refused.value.details == {"data.value": ["Has none of the fields sku, product_sku, product_id."]}


@pytest.mark.parametrize("product_id", ["abc", 0, -4, True])
def test_stock_event_with_an_unusable_product_id_is_422(product_id: Any) -> None:
    with pytest.raises(Rejection) as refused:
        notification_from_event(cloud_event(STOCK_ITEM_SAVED, {"item_id": 3, "product_id": product_id}))
    assert refused.value.status == 422
    assert "the stock key in data.value is unusable" in refused.value.error


@pytest.mark.parametrize("value", [{"entity_id": "abc"}, {"entity_id": -3}, {"name": "no id"}])
def test_unusable_record_keys_are_422(value: dict) -> None:
    with pytest.raises(Rejection) as refused:
        notification_from_event(cloud_event("com.adobe.commerce.observer.customer_save_commit_after", value))
    assert refused.value.status == 422
    assert "data.value" in refused.value.details


@pytest.mark.parametrize("event", [[], "text", {"type": "x"}, {"event_id": "e", "data": {}},
                                   {"event_id": "e", "type": "com.adobe.commerce.observer.customer_save_after",
                                    "data": {"value": "not an object"}}])
def test_malformed_envelopes_are_400(event: Any) -> None:
    with pytest.raises(Rejection) as refused:
        notifications_from_delivery(event)
    assert refused.value.status == 400


def test_a_batch_delivery_gives_one_notification_per_event() -> None:
    second = cloud_event("com.adobe.commerce.observer.sales_order_save_commit_after", {"entity_id": 9},
                         event_id="e-2", eventid="e-2")
    assert [n.id for n in notifications_from_delivery([cloud_event(), second])] == [
        "5e1d2c3b-aaaa-4bbb-8ccc-0123456789ab", "e-2"]


def test_a_bad_event_in_a_batch_names_its_position() -> None:
    with pytest.raises(Rejection) as refused:
        notifications_from_delivery([cloud_event(), cloud_event("com.adobe.commerce.observer.nope")])
    assert refused.value.error.startswith("event 1:")
    assert "1" in refused.value.details


def test_an_unreadable_time_is_left_out() -> None:
    assert notification_from_event(cloud_event(time="yesterday")).occurred_at is None


def test_the_documented_adobe_example_maps_to_a_product_save(samples_dir: Path) -> None:
    event = json.loads((samples_dir / "event.adobe-io.catalog_product_save_commit_after.json").read_text())
    result = notification_from_event(event)
    assert (result.entity, result.action, result.key) == ("product", "save", event["data"]["value"]["sku"])
    assert result.id == event["event_id"]


@pytest.mark.parametrize("event_id, problem", [
    ("é" * 128, "must be at most 255 bytes in UTF-8 (got 256)"),
    ("evt\x1b]0;owned\x07", "must not contain control characters")])
def test_an_event_id_over_255_bytes_or_with_control_characters_is_400(event_id: str, problem: str) -> None:
    with pytest.raises(Rejection) as refused:
        notification_from_event(cloud_event(event_id=event_id))
    assert refused.value.status == 400
    assert refused.value.error == f"the event id is unusable: {problem}"


CLIENT_ID = "f00dfeed0000000000000000000000aa"


def test_with_a_client_id_set_only_events_addressed_to_it_are_accepted() -> None:
    assert notification_from_event(cloud_event(), CLIENT_ID).key == "WJ12-S-Blue"
    spelled_as_adobe_also_does = cloud_event()
    spelled_as_adobe_also_does["recipientclientid"] = spelled_as_adobe_also_does.pop("recipient_client_id")
    assert notification_from_event(spelled_as_adobe_also_does, CLIENT_ID).key == "WJ12-S-Blue"
    for other in (cloud_event(recipient_client_id="another-integration"), _without_recipient()):
        with pytest.raises(Rejection) as refused:
            notifications_from_delivery([cloud_event(), other], CLIENT_ID)
        assert refused.value.status == 403
        assert "ADOBE_IO_CLIENT_ID" in refused.value.error


def test_without_a_client_id_the_recipient_is_not_checked() -> None:
    assert notification_from_event(cloud_event(recipient_client_id="anyone")).key == "WJ12-S-Blue"


def _without_recipient() -> dict[str, Any]:
    event = cloud_event()
    del event["recipient_client_id"]
    return event
