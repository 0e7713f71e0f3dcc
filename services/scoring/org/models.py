"""Org registry (cơ cấu tổ chức): org units and schools, with their lifecycle kept by date.

The hierarchy is data, not a fixed depth: ministry → Sở (province department) → optional Phòng
(district office; many were dissolved in the 2025 reform) or commune office → schools. A school's
managing and assessing units are kept as dated placements, so a move keeps its history and
"which schools were expected to report on 31 May" is answered as of that date.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint
from sqlmodel import Field

from services.scoring.models_base import ScoringModel
from shared.db import UTCDateTime, utcnow


class UnitKind(StrEnum):
    MINISTRY = "ministry"  # Bộ GDĐT
    DEPARTMENT = "department"  # Sở GDĐT
    DISTRICT_OFFICE = "district_office"  # Phòng GDĐT
    COMMUNE_OFFICE = "commune_office"  # after the 2025 reform, where a commune takes the Phòng's role


class Ownership(StrEnum):
    PUBLIC = "public"  # công lập
    NON_PUBLIC = "non_public"  # ngoài công lập (tư thục, dân lập)


class OrgUnit(ScoringModel, table=True):
    __tablename__ = "org_unit"

    id: str = Field(primary_key=True, max_length=64)
    kind: UnitKind = Field(sa_type=String(32))
    name: str = Field(max_length=255)
    parent_id: str | None = Field(default=None, foreign_key="org_unit.id", index=True, max_length=64)
    province_code: str | None = Field(default=None, max_length=8, index=True)
    # địa danh: where the unit's papers are dated ("Quận 1"); None: the province's name
    place_name: str | None = Field(default=None, max_length=64)
    opened_on: date | None = None
    closed_on: date | None = None
    merged_into: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class School(ScoringModel, table=True):
    __tablename__ = "school"

    code: str = Field(primary_key=True, max_length=32)  # MOET school code
    name: str = Field(max_length=255)
    province_code: str | None = Field(default=None, max_length=8, index=True)
    levels: list[str] = Field(sa_column=Column(JSON, nullable=False))
    ownership: Ownership = Field(default=Ownership.PUBLIC, sa_type=String(16))
    opened_on: date | None = None
    closed_on: date | None = None
    merged_into: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Placement(ScoringModel, table=True):
    """Which unit manages a school, and which runs its external assessment, from a date."""

    __tablename__ = "school_placement"
    __table_args__ = (
        UniqueConstraint("school_code", "valid_from"),
        Index("ix_placement_current", "managing_unit_id", "valid_to"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_code: str = Field(foreign_key="school.code", index=True, max_length=32)
    managing_unit_id: str = Field(foreign_key="org_unit.id", max_length=64)
    assessing_unit_id: str = Field(foreign_key="org_unit.id", max_length=64)
    valid_from: date
    valid_to: date | None = None  # exclusive; None while current


class LifecycleEvent(ScoringModel, table=True):
    """What happened to a unit or school and when: opened, closed, merged, moved."""

    __tablename__ = "org_lifecycle_event"

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=16)  # "school" | "unit"
    subject_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)
    on: date
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    actor: str = Field(max_length=128)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
