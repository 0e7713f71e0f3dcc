"""The framework document: groups → criteria → items, cap rules, level thresholds, interpretations.

A document is validated by these models when it is loaded; structural rules a model cannot see
(band coverage, declared versus attainable maxima, dependency cycles) are checked by the linter.
Published versions are immutable: a change is a new version or an overlay.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts import SchoolLevel
from shared.framework.interval import IntervalField

FORMAT: Literal["chiso.framework/v1"] = "chiso.framework/v1"
OVERLAY_FORMAT: Literal["chiso.framework-overlay/v1"] = "chiso.framework-overlay/v1"

Points = Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=2)]
# a province's weight of how hard an improvement is, to rank the paths to the next level
Effort = Annotated[Decimal, Field(gt=0, max_digits=5, decimal_places=2)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    vi: str = Field(description="Vietnamese, in the Decision's own wording where it has one")
    en: str


class Band(_Strict):
    """`points` when the measured value lies in `range`."""

    range: IntervalField
    points: Points


class LevelBand(_Strict):
    """Level `level` when the points (or another measure) lie in `range` (I-2)."""

    level: int = Field(ge=1, le=9)
    range: IntervalField


class FixedCap(_Strict):
    """Yes/no item: `points` if deployed, else 0. Fact: `{"deployed": true, ...details}`."""

    rule: Literal["fixed"] = "fixed"
    points: Points


class CountBandCap(_Strict):
    """Cap by a count (e.g. digitised materials). Fact: `{"count": 35}`."""

    rule: Literal["count_band"] = "count_band"
    bands: list[Band] = Field(min_length=1)


class PercentBandCap(_Strict):
    """Cap by a percentage computed exactly from `numerator`/`denominator` (I-1)."""

    rule: Literal["percent_band"] = "percent_band"
    bands: list[Band] = Field(min_length=1)


class InformaticsDerivation(_Strict):
    """I-5: level from students per computer, ceil(class size / working lab computers).

    Bands per school level; a multi-level school takes the strictest (lowest) level.
    """

    measure: Literal["students_per_computer"] = "students_per_computer"
    by_school_level: dict[SchoolLevel, list[LevelBand]]
    combine: Literal["strictest"] = "strictest"


class LevelCap(_Strict):
    """Cap by an adequacy level. Fact: the measure (`class_size`, `lab_computers`) or an
    assessor's `{"level": 2, "reason": "..."}`."""

    rule: Literal["level"] = "level"
    points: dict[int, Points]
    derive: InformaticsDerivation | None = None


class ChoiceCap(_Strict):
    """One option of several, the chosen one's points (exclusive: never the sum). Fact: `{"mode": ...}`."""

    rule: Literal["choice"] = "choice"
    options: dict[str, Points]

    @field_validator("options")
    @classmethod
    def _has_none(cls, v: dict[str, Points]) -> dict[str, Points]:
        if "none" not in v:
            raise ValueError("a choice needs a 'none' option (nothing deployed)")
        return v


CapRule = Annotated[
    FixedCap | CountBandCap | PercentBandCap | LevelCap | ChoiceCap, Field(discriminator="rule")
]


class Item(_Strict):
    code: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    title: Text
    cap: CapRule
    requires: list[str] = Field(
        default_factory=list,
        description="item codes or context facts (e.g. `lms`) that must be deployed for a non-zero cap (I-7)",
    )
    interpretations: list[str] = Field(default_factory=list)
    source: str | None = Field(None, description="the Decision's wording for the cap")
    effort: Effort | None = Field(
        None, description="relative effort of improving this item (next-level paths); unset = 1"
    )


class CriterionKind(StrEnum):
    MANDATORY = "mandatory"  # điều kiện bắt buộc: met or not, no points
    SCORED = "scored"


