"""Fixtures for the receiver's tests: signing secrets, RSA keys, a receiver app on the test vhost, helpers."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pika
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Flask
from flask.testing import FlaskClient

from bench.tcp_proxy import TcpProxy
from bridge.app import assemble, stop
from bridge.signatures import sign
from core.settings import Settings

SECRET = "whsec_" + base64.b64encode(b"bridge-test-secret-0123456789abc").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"bridge-test-old-secret-987654321").decode()
TOKEN = "tok_bridge_test_5b1f0e"


def signed_headers(body: bytes, *, secret: str = SECRET, msg_id: str = "msg_1", timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:
    """Standard Webhooks headers for ``body``, signed now unless ``timestamp`` says otherwise."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, msg_id, stamp, body), "Content-Type": content_type}


def notification(event_id: str = "evt-1", entity: str = "product", action: str = "save",
                 key: Any = "MB-01", **extra: Any) -> bytes:
    return json.dumps({"id": event_id, "entity": entity, "action": action, "key": key, **extra}).encode()


@pytest.fixture(scope="session")
def adobe_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def adobe_public_pem(adobe_private_key: rsa.RSAPrivateKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("adobe") / "adobe-io-pub.pem"
    path.write_bytes(adobe_private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


@pytest.fixture
def adobe_sign(adobe_private_key: rsa.RSAPrivateKey) -> Callable[[bytes], str]:
    """The ``x-adobe-digital-signature-N`` value Adobe I/O Events would send for a body."""
    def signature(body: bytes) -> str:
        raw = adobe_private_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode()
    return signature


@pytest.fixture
def receiver_settings(make_settings: Callable[..., Settings], broker: str,
                      adobe_public_pem: Path) -> Callable[..., Settings]:
    """Settings for a receiver on the test vhost with a secret, a token and an Adobe key; overrides win."""
    def build(**overrides: Any) -> Settings:
        base = {"AMQP_URL": broker, "WEBHOOK_SECRETS": SECRET, "WEBHOOK_TOKENS": TOKEN,
                "ADOBE_IO_PUBLIC_KEYS": str(adobe_public_pem), "PUBLISH_TIMEOUT_SECONDS": "3"}
        base.update({key.upper(): value for key, value in overrides.items()})
        return make_settings(**base)
    return build


@pytest.fixture
def make_app(receiver_settings: Callable[..., Settings]) -> Iterator[Callable[..., Flask]]:
    """Build receiver apps (closed at the end of the test)."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = assemble(receiver_settings(**overrides))
        apps.append(app)
        return app
    yield build
    for app in apps:
        stop(app)


@pytest.fixture
def client(make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app().test_client()


def drain(channel: pika.adapters.blocking_connection.BlockingChannel, queue: str) -> list[tuple[Any, bytes]]:
    """Every message in ``queue`` as (properties, body), acknowledged."""
    messages: list[tuple[Any, bytes]] = []
    while True:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return messages
        messages.append((properties, body))


@pytest.fixture
def broker_proxy(broker: str) -> Iterator[TcpProxy]:
    """A TCP proxy in front of the test broker; ``proxied_url(broker, proxy)`` points a client at it."""
    proxy = TcpProxy(("127.0.0.1", urlsplit(broker).port or 5672)).start()
    yield proxy
    proxy.close()


class HoldingProxy(TcpProxy):
    """A TcpProxy that can hold the target's answers: ``hold()`` stops forwarding them (the connection stays
    open, nothing is lost), ``release()`` sends them on. A broker that stopped answering, as a client sees it."""

    def __init__(self, target: tuple[str, int]) -> None:
        super().__init__(target)
        self.flowing = threading.Event()
        self.flowing.set()

    def hold(self) -> None:
        self.flowing.clear()

    def release(self) -> None:
        self.flowing.set()

    def _copy_back(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                while not self.flowing.wait(0.1):
                    if self._closed:
                        return
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def holding_proxy(broker: str) -> Iterator[HoldingProxy]:
    """A HoldingProxy in front of the test broker."""
    proxy = HoldingProxy(("127.0.0.1", urlsplit(broker).port or 5672)).start()
    yield proxy
    proxy.release()
    proxy.close()


def proxied_url(url: str, proxy: TcpProxy) -> str:
    return proxy.url_for(url)


def vhost_of(url: str) -> str:
    return unquote(urlsplit(url).path.lstrip("/"))
