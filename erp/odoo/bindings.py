"""Bindings of Magento keys to Odoo records through ``ir.model.data`` external ids, and the one place
records are created, so that a created record is always bound (and re-running never duplicates).

An external id is ``{ODOO_BINDING_MODULE}.{name}`` (names from ``odoo_values``), ``noupdate`` so Odoo's
module updates never touch it. Odoo keeps ``(module, name)`` unique: when two bridge processes create the
same record at once, the loser removes its duplicate and writes into the winner's record.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
from collections.abc import Iterator
from typing import Any

from core.errors import ErpRejected
from erp.odoo.rpc import OdooRpc

log = logging.getLogger(__name__)

MISSING_ERROR = "odoo.exceptions.MissingError"
ALL_RECORDS = {"context": {"active_test": False}}
ADOPT_CANDIDATES = 10


@dataclasses.dataclass(frozen=True)
class Binding:
    """One ir.model.data row: its own id and the bound record's id."""

    id: int
    res_id: int


class Bindings:
    """Reads and writes the ``ir.model.data`` rows of one module."""

    def __init__(self, rpc: OdooRpc, module: str) -> None:
        self.rpc = rpc
        self.module = module

    def find(self, model: str, name: str) -> Binding | None:
        return self.find_many(model, [name]).get(name)

    def find_many(self, model: str, names: list[str]) -> dict[str, Binding]:
        if not names:
            return {}
        rows = self.rpc.execute_kw("ir.model.data", "search_read", [[
            ("module", "=", self.module), ("model", "=", model), ("name", "in", list(dict.fromkeys(names)))]],
            {"fields": ["name", "res_id"]})
        return {row["name"]: Binding(row["id"], row["res_id"]) for row in rows}

    def find_prefixed(self, model: str, prefix: str) -> dict[str, Binding]:
        """Every binding of ``model`` whose name is ``prefix`` followed by ``_`` and more."""
        rows = self.rpc.execute_kw("ir.model.data", "search_read", [self._prefixed(model, prefix)],
                                   {"fields": ["name", "res_id"]})
        return {row["name"]: Binding(row["id"], row["res_id"]) for row in rows}

    def bind(self, model: str, name: str, res_id: int) -> None:
        self.bind_many(model, [(name, res_id)])

    def bind_many(self, model: str, pairs: list[tuple[str, int]]) -> None:
        if pairs:
            self.rpc.execute_kw("ir.model.data", "create", [[
                {"module": self.module, "name": name, "model": model, "res_id": res_id, "noupdate": True}
                for name, res_id in pairs]])

    def ensure_bound(self, model: str, pairs: list[tuple[str, int]]) -> None:
        """Bind each name to its id; a name another process bound to the same id meanwhile is fine."""
        try:
            self.bind_many(model, pairs)
        except ErpRejected:
            bound = self.find_many(model, [name for name, _res_id in pairs])
            if any(name not in bound or bound[name].res_id != res_id for name, res_id in pairs):
                raise

    def drop(self, binding: Binding) -> None:
        self.rpc.execute_kw("ir.model.data", "unlink", [[binding.id]])

    def count(self, model: str, prefix: str) -> int:
        return int(self.rpc.execute_kw("ir.model.data", "search_count", [self._prefixed(model, prefix)]))

    def res_ids(self, model: str, prefix: str) -> list[int]:
        rows = self.rpc.execute_kw("ir.model.data", "search_read", [self._prefixed(model, prefix)],
                                   {"fields": ["res_id"]})
        return [row["res_id"] for row in rows]

    def _prefixed(self, model: str, prefix: str) -> list[tuple[Any, ...]]:
        pattern = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "\\_%"
        return [("module", "=", self.module), ("model", "=", model), ("name", "=like", pattern)]


