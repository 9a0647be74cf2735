"""The sandbox ORM's store and environments: tables in memory, value indexes, atomic calls, the registry.

Every RPC call runs inside ``Database.transaction()``: the store's lock is held and every record touched is
remembered, so a call that raises leaves nothing behind, as Odoo's cursor rollback does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from sandbox.odoo.fields import Datetime, Field, Integer

if TYPE_CHECKING:
    from sandbox.odoo.model import Model

REGISTRY: dict[str, type[Model]] = {}
VERSIONS = (17, 18)
MODULES = ("base", "product", "account", "sale", "sale_management", "stock", "sale_stock", "delivery",
           "stock_delivery")
DEFAULT_MODULES = frozenset(MODULES) - {"delivery", "stock_delivery"}
MAGIC_FIELDS: dict[str, Callable[[], Field]] = {
    "id": lambda: Integer("ID", compute="_compute_id"),
    "display_name": lambda: Field("char", "Display Name", compute="_compute_display_name"),
    "create_date": lambda: Datetime("Created on"),
    "write_date": lambda: Datetime("Last Updated on"),
    "create_uid": lambda: Field("many2one", "Created by", comodel="res.users"),
    "write_uid": lambda: Field("many2one", "Last Updated by", comodel="res.users"),
}
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f"  # create_date/write_date as PostgreSQL keeps them (microseconds)


def register(cls: type[Model]) -> type[Model]:
    """Class decorator: complete the model's fields (magic ones included) and add it to the registry.

    ``_declared`` holds the fields of every version; ``_declared_v18`` replaces or adds fields in Odoo 18, and
    a field's ``versions``/``module`` say where it exists (see ``fields_for``).
    """
    fields: dict[str, Field] = {name: make() for name, make in MAGIC_FIELDS.items()}
    for klass in reversed(cls.__mro__):
        fields.update(vars(klass).get("_declared", {}))
    by_version = {17: fields, 18: {**fields, **vars(cls).get("_declared_v18", {})}}
    for version_fields in by_version.values():
        for name, field in version_fields.items():
            field.setup(name)
    cls._fields = fields
    cls._fields_by_version = by_version
    cls._fields_cache = {}
    REGISTRY[cls._name] = cls
    return cls


def fields_for(cls: type[Model], version: int, modules: frozenset[str]) -> dict[str, Field]:
    """The fields a model has in a database of that version with those modules installed."""
    key = (version, modules)
    if key not in cls._fields_cache:
        cls._fields_cache[key] = {name: field for name, field in cls._fields_by_version[version].items()
                                  if field.exists_in(version, modules)}
    return cls._fields_cache[key]


def all_fields(cls: type[Model]) -> dict[str, Field]:
    """Every field the model has in any version with any module (for indexes)."""
    merged: dict[str, Field] = {}
    for version_fields in cls._fields_by_version.values():
        merged.update(version_fields)
    return merged


def rpc(kind: str) -> Callable[[Callable], Callable]:
    """Mark a model method callable over RPC; ``kind`` is ``model``, ``records`` (ids first) or ``create``."""
    def mark(method: Callable) -> Callable:
        method._rpc = kind  # type: ignore[attr-defined]
        return method
    return mark


class Database:
    """All tables of one Odoo database, with value indexes and an undo log for the running call."""

    def __init__(self, registry: dict[str, type[Model]] | None = None,
                 clock: Callable[[], dt.datetime] | None = None, version: int = 17,
                 modules: frozenset[str] | None = None) -> None:
        if version not in VERSIONS:
            raise ValueError(f"unsupported Odoo version {version!r}; the sandbox serves {VERSIONS}")
        self.registry = registry if registry is not None else REGISTRY
        self.version = version
        self.modules = frozenset(DEFAULT_MODULES if modules is None else modules)
        self.lock = threading.RLock()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.clear()

    def clear(self) -> None:
        self.generation = getattr(self, "generation", 0) + 1  # a reset drops changes still waiting to commit
        self.tables: dict[str, dict[int, dict]] = {name: {} for name in self.registry}
        self.sequences: dict[str, int] = defaultdict(int)
        self.counters: dict[str, int] = defaultdict(int)
        self.indexes: dict[str, dict[str, dict[Any, set[int]]]] = {
            name: {fname: defaultdict(set) for fname, field in all_fields(cls).items() if field.index and field.stored}
            for name, cls in self.registry.items()
        }
        self._undo: dict[tuple[str, int], dict | None] | None = None
        self.started: dt.datetime | None = None  # the running transaction's start (Odoo's ``cr.now()``)
        self.events: list[tuple[str, int, str, frozenset[str]]] = []  # (model, id, create|write, fields) of the call
        self.xmlids: dict[str, int] = {}  # external id -> ir.model.data id, checked on every use

    def next_id(self, model: str) -> int:
        self.sequences[model] += 1
        return self.sequences[model]

    def next_number(self, code: str) -> int:
        """The next value of a named counter (Odoo's ir.sequence), never rolled back, like Odoo's."""
        self.counters[code] += 1
        return self.counters[code]

    def get(self, model: str, rid: Any) -> dict | None:
        return self.tables[model].get(rid) if isinstance(rid, int) else None

    def ids(self, model: str) -> list[int]:
        return list(self.tables[model])

    def put(self, model: str, record: dict) -> None:
        """Insert or replace a record (records are never changed in place)."""
        rid = record["id"]
        old = self.tables[model].get(rid)
        self._remember(model, rid, old)
        self._unindex(model, old)
        self.tables[model][rid] = record
        self._index(model, record)

    def remove(self, model: str, rid: int) -> None:
        old = self.tables[model].pop(rid, None)
        if old is not None:
            self._remember(model, rid, old)
            self._unindex(model, old)

    def lookup(self, model: str, fname: str, value: Any) -> set[int] | None:
        """Ids whose ``fname`` equals ``value`` from the index, or None when the field is not indexed."""
        index = self.indexes[model].get(fname)
        if index is None:
            return None
        return set(index.get(_index_key(value), ()))

    def indexed(self, model: str, fname: str) -> bool:
        return fname == "id" or fname in self.indexes[model]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock for one call; undo every change when the call raises.

        The transaction's start time is taken once (``stamp``), as PostgreSQL's ``now()`` that Odoo stamps
        ``create_date``/``write_date`` with.
        """
        with self.lock:
            self._undo, self.events, self.started = {}, [], self.clock()
            try:
                yield
            except BaseException:
                self._rollback()
                raise
            finally:
                self._undo, self.started = None, None

    def now(self) -> str:
        return self.clock().strftime("%Y-%m-%d %H:%M:%S")

    def stamp(self) -> str:
        """The running transaction's start with microseconds (the clock outside a transaction)."""
        return (self.started or self.clock()).strftime(STAMP_FORMAT)

    def note(self, model: str, rid: int, action: str, fnames: Any) -> None:
        """Remember that the running call created or wrote a record (for automation rules)."""
        if self._undo is not None:
            self.events.append((model, rid, action, frozenset(fnames)))

    def detach(self) -> Pending:
        """Take the running call's changes out of the tables (uncommitted: invisible to other calls)."""
        undo = self._undo or {}
        changes = {key: self.tables[key[0]].get(key[1]) for key in undo}
        self._rollback()
        self._undo = {}
        return Pending(changes, self.generation)

    def attach(self, pending: Pending) -> None:
        """Commit changes taken out by ``detach``: they become visible, with the stamps they got."""
        with self.lock:
            if pending.generation != self.generation:
                return
            for (model, rid), record in pending.changes.items():
                if record is None:
                    self.remove(model, rid)
                else:
                    self.put(model, record)

    def _remember(self, model: str, rid: int, old: dict | None) -> None:
        if self._undo is not None and (model, rid) not in self._undo:
            self._undo[(model, rid)] = old

    def _rollback(self) -> None:
        undo, self._undo = self._undo or {}, None
        for (model, rid), old in undo.items():
            self._unindex(model, self.tables[model].get(rid))
            if old is None:
                self.tables[model].pop(rid, None)
            else:
                self.tables[model][rid] = old
                self._index(model, old)

    def _index(self, model: str, record: dict | None) -> None:
        if record is not None:
            for fname, index in self.indexes[model].items():
                index[_index_key(record.get(fname))].add(record["id"])

    def _unindex(self, model: str, record: dict | None) -> None:
        if record is not None:
            for fname, index in self.indexes[model].items():
                index[_index_key(record.get(fname))].discard(record["id"])


class Pending:
    """A finished call's changes not committed yet: record per (model, id), None for a deletion."""

    def __init__(self, changes: dict[tuple[str, int], dict | None], generation: int) -> None:
        self.changes = changes
        self.generation = generation


def precision_digits(db: Database, name: str) -> int:
    """The digits of the ``decimal.precision`` named ``name`` (2, Odoo's fallback, when it has no record)."""
    found = db.lookup("decimal.precision", "name", name) if "decimal.precision" in db.registry else None
    record = db.get("decimal.precision", min(found)) if found else None
    return record["digits"] if record is not None else 2


def _index_key(value: Any) -> Any:
    return False if value is None or value == "" else value


class Env:
    """What a call runs as: the database, the user id and the context (``active_test``, modes, ...)."""

    def __init__(self, db: Database, uid: int = 2, context: dict | None = None) -> None:
        self.db = db
        self.uid = uid
        self.context: dict = dict(context or {})

    def __getitem__(self, model: str) -> Any:  # the model class registered under that name
        return self.db.registry[model](self)

    def __contains__(self, model: str) -> bool:
        return model in self.db.registry

    def with_context(self, **changes: Any) -> Env:
        return Env(self.db, self.uid, {**self.context, **changes})

    def ref(self, xmlid: str) -> int:
        """The record id behind an external id such as ``product.product_category_all``."""
        module, name = xmlid.split(".", 1)
        cached = self.db.get("ir.model.data", self.db.xmlids.get(xmlid))
        if cached is not None and (cached["module"], cached["name"]) == (module, name):
            return cached["res_id"]
        found = self["ir.model.data"].search([("module", "=", module), ("name", "=", name)], limit=1)
        if not found:
            raise ValueError(f"External ID not found in the system: {xmlid}")
        self.db.xmlids[xmlid] = found[0]
        return self.db.get("ir.model.data", found[0])["res_id"]

    def now(self) -> str:
        return self.db.now()

    def stamp(self) -> str:
        return self.db.stamp()

    def today(self) -> str:
        return self.db.now()[:10]
