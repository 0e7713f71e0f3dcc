"""Records the cycle's papers are generated from: the school's self-assessment council (hội đồng
tự đánh giá), the unit's external-assessment teams (đoàn đánh giá ngoài) and their schedule, the
links where results were published (công bố), and one append-only audit of every change to them.

Members and assignments are kept as one validated JSON document per school (or unit) and year:
they are edited and signed as a whole (one decision names them all), and a version guards
concurrent edits with `If-Match` as the assessments do."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.scoring.models_base import ScoringModel
from shared.db import UTCDateTime, utcnow


class Council(ScoringModel, table=True):
    """The self-assessment council a school head sets up by decision, with each member's task."""

    __tablename__ = "self_assessment_council"

    school_code: str = Field(foreign_key="school.code", primary_key=True, max_length=32)
    school_year: str = Field(primary_key=True, max_length=9)
    decision_number: str | None = Field(default=None, max_length=64)
    decision_date: date | None = None
    signer_name: str | None = Field(default=None, max_length=255)  # the head who signs
    members: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TeamPlan(ScoringModel, table=True):
    """A unit's external-assessment teams of a year: members, and which schools each assesses when."""

    __tablename__ = "assessment_team_plan"

    unit_id: str = Field(foreign_key="org_unit.id", primary_key=True, max_length=64)
    school_year: str = Field(primary_key=True, max_length=9)
    decision_number: str | None = Field(default=None, max_length=64)
    decision_date: date | None = None
    signer_name: str | None = Field(default=None, max_length=255)
    teams: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    version: int = 1
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PublicationLink(ScoringModel, table=True):
    """Where a school or unit published its result of a year ("Đường link website")."""

    __tablename__ = "publication_link"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "school_year"),)

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=8)  # "school" | "unit"
    subject_id: str = Field(max_length=64, index=True)
    school_year: str = Field(max_length=9)
    url: str = Field(max_length=2048)
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RecordAudit(ScoringModel, table=True):
    """Append-only: who changed which record, when, before and after."""

    __tablename__ = "record_audit"

    id: int | None = Field(default=None, primary_key=True)
    record: str = Field(max_length=16)  # council | teams | publication
    subject_id: str = Field(max_length=64, index=True)
    school_year: str = Field(max_length=9)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=128)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
