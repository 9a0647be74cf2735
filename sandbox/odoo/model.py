"""The sandbox ORM's base model: create, write, unlink, read and search with Odoo's rules and messages.

Models subclass ``Model``, declare ``_declared`` fields, and override the hooks ``_prepare_create``,
``_after_create``, ``_prepare_write``, ``_after_write``, ``_before_unlink`` and ``_check`` (constraints).
Only methods marked with ``@rpc`` are callable remotely, as Odoo's public methods are.
"""

from __future__ import annotations

from typing import Any, Self

from sandbox.odoo.errors import (
    MissingError,
    ValidationError,
    foreign_key_message,
    missing_message,
    not_null_message,
)
from sandbox.odoo.fields import Field, commands, convert
from sandbox.odoo.orm import Env, fields_for, rpc
from sandbox.odoo.read import Reader


class Model(Reader):
    """One model bound to an environment; records are dicts in ``env.db.tables[_name]``."""

    _name = ""
    _description = ""
    _declared: dict[str, Field] = {}
    _fields: dict[str, Field] = {}
    _fields_by_version: dict[int, dict[str, Field]]  # set by orm.register, per model
    _fields_cache: dict[tuple[int, frozenset[str]], dict[str, Field]]
    _unique: tuple[tuple[tuple[str, ...], str], ...] = ()
    # write/unlink of a missing id: Odoo's record-rule check raises MissingError; a model without record rules
    # (res.currency) runs the SQL on no row and answers true
    _missing_ignored = False

    def __init__(self, env: Env) -> None:
        self.env = env
        self.db = env.db
        self._fields = fields_for(type(self), env.db.version, env.db.modules)

    # ---- remote methods
    @rpc("create")
    def create(self, vals_list: Any) -> Any:
        """One dict gives one id; a list of dicts gives a list of ids (``model_create_multi``)."""
        if isinstance(vals_list, dict):
            return self._create_one(vals_list)
        if not isinstance(vals_list, list) or not all(isinstance(vals, dict) for vals in vals_list):
            raise TypeError(f"create() expects a dict or a list of dicts, got {vals_list!r}")
        return [self._create_one(vals) for vals in vals_list]

    @rpc("records")
    def write(self, ids: Any, vals: dict) -> bool:
        ids = self._existing(self._ids(ids))
        if not isinstance(vals, dict):
            raise TypeError(f"write() expects a dict of values, got {vals!r}")
        self._check_names(vals)
        vals = self._prepare_write(ids, dict(vals))
        for rid in ids:
            self._write_one(rid, vals)
        self._after_write(ids, vals)
        self._check(ids)
        return True

    @rpc("records")
    def unlink(self, ids: Any) -> bool:
        existing = self._existing(self._ids(ids))
        self._before_unlink(existing)
        for rid in existing:
            self._delete(rid)
        return True

    @rpc("records")
    def action_archive(self, ids: Any) -> bool:
        return self.write(ids, {"active": False})

    @rpc("records")
    def action_unarchive(self, ids: Any) -> bool:
        return self.write(ids, {"active": True})

    # ---- creation
    def _create_one(self, vals: dict) -> int:
        self._check_names(vals)
        vals = self._prepare_create(dict(vals))
        record: dict[str, Any] = {"id": self.db.next_id(self._name)}
        for fname, field in self._fields.items():
            if field.stored and fname != "id":
                given = fname in vals and not field.x2many
                record[fname] = (convert(field, vals[fname], self._name, self._digits(field)) if given
                                 else field.initial(self))
        record["create_date"] = record["write_date"] = self.env.stamp()
        record["create_uid"] = record["write_uid"] = self.env.uid
        self._validate(record, set(vals) | {fname for fname, f in self._fields.items() if f.required})
        self.db.put(self._name, record)
        self._apply_relations(record["id"], vals)
        self._after_create(record["id"], vals)
        self._check([record["id"]])
        self.db.note(self._name, record["id"], "create", vals)
        return record["id"]

    def _write_one(self, rid: int, vals: dict) -> None:
        old = self.db.get(self._name, rid)
        record = dict(old)
        for fname, value in vals.items():
            field = self._fields[fname]
            if field.stored and fname != "id" and not field.x2many:
                record[fname] = convert(field, value, self._name, self._digits(field))
        record["write_date"], record["write_uid"] = self.env.stamp(), self.env.uid
        self._validate(record, set(vals))
        self.db.put(self._name, record)
        self._apply_relations(rid, vals)
        self.db.note(self._name, rid, "write", [fname for fname in vals if self._changed(fname, old, record)])

    def _changed(self, fname: str, old: dict, new: dict) -> bool:
        """Whether a write changed the field (x2many and non-stored fields count as changed): for trigger fields."""
        field = self._fields[fname]
        return not field.stored or field.x2many or old.get(fname) != new.get(fname)

    def _check_names(self, vals: dict) -> None:
        for fname in vals:
            if fname not in self._fields:
                raise ValueError(f"Invalid field {fname!r} on model {self._name!r}")

    def _validate(self, record: dict, changed: set[str]) -> None:
        """Required fields set, many2one targets existing, unique constraints kept (checked in the db)."""
        for fname in changed:
            field = self._fields[fname]
            value = record.get(fname)
            if field.required and field.stored and (value is False or value is None or value == ""):
                raise ValidationError(not_null_message(self._description, self._name, field.string, fname))
            if field.type == "many2one" and value and self.db.get(field.comodel, value) is None:
                raise ValidationError(foreign_key_message(self._description, self._name, self._constraint(fname)))
        for fnames, message in self._unique:
            if changed & set(fnames):
                self._check_unique(record, fnames, message)

    def _check_unique(self, record: dict, fnames: tuple[str, ...], message: str) -> None:
        domain = [(fname, "=", record.get(fname)) for fname in fnames] + [("id", "!=", record["id"])]
        if self.with_context(active_test=False).search(domain, limit=1):
            values = ", ".join(str(record.get(fname)) for fname in fnames)
            raise ValidationError(message.format(fields=", ".join(fnames), values=values))

    def _constraint(self, fname: str) -> str:
        return f"{self._name.replace('.', '_')}_{fname}_fkey"

    # ---- relations (x2many commands)
    def _apply_relations(self, rid: int, vals: dict) -> None:
        for fname, value in vals.items():
            field = self._fields[fname]
            if field.x2many:
                for command in commands(field, value, self._name):
                    if field.type == "one2many":
                        self._one2many_command(rid, field, command)
                    else:
                        self._many2many_command(rid, field, command)

    def _one2many_command(self, rid: int, field: Field, command: tuple) -> None:
        comodel, inverse = self.env[field.comodel], field.inverse
        code, target, values = command
        if code == 0:
            comodel.create({**values, inverse: rid})
        elif code == 1:
            comodel.write([target], values)
        elif code == 2:
            comodel.unlink([target])
        elif code == 4:
            comodel.write([target], {inverse: rid})
        else:
            current = self._value(self.db.get(self._name, rid), field.name)
            keep = set(values) if code == 6 else set()
            detach = [target] if code == 3 else [cid for cid in current if cid not in keep]
            self._detach(comodel, inverse, detach)
            if code == 6:
                comodel.write([cid for cid in values if cid not in current], {inverse: rid})

    def _detach(self, comodel: Model, inverse: str, ids: list[int]) -> None:
        """Odoo's rule for lines leaving a one2many: deleted when the inverse cascades, else unlinked."""
        if not ids:
            return
        if comodel._fields[inverse].ondelete == "cascade":
            comodel.unlink(ids)
        else:
            comodel.write(ids, {inverse: False})

    def _many2many_command(self, rid: int, field: Field, command: tuple) -> None:
        record = dict(self.db.get(self._name, rid))
        current = list(record.get(field.name) or [])
        code, target, values = command
        if code == 0:
            current.append(self.env[field.comodel].create(values))
        elif code == 1:
            self.env[field.comodel].write([target], values)
        elif code == 2:
            self.env[field.comodel].unlink([target])
            current = [cid for cid in current if cid != target]
        elif code == 3:
            current = [cid for cid in current if cid != target]
        elif code == 4:
            current += [target] if target not in current else []
        elif code == 5:
            current = []
        elif code == 6:
            current = list(dict.fromkeys(values))
        missing = [cid for cid in current if self.db.get(field.comodel, cid) is None]
        if missing:
            raise ValidationError(foreign_key_message(self._description, self._name, self._constraint(field.name)))
        record[field.name] = current
        self.db.put(self._name, record)

    # ---- deletion
    def _delete(self, rid: int) -> None:
        """Remove a record applying every many2one's ondelete rule (restrict, cascade, set null)."""
        if self.db.get(self._name, rid) is None:
            return
        for model_name in self.db.registry:
            for fname, field in self.env[model_name]._fields.items():
                if field.comodel != self._name:
                    continue
                if field.type == "many2one" and field.stored:
                    self._on_target_deleted(model_name, field, rid)
                elif field.type == "many2many":
                    self._drop_from_many2many(model_name, fname, rid)
        self.db.remove(self._name, rid)

    def _on_target_deleted(self, model_name: str, field: Field, rid: int) -> None:
        referring = sorted(self.db.lookup(model_name, field.name, rid) or ())
        referring = [ref for ref in referring if not (model_name == self._name and ref == rid)]
        if not referring:
            return
        if field.ondelete == "restrict":
            other = self.env[model_name]
            raise ValidationError(foreign_key_message(other._description, model_name, other._constraint(field.name)))
        for ref in referring:
            if field.ondelete == "cascade":
                self.env[model_name]._delete(ref)
            elif self.db.get(model_name, ref) is not None:
                self.db.put(model_name, {**self.db.get(model_name, ref), field.name: False})

    def _drop_from_many2many(self, model_name: str, fname: str, rid: int) -> None:
        for record in list(self.db.tables[model_name].values()):
            if rid in (record.get(fname) or ()):
                self.db.put(model_name, {**record, fname: [cid for cid in record[fname] if cid != rid]})

    # ---- helpers and hooks
    def with_context(self, **changes: Any) -> Self:
        return self.env.with_context(**changes)[self._name]

    def _ids(self, ids: Any) -> list[int]:
        if isinstance(ids, int) and not isinstance(ids, bool):
            return [ids]
        if isinstance(ids, (list, tuple)) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return list(dict.fromkeys(ids))
        raise TypeError(f"Invalid ids for {self._name}: {ids!r}")

    def _existing(self, ids: list[int]) -> list[int]:
        """The ids that exist; a missing one is Odoo's MissingError unless the model has no record rule."""
        missing = [rid for rid in ids if self.db.get(self._name, rid) is None]
        if missing and not self._missing_ignored:
            raise MissingError(missing_message(self._name, missing, self.env.uid))
        return [rid for rid in ids if rid not in missing]

    def _record(self, rid: int) -> dict:
        """The stored record, or Odoo's MissingError when it does not exist."""
        record = self.db.get(self._name, rid)
        if record is None:
            raise MissingError(missing_message(self._name, [rid], self.env.uid))
        return record

    def _set(self, rid: int, **values: Any) -> None:
        """Write stored values directly, bypassing hooks (the workflow methods' own state changes)."""
        old = self._record(rid)
        self.db.put(self._name, {**old, **values, "write_date": self.env.stamp(), "write_uid": self.env.uid})
        self.db.note(self._name, rid, "write", [fname for fname in values if values[fname] != old.get(fname)])

    def _prepare_create(self, vals: dict) -> dict:
        return vals

    def _after_create(self, rid: int, vals: dict) -> None:
        """Hook after a record and its relations exist."""

    def _prepare_write(self, ids: list[int], vals: dict) -> dict:
        return vals

    def _after_write(self, ids: list[int], vals: dict) -> None:
        """Hook after every record was written."""

    def _before_unlink(self, ids: list[int]) -> None:
        """Hook that refuses a deletion by raising UserError."""

    def _check(self, ids: list[int]) -> None:
        """Python constraints (``@api.constrains``), raising ValidationError."""
