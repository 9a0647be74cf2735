"""How every sandbox (Magento, Odoo, the HTTP ERP) is served: werkzeug's threaded server, quietly, in the foreground."""

from __future__ import annotations

from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 answers (werkzeug still closes each connection), no Nagle delay, no log line per request."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def threaded_server(app: Any, host: str, port: int) -> BaseWSGIServer:
    """A bound server answering each request of ``app`` in a thread of its own (port 0 picks a free port)."""
    return make_server(host, port, app, threaded=True, request_handler=QuietHandler)


def serve_until_interrupted(server: BaseWSGIServer) -> None:
    """Serve in the foreground until KeyboardInterrupt (Ctrl-C), then close the listening socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
