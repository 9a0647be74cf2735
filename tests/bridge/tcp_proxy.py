"""A small TCP proxy for outage tests: forwards 127.0.0.1:<port> to a target; cut() drops every connection."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading

from tests import support


class TcpProxy:
    """Forwards connections to ``target``; while cut, live connections are closed and new ones refused."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = support.free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.1)
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones until restore()."""
        with self._lock:
            self._cut = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        self._thread.join(2)
        self._listener.close()

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
            self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets.update((client, upstream))
        threading.Thread(target=_pump, args=(client, upstream), daemon=True).start()


def _pump(left: socket.socket, right: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""
    selector = selectors.DefaultSelector()
    peers = {left: right, right: left}
    for sock in peers:
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
    try:
        while True:
            for key, _ in selector.select(1.0):
                data = key.fileobj.recv(65536)
                if not data:
                    return
                peers[key.fileobj].setblocking(True)
                peers[key.fileobj].sendall(data)
                peers[key.fileobj].setblocking(False)
    except (OSError, ValueError):
        return
    finally:
        selector.close()
        for sock in peers:
            sock.close()
