"""Answers of the analytics routes. Points are decimal strings with two places (exact)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shared.contracts import WithSchoolYear
from shared.pagination import PageFields


class GroupChange(BaseModel):
    code: str
    points: str | None
    level: int | None
    previous_points: str | None = Field(description="null when last year's assessment is missing")
    previous_level: int | None
    change: str | None = Field(description="points this year minus last year")
    level_change: int | None


class SchoolChange(BaseModel):
    school_code: str
    name: str
    groups: list[GroupChange]


class YearOnYear(PageFields, WithSchoolYear):
    unit_id: str
    previous_year: str
    kind: str
    items: list[SchoolChange]


class Cell(BaseModel):
    from_level: int | None = Field(description="last year's level; null: no finished assessment then")
    to_level: int | None
    schools: int


class Transitions(WithSchoolYear):
    unit_id: str
    previous_year: str
    kind: str
    group: str
    cells: list[Cell]
    up: int
    same: int
    down: int
    new: int


class Outlier(BaseModel):
    school_code: str
    difference: str | None
    robust_z: str = Field(description="modified z-score, 0.6745·(x − median)/MAD; flagged when |z| > 3.5")


class CriterionGap(BaseModel):
    code: str = Field(description="criterion code, or `1` / `2` for a group's points")
    schools: int
    mean_difference: str | None = Field(description="mean of self minus external points")
    self_higher: int
    share_self_higher: str = Field(description="share of schools whose self-assessment exceeds the external")
    outliers: list[Outlier]


class GroupGap(BaseModel):
    code: str = Field(description="`1` or `2`: the group whose points are compared")
    schools: int = Field(description="schools with both assessments finished")
    mean_difference: str | None = Field(description="mean of self minus external points")
    self_higher: int
    share_self_higher: str


class UnitGap(BaseModel):
    """A child unit's schools (its whole subtree), or with `direct` the schools the unit manages
    itself."""

    unit_id: str
    name: str | None = Field(description="null for the unit's own (`direct`) row")
    direct: bool = Field(description="the schools the unit itself manages, not a child unit")
    groups: list[GroupGap] = Field(description="empty when no school there has both assessments finished")


class SelfVsExternal(WithSchoolYear):
    unit_id: str
    criteria: list[CriterionGap]
    units: list[UnitGap] = Field(
        default_factory=list,
        description="per child unit (and the unit's directly managed schools): each group's mean difference",
    )


class RankedSchool(BaseModel):
    rank: int = Field(description="ties share a rank (1, 1, 3)")
    school_code: str
    name: str
    points: str | None
    level: int | None
    managing_unit_id: str | None


class GoodModels(PageFields, WithSchoolYear):
    province: str
    kind: str
    group: str
    items: list[RankedSchool]
