from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class AttemptOut(BaseModel):
    at: datetime
    worker: str
    outcome: str = Field(
        description="delivered | retry | dead | stale (the lease had passed to another worker)"
    )
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class DeliveryOut(BaseModel):
    """One delivery job: what is (or was) sent, its state, receipt and attempts."""

    id: str
    kind: str
    version: int
    content_hash: str
    state: str = Field(description="pending | in_flight | delivered | superseded | dead")
    deadline: date
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    receipt_id: str | None = None
    receipt_at: datetime | None = Field(None, description="when CSDL recorded it (its receipt time)")
    delivered_at: datetime | None = None
    reconcile_status: str | None = None
    reconcile_diff: list[str] | None = None
    created_at: datetime
    attempt_log: list[AttemptOut] = Field(default_factory=list)


class SchoolStatus(BaseModel):
    school_code: str
    school_year: str
    deliveries: list[DeliveryOut]
