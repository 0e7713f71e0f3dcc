"""`Idempotency-Key`: one implementation every service uses (each keeps the records in a table
of its own database, declared from `IdempotencyColumns`, and answers through `Idempotency.run`).

- A key is at most 255 characters (`check_key`); it belongs to its caller.
- The key is claimed in a short transaction of its own, so a concurrent duplicate sees the claim
  at once; the answer (status, body and the headers in `STORED_HEADERS`) is stored in the
  request's transaction, so it is kept exactly when the change commits. A first request that
  fails releases its claim: the key may be used again.
- The same caller, key and request again → the first answer, marked `Idempotency-Replayed: true`
  and carrying the headers the first answer had (`ETag`, `Location`).
- The same key with another request → 422 `idempotency_key_reused`; the first still running →
  409 `idempotency_in_progress` with `Retry-After`.
- A record expires after `TTL` (24 hours): the key may then be used again, as a new request. A
  claim never answered within `STALE` (its request died before its transaction ended) is
  abandoned and frees the key too. Rows older than `RETENTION` are deleted by each service's
  scheduled job (`expiry_job`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import JSON, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import Field, SQLModel, col

from shared.db import UTCDateTime, utcnow
from shared.errors import Conflict, Unprocessable
from shared.i18n import msg

HEADER = "Idempotency-Key"
REPLAYED = "Idempotency-Replayed"
TTL = timedelta(hours=24)
RETENTION = timedelta(days=7)  # a client retries within minutes; a week is ample
# far beyond any request's time limit: a claim this old without an answer belongs to a request
# that died between its claim and its commit
STALE = timedelta(minutes=10)
MAX_KEY = 255
# the headers of a first answer that its replays carry again
STORED_HEADERS = ("ETag", "Location")


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


def stale(created_at: datetime, now: datetime | None = None) -> bool:
    when = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - when >= STALE


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


class IdempotencyColumns(SQLModel):
    """The columns of every service's idempotency table: a service declares its table as
    `class IdempotencyRecord(IdempotencyColumns, <its base model>, table=True)` with its name."""

    caller: str = Field(primary_key=True, max_length=128)
    key: str = Field(primary_key=True, max_length=255)
    request_hash: str = Field(max_length=64)
    status: int | None = None  # None while the first request is still running
    body: dict[str, Any] | list[Any] | None = Field(default=None, sa_type=JSON)
    headers: dict[str, str] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


Record = TypeVar("Record", bound=IdempotencyColumns)


@dataclass(frozen=True)
class Answer:
    """A POST's answer: what is stored for the first request and replayed for its duplicates."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    def response(self) -> JSONResponse:
        headers = replay_headers(**self.headers) if self.replayed else self.headers
        return JSONResponse(self.body, status_code=self.status, headers=headers or None)


class Idempotency(Generic[Record]):
    """The claim, run, store and replay of one service's POSTs, on its table `model`: `factory`
    opens the claim's own transactions, `session` is the request's."""

    def __init__(
        self, model: type[Record], factory: async_sessionmaker[AsyncSession], session: AsyncSession
    ) -> None:
        self.model = model
        self.factory = factory
        self.session = session

    async def run(
        self, caller: str, key: str | None, request: Any, action: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        """`action`'s answer, or the stored one when this caller sent this key and `request`
        before; without a key, simply `action`'s answer."""
        if not key:
            return await action()
        check_key(key)
        digest = fingerprint(request)
        await self._drop_expired(caller, key)
        stored = await self._claim(caller, key, digest)
        if stored is not None:
            return stored
        try:
            answer = await action()
        except BaseException:
            await self._release(caller, key)
            raise
        body = json.loads(json.dumps(answer.body, default=str))
        kept = {h: v for h, v in answer.headers.items() if h in STORED_HEADERS}
        done = await self.session.get(self.model, (caller, key))
        if done is not None:
            done.status, done.body, done.headers = answer.status, body, kept
        await self.session.flush()
        return answer

    def _where(self, caller: str, key: str) -> Any:
        return (col(self.model.caller) == caller) & (col(self.model.key) == key)

    async def _claim(self, caller: str, key: str, digest: str) -> Answer | None:
        """None once this request holds the key; else the first request's stored answer."""
        async with self.factory() as claim:
            try:
                claim.add(self.model(caller=caller, key=key, request_hash=digest))
                await claim.commit()
                return None
            except IntegrityError:
                await claim.rollback()
            found = await claim.execute(select(self.model).where(self._where(caller, key)))
            rec = found.scalar_one_or_none()
        if rec is None:  # the first request failed and released the key just now: retry
            raise in_progress()
        if rec.request_hash != digest:
            raise reused()
        if rec.status is None:
            raise in_progress()
        return Answer(rec.status, rec.body, dict(rec.headers or {}), replayed=True)

    async def _release(self, caller: str, key: str) -> None:
        async with self.factory() as release:
            await release.execute(
                delete(self.model).where(self._where(caller, key), col(self.model.status).is_(None))
            )
            await release.commit()

    async def _drop_expired(self, caller: str, key: str) -> None:
        """An expired record, or an abandoned claim, frees its key: the request is then a new one."""
        async with self.factory() as s:
            rec = await s.get(self.model, (caller, key))
            if rec is not None and (
                expired(rec.created_at) or (rec.status is None and stale(rec.created_at))
            ):
                await s.delete(rec)
                await s.commit()