class Criterion(_Strict):
    code: str = Field(pattern=r"^\d+\.\d+$")
    kind: CriterionKind
    title: Text
    max_points: Points | None = None
    levels: list[LevelBand] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    interpretations: list[str] = Field(default_factory=list)
    evidence: str | None = Field(None, description="what the Decision asks as evidence (minh chứng)")
    details: list[str] = Field(
        default_factory=list, description="details the fact may carry, e.g. steering-unit members"
    )

    @model_validator(mode="after")
    def _shape(self) -> Criterion:
        if self.kind is CriterionKind.MANDATORY and (
            self.items or self.max_points is not None or self.levels
        ):
            raise ValueError(f"mandatory criterion {self.code} has no points, items or levels")
        if self.kind is CriterionKind.SCORED and (
            not self.items or self.max_points is None or not self.levels
        ):
            raise ValueError(f"scored criterion {self.code} needs max_points, levels and items")
        return self


class Group(_Strict):
    code: str = Field(pattern=r"^\d+$")
    title: Text
    max_points: Points
    levels: list[LevelBand] = Field(min_length=1)
    criteria: list[Criterion] = Field(min_length=1)
    interpretations: list[str] = Field(default_factory=list)


class Interpretation(_Strict):
    id: str = Field(pattern=r"^I-\d+$")
    title: Text
    rule: Text
    rationale: Text
    source_text: str | None = Field(None, description="the ambiguous wording, quoted from the Decision")


class ContextFact(_Strict):
    code: str = Field(pattern=r"^[a-z_]+$")
    title: Text
    effort: Effort | None = Field(None, description="relative effort of deploying it; unset = 1")


class LevelName(_Strict):
    level: int
    title: Text


class Policies(_Strict):
    # I-6: strict → a group whose mandatory condition is not met is at level 1 whatever its points
    mandatory_failure: Literal["strict", "informational"] = "strict"
    # I-8: the derived overall level shown beside the official per-group levels
    overall_level: Literal["lower_of_groups", "none"] = "lower_of_groups"


class SchoolYears(_Strict):
    first: str = Field(pattern=r"^\d{4}-\d{4}$")
    last: str | None = Field(None, pattern=r"^\d{4}-\d{4}$")

    def covers(self, year: str) -> bool:
        return self.first <= year and (self.last is None or year <= self.last)


class Source(_Strict):
    document: str
    date: str
    title: str


class Framework(_Strict):
    format: Literal["chiso.framework/v1"] = FORMAT
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    version: int = Field(ge=1)
    title: Text
    source: Source
    school_years: SchoolYears
    derived_from: str | None = None
    province: str | None = Field(None, description="MOET province code when a province derived it")
    level_names: list[LevelName]
    context_facts: list[ContextFact] = Field(default_factory=list)
    interpretations: list[Interpretation] = Field(default_factory=list)
    policies: Policies = Policies()
    groups: list[Group] = Field(min_length=1)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def items(self) -> list[Item]:
        return [i for g in self.groups for c in g.criteria for i in c.items]

    def criteria(self) -> list[Criterion]:
        return [c for g in self.groups for c in g.criteria]

    @model_validator(mode="after")
    def _unique_codes_and_references(self) -> Framework:
        codes: list[str] = [g.code for g in self.groups]
        codes += [c.code for c in self.criteria()]
        codes += [i.code for i in self.items()]
        dup = {c for c in codes if codes.count(c) > 1}
        if dup:
            raise ValueError(f"codes used twice: {sorted(dup)}")
        known = set(codes) | {f.code for f in self.context_facts}
        interp = {i.id for i in self.interpretations}
        for item in self.items():
            for r in item.requires:
                if r not in known:
                    raise ValueError(f"item {item.code} requires unknown {r!r}")
            for i in item.interpretations:
                if i not in interp:
                    raise ValueError(f"item {item.code} cites unknown interpretation {i}")
        cited = [(g.code, g.interpretations) for g in self.groups]
        cited += [(c.code, c.interpretations) for c in self.criteria()]
        for code, ids in cited:
            for i in ids:
                if i not in interp:
                    raise ValueError(f"{code} cites unknown interpretation {i}")
        return self
