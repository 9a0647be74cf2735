"""The notification endpoints and the WSGI fast path that serves them in front of Flask."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import Client

from bridge.endpoints import FastPath, NotificationEndpoint, mimetype
from tests.bridge.conftest import TOKEN, notification, signed_headers

BEARER = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def flask_only(app: Flask) -> Flask:
    """The same receiver with the fast path taken out, so Flask's routes answer every request."""
    assert isinstance(app.wsgi_app, FastPath)
    app.wsgi_app = app.wsgi_app._app  # type: ignore[method-assign]
    return app


def answers(client: Client, requests_: list[tuple[bytes, dict[str, str]]]) -> list[tuple[int, Any, str | None]]:
    results = []
    for body, headers in requests_:
        response = client.post("/webhooks/magento", data=body, headers=headers)
        results.append((response.status_code, response.get_json(), response.headers.get("Connection")))
    return results


def test_the_fast_path_answers_exactly_as_the_flask_routes(make_app: Callable[..., Flask], amqp_channel) -> None:
    fast, slow = make_app(max_body_bytes="700").test_client(), flask_only(make_app(max_body_bytes="700")).test_client()

    def cases(prefix: str) -> list[tuple[bytes, dict[str, str]]]:
        body = notification(f"{prefix}-1")
        return [(body, signed_headers(body)), (body, BEARER),  # accepted, then a duplicate
                (notification(f"{prefix}-2"), {"Content-Type": "application/json"}),  # 401
                (notification(f"{prefix}-3"), {**BEARER, "Content-Type": "text/plain"}),  # 415
                (b"{not json", BEARER),  # 400
                (notification(f"{prefix}-4", action="explode"), BEARER),  # 400 with details
                (notification(f"{prefix}-5", padding="x" * 800), BEARER)]  # 413

    def without_ids(results: list[tuple[int, Any, str | None]]) -> list[Any]:
        return [(status, json.dumps(body).replace("fast", "ID").replace("slow", "ID"), connection)
                for status, body, connection in results]

    fast_answers, slow_answers = answers(fast, cases("fast")), answers(slow, cases("slow"))
    assert [status for status, _, _ in fast_answers] == [202, 200, 401, 415, 400, 400, 413]
    assert without_ids(fast_answers) == without_ids(slow_answers)


def test_other_methods_and_paths_reach_the_flask_app(client) -> None:
    assert client.get("/webhooks/magento").status_code == 405
    assert client.get("/healthz").json == {"status": "alive"}
    assert client.post("/webhooks/elsewhere", data=b"{}", headers=BEARER).status_code == 404


def endpoint_raising(error: Exception) -> NotificationEndpoint:
    def authenticate(headers: Any, body: bytes) -> None:
        raise error
    return NotificationEndpoint(None, authenticate, lambda payload: [], max_body_bytes=1024)


def test_an_unexpected_error_is_a_json_500_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        raise AssertionError("the fast path must not pass its own endpoints on")

    client = Client(FastPath(app, {"/hook": endpoint_raising(RuntimeError("boom"))}, debug_pid_header=True))
    with caplog.at_level(logging.ERROR, logger="bridge.endpoints"):
        response = client.post("/hook", data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 500
    assert response.json == {"error": "internal error; retry later", "details": {}}
    assert response.headers["Content-Length"] == str(len(response.data))
    assert "X-Receiver-Pid" in response.headers
    assert "unexpected error on POST /hook" in caplog.text


def test_the_content_type_is_compared_without_parameters_or_case() -> None:
    assert mimetype({"CONTENT_TYPE": "Application/JSON; charset=utf-8"}) == "application/json"
    assert mimetype({}) == ""
