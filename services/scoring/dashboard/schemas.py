from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import SchoolYear
from shared.pagination import Page


class SummariesRequest(BaseModel):
    """A batch for dashboards' DataLoaders: one round trip for many units."""

    model_config = ConfigDict(extra="forbid")

    year: SchoolYear
    unit_ids: list[str] = Field(min_length=1, max_length=200)


class LevelCount(BaseModel):
    kind: str = Field(description="`self` or `external`")
    group: str = Field(description="`1`, `2` or `overall`")
    level: int
    count: int


class CriterionAverage(BaseModel):
    kind: str
    code: str
    average_points: float
    assessed: int = Field(description="assessments the average is over")


class UnitSummary(BaseModel):
    """Per org unit (whole subtree) and school year, over the schools the caller may see.
    Levels and averages count finished assessments only: a self-assessment once approved, an
    external one once concluded."""

    unit_id: str
    year: str
    schools: int
    self_states: dict[str, int] = Field(description="state → schools; `not_started` when none")
    external_states: dict[str, int]
    levels: list[LevelCount]
    criteria: list[CriterionAverage]


class Summaries(BaseModel):
    items: list[UnitSummary]


class AssessmentBrief(BaseModel):
    state: str
    version: int
    g1_points: float | None
    g1_level: int | None
    g2_points: float | None
    g2_level: int | None
    overall_level: int | None


class SchoolRow(BaseModel):
    code: str
    name: str
    levels: list[str]
    managing_unit_id: str | None
    self_assessment: AssessmentBrief | None
    external_assessment: AssessmentBrief | None


class SchoolPage(Page[SchoolRow]):
    """Schools with their assessments of the year, by code."""
