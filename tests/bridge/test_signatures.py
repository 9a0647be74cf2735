"""Standard Webhooks, bearer tokens and Adobe RSA signatures, verified as pure functions."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bridge.signatures import AdobeSignatureVerifier, BearerTokens, SignatureError, StandardWebhooksVerifier, sign
from core.errors import ConfigError
from tests.bridge.conftest import OLD_SECRET, SECRET, TOKEN

NOW = 1_760_000_000
BODY = b'{"id":"evt-1","entity":"product","action":"save","key":"MB-01"}'


def verifier(*secrets: str, tolerance: int = 300, now: float = NOW) -> StandardWebhooksVerifier:
    return StandardWebhooksVerifier(secrets or (SECRET,), tolerance, clock=lambda: now)


def test_signature_is_hmac_sha256_of_id_timestamp_and_body_with_the_decoded_secret() -> None:
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, b"msg_1.%d." % NOW + BODY, hashlib.sha256).digest()).decode()
    assert sign(SECRET, "msg_1", NOW, BODY) == "v1," + expected
    verifier().verify("msg_1", str(NOW), "v1," + expected, BODY)


def test_a_changed_body_id_or_timestamp_is_refused() -> None:
    signature = sign(SECRET, "msg_1", NOW, BODY)
    for msg_id, stamp, body in [("msg_2", NOW, BODY), ("msg_1", NOW + 1, BODY), ("msg_1", NOW, BODY + b" ")]:
        with pytest.raises(SignatureError, match="no signature matches"):
            verifier().verify(msg_id, str(stamp), signature, body)


def test_rotation_accepts_a_signature_by_either_secret() -> None:
    both = verifier(SECRET, OLD_SECRET)
    both.verify("m", str(NOW), sign(OLD_SECRET, "m", NOW, BODY), BODY)
    both.verify("m", str(NOW), sign(SECRET, "m", NOW, BODY), BODY)
    with pytest.raises(SignatureError):
        verifier(SECRET).verify("m", str(NOW), sign(OLD_SECRET, "m", NOW, BODY), BODY)


def test_several_signatures_in_one_header_pass_when_one_matches() -> None:
    header = " ".join(["v1,bm90LWEtc2lnbmF0dXJl", "v1a,ignored", sign(SECRET, "m", NOW, BODY)])
    verifier().verify("m", str(NOW), header, BODY)


def test_only_v1_signatures_count() -> None:
    value = sign(SECRET, "m", NOW, BODY).removeprefix("v1,")
    with pytest.raises(SignatureError, match="no v1 signature"):
        verifier().verify("m", str(NOW), "v2," + value, BODY)


@pytest.mark.parametrize("offset, problem", [(-301, "too old"), (301, "too far in the future")])
def test_timestamps_outside_the_tolerance_are_refused_both_ways(offset: int, problem: str) -> None:
    stamp = NOW + offset
    with pytest.raises(SignatureError, match=problem):
        verifier().verify("m", str(stamp), sign(SECRET, "m", stamp, BODY), BODY)


@pytest.mark.parametrize("offset", [-300, 300])
def test_timestamps_at_the_tolerance_edge_are_accepted(offset: int) -> None:
    stamp = NOW + offset
    verifier().verify("m", str(stamp), sign(SECRET, "m", stamp, BODY), BODY)


@pytest.mark.parametrize("stamp", ["", "abc", "-5", "1.5", "١٢٣"])
def test_a_timestamp_that_is_not_whole_seconds_is_refused(stamp: str) -> None:
    with pytest.raises(SignatureError):
        verifier().verify("m", stamp, "v1,AAAA", BODY)


@pytest.mark.parametrize("headers", [(None, str(NOW), "v1,x"), ("m", None, "v1,x"), ("m", str(NOW), None),
                                     ("m", str(NOW), "garbage")])
def test_missing_or_malformed_headers_are_refused(headers: tuple[str | None, str | None, str | None]) -> None:
    with pytest.raises(SignatureError):
        verifier().verify(*headers, BODY)


def test_without_secrets_every_signature_is_refused() -> None:
    empty = StandardWebhooksVerifier((), 300, clock=lambda: NOW)
    assert not empty.configured
    with pytest.raises(SignatureError, match="WEBHOOK_SECRETS is not set"):
        empty.verify("m", str(NOW), sign(SECRET, "m", NOW, BODY), BODY)


def test_bearer_tokens_match_exactly() -> None:
    tokens = BearerTokens([TOKEN, "second-token"])
    tokens.verify(f"Bearer {TOKEN}")
    tokens.verify("bearer second-token")
    for header in [f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer", "Bearer é-not-ascii", TOKEN]:
        with pytest.raises(SignatureError):
            tokens.verify(header)


def test_bearer_tokens_refused_when_none_are_configured() -> None:
    with pytest.raises(SignatureError, match="WEBHOOK_TOKENS is not set"):
        BearerTokens(()).verify(f"Bearer {TOKEN}")


def test_adobe_signature_verifies_with_any_configured_key(adobe_public_pem: Path, adobe_sign) -> None:
    adobe = AdobeSignatureVerifier.from_pem_files([adobe_public_pem])
    adobe.verify(BODY, [None, adobe_sign(BODY)])
    adobe.verify(BODY, ["not base64!", adobe_sign(BODY)])
    with pytest.raises(SignatureError, match="no Adobe digital signature matches"):
        adobe.verify(BODY + b" ", [adobe_sign(BODY), adobe_sign(BODY)])
    with pytest.raises(SignatureError, match="missing"):
        adobe.verify(BODY, [None, None])


def test_adobe_keys_that_are_not_rsa_public_keys_stop_start_up(tmp_path: Path) -> None:
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    ec_pem = tmp_path / "ec.pem"
    ec_pem.write_bytes(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    for path in (not_pem, ec_pem):
        with pytest.raises(ConfigError, match="ADOBE_IO_PUBLIC_KEYS"):
            AdobeSignatureVerifier.from_pem_files([path])


@pytest.mark.parametrize("stamp", ["9" * 13, "9" * 309, "9" * 5000])
def test_a_timestamp_with_too_many_digits_is_refused_without_overflow(stamp: str) -> None:
    with pytest.raises(SignatureError, match="not a plausible time"):
        verifier().verify("m", stamp, "v1,AAAA", BODY)
