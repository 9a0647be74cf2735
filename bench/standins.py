"""Magento and ERP stand-ins for benchmarks: one asyncio process, HTTP/1.1 keep-alive, a fixed latency.

The project's sandboxes are full Flask applications that cost 1.5-8 ms of CPU per request; a benchmark of
800 records/s needs 1,600 answers/s, more than two cores give them. These stand-ins answer only what the
consumer benchmark calls, on the protocol level of asyncio (no framework, no thread per connection): an
answer costs about 0.3 ms of CPU on the development machine, kernel TCP work included, and the wait is a
timer, not a sleeping thread:

- Magento (``--magento-port``): ``GET /rest/{store}/V1/products/{sku}`` answers a full simple product in
  the shape the Magento sandbox builds from its seed (``sandbox.magento.shapes.expand_product``), for any
  SKU, with a fixed ``updated_at`` (a new ``id`` per SKU); any other call answers Magento's 404
  "Request does not match any route.".
- ERP (``--erp-port``): ``PUT /{entity}/{key}`` answers ``200 {"id": N}`` (N stable per record),
  ``DELETE /{entity}/{key}`` ``204``; any other call ``404``.
- Both: ``GET /__standin/stats`` answers ``{"magento_gets": n, "erp_puts": n, "erp_deletes": n,
  "connections": n}`` at once (connections: accepted on both ports so far).

Every other answer comes ``--latency-ms`` after its request has arrived in full (stats at once when
nothing else waits on the connection). Requests on one connection
are answered in order (HTTP/1.1), each after its own wait. Run: ``python -m bench.standins --magento-port P
--erp-port Q [--latency-ms 20]``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import json
import signal
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from sandbox.magento.shapes import expand_product

UPDATED_AT = "2026-01-15 09:30:00"
CREATED_AT = "2025-11-03 14:02:11"
STATS_PATH = "/__standin/stats"
MAX_HEAD_BYTES = 64 * 1024
ROUTE_MISSING = {"message": "Request does not match any route."}
EMPTY_LIST = b'{"items":[],"search_criteria":{"filter_groups":[],"page_size":1,"current_page":1},"total_count":0}'
REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           501: "Not Implemented"}
DESCRIPTION = ("<p>A waterproof, breathable shell with a fleece lining for the coldest days.</p>\n<p>&bull; "
               "Adjustable hood.<br />&bull; Two zipped pockets.<br />&bull; Machine wash.</p>")


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes
    keep_alive: bool


Answer = tuple[int, bytes]  # status code, JSON body (empty for 204)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def product(sku: str, product_id: int) -> bytes:
    """A simple product for ``sku`` as the Magento sandbox shapes it (about 45 microseconds of CPU)."""
    return _json(expand_product({
        "id": product_id, "sku": sku, "name": f"Ridgeline Parka {sku}", "attribute_set_id": 10, "price": 189,
        "status": 1, "visibility": 4, "type_id": "simple", "weight": 1.8, "created_at": CREATED_AT,
        "updated_at": UPDATED_AT, "category_ids": [4, 7], "stock": {"qty": 14, "is_in_stock": True},
        "media": ["/n/w/nw-parka-red_main.jpg", "/n/w/nw-parka-red_back.jpg"],
        "attributes": {"url_key": f"ridgeline-parka-{product_id}", "tax_class_id": "2", "has_options": "0",
                       "required_options": "0", "size": "5201", "color": "5101", "options_container": "container2",
                       "msrp_display_actual_price_type": "0", "description": DESCRIPTION}}, lambda child: 0))


class Backends:
    """What the two stand-ins answer, and how many calls of each kind they served."""

    def __init__(self) -> None:
        self.product_ids: dict[str, int] = {}
        self.erp_ids: dict[tuple[str, str], int] = {}
        self.counts: collections.Counter[str] = collections.Counter()

    def stats(self) -> Answer:
        names = ("magento_gets", "erp_puts", "erp_deletes", "connections")
        return 200, _json({name: self.counts[name] for name in names})

    def magento(self, request: Request) -> Answer:
        parts = request.path.split("/")  # "", "rest", store, "V1", "products", sku
        if request.method == "GET" and parts[1:2] == ["rest"] and parts[3:] == ["V1", "products"]:
            return 200, EMPTY_LIST  # the consumers' start-up check lists one product
        if request.method != "GET" or len(parts) != 6 or parts[1] != "rest" or parts[3:5] != ["V1", "products"]:
            return 404, _json(ROUTE_MISSING)
        sku = unquote(parts[5])
        product_id = self.product_ids.setdefault(sku, len(self.product_ids) + 1)
        self.counts["magento_gets"] += 1
        return 200, product(sku, product_id)

    def erp(self, request: Request) -> Answer:
        parts = request.path.split("/")  # "", entity, key
        if len(parts) != 3 or not parts[1] or not parts[2]:
            return 404, _json({"error": f"no route {request.path}"})
        record = (unquote(parts[1]), unquote(parts[2]))
        if request.method == "PUT":
            self.counts["erp_puts"] += 1
            return 200, _json({"id": self.erp_ids.setdefault(record, len(self.erp_ids) + 1)})
        if request.method == "DELETE":
            self.counts["erp_deletes"] += 1
            self.erp_ids.pop(record, None)
            return 204, b""
        return 405, _json({"error": f"{request.method} is not supported"})


class HttpStandIn(asyncio.Protocol):
    """One keep-alive connection: parses requests, answers each ``latency`` seconds after it arrived, in order."""

    def __init__(self, backends: Backends, answer: Callable[[Request], Answer], latency: float) -> None:
        self._backends, self._answer, self._latency = backends, answer, latency
        self._buffer = bytearray()
        self._pending: collections.deque[tuple[Request, float]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._backends.counts["connections"] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (request := self._next_request()) is not None:
            if request.path == STATS_PATH and not self._pending:
                self._send(request, *self._backends.stats())
                continue
            self._pending.append((request, asyncio.get_running_loop().time() + self._latency))
            self._schedule()

    def _next_request(self) -> Request | None:
        """The next complete request in the buffer (removed from it), or None while more bytes are needed."""
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD_BYTES:
                self._fail(400, "request head too large")
            return None
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        method, target, version = (lines[0].split(" ") + ["", ""])[:3]
        headers = {name.strip().lower(): value.strip()
                   for name, _, value in (line.partition(":") for line in lines[1:])}
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._fail(501, "chunked request bodies are not supported")
            return None
        declared = headers.get("content-length", "0")
        if not declared.isdigit():
            self._fail(400, "bad Content-Length")
            return None
        length = int(declared)
        if len(self._buffer) < end + 4 + length:
            return None
        body = bytes(self._buffer[end + 4:end + 4 + length])
        del self._buffer[:end + 4 + length]
        connection = headers.get("connection", "").lower()
        keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
        return Request(method, target.split("?", 1)[0], body, keep_alive)

    def _schedule(self) -> None:
        if self._timer is None and self._pending:
            delay = self._pending[0][1] - asyncio.get_running_loop().time()
            self._timer = asyncio.get_running_loop().call_later(max(0.0, delay), self._answer_first)

    def _answer_first(self) -> None:
        self._timer = None
        request, _ = self._pending.popleft()
        self._send(request, *self._answer(request))
        self._schedule()

    def _send(self, request: Request, status: int, body: bytes) -> None:
        if self._transport is None:
            return
        head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
        if status != 204:
            head += ["Content-Type: application/json; charset=utf-8", f"Content-Length: {len(body)}"]
        if not request.keep_alive:
            head.append("Connection: close")
        self._transport.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        if not request.keep_alive:
            self._transport.close()

    def _fail(self, status: int, reason: str) -> None:
        """Answer an unreadable request at once and close the connection."""
        self._pending.clear()
        self._buffer.clear()
        self._send(Request("", "", b"", keep_alive=False), status, _json({"error": reason}))


async def serve(magento_port: int, erp_port: int, latency_ms: float, host: str = "127.0.0.1") -> None:
    """Serve both stand-ins until SIGTERM or SIGINT (the ERP's port opens first, then Magento's)."""
    loop = asyncio.get_running_loop()
    backends, latency = Backends(), latency_ms / 1000
    erp = await loop.create_server(lambda: HttpStandIn(backends, backends.erp, latency), host, erp_port,
                                   backlog=512)
    magento = await loop.create_server(lambda: HttpStandIn(backends, backends.magento, latency), host,
                                       magento_port, backlog=512)
    stopped = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    for server in (magento, erp):
        server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--magento-port", type=int, required=True)
    parser.add_argument("--erp-port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="how long each answer waits (default 20)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.magento_port, args.erp_port, args.latency_ms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
