"""The sandbox's ``res.users``: logins with write-only passwords, so another user (the bridge's own) can log in."""

from __future__ import annotations

from typing import Any

from sandbox.odoo.fields import Boolean, Char
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register


@register
class Users(Model):
    """Users; ``password`` is write-only (read answers nothing), kept beside the record as Odoo hashes it apart."""

    _name, _description = "res.users", "User"
    _declared = {"name": Char("Name", required=True), "login": Char("Login", required=True, index=True),
                 "password": Char("Password", compute="_compute_password"),
                 "active": Boolean("Active", default=True)}
    _unique = ((("login",), "The operation cannot be completed: You can not have two users with the same login !"),)

    def _compute_password(self, record: dict) -> str:
        return ""

    def _create_one(self, vals: dict) -> int:
        vals = dict(vals)
        password = vals.pop("password", None)
        rid = super()._create_one(vals)
        self._keep_password([rid], password)
        return rid

    def _prepare_write(self, ids: list[int], vals: dict) -> dict:
        if "password" in vals:
            self._keep_password(ids, vals.pop("password"))
        return vals

    def _keep_password(self, ids: list[int], password: Any) -> None:
        for rid in ids if isinstance(password, str) and password else []:
            self.db.put(self._name, {**self._record(rid), "_password": password})

    def _check_credentials(self, login: str, password: str) -> int | None:
        """The uid of the active user ``login`` whose password is ``password``, else None."""
        for rid in sorted(self.db.lookup(self._name, "login", login) or ()):
            record = self.db.get(self._name, rid)
            if record["active"] and record.get("_password") == password:
                return rid
        return None