class KeyLocks:
    """One lock per key, created on demand and dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Any, list[Any]] = {}

    @contextlib.contextmanager
    def hold(self, key: Any) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[key]


class Writer:
    """Create, adopt, write and bind Odoo records."""

    def __init__(self, rpc: OdooRpc, bindings: Bindings) -> None:
        self.rpc = rpc
        self.bindings = bindings

    def find(self, model: str, name: str) -> int | None:
        binding = self.bindings.find(model, name)
        return binding.res_id if binding else None

    def upsert(self, model: str, name: str, vals: dict[str, Any], *, create_vals: dict[str, Any] | None = None,
               adopt: list[Any] | None = None) -> tuple[int, str]:
        """Write the bound record, or adopt an unbound one matching ``adopt``, or create one; returns the id
        and what happened: ``updated``, ``adopted`` or ``created``."""
        binding = self.bindings.find(model, name)
        if binding is not None:
            if self.write(model, binding.res_id, vals):
                return binding.res_id, "updated"
            log.warning("%s %s bound as %s.%s was deleted in Odoo; creating it again", model, binding.res_id,
                        self.bindings.module, name)
            self.bindings.drop(binding)
        adopted = self.adopt(model, name, adopt) if adopt else None
        if adopted is not None:
            self.write(model, adopted, vals)
            return adopted, "adopted"
        return self.create(model, name, {**vals, **(create_vals or {})}), "created"

    def write(self, model: str, res_id: int, vals: dict[str, Any]) -> bool:
        """Write ``vals``; False when the record no longer exists (deleted in Odoo)."""
        if not vals:
            return True
        try:
            self.rpc.execute_kw(model, "write", [[res_id], vals])
        except ErpRejected as exc:
            if exc.details.get("odoo_exception") == MISSING_ERROR:
                return False
            raise
        return True

    def create(self, model: str, name: str, vals: dict[str, Any]) -> int:
        res_id = self.rpc.execute_kw(model, "create", [vals])
        log.info("created %s %s for %s.%s", model, res_id, self.bindings.module, name)
        return self.bind(model, name, res_id, vals)

    def adopt(self, model: str, name: str, domain: list[Any]) -> int | None:
        """Bind an existing record matching ``domain`` that no other Magento record is bound to (created by
        hand, or before a lost binding)."""
        found = self.rpc.execute_kw(model, "search", [domain], {"limit": ADOPT_CANDIDATES, "order": "id",
                                                                **ALL_RECORDS})
        if not found:
            return None
        taken = {row["res_id"] for row in self.rpc.execute_kw("ir.model.data", "search_read", [[
            ("module", "=", self.bindings.module), ("model", "=", model), ("res_id", "in", found)]],
            {"fields": ["res_id"]})}
        free = [res_id for res_id in found if res_id not in taken]
        if not free:
            return None
        log.info("adopted %s %s as %s.%s", model, free[0], self.bindings.module, name)
        return self.bind(model, name, free[0], {})

    def bind(self, model: str, name: str, res_id: int, vals: dict[str, Any]) -> int:
        """Bind ``res_id``; if another process bound the name first, keep its record and drop ours."""
        try:
            self.bindings.bind(model, name, res_id)
            return res_id
        except ErpRejected:
            winner = self.bindings.find(model, name)
            if winner is None:
                raise
            if winner.res_id == res_id:  # another process bound the same record meanwhile
                return res_id
        log.warning("%s.%s was bound concurrently to %s %s; dropping duplicate %s", self.bindings.module, name,
                    model, winner.res_id, res_id)
        with contextlib.suppress(ErpRejected):
            self.rpc.execute_kw(model, "unlink", [[res_id]])
        self.write(model, winner.res_id, vals)
        return winner.res_id

    def exists(self, model: str, name: str) -> bool:
        """Bound, and the bound record still exists in Odoo (archived records count)."""
        res_id = self.find(model, name)
        return res_id is not None and self.alive(model, res_id)

    def alive(self, model: str, res_id: int) -> bool:
        return bool(self.rpc.execute_kw(model, "search_count", [[("id", "=", res_id)]], ALL_RECORDS))
