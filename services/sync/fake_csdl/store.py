"""The fake's in-memory state: records, idempotency keys, tokens, faults and the counts tests read."""

from __future__ import annotations

import hashlib
import random
import secrets
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from services.sync.csdl.contract import RecordedResult, Submission


class Faults(BaseModel):
    """Fault injection; each rate is the share of submissions that meet the fault."""

    latency_ms: float = Field(0.0, ge=0)
    error_rate: float = Field(0.0, ge=0, le=1, description="answer 503 without recording")
    rate_limit_rate: float = Field(0.0, ge=0, le=1, description="answer 429 with Retry-After")
    retry_after_seconds: int = Field(1, ge=0)
    timeout_rate: float = Field(0.0, ge=0, le=1, description="hang for `timeout_seconds`, then record")
    timeout_seconds: float = Field(30.0, ge=0)
    drop_after_commit_rate: float = Field(0.0, ge=0, le=1, description="record, then drop the connection")
    token_ttl_seconds: int = Field(3600, ge=1)


class Counts(BaseModel):
    records: int
    requests: int
    requests_per_key: dict[str, int]
    records_per_key: dict[str, int]
    records_per_content: dict[str, int] = Field(
        description="records per (school, year, kind, content hash): more than 1 means a double send"
    )
    faults_injected: dict[str, int]
    withdrawals_per_receipt: dict[str, int] = Field(
        default_factory=dict, description="distinct withdrawal keys applied per receipt: 1 means once"
    )


@dataclass
class Stored:
    key: str
    body_hash: str
    result: RecordedResult


@dataclass
class FakeState:
    client_id: str
    client_secret: str
    faults: Faults = field(default_factory=Faults)
    seed: int | None = None
    by_key: dict[str, Stored] = field(default_factory=dict)
    by_receipt: dict[str, Stored] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    requests_per_key: Counter[str] = field(default_factory=Counter)
    records_per_key: Counter[str] = field(default_factory=Counter)
    records_per_content: Counter[str] = field(default_factory=Counter)
    faults_injected: Counter[str] = field(default_factory=Counter)
    # the current record of each (school, year, kind): a later delivery replaces it
    current: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # withdrawal key → (receipt, reason): the same key again replays, never withdraws twice
    withdrawal_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    withdrawals_per_receipt: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311  fault injection, not cryptography

    def reset(self) -> None:
        for c in (self.by_key, self.by_receipt, self.tokens, self.current, self.withdrawal_keys):
            c.clear()
        for n in (
            self.requests_per_key,
            self.records_per_key,
            self.records_per_content,
            self.faults_injected,
            self.withdrawals_per_receipt,
        ):
            n.clear()

    def issue_token(self) -> tuple[str, int]:
        tok = secrets.token_urlsafe(24)
        ttl = self.faults.token_ttl_seconds
        self.tokens[tok] = time.monotonic() + ttl
        return tok, ttl

    def token_valid(self, tok: str) -> bool:
        exp = self.tokens.get(tok)
        return exp is not None and exp > time.monotonic()

    def expire_tokens(self) -> None:
        for t in self.tokens:
            self.tokens[t] = 0.0

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def record(self, key: str, sub: Submission) -> tuple[Stored, bool]:
        """Record once per key: (stored, replayed). A key reused for a different body is a conflict
        the caller detects by comparing `body_hash`."""
        body_hash = hashlib.sha256(sub.model_dump_json().encode()).hexdigest()
        if key in self.by_key:
            return self.by_key[key], True
        result = RecordedResult(
            receipt_id=f"BN-{uuid.uuid4().hex[:16].upper()}", recorded_at=datetime.now(UTC), submission=sub
        )
        st = Stored(key=key, body_hash=body_hash, result=result)
        self.by_key[key] = st
        self.by_receipt[result.receipt_id] = st
        self.records_per_key[key] += 1
        self.records_per_content[f"{sub.school_code}|{sub.school_year}|{sub.kind}|{sub.content_hash}"] += 1
        subject = (sub.school_code, sub.school_year, sub.kind.value)
        previous = self.by_receipt.get(self.current.get(subject, ""))
        if previous is not None:
            previous.result.replaced_by = result.receipt_id
        self.current[subject] = result.receipt_id
        return st, False

    def withdraw(self, key: str, receipt_id: str, reason: str) -> tuple[Stored | None, bool | None]:
        """(stored, replayed); stored None: no such receipt; replayed None: the key was used for
        another receipt or reason (a conflict). A receipt already withdrawn stays as it was."""
        st = self.by_receipt.get(receipt_id)
        if st is None:
            return None, False
        seen = self.withdrawal_keys.get(key)
        if seen is not None:
            return st, True if seen == (receipt_id, reason) else None
        self.withdrawal_keys[key] = (receipt_id, reason)
        if st.result.withdrawn_at is None:
            st.result.withdrawn_at, st.result.withdrawal_reason = datetime.now(UTC), reason
        self.withdrawals_per_receipt[receipt_id] += 1
        return st, False

    def counts(self) -> Counts:
        return Counts(
            records=len(self.by_key),
            requests=sum(self.requests_per_key.values()),
            requests_per_key=dict(self.requests_per_key),
            records_per_key=dict(self.records_per_key),
            records_per_content=dict(self.records_per_content),
            faults_injected=dict(self.faults_injected),
            withdrawals_per_receipt=dict(self.withdrawals_per_receipt),
        )
