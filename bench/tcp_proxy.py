"""A small TCP proxy for outage tests: forwards 127.0.0.1:<port> to a target, and drops or refuses on demand.

``drop()`` closes every forwarded connection (the target stays up, new connections go through: a network
blip); ``cut()`` does the same and refuses new connections until ``restore()`` (an outage).
``url_for(url)`` points a client's URL at the proxy. Tested in tests/bench/test_tcp_proxy.py.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    """Forwards connections to ``target`` (host, port) once started; usable as a context manager."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's (scheme, credentials and path kept)."""
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
        address = f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=f"{userinfo}@{address}" if userinfo else address))

    def drop(self) -> None:
        """Close every forwarded connection; new ones still go through."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones until ``restore()``."""
        with self._lock:
            self._cut = True
        self.drop()

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        if self._thread.ident is not None:
            self._thread.join(2)
        self._listener.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                refused = self._cut
            if refused:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                refused = self._cut  # cut while connecting: this connection must not survive it
                if not refused:
                    self._sockets.update((client, upstream))
            if refused:
                client.close()
                upstream.close()
                continue
            threading.Thread(target=self._serve, args=(client, upstream), name="tcp-proxy-link",
                             daemon=True).start()

    def _serve(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes (or drop()), then close both sockets."""
        back = threading.Thread(target=self._copy_back, args=(upstream, client), name="tcp-proxy-back", daemon=True)
        back.start()
        _copy(client, upstream)
        back.join()
        with self._lock:
            self._sockets.difference_update((client, upstream))
        client.close()
        upstream.close()

    def _copy_back(self, source: socket.socket, sink: socket.socket) -> None:
        """The target's answers to the client (a subclass may hold them)."""
        _copy(source, sink)


def _copy(source: socket.socket, sink: socket.socket) -> None:
    """One direction; when it ends, both sockets are shut down so the other direction ends too."""
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
