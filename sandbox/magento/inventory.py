"""MSI in the sandbox: sources, stocks, source items and ``POST /V1/inventory/source-items``.

The default source's item of a product mirrors its legacy stock item (``cataloginventory_stock_item``),
as Magento's InventoryCatalog plugins keep them: the sandbox stores the quantity once, in
``extension_attributes.stock_item`` (``quantity`` = ``qty``). A source-item save of the default source
writes ``qty`` and ``is_in_stock`` (out of stock when ``verifyStock`` fails: at or below ``min_qty`` without
backorders) and keeps the status it was given on the source item (``default_status``) until the legacy
item is saved again. Items of other sources live in ``Inventory.items``. A save is one transaction.
An unknown SKU is stored as an orphan source item without complaint (magento/magento2#38154, confirmed
and open); ``reject_unknown_skus`` turns on the ``ExistentSkuValidator`` of magento/inventory's
development line. Wording from magento/inventory (``SourceItemsSaveHandler`` and its validators) and the
web API's ``EntityArrayValidator`` (the input limit of Magento 2.4.3+).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sandbox.magento.http import Call, MagentoHttpError, as_int, as_number, bad_request, required
from sandbox.magento.search import criteria_from_query, record_field, search

if TYPE_CHECKING:
    from sandbox.magento.store import Store

DEFAULT_SOURCE = "default"
DEFAULT_STOCK = 1
SOURCE_TYPES = frozenset({"simple", "virtual", "downloadable", "giftcard"})  # source items allowed
SOURCE_ITEM_TYPE = "\\Magento\\InventoryApi\\Api\\Data\\SourceItemInterface"
ITEM_LIMIT = 'Maximum items of type "%type" is %max'
INPUT_EMPTY = "Input data is empty"
COULD_NOT_SAVE = "Could not save Source Item"
NOT_EMPTY = '"%field" can not be empty.'
NO_WHITESPACE = '"%field" can not contain whitespaces.'
NUMERIC = '"%field" should be numeric.'
KNOWN_STATUS = '"%field" should a known status.'  # sic: Magento's StatusValidator
UNKNOWN_SKU = 'Product with requested "%field": "%value" was was not found.'  # sic: ExistentSkuValidator


def default_source() -> dict[str, Any]:
    """The source every Magento install has (``inventory_source`` row ``default``)."""
    return source_record(DEFAULT_SOURCE, "Default Source", country_id="US", postcode="00000")


def source_record(code: str, name: str, *, enabled: bool = True, country_id: str = "US",
                  postcode: str = "00000", description: str | None = None) -> dict[str, Any]:
    return {"source_code": code, "name": name, "enabled": enabled, "description": description or name,
            "latitude": 0, "longitude": 0, "country_id": country_id, "postcode": postcode,
            "use_default_carrier_config": True, "carrier_links": []}


@dataclasses.dataclass
class Inventory:
    """Sources, stocks (id -> name and linked source codes), non-default source items and reservations."""

    sources: dict[str, dict[str, Any]] = dataclasses.field(
        default_factory=lambda: {DEFAULT_SOURCE: default_source()})
    stocks: dict[int, dict[str, Any]] = dataclasses.field(
        default_factory=lambda: {DEFAULT_STOCK: {"name": "Default Stock", "sources": [DEFAULT_SOURCE]}})
    items: dict[tuple[str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)
    default_status: dict[str, int] = dataclasses.field(default_factory=dict)  # by case-folded SKU
    reservations: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    input_limit_enabled: bool = True  # webapi/validation/input_limit_enabled (Magento's own default is off)
    input_limit: int = 20  # webapi/validation/complex_array_limit, else EntityArrayValidator's 20
    website_stock: int = DEFAULT_STOCK  # the stock of the orders' website, where reservations go
    live: bool = True  # False while a seed is replayed: its history already is in the seeded quantities
    reject_unknown_skus: bool = False  # ExistentSkuValidator (not in a 2.4 release): 400 for unknown SKUs

    def add_source(self, record: dict[str, Any], stock_ids: list[int] | tuple[int, ...] = ()) -> None:
        self.sources[record["source_code"]] = record
        for stock_id in stock_ids:
            stock = self.stocks.setdefault(int(stock_id), {"name": f"Stock {stock_id}", "sources": []})
            if record["source_code"] not in stock["sources"]:
                stock["sources"].append(record["source_code"])


def quantity(value: Any) -> float | int:
    number = float(value or 0)
    rounded = round(number, 4)
    return int(rounded) if rounded.is_integer() else rounded


def default_item(store: Store, product: dict[str, Any]) -> dict[str, Any]:
    """The default source's item of ``product``, read from its legacy stock item."""
    stock = product["extension_attributes"]["stock_item"]
    status = store.inventory.default_status.get(product["sku"].casefold(), 1 if stock.get("is_in_stock") else 0)
    return {"sku": product["sku"], "source_code": DEFAULT_SOURCE, "quantity": quantity(stock.get("qty")),
            "status": status}


