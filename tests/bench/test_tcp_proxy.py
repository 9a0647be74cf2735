"""The test TCP proxy (bench/tcp_proxy.py) in front of a small echo server."""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import cast

import pytest

from bench.tcp_proxy import TcpProxy


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        with contextlib.suppress(OSError):
            while data := self.request.recv(65536):
                self.request.sendall(data)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        with TcpProxy(cast(tuple[str, int], server.server_address)) as tcp_proxy:
            yield tcp_proxy
    finally:
        server.shutdown()
        server.server_close()


def connect(proxy: TcpProxy) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=5)


def echoes(sock: socket.socket, data: bytes = b"ping") -> bool:
    """Whether ``data`` comes back whole; False when the connection is closed or fails."""
    try:
        sock.sendall(data)
        received = b""
        while len(received) < len(data):
            chunk = sock.recv(65536)
            if not chunk:
                return False
            received += chunk
        return received == data
    except OSError:
        return False


def test_bytes_go_through_both_ways(proxy: TcpProxy) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB: more than one socket buffer
    with connect(proxy) as first, connect(proxy) as second:
        assert echoes(first, payload)
        assert echoes(second, b"second") and echoes(first, b"first")


def test_drop_closes_open_connections_and_lets_new_ones_through(proxy: TcpProxy) -> None:
    with connect(proxy) as sock:
        assert echoes(sock)
        proxy.drop()
        assert not echoes(sock)
    with connect(proxy) as sock:
        assert echoes(sock)


def test_cut_fails_open_and_new_connections_until_restore(proxy: TcpProxy) -> None:
    with connect(proxy) as before:
        assert echoes(before)
        proxy.cut()
        assert not echoes(before)
    with connect(proxy) as during:
        assert not echoes(during)
    proxy.restore()
    with connect(proxy) as after:
        assert echoes(after)


def test_close_stops_listening(proxy: TcpProxy) -> None:
    proxy.close()
    with pytest.raises(ConnectionRefusedError):
        connect(proxy).close()


@pytest.mark.parametrize(("url", "expected"), [
    ("amqp://guest:guest@127.0.0.1:5672/bridge-test%2Fx", "amqp://guest:guest@127.0.0.1:{port}/bridge-test%2Fx"),
    ("amqp://user:p%40ss@broker.example/vhost?heartbeat=5", "amqp://user:p%40ss@127.0.0.1:{port}/vhost?heartbeat=5"),
    ("http://localhost:8080/path", "http://127.0.0.1:{port}/path"),
])
def test_url_for_points_a_url_at_the_proxy(proxy: TcpProxy, url: str, expected: str) -> None:
    assert proxy.url_for(url) == expected.format(port=proxy.port)
