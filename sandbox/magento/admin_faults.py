"""``/__sandbox`` fault, token, module and clock endpoints (registered on the admin blueprint)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, jsonify

from sandbox.magento.admin import AdminError, admin, current_sandbox, json_body
from sandbox.magento.faults import KINDS
from sandbox.magento.routes import MODULES
from sandbox.times import iso, utc_datetime

log = logging.getLogger("sandbox.magento.app.admin")


@admin.get("/faults")
def faults() -> Response:
    return jsonify(current_sandbox().faults.snapshot())


@admin.delete("/faults")
def clear_faults() -> Response:
    current_sandbox().faults.clear()
    return jsonify(current_sandbox().faults.snapshot())


@admin.post("/faults/latency")
def latency() -> Response:
    body = json_body()
    current_sandbox().faults.set_latency(float(body.get("ms", 0)), body.get("prefix"))
    return jsonify(current_sandbox().faults.snapshot())


@admin.post("/faults/<kind>")
def arm(kind: str) -> Response:
    kind = {"rate-limit": "rate_limit", "errors": "error"}.get(kind, kind)
    if kind not in KINDS:
        raise AdminError(404, f"unknown fault {kind!r}; known: latency, timeout, drop, errors, rate-limit")
    body = json_body()
    options: dict[str, Any] = {}
    if kind == "timeout":
        options["seconds"] = float(body.get("seconds", 30))
    if kind == "error":
        status = body.get("status", 503)
        options["statuses"] = status if isinstance(status, list) else [status]
        options["retry_after"] = int(body.get("retry_after", 1))
    if kind == "rate_limit":
        options["retry_after"] = int(body.get("retry_after", 1))
    fault = current_sandbox().faults.arm(kind, body.get("count", 1), body.get("prefix"), **options)
    return jsonify(fault.to_dict())


@admin.post("/token/<action>")
def token(action: str) -> Response:
    if action not in ("revoke", "restore"):
        raise AdminError(404, "use /token/revoke or /token/restore")
    sandbox = current_sandbox()
    sandbox.faults.token_revoked = action == "revoke"
    log.info("access token %s", "revoked" if sandbox.faults.token_revoked else "restored")
    return jsonify({"revoked": sandbox.faults.token_revoked})


@admin.put("/token")
def set_token() -> Response:
    value = json_body().get("token")
    if not isinstance(value, str) or not value:
        raise AdminError(400, "give the new token as {\"token\": \"...\"}")
    current_sandbox().token = value
    log.info("access token replaced")
    return jsonify({"token_set": True})


@admin.get("/modules")
def modules() -> Response:
    disabled = current_sandbox().faults.snapshot()["disabled_modules"]
    return jsonify({name: name not in disabled for name in MODULES})


@admin.post("/modules/<name>/<action>")
def switch_module(name: str, action: str) -> Response:
    if name not in MODULES or action not in ("enable", "disable"):
        raise AdminError(404, f"use /modules/<name>/enable|disable with a name among {', '.join(MODULES)}")
    current_sandbox().faults.set_modules([name], enabled=action == "enable")
    return modules()


@admin.get("/clock")
def clock() -> Response:
    clock = current_app.config["MAGENTO_SANDBOX_CLOCK"]
    now = clock()
    return jsonify({"now": now.strftime("%Y-%m-%d %H:%M:%S"), "iso": iso(now), "frozen": clock.frozen})


@admin.post("/clock")
def set_clock() -> Response:
    """``{"freeze": "2024-05-01 10:00:00"}``, ``{"advance": 90}`` (seconds) or ``{"release": true}``."""
    body, sandbox_clock = json_body(), current_app.config["MAGENTO_SANDBOX_CLOCK"]
    if body.get("freeze"):
        sandbox_clock.freeze(utc_datetime(str(body["freeze"])))
    if body.get("advance"):
        sandbox_clock.advance(float(body["advance"]))
    if body.get("release"):
        sandbox_clock.release()
    log.info("sandbox clock now %s%s", sandbox_clock().isoformat(), " (frozen)" if sandbox_clock.frozen else "")
    return clock()
