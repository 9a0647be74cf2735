"""The Odoo backend as the consumer core drives it: construction, dependencies, exists, count, errors,
and concurrent workers writing the same records."""

from __future__ import annotations

import threading

import pytest

from core.errors import ErpRejected, ErpUnavailable, MappingError
from erp.base import ErpBackend
from erp.odoo.backend import OdooBackend


def test_built_from_settings(make_settings, odoo_sandbox, documents):
    settings = make_settings(odoo_url=odoo_sandbox.url, odoo_db="bridge", odoo_username="admin",
                             odoo_password="admin", odoo_binding_module="shop_a", erp_timeout="2")
    backend = OdooBackend.from_settings(settings)

    assert isinstance(backend, ErpBackend) and backend.name == "odoo"
    backend.upsert("category", "3", documents.category(3, "Gear", None))
    assert {row["module"] for row in odoo_sandbox.records("ir.model.data", "module")} >= {"shop_a"}
    assert backend.rpc.timeout == 2.0
    backend.close()


def test_upsert_returns_the_odoo_id_as_text(catalog_ready, documents):
    odoo_id = catalog_ready.upsert("order", "9001", documents.order())

    assert isinstance(odoo_id, str) and odoo_id.isdigit()


def test_dependencies_as_the_core_expects(backend, documents):
    assert backend.dependencies("order", documents.order()) == [("customer", "501"), ("product", "TR-1"),
                                                                ("product", "TR-2")]
    assert backend.dependencies("invoice", documents.invoice()) == [("order", "9001")]
    assert backend.dependencies("product", documents.product("A", category_ids=[2, 11])) == [
        ("category", "2"), ("category", "11")]
    assert backend.dependencies("category", documents.category(11, "Men", 2)) == [("category", "2")]
    assert backend.dependencies("category", documents.category(1, "Root", None)) == []


def test_exists_follows_bindings_and_odoo_deletions(odoo_sandbox, backend, documents):
    assert not backend.exists("customer", "501")
    partner = backend.upsert("customer", "501", documents.customer())
    assert backend.exists("customer", "501")

    odoo_sandbox.execute("res.partner", "unlink", [[int(partner)]])
    assert not backend.exists("customer", "501")
    backend.upsert("product", "TR-1", documents.product("TR-1"))
    assert backend.exists("stock", "TR-1") and backend.exists("product", "tr-1")


def test_count_per_entity(catalog_ready, documents):
    catalog_ready.upsert("order", "9001", documents.order(state="processing"))

    assert {entity: catalog_ready.count(entity) for entity in ("product", "customer", "order", "invoice", "stock")} == {
        "product": 2, "customer": 1, "order": 1, "invoice": 0, "stock": 0}


def test_unknown_entities_are_rejected(backend):
    with pytest.raises(ErpRejected, match="does not know entity 'coupon'"):
        backend.upsert("coupon", "1", {})


def test_odoo_failures_reach_the_core_classified(odoo_sandbox, backend, documents):
    odoo_sandbox.faults(unavailable=True)
    with pytest.raises(ErpUnavailable):
        backend.upsert("customer", "501", documents.customer())
    odoo_sandbox.faults(unavailable=False)
    with pytest.raises(ErpRejected, match="Wrong value for res.partner.email"):
        backend.upsert("customer", "501", documents.customer(email=["not", "text"]))


def test_documents_that_break_the_contract_are_mapping_errors(backend, documents):
    with pytest.raises(MappingError, match="expected a number in the document, got 'n/a'"):
        backend.upsert("product", "X", documents.product("X", price="n/a"))
    with pytest.raises(MappingError, match="the document has no sku"):
        backend.upsert("product", "X", documents.product(None))


def test_a_lost_answer_to_create_leaves_no_duplicate_when_retried(odoo_sandbox, catalog_ready, documents,
                                                                  monkeypatch):
    """Odoo created the order but the answer was lost (so no binding): the retry adopts it."""
    execute_kw = catalog_ready.rpc.execute_kw

    def lose_the_answer(model, method, args, kwargs=None):
        result = execute_kw(model, method, args, kwargs)
        if (model, method) == ("sale.order", "create"):
            raise ErpUnavailable("cannot reach Odoo (sale.order.create): ConnectionError")
        return result
    monkeypatch.setattr(catalog_ready.rpc, "execute_kw", lose_the_answer)
    with pytest.raises(ErpUnavailable):
        catalog_ready.upsert("order", "9001", documents.order())
    monkeypatch.undo()

    for _ in range(2):
        catalog_ready.upsert("order", "9001", documents.order())
    assert len(odoo_sandbox.records("sale.order")) == 1
    assert len(odoo_sandbox.records("sale.order.line")) == 3


def test_concurrent_workers_never_duplicate_records(odoo_sandbox, catalog_ready, documents):
    errors = []

    def sync(entity, key, document):
        try:
            catalog_ready.upsert(entity, key, document)
        except Exception as exc:
            errors.append(exc)
    guest = documents.guest("crowd@example.org")
    jobs = [("order", "9001", documents.order())] * 4 + [
        ("order", str(9100 + n), documents.order(9100 + n, lines=[documents.line(200 + n, "TR-1")], customer=guest))
        for n in range(4)] + [("product", "TR-3", documents.product("TR-3"))] * 4
    threads = [threading.Thread(target=sync, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(odoo_sandbox.records("sale.order")) == 5
    assert len(odoo_sandbox.records("sale.order.line")) == 3 + 4 * 2
    assert len([p for p in odoo_sandbox.records("res.partner", "email") if p["email"] == "crowd@example.org"]) == 1
    assert len(odoo_sandbox.records("product.template", "default_code")) == 4  # TR-1, TR-2, TR-3, shipping


def test_a_serialization_failure_inside_odoo_is_retryable_and_the_retry_writes(odoo_sandbox, catalog_ready, documents):
    odoo_sandbox.faults(serialization_failures={"stock.quant": 1})

    with pytest.raises(ErpUnavailable, match="SerializationFailure"):
        catalog_ready.upsert("stock", "TR-1", documents.stock("TR-1", 5))
    catalog_ready.upsert("stock", "TR-1", documents.stock("TR-1", 5))  # real Odoo answers None: no result key

    assert [row["quantity"] for row in odoo_sandbox.records("stock.quant", "quantity", "location_id")
            if row["location_id"][1] == "WH/Stock"] == [5.0]