def legacy_saved(store: Store, sku: str) -> None:
    """The legacy stock item was saved: the default source item takes its status again
    (``UpdateSourceItemBasedOnLegacyStockItem``)."""
    store.inventory.default_status.pop(sku.casefold(), None)


def forget_product(store: Store, sku: str) -> None:
    """A deleted product takes its source items with it (``inventory_source_item`` rows by SKU)."""
    legacy_saved(store, sku)
    for key in [key for key in store.inventory.items if key[1] == sku.casefold()]:
        del store.inventory.items[key]


def verify_stock(stock: dict[str, Any]) -> bool:
    """``StockStateProvider::verifyStock``: False at or below ``min_qty`` without backorders."""
    if stock.get("qty") is None:
        return not stock.get("manage_stock", True)
    return float(stock["qty"]) > float(stock.get("min_qty") or 0) or bool(stock.get("backorders"))


def source_items(store: Store) -> Iterator[dict[str, Any]]:
    """Every source item in ``source_item_id`` order: the default source's (made with their products, by
    product id), then the other sources' in the order they were first saved; deleted products have none."""
    for product in sorted(store.products.values(), key=lambda p: p["id"]):
        if product.get("type_id") in SOURCE_TYPES:
            yield default_item(store, product)
    yield from (dict(item) for item in store.inventory.items.values())


