"""Improvement plans (kế hoạch cải thiện): per school and school year, a target per item with an
owner and a due date, attached to that year's self-assessment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field

from services.scoring.models_base import ScoringModel
from shared.db import UTCDateTime, utcnow


class PlanTarget(ScoringModel, table=True):
    __tablename__ = "improvement_target"
    __table_args__ = (UniqueConstraint("school_code", "school_year", "item"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: str = Field(foreign_key="assessment.id", index=True, max_length=36)
    school_code: str = Field(foreign_key="school.code", max_length=32)
    school_year: str = Field(max_length=9)
    item: str = Field(max_length=16)  # an item, a context fact or a mandatory condition
    target: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the fact to reach
    owner: str = Field(max_length=255)
    due: date
    note: str | None = Field(default=None, max_length=2000)
    updated_by: str = Field(max_length=128)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
