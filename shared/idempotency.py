"""`Idempotency-Key`: one implementation every service uses (each keeps the records in a table
of its own database, declared from `IdempotencyColumns`, and answers through `Idempotency.run`).

- A key is at most 255 characters (`check_key`); it belongs to its caller.
- The key is claimed, the request run and its answer (status, body and the headers in
  `STORED_HEADERS`) stored in the request's own transaction: one commit keeps the change and its
  answer together, and a first request that fails rolls its claim back with everything else, so
  the key may be used again. A concurrent twin's claim waits for the first request's transaction
  to end, then replays its answer (or, the first having failed, runs as the first).
- The same caller, key and request again → the first answer, marked `Idempotency-Replayed: true`
  and carrying the headers the first answer had (`ETag`, `Location`).
- The same key with another request → 422 `idempotency_key_reused`; a claim committed without its
  answer (written by an older release, which claimed in a transaction of its own) → 409
  `idempotency_in_progress` with `Retry-After`.
- A record expires after `TTL` (24 hours): the key may then be used again, as a new request. A
  claim committed without an answer and older than `STALE` is abandoned and frees the key too.
  Rows older than `RETENTION` are deleted by each service's scheduled job (`expiry_job`).
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
from sqlalchemy import JSON, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from shared.db import UTCDateTime, insert_ignore, utcnow
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
# a claim meeting an expired record, or a first request that failed just then, tries again;
# a key still busy after this many tries answers 409 `idempotency_in_progress`
CLAIM_ATTEMPTS = 3


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
    """The claim, run, store and replay of one service's POSTs, on its table `model`, all in the
    request's transaction `session`: the claim must be that transaction's first write (a twin
    waiting on it then holds nothing the first request needs)."""

    def __init__(self, model: type[Record], session: AsyncSession) -> None:
        self.model = model
        self.session = session

    async def run(
        self, caller: str, key: str | None, request: Any, action: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        """`action`'s answer, or the stored one when this caller sent this key and `request`
        before; without a key, simply `action`'s answer. A failing `action` raises through: the
        request's transaction rolls back, and the claim with it."""
        if not key:
            return await action()
        check_key(key)
        digest = fingerprint(request)
        stored = await self._claim(caller, key, digest)
        if stored is not None:
            return stored
        answer = await action()
        body = json.loads(json.dumps(answer.body, default=str))
        kept = {h: v for h, v in answer.headers.items() if h in STORED_HEADERS}
        await self.session.execute(
            update(self.model)
            .where(self._where(caller, key))
            .values(status=answer.status, body=body, headers=kept)
        )
        return answer

    def _where(self, caller: str, key: str) -> Any:
        return (col(self.model.caller) == caller) & (col(self.model.key) == key)

    async def _claim(self, caller: str, key: str, digest: str) -> Answer | None:
        """None once this request holds the key; else the first request's stored answer.

        The claim is an INSERT that does nothing on a conflict. While the first request's
        transaction is open, a twin's INSERT waits on the key (PostgreSQL waits on the
        uncommitted row; SQLite on its one writer), then finds the committed answer and replays
        it, or finds the key free again (the first failed and rolled back) and runs itself."""
        for _ in range(CLAIM_ATTEMPTS):
            if await self._insert(caller, key, digest):
                return None
            columns = (self.model.request_hash, self.model.status, self.model.body, self.model.headers)
            found = await self.session.execute(
                select(*(col(c) for c in columns), col(self.model.created_at)).where(self._where(caller, key))
            )
            rec = found.one_or_none()
            if rec is None:  # the first request failed and released the key just now
                continue
            digest_was, status, body, headers, created_at = rec
            if expired(created_at) or (status is None and stale(created_at)):
                await self._drop_expired(caller, key)
                continue
            if digest_was != digest:
                raise reused()
            if status is None:  # claimed in a transaction of its own (a replica of an older release)
                raise in_progress()
            return Answer(status, body, dict(headers or {}), replayed=True)
        raise in_progress()

    async def _insert(self, caller: str, key: str, digest: str) -> bool:
        row = {"caller": caller, "key": key, "request_hash": digest, "created_at": utcnow()}
        done = await self.session.execute(insert_ignore(self.session, self.model).values(**row))
        return bool(getattr(done, "rowcount", 0) == 1)

    async def _drop_expired(self, caller: str, key: str) -> None:
        """An expired record, or an abandoned claim, frees its key: the request is then a new one.
        The condition is part of the DELETE, so of two requests finding the same expired record
        the second deletes nothing its twin claimed since."""
        now = utcnow()
        created, status = col(self.model.created_at), col(self.model.status)
        await self.session.execute(
            delete(self.model).where(
                self._where(caller, key),
                (created <= now - TTL) | (status.is_(None) & (created <= now - STALE)),
            )
        )
