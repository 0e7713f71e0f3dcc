"""Evidence rows (minh chứng), the items they support with their catalogue codes, and locks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field

from services.evidence.models_base import EvidenceModel
from shared.db import UTCDateTime, utcnow
from shared.idempotency import IdempotencyColumns


class EvidenceKind(StrEnum):
    PLAN = "plan"  # kế hoạch
    REGULATION = "regulation"  # quy chế / quy định
    DECISION = "decision"  # quyết định
    REPORT = "report"  # báo cáo
    SCREENSHOT = "screenshot"  # ảnh chụp màn hình
    OTHER = "other"


class Source(StrEnum):
    FILE = "file"
    LINK = "link"


def new_id() -> str:
    return f"ev_{uuid.uuid4().hex}"


class Evidence(EvidenceModel, table=True):
    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_school_year_created", "school_code", "school_year", "created_at", "id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=40)
    school_code: str = Field(max_length=32)
    school_year: str = Field(max_length=9)
    title: str = Field(max_length=500)
    kind: str = Field(max_length=16)
    document_number: str | None = Field(default=None, max_length=100)  # số văn bản
    document_date: date | None = None
    source: str = Field(max_length=8)
    # files: content-addressed by SHA-256
    sha256: str | None = Field(default=None, max_length=64, index=True)
    size: int | None = Field(default=None, sa_type=BigInteger)
    media_type: str | None = Field(default=None, max_length=128)
    filename: str | None = Field(default=None, max_length=255)
    # links
    url: str | None = Field(default=None, max_length=2048)
    link_status: int | None = None
    link_error: str | None = Field(default=None, max_length=64)
    link_checked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    deleted_by: str | None = Field(default=None, max_length=128)


class EvidenceItem(EvidenceModel, table=True):
    """An item or criterion code an evidence supports (what the catalogue filters on)."""

    __tablename__ = "evidence_item"
    __table_args__ = (Index("ix_evidence_item_filter", "school_code", "school_year", "item_code"),)

    evidence_id: str = Field(primary_key=True, foreign_key="evidence.id", max_length=40)
    item_code: str = Field(primary_key=True, max_length=16)
    criterion_code: str = Field(max_length=16, index=True)
    school_code: str = Field(max_length=32)
    school_year: str = Field(max_length=9)


class EvidenceCode(EvidenceModel, table=True):
    """The catalogue code MC-<criterion>-<nn>: numbered once per school, year and criterion in
    upload order and never reused, so a printed catalogue stays valid."""

    __tablename__ = "evidence_code"
    __table_args__ = (
        UniqueConstraint("school_code", "school_year", "criterion_code", "number", name="uq_evidence_code"),
    )

    evidence_id: str = Field(primary_key=True, foreign_key="evidence.id", max_length=40)
    criterion_code: str = Field(primary_key=True, max_length=16)
    school_code: str = Field(max_length=32)
    school_year: str = Field(max_length=9)
    number: int

    @property
    def code(self) -> str:
        return f"MC-{self.criterion_code}-{self.number:02d}"


class EvidenceLock(EvidenceModel, table=True):
    """Evidence referenced by an approved or recognised assessment: a legal record from then on."""

    __tablename__ = "evidence_lock"

    evidence_id: str = Field(primary_key=True, max_length=40)
    assessment_id: str = Field(primary_key=True, max_length=36)
    school_code: str = Field(max_length=32)
    event_type: str = Field(max_length=48)
    event_id: int
    locked_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class FeedCursor(EvidenceModel, table=True):
    """How far a consumer has read the scoring service's change feed; moved in the same
    transaction as the effects of the events it covers."""

    __tablename__ = "feed_cursor"

    name: str = Field(primary_key=True, max_length=64)
    position: int = 0


class IdempotencyRecord(IdempotencyColumns, EvidenceModel, table=True):
    """A create's first answer, replayed for the same caller, key and request (`shared.idempotency`)."""

    __tablename__ = "idempotency_key"
