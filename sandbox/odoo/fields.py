"""Field declarations of the sandbox's ORM, value conversion, and x2many command normalisation."""

from __future__ import annotations

import dataclasses
from typing import Any

from sandbox.odoo.rounding import float_round

SCALAR_DEFAULTS: dict[str, Any] = {
    "char": False, "text": False, "html": False, "date": False, "datetime": False, "selection": False,
    "integer": 0, "float": 0.0, "monetary": 0.0, "boolean": False, "many2one": False,
}
TEXT_TYPES = {"char", "text", "html", "date", "datetime"}


@dataclasses.dataclass
class Field:
    """One field: its type, label, and what Odoo enforces about it (required, selection, ondelete)."""

    type: str
    string: str = ""
    required: bool = False
    default: Any = None
    comodel: str | None = None
    inverse: str | None = None
    selection: tuple[str, ...] = ()
    ondelete: str | None = None
    compute: str | None = None
    related: str | None = None
    index: bool = False
    digits: int | str | None = None  # a number of digits, or a decimal.precision name read from the database
    store: bool | None = None  # Odoo's ``store`` of a computed field Odoo keeps in a column (False by default)
    versions: tuple[int, ...] = ()
    module: str | None = None
    name: str = ""

    def exists_in(self, version: int, modules: frozenset[str]) -> bool:
        """Whether this field exists in a database of that Odoo version with those modules installed."""
        return (not self.versions or version in self.versions) and (self.module is None or self.module in modules)

    @property
    def x2many(self) -> bool:
        return self.type in ("one2many", "many2many")

    @property
    def relational(self) -> bool:
        return self.type in ("many2one", "one2many", "many2many")

    @property
    def stored(self) -> bool:
        return not (self.compute or self.related or self.type == "one2many")

    def setup(self, name: str) -> None:
        """Complete the declaration once its name is known (labels, Odoo's ondelete rule, indexes)."""
        self.name = name
        self.string = self.string or name.replace("_", " ").title()
        if self.type == "many2one":
            self.index = True
            if self.ondelete is None:
                self.ondelete = "restrict" if self.required else "set null"

    def initial(self, model: Any) -> Any:
        """The value of a field not given at creation: its default, else the empty value of its type."""
        default = self.default
        if callable(default):
            default = default(model)
        if self.type == "many2many":
            return list(default or [])
        if default is None:
            return SCALAR_DEFAULTS.get(self.type, False)
        return convert(self, default, model._name, model._digits(self))

    def describe(self, digits: int | None = None) -> dict[str, Any]:
        """The attributes ``fields_get`` answers for this field (``digits``: its number of decimals, if any)."""
        store = self.store if self.store is not None else not (self.compute or self.related)
        info: dict[str, Any] = {"type": self.type, "string": self.string, "required": self.required,
                                "readonly": bool(self.compute or (self.related and self.type != "many2one")),
                                "store": store}
        if digits is not None and self.type == "float":
            info["digits"] = [16, digits]
        if self.comodel:
            info["relation"] = self.comodel
        if self.selection:
            info["selection"] = [[value, value.replace("_", " ").title()] for value in self.selection]
        return info


def convert(field: Field, value: Any, model: str, digits: int | None = None) -> Any:
    """A client's value for a scalar field as the sandbox stores it (a float rounded to ``digits``); a wrong
    value raises like Odoo."""
    kind = field.type
    if value is None:
        value = False
    if kind in TEXT_TYPES:
        if value is False or value == "":
            return False
        if not isinstance(value, str):
            raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
        return value
    if kind == "boolean":
        return bool(value)
    if kind in ("integer", "float", "monetary"):
        number = _number(field, value, model)
        return float_round(number, digits) if digits is not None and kind == "float" else number
    if kind == "selection":
        if value is False or value == "":
            return False
        if value not in field.selection:
            raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
        return value
    if kind == "many2one":
        return _many2one(field, value, model)
    raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")


def _number(field: Field, value: Any, model: str) -> Any:
    if value is False:
        return 0 if field.type == "integer" else 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
    try:
        return int(value) if field.type == "integer" else float(value)
    except ValueError:
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}") from None


def _many2one(field: Field, value: Any, model: str) -> Any:
    if value is False or value == 0:
        return False
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
    return value


def commands(field: Field, value: Any, model: str) -> list[tuple]:
    """x2many write values as Odoo command tuples; a plain list of ids means "set" ``(6, 0, ids)``."""
    if value is False or value is None:
        return [(5, 0, 0)]
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"Wrong value for {model}.{field.name}: {value!r}")
    if value and all(isinstance(item, int) and not isinstance(item, bool) for item in value):
        return [(6, 0, list(value))]
    return [_command(field, item, model) for item in value]


def _command(field: Field, item: Any, model: str) -> tuple:
    if not isinstance(item, (list, tuple)) or not item or item[0] not in range(7):
        raise ValueError(f"Wrong value for {model}.{field.name}: {item!r}")
    code = item[0]
    rest = list(item[1:]) + [0, 0]
    if code == 0:
        return (0, 0, _values(field, rest[1], model))
    if code == 1:
        return (1, _record_id(field, rest[0], model), _values(field, rest[1], model))
    if code in (2, 3, 4):
        return (code, _record_id(field, rest[0], model), 0)
    if code == 5:
        return (5, 0, 0)
    ids = rest[1] if isinstance(rest[1], (list, tuple)) else []
    return (6, 0, [_record_id(field, rid, model) for rid in ids])


def _values(field: Field, values: Any, model: str) -> dict:
    if not isinstance(values, dict):
        raise ValueError(f"Wrong value for {model}.{field.name}: {values!r}")
    return values


def _record_id(field: Field, rid: Any, model: str) -> int:
    if isinstance(rid, bool) or not isinstance(rid, int):
        raise ValueError(f"Wrong value for {model}.{field.name}: {rid!r}")
    return rid


def Char(string: str = "", **kw: Any) -> Field:
    return Field("char", string, **kw)


def Text(string: str = "", **kw: Any) -> Field:
    return Field("text", string, **kw)


def Integer(string: str = "", **kw: Any) -> Field:
    return Field("integer", string, **kw)


def Float(string: str = "", **kw: Any) -> Field:
    return Field("float", string, **kw)


def Boolean(string: str = "", **kw: Any) -> Field:
    return Field("boolean", string, **kw)


def Date(string: str = "", **kw: Any) -> Field:
    return Field("date", string, **kw)


def Datetime(string: str = "", **kw: Any) -> Field:
    return Field("datetime", string, **kw)


def Selection(options: tuple[str, ...], string: str = "", **kw: Any) -> Field:
    return Field("selection", string, selection=options, **kw)


def Many2one(comodel: str, string: str = "", **kw: Any) -> Field:
    return Field("many2one", string, comodel=comodel, **kw)


def One2many(comodel: str, inverse: str, string: str = "", **kw: Any) -> Field:
    return Field("one2many", string, comodel=comodel, inverse=inverse, **kw)


def Many2many(comodel: str, string: str = "", **kw: Any) -> Field:
    return Field("many2many", string, comodel=comodel, **kw)

