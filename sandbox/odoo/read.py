"""The reading half of the sandbox's base model: values, read formats, searching, ordering."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.odoo import domain as domains
from sandbox.odoo.fields import Field
from sandbox.odoo.orm import precision_digits, rpc

if TYPE_CHECKING:
    from sandbox.odoo.orm import Database, Env

_ORDER_TERM = re.compile(r"^\s*([A-Za-z0-9_]+)(?:\s+(asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$", re.IGNORECASE)
_BAD_ORDER = ('Invalid "order" specified ({order}). A valid "order" specification is a comma-separated list '
              "of valid field names (optionally followed by asc/desc for the direction)")


class Reader:
    """read/search/search_read/search_count/fields_get over ``self._fields`` (see ``Model``)."""

    _name = ""
    _fields: dict[str, Field] = {}
    _order = "id"
    _rec_name = "name"
    _parent_name = "parent_id"
    env: Env
    db: Database

    @rpc("records")
    def read(self, ids: Any, fields: Any = None, load: str = "_classic_read") -> list[dict]:
        names = self._field_names(fields)
        rows = []
        for rid in self._ids(ids):  # type: ignore[attr-defined]
            record = self.db.get(self._name, rid)
            if record is not None:
                rows.append({"id": rid, **{name: self._read_value(record, name) for name in names}})
        return rows

    @rpc("model")
    def search(self, domain: Any, offset: int = 0, limit: Any = None, order: Any = None,
               count: bool = False) -> Any:
        ids = self._search(domain, offset, limit, order)
        return len(ids) if count else ids

    @rpc("model")
    def search_read(self, domain: Any = None, fields: Any = None, offset: int = 0, limit: Any = None,
                    order: Any = None) -> list[dict]:
        ids = self._search(domain or [], offset, limit, order)
        return self.read(ids, fields) if ids else []

    @rpc("model")
    def search_count(self, domain: Any, limit: Any = None) -> int:
        return len(self._search(domain, 0, limit, None))

    @rpc("model")
    def fields_get(self, allfields: Any = None, attributes: Any = None) -> dict:
        names = allfields or list(self._fields)
        described = {name: self._fields[name].describe(self._digits(self._fields[name]))
                     for name in names if name in self._fields}
        if attributes:
            described = {name: {k: v for k, v in info.items() if k in attributes} for name, info in described.items()}
        return described

    # ---- values
    def _value(self, record: dict, fname: str) -> Any:
        """The raw value of any field of a stored record (computed, related and one2many included)."""
        field = self._fields[fname]
        if field.compute:
            return getattr(self, field.compute)(record)
        if field.related:
            return self._related(record, field)
        if field.type == "one2many":
            children = self.db.lookup(field.comodel, field.inverse, record["id"]) or set()
            return self.env[field.comodel]._sort(sorted(children), None)
        return record.get(fname, False)

    def _related(self, record: dict, field: Field) -> Any:
        first, rest = field.related.split(".", 1)
        target = self.db.get(self._fields[first].comodel, record.get(first))
        if target is None:
            return [] if field.x2many else False
        return self.env[self._fields[first].comodel]._value(target, rest)

    def _read_value(self, record: dict, fname: str) -> Any:
        """A value as Odoo's ``read`` answers it: many2one ``[id, display_name]``, empty text ``False``."""
        field, value = self._fields[fname], self._value(record, fname)
        if field.type == "many2one":
            target = self.db.get(field.comodel, value) if value else None
            return [value, self.env[field.comodel]._display(target)] if target else False
        if field.x2many:
            return list(value or [])
        if field.type in ("float", "monetary"):
            return float(value or 0.0)
        if field.type == "integer":
            return int(value or 0)
        if field.type == "boolean":
            return bool(value)
        if field.type == "datetime" and isinstance(value, str):
            return value[:19]  # Odoo's RPC answers whole seconds (DEFAULT_SERVER_DATETIME_FORMAT)
        return False if value is None or value == "" else value

    def _digits(self, field: Field) -> int | None:
        """A float field's number of decimals; a precision name is read from ``decimal.precision``."""
        if isinstance(field.digits, str):
            return precision_digits(self.db, field.digits)
        return field.digits

    def _display(self, record: dict) -> str:
        return self._compute_display_name(record) or ""

    def _compute_display_name(self, record: dict) -> Any:
        name = record.get(self._rec_name) if self._rec_name else None
        return name or f"{self._name},{record['id']}"

    def _compute_id(self, record: dict) -> int:
        return record["id"]

    def _field_names(self, fields: Any) -> list[str]:
        if not fields:
            return [name for name in self._fields if name != "id"]
        if not isinstance(fields, (list, tuple)) or not all(isinstance(name, str) for name in fields):
            raise ValueError(f"Invalid fields {fields!r} on model {self._name!r}")
        for name in fields:
            if name not in self._fields:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")
        return [name for name in fields if name != "id"]

    # ---- searching
    def _search(self, domain: Any, offset: Any = 0, limit: Any = None, order: Any = None) -> list[int]:
        domain = list(domains.normalize(domain))
        if ("active" in self._fields and self.env.context.get("active_test", True)
                and not domains.mentions(domain, "active")):
            domain = domains.normalize([("active", "=", True)] + domain)
        predicate = domains.compile_domain(domain, self._compile_leaf)
        table = self.db.tables[self._name]
        ids = [rid for rid in self._candidates(domain) if predicate(table[rid])]
        ids = self._sort(ids, order)
        start = int(offset or 0)
        return ids[start:start + int(limit)] if limit else ids[start:]

    def _candidates(self, domain: list) -> list[int]:
        """Ids worth testing: narrowed by indexed equality leaves when the domain is a pure AND."""
        found: set[int] | None = None
        for path, operator, value in domains.conjunction_leaves(domain) or []:
            narrowed = self._indexed(path, operator, value)
            if narrowed is not None:
                found = narrowed if found is None else found & narrowed
        table = self.db.tables[self._name]
        return sorted(rid for rid in found if rid in table) if found is not None else list(table)

    def _indexed(self, path: Any, operator: str, value: Any) -> set[int] | None:
        if not isinstance(path, str) or not self.db.indexed(self._name, path) or operator not in ("=", "in"):
            return None
        values = value if operator == "in" else [value]
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, (int, str)) for v in values):
            return None
        if path == "id":
            return {v for v in values if isinstance(v, int)}
        if self._fields[path].type == "many2one" and any(isinstance(v, str) for v in values):
            return None
        found: set[int] = set()
        for item in values:
            found |= self.db.lookup(self._name, path, item) or set()
        return found

    def _compile_leaf(self, leaf: tuple) -> domains.Predicate:
        path, operator, value = leaf
        head, _, rest = path.partition(".")
        field = self._fields.get(head)
        if field is None or (rest and not field.relational):
            raise ValueError(f"Invalid field {self._name}.{head} in leaf {leaf}")
        if rest:
            return self._path_leaf(field, rest, operator, value)
        if operator in ("child_of", "parent_of"):
            ids = self._hierarchy(field.comodel or self._name, operator, value)
            return self._in_ids(head, field, ids)
        if field.type == "many2one" and _has_text(value) and operator not in ("=?",):
            return self._by_name_leaf(head, field, operator, value)
        if field.type == "datetime":
            return _leaf_predicate(field, operator, domains.instant(value),
                                   lambda record: domains.instant(self._value(record, head)))
        return _leaf_predicate(field, operator, value, lambda record: self._value(record, head))

    def _path_leaf(self, field: Field, rest: str, operator: str, value: Any) -> domains.Predicate:
        comodel = self.env[field.comodel].with_context(active_test=False)
        inner = comodel._compile_leaf((rest, operator, value))

        def test(record: dict) -> bool:
            ids = self._value(record, field.name)
            targets = ids if isinstance(ids, list) else ([ids] if ids else [])
            return any(inner(self.db.get(field.comodel, tid)) for tid in targets if self.db.get(field.comodel, tid))
        return test

    def _by_name_leaf(self, head: str, field: Field, operator: str, value: Any) -> domains.Predicate:
        positive = domains.NEGATIVE_OPERATORS.get(operator, operator)
        comodel = self.env[field.comodel].with_context(active_test=False)
        name_test = _leaf_predicate(Field("char", name="display_name"), positive, value, comodel._display)
        ids = {rid for rid, rec in self.db.tables[field.comodel].items() if name_test(rec)}
        test = self._in_ids(head, field, ids)
        return (lambda record: not test(record)) if positive != operator else test

    def _in_ids(self, head: str, field: Field, ids: set[int]) -> domains.Predicate:
        if head == "id":
            return lambda record: record["id"] in ids
        if field.x2many:
            return lambda record: bool(ids & set(self._value(record, head)))
        return lambda record: self._value(record, head) in ids

    def _hierarchy(self, model: str, operator: str, value: Any) -> set[int]:
        """``child_of``: the given records and all their descendants; ``parent_of``: and their ancestors."""
        parent = self.env[model]._parent_name
        roots = [value] if isinstance(value, int) else list(value or []) if isinstance(value, (list, tuple)) else []
        found: set[int] = set()
        frontier = [rid for rid in roots if isinstance(rid, int)]
        while frontier:
            rid = frontier.pop()
            record = self.db.get(model, rid)
            if rid in found or record is None:
                continue
            found.add(rid)
            if operator == "child_of":
                frontier.extend(self.db.lookup(model, parent, rid) or ())
            elif record.get(parent):
                frontier.append(record[parent])
        return found

    def _sort(self, ids: list[int], order: Any) -> list[int]:
        terms = self._order_terms(order or self._order)
        table = self.db.tables[self._name]
        for fname, descending in reversed(terms):
            ids.sort(key=lambda rid: self._sort_key(table[rid], fname), reverse=descending)
        return ids

    def _order_terms(self, order: Any) -> list[tuple[str, bool]]:
        if not isinstance(order, str):
            raise ValueError(_BAD_ORDER.format(order=order))
        terms = []
        for part in order.split(","):
            match = _ORDER_TERM.match(part)
            if not match:
                raise ValueError(_BAD_ORDER.format(order=order))
            fname = match.group(1)
            if fname not in self._fields:
                raise ValueError(f"Invalid field {fname!r} on model {self._name!r}")
            terms.append((fname, (match.group(2) or "asc").lower() == "desc"))
        return terms

    def _sort_key(self, record: dict, fname: str) -> tuple:
        field, value = self._fields[fname], self._value(record, fname)
        if field.type == "many2one" and value:
            target = self.db.get(field.comodel, value)
            value = self.env[field.comodel]._display(target) if target else False
        if isinstance(value, list):
            value = len(value)
        if value is None or value is False and field.type != "boolean" or value == "":
            return (1, 0)
        return (0, value)


