"""Odoo 17's automation rules with a "Send Webhook Notification" action, as the sandbox plays them.

A rule (``base.automation`` + ``ir.actions.server`` of state ``webhook``) watches a model on create and/or
write and POSTs ``{"_action": "Send Webhook Notification(#<id>)", "_id", "_model", "id", ...selected fields}``
as JSON (Odoo 17 names an automation rule's webhook action itself, whatever the rule's or action's given name)
(``json.dumps(sort_keys=True, default=str)``, fields read with ``load=None``: a many2one is its id) with a 1 s
timeout, no retry and no signature. Odoo 17 posts while the transaction is still open, so the sandbox sends
after the call's work and before its commit (``OdooService`` takes the changes out meanwhile): a receiver
reading at once sees the old data. A rule fires at every ORM create/write of a watched record, not once per
call: a real Odoo 17.0 sent 11 identical POSTs for one ``res.partner.create``, 3 for a one-field write, 10 for
a quant's ``create`` in ``inventory_mode`` and 12 for ``action_apply_inventory`` (each recompute of a stored
field runs the rule again). The sandbox posts once per create/write it makes, repeats included, each body read
after the call's work; a receiver must take repeats as the same hint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from sandbox.odoo.orm import Env

log = logging.getLogger(__name__)
TRIGGERS = {"on_create": {"create"}, "on_write": {"write"}, "on_create_or_write": {"create", "write"}}
TIMEOUT = 1.0
ACTION_NAME = "Send Webhook Notification"  # base_automation's ir.actions.server._compute_name for a webhook
KEPT_DELIVERIES = 1000


@dataclasses.dataclass(frozen=True)
class Rule:
    """One automation rule and its webhook action (``id`` is the server action's id, named in ``_action``;
    ``name`` is the rule's, which Odoo 17 does not send)."""

    id: int
    name: str
    model: str
    trigger: str
    url: str
    fields: tuple[str, ...] = ()
    trigger_fields: tuple[str, ...] = ()

    def fires_on(self, model: str, action: str, fnames: frozenset[str]) -> bool:
        """Whether a create/write of ``fnames`` (the fields it changed) fires the rule. As a real Odoo 17.0 did:
        an ``on_write`` rule without trigger fields fires at a create too (the recomputes after it write), and
        trigger fields fire only when their value changed."""
        if model != self.model:
            return False
        if action == "create":
            return "create" in TRIGGERS[self.trigger] or (self.trigger == "on_write" and not self.trigger_fields)
        return action in TRIGGERS[self.trigger] and (not self.trigger_fields or bool(fnames & set(self.trigger_fields)))


@dataclasses.dataclass(frozen=True)
class Call:
    """One webhook to send: the rule's URL and the JSON body."""

    url: str
    body: str


class Webhooks:
    """The sandbox's automation rules and the deliveries made (for tests: what was sent, and the outcome)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> dict[str, Any]:
        with self._lock:
            self._rules: list[Rule] = []
            self._deliveries: list[dict[str, Any]] = []
            self._next_id = 1
        return self.snapshot()

    def add(self, spec: Any, env: Env) -> dict[str, Any]:
        """Add a rule from ``{"url", "model", "trigger", "fields", "trigger_fields", "name"}``; ValueError if bad."""
        if not isinstance(spec, dict):
            raise ValueError("the body must be a JSON object: url, model, trigger, fields, trigger_fields, name")
        unknown = set(spec) - {"url", "model", "trigger", "fields", "trigger_fields", "name"}
        if unknown:
            raise ValueError(f"unknown webhook setting(s): {', '.join(sorted(unknown))}")
        url, model = spec.get("url"), spec.get("model")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        if not isinstance(model, str) or model not in env:
            raise ValueError(f"unknown model {model!r}")
        trigger = spec.get("trigger", "on_create_or_write")
        if trigger not in TRIGGERS:
            raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}")
        fields = _field_list(spec, "fields", env[model]._fields)
        trigger_fields = _field_list(spec, "trigger_fields", env[model]._fields)
        name = spec.get("name", ACTION_NAME)
        if not isinstance(name, str) or not name:
            raise ValueError("name must be a non-empty string")
        with self._lock:
            rule = Rule(self._next_id, name, model, trigger, url, fields, trigger_fields)
            self._next_id += 1
            self._rules.append(rule)
        return dataclasses.asdict(rule)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"rules": [dataclasses.asdict(rule) for rule in self._rules],
                    "deliveries": list(self._deliveries)}

    def prepare(self, env: Env, events: list[tuple[str, int, str, frozenset[str]]]) -> list[Call]:
        """One webhook per create/write of the call that a rule watches, bodies read inside the transaction."""
        with self._lock:
            rules = list(self._rules)
        calls = []
        for model, rid, action, fnames in events:
            for rule in rules:
                if not rule.fires_on(model, action, fnames):
                    continue
                record = env.db.get(model, rid)
                if record is not None:
                    calls.append(Call(rule.url, json.dumps(_body(env, rule, record), sort_keys=True, default=str)))
        return calls

    def send(self, calls: list[Call]) -> None:
        """POST each body with a 1 s timeout, once; failures are logged, as Odoo's are."""
        for call in calls:
            outcome: dict[str, Any] = {"url": call.url, "body": json.loads(call.body),
                                       "sent_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")}
            try:
                response = requests.post(call.url, data=call.body, headers={"Content-Type": "application/json"},
                                         timeout=TIMEOUT)
                outcome["status"] = response.status_code
            except requests.exceptions.ReadTimeout:
                outcome["error"] = "timed out after 1s"
            except requests.exceptions.RequestException as exc:
                outcome["error"] = f"failed: {exc}"
            if "error" in outcome:
                log.warning("odoo sandbox: webhook call to %s %s", call.url, outcome["error"])
            with self._lock:
                self._deliveries = (self._deliveries + [outcome])[-KEPT_DELIVERIES:]


def _field_list(spec: dict, key: str, fields: dict) -> tuple[str, ...]:
    names = spec.get(key, [])
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValueError(f"{key} must be a list of field names")
    for name in names:
        if name not in fields:
            raise ValueError(f"Invalid field {name!r} in {key}")
    return tuple(names)


def _body(env: Env, rule: Rule, record: dict) -> dict[str, Any]:
    body: dict[str, Any] = {"_model": rule.model, "_id": record["id"], "_action": f"{ACTION_NAME}(#{rule.id})"}
    if rule.fields:
        model = env[rule.model]
        body["id"] = record["id"]
        for fname in rule.fields:
            body[fname] = _loaded(model, record, fname)
    return body


def _loaded(model: Any, record: dict, fname: str) -> Any:
    """A value as ``read(load=None)`` gives it in Python: a many2one is its id; a datetime prints ``str()``."""
    field = model._fields[fname]
    if field.type == "many2one":
        return model._value(record, fname) or False
    value = model._value(record, fname)
    if field.type == "datetime" and isinstance(value, str):
        return value.removesuffix(".000000")
    return model._read_value(record, fname)
