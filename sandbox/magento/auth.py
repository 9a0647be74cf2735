"""Who may call: ``Authorization: Bearer <token>``, or an OAuth 1.0a header signed with the integration's keys.

Magento treats a missing, unknown or revoked token as the anonymous guest, so the call fails the
route's ACL check with 401 ``The consumer isn't authorized to access %resources.``. OAuth 1.0a is
checked only when the sandbox was given the integration's consumer key and secrets (``oauth=...``):
the signature (HMAC-SHA1 or HMAC-SHA256) is recomputed with the request's own nonce and timestamp.
"""

from __future__ import annotations

import dataclasses
import hmac

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header


@dataclasses.dataclass(frozen=True)
class OAuthKeys:
    consumer_key: str
    consumer_secret: str
    token_secret: str


def bearer_ok(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and bool(token) and hmac.compare_digest(value.strip(), token)


def oauth_ok(header: str, token: str, keys: OAuthKeys | None, method: str, url: str,
             content_type: str | None, body: bytes) -> bool:
    """Whether an ``OAuth ...`` header carries this token and a valid signature of this request."""
    if keys is None or not header.startswith("OAuth "):
        return False
    try:
        params = dict(parse_authorization_header(header))
    except (ValueError, IndexError):
        return False
    if params.get("oauth_token") != token or params.get("oauth_consumer_key") != keys.consumer_key:
        return False
    client = Client(keys.consumer_key, client_secret=keys.consumer_secret, resource_owner_key=token,
                    resource_owner_secret=keys.token_secret,
                    signature_method=params.get("oauth_signature_method", "HMAC-SHA1"),
                    nonce=params.get("oauth_nonce"), timestamp=params.get("oauth_timestamp"))
    form = content_type == "application/x-www-form-urlencoded"
    try:
        # oauthlib takes any method name and a bytes body; its stubs name the HTTP verbs and text
        _, signed_headers, _ = client.sign(url, method, body=body if form and body else None,  # type: ignore[arg-type]
                                           headers={"Content-Type": content_type} if form else None)
    except ValueError:
        return False
    expected = dict(parse_authorization_header(signed_headers["Authorization"])).get("oauth_signature", "")
    return hmac.compare_digest(expected, params.get("oauth_signature", ""))
