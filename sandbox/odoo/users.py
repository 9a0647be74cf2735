"""The sandbox's ``res.users`` and ``res.groups``: logins with write-only passwords, so another user (the bridge's
own) can log in, and groups for the access rights a real Odoo 17 showed the bridge's user meeting: only the
"Administration / Access Rights" group (or "Settings", which implies it) may create, modify or delete other users;
only an Inventory Administrator applies an inventory count (``stock.py``)."""

from __future__ import annotations

from typing import Any

from sandbox.odoo.errors import AccessError
from sandbox.odoo.fields import Boolean, Char, Many2many
from sandbox.odoo.model import Model
from sandbox.odoo.orm import register

# xmlid, id and name of the groups a real Odoo 17 (stock installed) gives these ids
GROUPS = (("base", "group_user", 1, "Internal User"), ("base", "group_erp_manager", 2, "Access Rights"),
          ("base", "group_system", 4, "Settings"), ("stock", "group_stock_user", 22, "User"),
          ("stock", "group_stock_manager", 23, "Administrator"))
USER_MANAGERS = ("base.group_erp_manager", "base.group_system")
# what a user created without ``groups_id`` gets in a fresh Odoo 17 with stock (among others, left out here)
DEFAULT_GROUPS = ("base.group_user", "stock.group_stock_user", "stock.group_stock_manager")
DENIED = ("You are not allowed to {verb} 'User' (res.users) records.\n\nThis operation is allowed for the "
          "following groups:\n\t- Administration/Access Rights\n\nContact your administrator to request access if "
          "necessary.")


@register
class Groups(Model):
    """Access groups, by name only: implied groups are not added (a real Odoo reads them in ``groups_id``)."""

    _name, _description = "res.groups", "Access Groups"
    _declared = {"name": Char("Name", required=True)}


@register
class Users(Model):
    """Users; ``password`` is write-only (read answers nothing), kept beside the record as Odoo hashes it apart."""

    _name, _description = "res.users", "User"
    _declared = {"name": Char("Name", required=True), "login": Char("Login", required=True, index=True),
                 "password": Char("Password", compute="_compute_password"),
                 "active": Boolean("Active", default=True), "groups_id": Many2many("res.groups", "Groups")}
    _unique = ((("login",), "The operation cannot be completed: You can not have two users with the same login !"),)

    def _compute_password(self, record: dict) -> str:
        return ""

    def _read_value(self, record: dict, fname: str) -> Any:
        """As Odoo 17: ``password`` reads ``""`` (its compute's empty text), not ``False``."""
        return "" if fname == "password" else super()._read_value(record, fname)

    def _check_manager(self, verb: str, ids: tuple[int, ...] | list[int] = ()) -> None:
        """Odoo's AccessError unless the user may manage users (a user may still write its own record)."""
        uid = self.env.uid
        if uid == 1 or set(ids) <= {uid} and verb == "modify":
            return
        if not any(in_group(self.env, xmlid) for xmlid in USER_MANAGERS):
            raise AccessError(DENIED.format(verb=verb))

    def _default_groups(self) -> list[int]:
        try:
            return [self.env.ref(xmlid) for xmlid in DEFAULT_GROUPS]
        except ValueError:  # a database seeded without groups
            return []

    def _before_unlink(self, ids: list[int]) -> None:
        self._check_manager("delete")

    def _create_one(self, vals: dict) -> int:
        self._check_manager("create")
        vals = dict(vals)
        if "groups_id" not in vals:
            vals["groups_id"] = [(6, 0, self._default_groups())]
        password = vals.pop("password", None)
        rid = super()._create_one(vals)
        self._keep_password([rid], password)
        return rid

    def _prepare_write(self, ids: list[int], vals: dict) -> dict:
        self._check_manager("modify", ids)
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


def in_group(env: Any, xmlid: str) -> bool:
    """Whether the environment's user is in the group ``xmlid`` (the superuser always; implied groups not followed)."""
    if env.uid == 1:
        return True
    user = env.db.get("res.users", env.uid)
    try:
        return user is not None and env.ref(xmlid) in (user.get("groups_id") or [])
    except ValueError:  # a database seeded without groups
        return False
