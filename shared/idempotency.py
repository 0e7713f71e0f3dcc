"""`Idempotency-Key`: the rules every service applies the same way (its own table keeps the
records, in its own database).

- A key is at most 255 characters (`check_key`).
- The same caller, key and request again → the first answer, marked `Idempotency-Replayed: true`
  and carrying the headers the first answer had (`ETag`, `Location`).
- The same key with another request → 422 `idempotency_key_reused`; the first still running →
  409 `idempotency_in_progress` with `Retry-After`.
- A record expires after `TTL` (24 hours): the key may then be used again, as a new request;
  rows older than `RETENTION` are deleted by each service's scheduled job (`expiry_job`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import delete

from shared.db import utcnow
from shared.errors import Conflict, Unprocessable
from shared.i18n import msg

HEADER = "Idempotency-Key"
REPLAYED = "Idempotency-Replayed"
TTL = timedelta(hours=24)
RETENTION = timedelta(days=7)  # a client retries within minutes; a week is ample
MAX_KEY = 255


def fingerprint(request: Any) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()


def check_key(key: str) -> None:
    if len(key) > MAX_KEY:
        raise Unprocessable.at(
            "/headers/Idempotency-Key",
            "too_long",
            "Khóa quá dài (tối đa 255 ký tự).",
            "The key is too long (255 characters at most).",
        )


def expired(created_at: datetime, now: datetime | None = None) -> bool:
    when = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - when >= TTL


def reused() -> Unprocessable:
    return Unprocessable(
        msg(
            "Khóa Idempotency-Key đã dùng cho một yêu cầu khác.",
            "This Idempotency-Key was used with another request.",
        ),
        code="idempotency_key_reused",
    )


def in_progress() -> Conflict:
    return Conflict(
        msg(
            "Yêu cầu gốc với cùng Idempotency-Key vẫn đang xử lý; hãy thử lại.",
            "The original request with this Idempotency-Key is still being processed; retry it.",
        ),
        code="idempotency_in_progress",
        headers={"Retry-After": "1"},
    )


def replay_headers(**headers: str) -> dict[str, str]:
    """The headers of a replayed answer: the first answer's own, and the marker."""
    return {**headers, REPLAYED: "true"}


def expiry_job(model: Any) -> Callable[[FastAPI], Awaitable[dict[str, Any]]]:
    """The scheduled job deleting `model`'s records (a `created_at` column) past `RETENTION`."""

    async def idempotency_expiry(app: FastAPI) -> dict[str, Any]:
        async with app.state.session_factory() as s:
            done = await s.execute(delete(model).where(model.created_at < utcnow() - RETENTION))
            await s.commit()
        return {"deleted": done.rowcount}

    return idempotency_expiry
