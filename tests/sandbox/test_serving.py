"""The sandboxes' serving: a quiet threaded HTTP/1.1 server, and the foreground loop ended by Ctrl-C."""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sandbox.serving import serve_until_interrupted, threaded_server


def _hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"hi"]


def test_a_threaded_server_answers_in_http_1_1_and_logs_no_request(caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = threaded_server(_hello, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)
        connection.request("GET", "/")
        response = connection.getresponse()
        answer = (response.version, response.read())
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert answer == (11, b"hi")
    assert [record.getMessage() for record in caplog.records if record.name == "werkzeug"] == []


def test_serving_in_the_foreground_ends_quietly_on_ctrl_c_and_closes_the_socket():
    server = threaded_server(_hello, "127.0.0.1", 0)

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    server.serve_forever = interrupted
    serve_until_interrupted(server)
    assert server.socket.fileno() == -1
