"""Bearer tokens and OAuth 1.0a signatures (signed here the way requests-oauthlib signs)."""

from __future__ import annotations

import pytest
from oauthlib.oauth1 import Client

from sandbox.magento.app import create_app, sandbox_of
from sandbox.magento.auth import OAuthKeys, bearer_ok, oauth_ok

KEYS = OAuthKeys("consumer-key-1", "consumer-secret-1", "token-secret-1")
URL = "http://localhost/rest/V1/products/BAG%2FTOTE-01?fields=sku"


def signed(method: str = "HMAC-SHA256", token: str = "oauth-token", secret: str = KEYS.consumer_secret,
           url: str = URL) -> str:
    client = Client(KEYS.consumer_key, client_secret=secret, resource_owner_key=token,
                    resource_owner_secret=KEYS.token_secret, signature_method=method)
    return client.sign(url, "GET")[1]["Authorization"]


def test_bearer_ok():
    assert bearer_ok("Bearer abc", "abc") and bearer_ok("bearer abc ", "abc")
    assert not bearer_ok("Bearer abd", "abc") and not bearer_ok("abc", "abc") and not bearer_ok("Bearer ", "")


@pytest.mark.parametrize("method", ["HMAC-SHA256", "HMAC-SHA1"])
def test_oauth_signature_is_verified(method):
    assert oauth_ok(signed(method), "oauth-token", KEYS, "GET", URL, None, b"")


def test_oauth_with_a_wrong_secret_token_or_url_fails():
    assert not oauth_ok(signed(secret="nope"), "oauth-token", KEYS, "GET", URL, None, b"")
    assert not oauth_ok(signed(token="other"), "oauth-token", KEYS, "GET", URL, None, b"")
    assert not oauth_ok(signed(), "oauth-token", KEYS, "GET", URL.replace("fields=sku", "fields=id"), None, b"")
    assert not oauth_ok(signed(), "oauth-token", None, "GET", URL, None, b"")


def test_the_app_accepts_a_signed_request():
    app = create_app("oauth-token", "demo", oauth=("consumer-key-1", "consumer-secret-1", "token-secret-1"))
    client = app.test_client()
    response = client.get("/rest/V1/products/BAG%2FTOTE-01?fields=sku", headers={"Authorization": signed()})
    assert response.status_code == 200 and response.json == {"sku": "BAG/TOTE-01"}
    assert client.get("/rest/V1/products/NW-STOVE", headers={"Authorization": signed()}).status_code == 401
    sandbox_of(app).feed.close()
