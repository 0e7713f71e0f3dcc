"""A unit framework: a framework document that assesses an org unit (a Phòng, a Sở) rather than a
school, with each item's fact aggregated from the unit's schools' results.

The document wraps an ordinary framework (validated and scored exactly like a school's, by the same
engine) and maps each of its items to an aggregate indicator. Every indicator is a share, computed
exactly as numerator / denominator over the schools managed in the unit's subtree, so every item is
a `percent_band` (I-1 applies unchanged). It lives apart from the schools' documents so that no
school can ever be assessed with it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.framework.loader import FrameworkError, read_yaml
from shared.framework.model import Framework, Text

UNIT_FORMAT: Literal["chiso.unit-framework/v1"] = "chiso.unit-framework/v1"
DOCUMENTS = Path(__file__).parent / "documents"


class Indicator(BaseModel):
    """One aggregate over the unit's schools (their finished assessments of the year)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure: Literal["share_at_level", "share_item_deployed", "share_on_time"]
    kind: Literal["self", "external"] = "self"
    group: Literal["1", "2", "overall"] | None = Field(None, description="share_at_level: which level")
    min_level: int | None = Field(None, ge=1, le=9, description="share_at_level: at this level or above")
    item: str | None = Field(None, description="share_item_deployed: the school item, e.g. 2.3.8")

    @model_validator(mode="after")
    def _parameters(self) -> Indicator:
        if self.measure == "share_at_level" and (self.group is None or self.min_level is None):
            raise ValueError("share_at_level needs group and min_level")
        if self.measure == "share_item_deployed" and self.item is None:
            raise ValueError("share_item_deployed needs item")
        return self


class UnitFramework(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["chiso.unit-framework/v1"] = UNIT_FORMAT
    example: bool = Field(description="true: an illustration, not an official index")
    notice: Text = Field(description="shown with every result: what the document is and is not")
    indicators: dict[str, Indicator]
    framework: Framework

    @model_validator(mode="after")
    def _every_item_aggregated(self) -> UnitFramework:
        items = {i.code: i for i in self.framework.items()}
        if set(items) != set(self.indicators):
            raise ValueError(
                f"indicators must name every item exactly: {sorted(set(items) ^ set(self.indicators))}"
            )
        for code, it in items.items():
            if it.cap.rule != "percent_band":
                raise ValueError(f"item {code}: a unit's items are shares, so percent_band")
        if any(c.kind.value == "mandatory" for c in self.framework.criteria()):
            raise ValueError("a unit framework has no mandatory conditions: nothing aggregates them")
        return self


def load_units(directory: Path = DOCUMENTS) -> dict[str, UnitFramework]:
    out: dict[str, UnitFramework] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            doc = UnitFramework.model_validate(read_yaml(path))
        except ValueError as e:
            raise FrameworkError(str(path), [str(e)]) from e
        out[doc.framework.id] = doc
    return out
