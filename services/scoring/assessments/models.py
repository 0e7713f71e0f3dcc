"""Assessments (tự đánh giá / đánh giá ngoài), their scored criteria, their audit trail and the
idempotency records of POSTs. One row per school, school year and kind."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, Column, Dialect, Index, Integer, Numeric, String, TypeDecorator, UniqueConstraint
from sqlmodel import Field

from services.scoring.models_base import ScoringModel
from shared.contracts import AssessmentKind
from shared.db import UTCDateTime, utcnow
from shared.idempotency import IdempotencyColumns


class State(StrEnum):
    DRAFT = "draft"  # being prepared (also after a return, see `open_items`)
    SUBMITTED = "submitted"  # sent to the school head
    APPROVED = "approved"  # phê duyệt by the head: read-only, delivered to CSDL ngành
    ACCEPTED = "accepted"  # the managing unit accepted it for external assessment
    IN_PROGRESS = "in_progress"  # external assessment being scored by the assessors
    CONCLUDED = "concluded"  # external assessment concluded (kết luận)
    RECOGNISED = "recognised"  # công nhận by decision: the official level


_VERSION = Column("version", Integer, nullable=False)


class KindType(TypeDecorator[AssessmentKind]):
    """`kind` as the enum in Python, its value (`self`, `external`) in a VARCHAR(16) column: the
    same column as before, so no migration, and a row read back compares and formats as the enum."""

    impl = String(16)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else AssessmentKind(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> AssessmentKind | None:
        return None if value is None else AssessmentKind(value)


class Assessment(ScoringModel, table=True):
    __tablename__ = "assessment"
    __table_args__ = (
        UniqueConstraint("school_code", "school_year", "kind"),
        Index("ix_assessment_year_state", "school_year", "kind", "state"),
    )
    # Every ORM UPDATE of a row is `... WHERE id = ? AND version = <the version read>`: the check
    # and the write are one atomic statement on both backends (SQLite runs the read outside the
    # write transaction, so a check in Python would let two writers both pass). A row changed in
    # between raises StaleDataError, answered 412/409 (`documents.stale`). The service sets the
    # new version itself, hence no generator.
    __mapper_args__: ClassVar[dict[str, Any]] = {"version_id_col": _VERSION, "version_id_generator": False}

    id: str = Field(primary_key=True, max_length=36)
    school_code: str = Field(foreign_key="school.code", max_length=32)
    school_year: str = Field(max_length=9)
    kind: AssessmentKind = Field(sa_type=KindType)
    framework: str = Field(max_length=80)  # pinned `id@version`
    version: int = Field(default=1, sa_column=_VERSION)  # bumps on every change: the ETag
    state: State = Field(default=State.DRAFT, sa_type=String(16))
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    awarded: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    evidence_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # items a reviewer reopened; None = everything editable (a draft), [] = nothing
    open_items: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    g1_points: Decimal | None = Field(default=None, sa_column=Column(Numeric(7, 2)))
    g1_level: int | None = None
    g2_points: Decimal | None = Field(default=None, sa_column=Column(Numeric(7, 2)))
    g2_level: int | None = None
    overall_level: int | None = None  # derived (I-8)
    content_hash: str = Field(default="", max_length=64)
    external_requested: bool = False
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_by: str | None = Field(default=None, max_length=128)
    approved_by_name: str | None = Field(default=None, max_length=255)
    review_comment: str | None = None
    item_comments: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    decision_number: str | None = Field(default=None, max_length=64)
    decision_date: date | None = None
    recognised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recognised_by: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class EditExtension(ScoringModel, table=True):
    """A Sở's explicit act reopening a school past the edit lock until `until` (a Vietnam day,
    inclusive), with its reason: never deleted, the record of who reopened what and why; a
    revocation is written on the row (who, when, why) and ends it."""

    __tablename__ = "edit_extension"
    __table_args__ = (Index("ix_edit_extension_school", "school_code", "school_year", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    school_code: str = Field(foreign_key="school.code", max_length=32)
    school_year: str = Field(max_length=9)
    kind: str = Field(max_length=16)
    until: date
    reason: str
    granted_by: str = Field(max_length=128)
    granted_by_name: str | None = Field(default=None, max_length=255)
    granted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    request_id: str | None = Field(default=None, max_length=128)
    # a revocation ends the grant at once; the row stays, with who revoked it, when and why
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_by: str | None = Field(default=None, max_length=128)
    revoked_by_name: str | None = Field(default=None, max_length=255)
    revoke_reason: str | None = None


class CriterionScore(ScoringModel, table=True):
    """One row per scored criterion of an assessment, so dashboards aggregate in SQL."""

    __tablename__ = "assessment_criterion"

    assessment_id: str = Field(foreign_key="assessment.id", primary_key=True, max_length=36)
    code: str = Field(primary_key=True, max_length=16)
    points: Decimal | None = Field(default=None, sa_column=Column(Numeric(7, 2)))
    level: int | None = None
    met: bool | None = None


class AuditEntry(ScoringModel, table=True):
    """Append-only: who, in which role, when, what before, what after, why. Never updated."""

    __tablename__ = "assessment_audit"

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(foreign_key="assessment.id", index=True, max_length=36)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=128)
    actor_kind: str = Field(max_length=16)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    action: str = Field(max_length=32)
    version: int
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str | None = None
    request_id: str | None = Field(default=None, max_length=128)


class IdempotencyRecord(IdempotencyColumns, ScoringModel, table=True):
    """A POST's first answer, replayed for the same caller, key and body (`shared.idempotency`)."""

    __tablename__ = "idempotency_record"


class ChangeEventRow(ScoringModel, table=True):
    """The change feed: written in the same transaction as the change it reports."""

    __tablename__ = "change_event"

    id: int | None = Field(default=None, primary_key=True)
    type: str = Field(max_length=48)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    school_code: str = Field(max_length=32)
    school_year: str = Field(max_length=9)
    assessment_id: str = Field(max_length=36)
    version: int
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
