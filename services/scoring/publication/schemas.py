from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from shared.pagination import PageFields


class LinkWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl = Field(description="where the result is published (Đường link website)")


class LinkOut(BaseModel):
    subject_kind: str
    subject_id: str
    school_year: str
    url: str
    updated_by: str
    updated_at: datetime


class PublicResult(BaseModel):
    """One recognised result as it is published: no person's name, nothing unrecognised."""

    school_code: str
    school_name: str
    school_levels: list[str]
    managing_unit_id: str | None
    managing_unit_name: str | None
    g1_points: Decimal | None
    g1_level: int | None
    g2_points: Decimal | None
    g2_level: int | None
    decision_number: str | None
    decision_date: date | None
    publication_url: str | None = Field(description="the school's own publication link")
    unit_publication_url: str | None = Field(description="the managing unit's publication link")


class PublicPage(PageFields):
    province: str
    school_year: str
    items: list[PublicResult]


class SideOut(BaseModel):
    """One assessment (self or external) of a school, with its criteria, for papers and exports."""

    state: str
    framework: str
    g1_points: Decimal | None
    g1_level: int | None
    g2_points: Decimal | None
    g2_level: int | None
    submitted_at: datetime | None
    approved_at: datetime | None
    decision_number: str | None
    decision_date: date | None
    recognised_at: datetime | None
    evidence_ids: list[str]
    criteria: dict[str, dict[str, object]] = Field(description="code → {points, level, met}")
    items: dict[str, str | None] = Field(description="item code → points awarded")


class RosterRow(BaseModel):
    code: str
    name: str
    province_code: str | None
    levels: list[str]
    ownership: str
    managing_unit_id: str
    managing_unit_name: str
    assessing_unit_id: str
    publication_url: str | None
    self_assessment: SideOut | None
    external_assessment: SideOut | None


class RosterPage(PageFields):
    unit_id: str
    school_year: str
    items: list[RosterRow]
