"""The bench's baseline: a Flask endpoint that reads the body and answers 202, nothing else."""

from __future__ import annotations

from flask import Flask, Response, request


def create_app() -> Flask:
    app = Flask("noop")

    @app.post("/webhooks/magento")
    def accept() -> Response:
        request.get_data()
        return Response('{"accepted":"noop"}', status=202, mimetype="application/json")

    return app
