"""Delivery jobs (one per distinct content to send) and the log of every attempt."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from services.sync.csdl.contract import Submission, submission_from_snapshot
from services.sync.models_base import SyncModel
from shared.contracts import AssessmentSnapshot
from shared.db import UTCDateTime, utcnow


class JobState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"  # claimed by a worker under a lease
    DELIVERED = "delivered"
    SUPERSEDED = "superseded"  # a newer version arrived before this one was sent
    DEAD = "dead"  # retry budget spent, or a final error; a manual re-send revives it
    CANCELLED = "cancelled"  # returned before any attempt: it never reached CSDL, nothing to withdraw
    WITHDRAWN = "withdrawn"  # delivered, then withdrawn from CSDL (thu hồi) with its receipt


class WithdrawalState(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"


class DeliveryJob(SyncModel, table=True):
    __tablename__ = "delivery_job"
    __table_args__ = (
        # claims read due jobs in line (repository.LINE); an idle worker reads when the earliest
        # retry falls due (repository.next_due): each an index range, not a scan of the backlog
        Index("ix_delivery_job_line", "state", "deadline", "event_id", "id"),
        Index("ix_delivery_job_due", "state", "next_attempt_at"),
        Index("ix_delivery_job_subject", "school_code", "school_year", "kind"),
    )

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    # sha256 of school, year, kind and content hash: the same content is never sent twice
    idempotency_key: str = Field(max_length=64, unique=True)
    school_code: str = Field(max_length=32)
    province_code: str | None = Field(default=None, max_length=8)
    school_year: str = Field(max_length=9)
    kind: str = Field(max_length=16)
    assessment_id: str = Field(max_length=36)
    version: int
    content_hash: str = Field(max_length=64)
    event_id: int
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    deadline: date  # the on-time deadline this submission counts against: earlier goes first
    state: str = Field(default=JobState.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=2000)
    receipt_id: str | None = Field(default=None, max_length=64)
    receipt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # CSDL's recorded time
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reconciled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reconcile_status: str | None = Field(default=None, max_length=16)  # match | differs | missing
    reconcile_diff: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def submission(self) -> Submission:
        """What CSDL ngành receives for this job: the API channel, reconciliation and the Excel
        export all read it from here."""
        return submission_from_snapshot(AssessmentSnapshot.model_validate(self.payload))


def standing(jobs: list[DeliveryJob]) -> DeliveryJob | None:
    """The result that stands for a school: its newest delivered version not withdrawn (`jobs`
    already leaves out what was withdrawn, cancelled or superseded)."""
    delivered = [j for j in jobs if j.state == JobState.DELIVERED and j.receipt_at is not None]
    return max(delivered, key=lambda j: j.version) if delivered else None


class DeliveryAttempt(SyncModel, table=True):
    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(foreign_key="delivery_job.id", max_length=36, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    worker: str = Field(max_length=64)
    outcome: str = Field(max_length=16)  # delivered | retry | dead | stale (lease lost meanwhile)
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=2000)
    duration_ms: int = 0


class DeliveryWithdrawal(SyncModel, table=True):
    """Thu hồi: tells CSDL ngành that a delivered result no longer stands (returned, reopened or
    superseded at the source). One per delivery job, so CSDL is told exactly once; sent only once
    the job holds its receipt, with retries, backoff and a dead letter like a delivery."""

    __tablename__ = "delivery_withdrawal"
    __table_args__ = (Index("ix_delivery_withdrawal_claim", "state", "next_attempt_at"),)

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True, max_length=36)
    job_id: str = Field(foreign_key="delivery_job.id", max_length=36, unique=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    reason: str = Field(max_length=16)  # returned | reopened | superseded
    detail: str | None = Field(default=None, max_length=500)  # the return's reason, for CSDL
    event_id: int | None = None
    state: str = Field(default=WithdrawalState.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=2000)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # CSDL's time
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
