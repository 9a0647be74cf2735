"""The Odoo sandbox's exceptions, named and serialised the way Odoo 17's JSON-RPC dispatcher does it.

Odoo answers a failed call with HTTP 200 and ``{"error": {"code": 200, "message": "Odoo Server Error",
"data": {"name", "debug", "message", "arguments", "context"}}}`` where ``name`` is the exception's
``module.Class`` (``odoo.exceptions.ValidationError``, ``builtins.ValueError``, ``psycopg2.OperationalError``).
"""

from __future__ import annotations

import traceback
from typing import Any


class OdooError(Exception):
    """Base of the sandbox's Odoo-named exceptions; ``odoo_name`` is what clients see in ``data.name``."""

    odoo_name = "odoo.exceptions.UserError"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class UserError(OdooError):
    odoo_name = "odoo.exceptions.UserError"


class ValidationError(UserError):
    odoo_name = "odoo.exceptions.ValidationError"


class AccessError(UserError):
    odoo_name = "odoo.exceptions.AccessError"


class MissingError(UserError):
    odoo_name = "odoo.exceptions.MissingError"


def missing_message(model: str, ids: list[int], uid: int) -> str:
    """Odoo 17's MissingError text; the records are shown as a recordset's repr, ``res.partner(7,)``."""
    return f"Record does not exist or has been deleted.\n(Record: {model}{tuple(ids)!r}, User: {uid})"


class AccessDenied(UserError):
    odoo_name = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class OperationalError(OdooError):
    """psycopg2's error, e.g. for a database name that does not exist."""

    odoo_name = "psycopg2.OperationalError"


class SerializationFailure(OdooError):
    """PostgreSQL's serialization failure once Odoo's own retries (5 tries) gave up; psycopg2's text."""

    odoo_name = "psycopg2.errors.SerializationFailure"

    def __init__(self, message: str = "could not serialize access due to concurrent update\n") -> None:
        super().__init__(message)


class InjectedError(OdooError):
    """An error the fault injection asked for, carrying any Odoo exception name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.odoo_name = name


def exception_name(exc: BaseException) -> str:
    """``module.Class`` as Odoo's ``serialize_exception`` builds it (builtins keep their module)."""
    named = getattr(exc, "odoo_name", None)
    if named:
        return named
    return f"{type(exc).__module__}.{type(exc).__name__}"


def serialize(exc: BaseException) -> dict[str, Any]:
    """The ``error.data`` object of a JSON-RPC error answer."""
    name = exception_name(exc)
    message = str(exc.args[0]) if len(exc.args) == 1 else str(exc)
    lines = traceback.format_exception(exc)
    lines[-1] = f"{name.removeprefix('builtins.')}: {message}\n"  # Python prints builtins bare
    return {
        "name": name,
        "debug": "".join(lines),
        "message": message,
        "arguments": list(exc.args),
        "context": {},
    }


def server_error(exc: BaseException) -> dict[str, Any]:
    """The whole ``error`` member: Odoo uses code 200 and "Odoo Server Error" for every server-side failure."""
    return {"code": 200, "message": "Odoo Server Error", "data": serialize(exc)}


def not_null_message(description: str, model: str, label: str, field: str) -> str:
    """The ValidationError text Odoo makes of a NOT NULL violation (a required field left empty)."""
    return ("The operation cannot be completed:\n"
            "- Create/update: a mandatory field is not set.\n"
            "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
            f"Model: {description} ({model})\n"
            f"Field: {label} ({field})\n")


def foreign_key_message(description: str, model: str, constraint: str) -> str:
    """The ValidationError text Odoo makes of a FOREIGN KEY violation."""
    return ("The operation cannot be completed: another model requires the record being deleted. "
            "If possible, archive it instead.\n\n"
            f"Model: {description} ({model})\n"
            f"Constraint: {constraint}\n")
