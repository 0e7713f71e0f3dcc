from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class AttemptOut(BaseModel):
    at: datetime
    worker: str
    outcome: str = Field(
        description="delivered | retry | dead | withdrawn | withdraw_retry | withdraw_dead | stale "
        "(the lease had passed to another worker)"
    )
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class WithdrawalOut(BaseModel):
    """Thu hồi of this delivery's CSDL record: asked for once, sent once the receipt is held."""

    id: str
    reason: str = Field(description="returned | reopened | superseded")
    detail: str | None = None
    state: str = Field(description="pending | in_flight | done | dead")
    attempts: int
    last_error: str | None = None
    withdrawn_at: datetime | None = Field(None, description="when CSDL marked the record withdrawn")
    created_at: datetime


class DeliveryOut(BaseModel):
    """One delivery job: what is (or was) sent, its state, receipt and attempts."""

    id: str
    kind: str
    version: int
    content_hash: str
    state: str = Field(
        description="pending | in_flight | delivered | superseded | dead | cancelled (returned before "
        "it was sent) | withdrawn (thu hồi done)"
    )
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
    current: bool = Field(False, description="this is the result that stands in CSDL for its kind")
    withdrawal: WithdrawalOut | None = None
    attempt_log: list[AttemptOut] = Field(default_factory=list)


class SchoolStatus(BaseModel):
    school_code: str
    school_year: str
    current: dict[str, str | None] = Field(
        description="per kind (self, external), the id of the delivery that stands in CSDL, or null"
    )
    deliveries: list[DeliveryOut]