def _has_text(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, (list, tuple)) and any(isinstance(v, str) for v in value))


def _leaf_predicate(field: Field, operator: str, value: Any, get: Any) -> domains.Predicate:
    """A predicate for one leaf on a plain (non-path) field, with SQL NULL semantics like Odoo's."""
    if operator in domains.NEGATIVE_OPERATORS:
        positive = _leaf_predicate(field, domains.NEGATIVE_OPERATORS[operator], value, get)
        return lambda record: not positive(record)
    if operator == "=?":
        if value is False or value is None:
            return lambda record: True
        operator = "="
    if operator == "=":
        return _equals(field, value, get)
    if operator == "in":
        return _in(field, value, get)
    if operator in ("<", ">", "<=", ">="):
        return lambda record: domains.compare(operator, get(record), value)
    if value is False or value is None:
        return lambda record: domains.is_unset(get(record))
    pattern = domains.like_pattern(operator, str(value))
    return lambda record: not domains.is_unset(get(record)) and bool(pattern.match(str(get(record))))


def _equals(field: Field, value: Any, get: Any) -> domains.Predicate:
    if value is False or value is None:
        return lambda record: domains.is_unset(get(record))
    if field.x2many:
        return lambda record: value in get(record)
    return lambda record: get(record) == value and not domains.is_unset(get(record))


def _in(field: Field, value: Any, get: Any) -> domains.Predicate:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    want_unset = any(v is False or v is None for v in values)
    wanted = [v for v in values if v is not False and v is not None]
    if field.x2many:
        return lambda record: bool(set(wanted) & set(get(record))) or (want_unset and not get(record))

    def test(record: dict) -> bool:
        stored = get(record)
        return want_unset if domains.is_unset(stored) else stored in wanted
    return test
