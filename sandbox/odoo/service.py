"""The sandbox's RPC services, as Odoo 17's ``dispatch_rpc``: ``common``, ``object`` and ``db``.

Signatures and failures follow Odoo's: ``common.authenticate(db, login, password, user_agent_env)`` answers
the uid or ``false``; ``object.execute_kw(db, uid, password, model, method, args, kwargs)`` checks the
password on every call (``AccessDenied``), refuses private methods (``AccessError``), unknown models
(``UserError``) and unknown methods (``AttributeError``). Users made over RPC log in with their own password.

Each ``execute_kw`` is one transaction. When it must commit late (fault ``slow_commits``) or fires automation
webhooks, its changes are taken out of the tables when its work is done, the webhooks are sent and the hold
waited out with the store unlocked (other calls see the old rows), then the changes are put back: committed.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from typing import Any

from sandbox.odoo.errors import (
    AccessDenied,
    AccessError,
    MissingError,
    OperationalError,
    SerializationFailure,
    UserError,
    missing_message,
)
from sandbox.odoo.faults import Faults
from sandbox.odoo.orm import Database, Env
from sandbox.odoo.webhooks import Webhooks


def rpc_version(version: int) -> dict:
    """``common.version`` of an Odoo ``version`` (17 or 18) release."""
    return {"server_version": f"{version}.0", "server_version_info": [version, 0, 0, "final", 0, ""],
            "server_serie": f"{version}.0", "protocol_version": 1}
ADMIN_UID = 2


class OdooService:
    """Answers ``/jsonrpc`` calls against one in-memory database named ``dbname``."""

    def __init__(self, db: Database, dbname: str, login: str, password: str, faults: Faults,
                 webhooks: Webhooks | None = None) -> None:
        self.db = db
        self.dbname = dbname
        self.login = login
        self.password = password
        self.faults = faults
        self.webhooks = webhooks or Webhooks()
        self._calls: collections.Counter[str] = collections.Counter()
        self._calls_lock = threading.Lock()

    def dispatch(self, service: str, method: str, params: list) -> Any:
        """Route one call like Odoo's ``dispatch_rpc``; an unknown service is Odoo's KeyError."""
        handlers = {"common": self._common, "object": self._object, "db": self._db}
        self._count(f"{service}.{method}")
        return handlers[service](method, params)

    def calls(self) -> dict[str, int]:
        with self._calls_lock:
            return dict(self._calls)

    def reset_calls(self) -> None:
        with self._calls_lock:
            self._calls.clear()

    def _count(self, name: str) -> None:
        with self._calls_lock:
            self._calls[name] += 1

    # ---- common
    def _common(self, method: str, params: list) -> Any:
        exported: dict[str, Callable[..., Any]]
        exported = {"version": self.exp_version, "login": self.exp_login, "authenticate": self.exp_authenticate,
                    "about": self.exp_about}
        if method not in exported:
            raise Exception(f"Method not found: {method}")
        return exported[method](*params)

    def exp_version(self) -> dict:
        return rpc_version(self.db.version)

    def exp_about(self, extended: bool = False) -> Any:
        info = "See http://openerp.com"
        return [info, f"{self.db.version}.0"] if extended else info

    def exp_login(self, db: str, login: str, password: str) -> Any:
        return self.exp_authenticate(db, login, password, None)

    def exp_authenticate(self, db: str, login: str, password: str, user_agent_env: Any) -> Any:
        self._check_db(db)
        if self.faults.revoked:
            return False
        if login == self.login and password == self.password:
            return ADMIN_UID
        with self.db.transaction():
            return Env(self.db)["res.users"]._check_credentials(login, password) or False

    # ---- db
    def _db(self, method: str, params: list) -> Any:
        exported: dict[str, Callable[..., Any]]
        exported = {"list": lambda: [self.dbname], "server_version": lambda: f"{self.db.version}.0",
                    "db_exist": lambda name: name == self.dbname}
        return exported[method](*params)

    # ---- object
    def _object(self, method: str, params: list) -> Any:
        db, uid, password = params[0], int(params[1]), params[2]
        self._check_db(db)
        if self.faults.revoked:
            raise AccessDenied()
        if password != self.password and not self._password_of(uid, password):
            raise AccessDenied()
        if uid and uid not in self.db.tables["res.users"]:  # the user's credentials are read from a missing record
            raise MissingError(missing_message("res.users", [uid], uid))
        if not (uid == ADMIN_UID and password == self.password) and not self._password_of(uid, password):
            raise AccessDenied()
        if method == "execute_kw":
            return self._execute(uid, *params[3:])
        if method == "execute":
            model, name, *args = params[3:]
            return self._execute(uid, model, name, args, {})
        raise NameError(f"Method not available {method}")

    def _password_of(self, uid: int, password: Any) -> bool:
        """Whether ``password`` is the password of the active user ``uid`` (a user made over RPC)."""
        with self.db.lock:
            record = self.db.get("res.users", uid)
            return bool(record and record["active"] and record.get("_password") and record["_password"] == password)

    def _execute(self, uid: int, model: str, method: str, args: Any, kwargs: Any = None) -> Any:
        if not isinstance(method, str) or method.startswith("_"):
            raise AccessError(f"Private methods (such as {method}) cannot be called remotely.")
        with self.db.transaction():
            env = Env(self.db, uid)
            if model not in env:
                raise UserError(f"Object {model} doesn't exist")
            self._count(f"{model}.{method}")
            if self.faults.take_serialization_failure(model, method):
                raise SerializationFailure()
            result = call_kw(env, model, method, args, kwargs or {})
            hold = self.faults.take_slow_commit(model, method)
            calls = self.webhooks.prepare(env, self.db.events)
            pending = self.db.detach() if hold or calls else None
        if pending is not None:  # not committed yet: other calls see the old rows meanwhile
            self.webhooks.send(calls)
            time.sleep(hold)
            self.db.attach(pending)
        return result

    def _check_db(self, db: Any) -> None:
        if db != self.dbname:
            raise OperationalError(f'connection to server at "127.0.0.1", port 5432 failed: '
                                   f'FATAL:  database "{db}" does not exist\n')


def call_kw(env: Env, model: str, method: str, args: Any, kwargs: dict) -> Any:
    """Odoo's ``api.call_kw``: context from kwargs, ids first for record methods."""
    function = getattr(env.db.registry[model], method, None)
    kind = getattr(function, "_rpc", None)
    if kind is None:
        raise AttributeError(f"type object '{model}' has no attribute '{method}'")
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise TypeError("execute_kw expects args as a list and kwargs as an object")
    kwargs = dict(kwargs)
    context = kwargs.pop("context", None) or {}
    if not isinstance(context, dict):
        raise TypeError(f"context must be an object, got {context!r}")
    records = env.with_context(**context)[model]
    if kind == "records":
        ids, args = args[0], args[1:]
        return getattr(records, method)(ids, *args, **kwargs)
    return getattr(records, method)(*args, **kwargs)
