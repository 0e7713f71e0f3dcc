"""Webhook signatures in the Standard Webhooks form (standardwebhooks.com), so a vendor can check
them with a ready verifier: `webhook-id`, `webhook-timestamp` and
`webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key is
the base64 after the `whsec_` prefix of the subscription's secret.

Subscriptions made before secrets had that form sign with their secret's bytes as the key (and
keep receiving `X-Chiso-Signature` as well, deprecated, see docs/api-changes.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret[len(PREFIX) :]) if secret.startswith(PREFIX) else secret.encode()


def signature(secret: str, msg_id: str, ts: int, body: bytes) -> str:
    mac = hmac.new(_key(secret), f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str, msg_id: str, body: bytes, ts: int | None = None) -> dict[str, str]:
    """The three headers of one delivery attempt (the id is the same on every retry)."""
    t = int(ts if ts is not None else time.time())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(t),
        "webhook-signature": signature(secret, msg_id, t, body),
    }
