"""Webhook signatures: `X-Chiso-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "t.body")>`.

The timestamp is inside the MAC so a captured request cannot be replayed later: receivers check
the signature and refuse a `t` older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Chiso-Signature"
EVENT_HEADER = "X-Chiso-Event"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, ts: int | None = None) -> str:
    t = int(ts if ts is not None else time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        t = int(parts["t"])
        got = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - t) > tolerance:
        return False
    want = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, got)
