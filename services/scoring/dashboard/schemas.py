from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import DEPRECATED_YEAR, SchoolYear, WithSchoolYear
from shared.errors import Unprocessable
from shared.pagination import Page


class SummariesRequest(BaseModel):
    """A batch for dashboards' DataLoaders: one round trip for many units. The school year is
    `school_year`; the deprecated `year` is still accepted alone, or beside an equal
    `school_year` (422 `school_year_mismatch` when they differ)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"school_year": "2024-2025", "unit_ids": ["phong-79-q1"]}]},
    )

    school_year: SchoolYear | None = Field(
        None, description="the school year (năm học); required unless the deprecated `year` is given"
    )
    year: SchoolYear | None = Field(None, description=DEPRECATED_YEAR, json_schema_extra={"deprecated": True})
    unit_ids: list[str] = Field(min_length=1, max_length=200)

    def the_school_year(self) -> str:
        """`school_year`, else the deprecated `year`; both given, they must agree."""
        if self.school_year is None and self.year is None:
            raise Unprocessable.at("/school_year", "missing", "Thiếu trường bắt buộc.", "Field required")
        if self.school_year is not None and self.year is not None and self.school_year != self.year:
            raise Unprocessable.at(
                "/year",
                "school_year_mismatch",
                "`year` (tên cũ của `school_year`) khác `school_year`; chỉ cần gửi `school_year`.",
                "`year` (the deprecated name of `school_year`) differs from `school_year`; "
                "send `school_year` only.",
            )
        return str(self.school_year or self.year)


class LevelCount(BaseModel):
    kind: str = Field(description="`self` or `external`")
    group: str = Field(description="`1`, `2` or `overall`")
    level: int
    count: int


class CriterionAverage(BaseModel):
    kind: str
    code: str
    title: str | None = Field(None, description="the criterion's title (Vietnamese) in its framework")
    max_points: float | None = Field(None, description="the criterion's maximum points in its framework")
    average_points: float
    assessed: int = Field(description="assessments the average is over")


class DimensionSummary(BaseModel):
    """The schools of one value of a dimension (a school level, an ownership) and the levels of
    their finished assessments. A school of two levels counts under each."""

    value: str = Field(description="`TH`, `THCS`, `THPT`, `GDTX`; or `public`, `non_public`")
    schools: int
    levels: list[LevelCount]


class ItemShare(BaseModel):
    """How many finished assessments were awarded an item's points. `awarded`: any of its points;
    `full`: its full points (the most the framework gives the item)."""

    kind: str
    code: str
    criterion: str
    title: str | None
    max_points: float | None
    assessed: int
    awarded: int
    full: int
    share_awarded: float = Field(description="awarded / assessed, four places")
    share_full: float = Field(description="full / assessed, four places")


class UnitSummary(WithSchoolYear):
    """Per org unit (whole subtree) and school year, over the schools the caller may see.
    Levels and averages count finished assessments only: a self-assessment once approved, an
    external one once concluded."""

    unit_id: str
    schools: int
    self_states: dict[str, int] = Field(description="state → schools; `not_started` when none")
    external_states: dict[str, int]
    levels: list[LevelCount]
    criteria: list[CriterionAverage]
    school_levels: list[DimensionSummary] = Field(
        default_factory=list, description="per school level (cấp học)"
    )
    ownerships: list[DimensionSummary] = Field(
        default_factory=list, description="per ownership (công lập / ngoài công lập)"
    )
    item_shares: list[ItemShare] = Field(default_factory=list, description="per kind and item")


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