def source_items_for(store: Store, product: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The source items of one product."""
    if product.get("type_id") in SOURCE_TYPES:
        yield default_item(store, product)
    for (_, sku), item in store.inventory.items.items():
        if sku == product["sku"].casefold():
            yield dict(item)


# REST handlers
def list_sources(call: Call) -> dict[str, Any]:
    """``GET /V1/inventory/sources``."""
    return search(list(call.store.inventory.sources.values()), criteria_from_query(call.query), record_field)


def list_source_items(call: Call) -> dict[str, Any]:
    """``GET /V1/inventory/source-items`` (filters on ``sku``, ``source_code``, ``quantity``, ``status``)."""
    return search(list(source_items(call.store)), criteria_from_query(call.query), record_field)


def save_source_items(call: Call) -> list[Any]:
    """``POST /V1/inventory/source-items`` ``{"sourceItems": [...]}``: answers ``[]`` (the service is void)."""
    body = call.body()
    entries = body.get("source_items") if isinstance(body, dict) else None
    if entries is None:
        raise required("sourceItems")
    if not isinstance(entries, list):
        raise MagentoHttpError(400, 'The "%value" value\'s type is invalid. The "%type" type was expected. '
                               'Verify and try again.', {"value": entries, "type": SOURCE_ITEM_TYPE + "[]"})
    check_input_limit(call.store, entries)
    items = [_source_item(entry) for entry in entries]
    if not items:
        raise bad_request(INPUT_EMPTY)
    _validate(call.store, items)
    _check_sources(call.store, items)
    for item in items:
        write_item(call.store, item)
    products = [call.store.product(str(item["sku"])) for item in items]
    for sku in dict.fromkeys(product["sku"] for product in products if product is not None):
        call.store.changed("stock", "save", sku)
    return []


def check_input_limit(store: Store, entries: list[Any]) -> None:
    """``EntityArrayValidator::validateComplexArrayType``: 400 above the configured item count."""
    inventory = store.inventory
    if inventory.input_limit_enabled and len(entries) > inventory.input_limit:
        raise MagentoHttpError(400, ITEM_LIMIT, {"type": SOURCE_ITEM_TYPE, "max": inventory.input_limit})


def _source_item(entry: Any) -> dict[str, Any]:
    """One array entry as the DTO setters receive it: quantity a float, status an int (type errors are 400)."""
    entry = entry if isinstance(entry, dict) else {}
    raw_quantity, raw_status = entry.get("quantity"), entry.get("status")
    return {"sku": entry.get("sku"), "source_code": entry.get("source_code"),
            "quantity": None if raw_quantity is None else as_number(raw_quantity),
            "status": None if raw_status is None else as_int(raw_status, "status")}


def _validate(store: Store, items: list[dict[str, Any]]) -> None:
    """``SourceItemsValidator``: every item through the chain; the first error names the exception."""
    errors: list[tuple[str, dict[str, Any]]] = []
    for item in items:
        if not str(item["sku"] or "").strip():
            errors.append((NOT_EMPTY, {"field": "sku"}))
        code = str(item["source_code"] or "")
        if not code.strip():
            errors.append((NOT_EMPTY, {"field": "source_code"}))
        if any(char.isspace() for char in code):
            errors.append((NO_WHITESPACE, {"field": "source_code"}))
        if item["quantity"] is None:
            errors.append((NUMERIC, {"field": "quantity"}))
        if item["status"] is None:
            errors.append((NUMERIC, {"field": "quantity"}))  # sic: StatusValidator names the quantity
        if int(item["status"] or 0) not in (0, 1):
            errors.append((KNOWN_STATUS, {"field": "status"}))
        if store.inventory.reject_unknown_skus and store.product(str(item["sku"] or "")) is None:
            errors.append((UNKNOWN_SKU, {"field": "sku", "value": str(item["sku"] or "")}))
    if errors:
        message, parameters = errors[0]
        first = message.replace("%field", parameters["field"]).replace("%value", str(parameters.get("value")))
        raise MagentoHttpError(400, f"Validation Failed: {first}", extra={"errors": [
            {"message": message, "parameters": parameters} for message, parameters in errors]})


def _check_sources(store: Store, items: list[dict[str, Any]]) -> None:
    """The insert fails on an unknown source (a foreign key): ``CouldNotSaveException``, nothing saved."""
    for item in items:
        if item["source_code"] not in store.inventory.sources:
            raise bad_request(COULD_NOT_SAVE)


def write_item(store: Store, item: dict[str, Any]) -> None:
    """Save one valid source item; the default source's of a known product goes to its legacy stock item."""
    product = store.product(str(item["sku"]))
    if item["source_code"] == DEFAULT_SOURCE and product is not None and product.get("type_id") in SOURCE_TYPES:
        stock = product["extension_attributes"]["stock_item"]
        stock["qty"] = quantity(item["quantity"])
        stock["is_in_stock"] = bool(item["status"]) and (not stock.get("manage_stock", True) or verify_stock(stock))
        store.inventory.default_status[product["sku"].casefold()] = int(item["status"])
        return
    sku = product["sku"] if product is not None else str(item["sku"])
    store.inventory.items[(item["source_code"], sku.casefold())] = {
        "sku": sku, "source_code": item["source_code"], "quantity": quantity(item["quantity"]),
        "status": int(item["status"])}
