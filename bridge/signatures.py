"""Sender authentication (pure): Standard Webhooks HMAC signatures, bearer tokens, Adobe I/O RSA signatures.

Standard Webhooks (https://www.standardwebhooks.com, modelled on svix's verifier): the sender signs
``{webhook-id}.{webhook-timestamp}.{raw body}`` with HMAC-SHA256, key = base64-decoded part of the secret
after ``whsec_``, and sends ``webhook-signature: v1,<base64>`` (several, space separated, during a key
rotation). A timestamp further than the tolerance from now, in either direction, is refused, so a captured
request cannot be replayed later. Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from core.errors import ConfigError
from core.parsing import webhook_secret_key

_MAX_TIMESTAMP_DIGITS = 12  # seconds since the epoch: 10 digits until the year 2286


class SignatureError(Exception):
    """The request is not authentic; the message says why, without revealing any secret."""


class StandardWebhooksVerifier:
    """Verifies ``webhook-id``/``webhook-timestamp``/``webhook-signature`` against one or more secrets."""

    def __init__(self, secrets: Iterable[str], tolerance_seconds: int,
                 clock: Callable[[], float] = time.time) -> None:
        self._keys = tuple(webhook_secret_key(secret) for secret in secrets)
        self._tolerance = tolerance_seconds
        self._clock = clock

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, msg_id: str | None, timestamp: str | None, signature_header: str | None,
               body: bytes) -> None:
        """Return when one ``v1`` signature matches one key; raise SignatureError otherwise."""
        if not self._keys:
            raise SignatureError("signed notifications are not accepted: WEBHOOK_SECRETS is not set")
        if not msg_id or not timestamp or not signature_header:
            raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
        self._check_timestamp(timestamp)
        offered = [sig for version, sig in _split_signatures(signature_header) if version == "v1"]
        if not offered:
            raise SignatureError("webhook-signature holds no v1 signature")
        signed = b"%s.%s.%s" % (msg_id.encode(), timestamp.encode(), body)
        for key in self._keys:
            expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
            if any(hmac.compare_digest(expected, candidate) for candidate in offered):
                return
        raise SignatureError("no signature matches")

    def _check_timestamp(self, timestamp: str) -> None:
        if not (timestamp.isascii() and timestamp.isdigit()):
            raise SignatureError("webhook-timestamp must be whole seconds since the epoch")
        if len(timestamp) > _MAX_TIMESTAMP_DIGITS:
            raise SignatureError(
                f"webhook-timestamp is not a plausible time (more than {_MAX_TIMESTAMP_DIGITS} digits)")
        skew = int(timestamp) - self._clock()
        if skew < -self._tolerance:
            raise SignatureError(f"webhook-timestamp is too old (more than {self._tolerance} s ago)")
        if skew > self._tolerance:
            raise SignatureError(f"webhook-timestamp is too far in the future (more than {self._tolerance} s)")


def _split_signatures(header: str) -> list[tuple[str, bytes]]:
    pairs = []
    for item in header.split():
        version, _, value = item.partition(",")
        if value:
            pairs.append((version, value.encode("latin-1", "replace")))
    return pairs


def sign(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The ``webhook-signature`` value a Standard Webhooks sender computes (used by tests and the bench)."""
    signed = b"%s.%s.%s" % (msg_id.encode(), str(timestamp).encode(), body)
    digest = hmac.new(webhook_secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class BearerTokens:
    """Static tokens accepted in ``Authorization: Bearer <token>``, compared in constant time."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._tokens = tuple(token.encode() for token in tokens)

    @property
    def configured(self) -> bool:
        return bool(self._tokens)

    def verify(self, authorization: str) -> None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SignatureError("Authorization must be 'Bearer <token>'")
        if not self._tokens:
            raise SignatureError("bearer tokens are not accepted: WEBHOOK_TOKENS is not set")
        offered = token.strip().encode("latin-1", "replace")
        matches = [hmac.compare_digest(offered, known) for known in self._tokens]
        if not any(matches):
            raise SignatureError("unknown bearer token")


class AdobeSignatureVerifier:
    """Verifies ``x-adobe-digital-signature-1/-2`` (RSA-SHA256, PKCS#1 v1.5, over the raw body)."""

    def __init__(self, public_keys: Sequence[rsa.RSAPublicKey]) -> None:
        self._keys = tuple(public_keys)

    @classmethod
    def from_pem_files(cls, paths: Iterable[Path]) -> AdobeSignatureVerifier:
        """Load every PEM once at start-up; a file that is not an RSA public key raises ConfigError."""
        return cls([_load_rsa_public_key(Path(path)) for path in paths])

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def verify(self, body: bytes, signatures: Iterable[str | None]) -> None:
        if not self._keys:
            raise SignatureError("Adobe I/O Events are not accepted: ADOBE_IO_PUBLIC_KEYS is not set")
        decoded = [_b64(sig) for sig in signatures if sig]
        if not decoded:
            raise SignatureError("missing x-adobe-digital-signature-1/-2 header")
        for signature in filter(None, decoded):
            for key in self._keys:
                try:
                    key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
                    return
                except InvalidSignature:
                    continue
        raise SignatureError("no Adobe digital signature matches the configured public keys")


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def _load_rsa_public_key(path: Path) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ConfigError(f"ADOBE_IO_PUBLIC_KEYS: {path} is not a PEM public key ({exc})") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError(f"ADOBE_IO_PUBLIC_KEYS: {path} is not an RSA public key")
    return key
