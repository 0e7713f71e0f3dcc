"""Wire shapes of the frameworks endpoints. The preview's response is rendered by `render_result`
straight to JSON-ready dicts (no model instances on the hot path); these models document it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.scoring.engine import CriterionResult, GroupResult, ItemResult, ScoreResult
from services.scoring.frameworks.explain import explain
from shared.framework.model import Framework, Text
from shared.openapi import typed_as
from shared.pagination import Page

Number = float | int


class FrameworkSummary(BaseModel):
    id: str
    version: int
    ref: str = Field(description="`id@version`, what assessments pin")
    title: Text
    school_years: dict[str, str | None]
    derived_from: str | None
    province: str | None


class FrameworkPage(Page[FrameworkSummary]):
    """Published frameworks, by ref."""


class ScoreRequest(BaseModel):
    """Facts keyed by item or criterion code, as DESIGN's facts vocabulary; every member is checked
    against the framework and all errors are returned at once."""

    school_levels: list[Any] = Field(description="non-empty subset of TH, THCS, THPT, GDTX")
    facts: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra=typed_as("Facts", "facts keyed by item or criterion code")
    )
    awarded: dict[str, Any] = Field(
        default_factory=dict,
        json_schema_extra=typed_as(
            "Awarded", "item code → points (0 ≤ points ≤ cap; number or decimal string)"
        ),
    )


class WhyOut(BaseModel):
    rule: str
    band: str | None = None
    value: str | None = None
    interpretation: str | None = None
    detail: str | None = None
    vi: str
    en: str


class ItemOut(BaseModel):
    code: str
    title: str
    cap: Number
    points: Number
    awarded: bool
    why: WhyOut


class CriterionOut(BaseModel):
    code: str
    title: str
    mandatory: bool
    met: bool | None = None
    max: Number | None = None
    attainable_max: Number | None = None
    points: Number | None = None
    level: int | None = None
    why: WhyOut
    items: list[ItemOut]


class GroupOut(BaseModel):
    code: str
    title: str
    max: Number
    attainable_max: Number
    points: Number
    points_level: int | None
    level: int | None = Field(description="the official level of this group (after I-6)")
    mandatory_met: bool
    why: WhyOut
    criteria: list[CriterionOut]


class OverallOut(BaseModel):
    level: int | None
    derived: bool = Field(True, description="I-8: not an official result")


class ScoreResponse(BaseModel):
    framework: str
    groups: list[GroupOut]
    overall: OverallOut


def num(d: Decimal) -> int | float:
    i = int(d)
    return i if i == d else float(d)


def num_c(c: int) -> int | float:
    """Hundredths as a JSON number: 600 → 6, 550 → 5.5 (shortest repr, so 2.55 prints as 2.55)."""
    q, r = divmod(c, 100)
    return q if r == 0 else c / 100


def _item(r: ItemResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "code": r.code,
        "title": titles[r.code],
        "cap": num_c(r.cap_c),
        "points": num_c(r.points_c),
        "awarded": r.awarded,
        "why": explain(r.why),
    }


def _criterion(c: CriterionResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": titles[c.code],
        "mandatory": c.mandatory,
        "met": c.met,
        "max": None if c.max_c is None else num_c(c.max_c),
        "attainable_max": None if c.attainable_c is None else num_c(c.attainable_c),
        "points": None if c.points_c is None else num_c(c.points_c),
        "level": c.level,
        "why": explain(c.why),
        "items": [_item(i, titles) for i in c.items],
    }


def _group(g: GroupResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "code": g.code,
        "title": titles[g.code],
        "max": num_c(g.max_c),
        "attainable_max": num_c(g.attainable_c),
        "points": num_c(g.points_c),
        "points_level": g.points_level,
        "level": g.level,
        "mandatory_met": g.mandatory_met,
        "unmet_mandatory": g.unmet_mandatory,
        "why": explain(g.why),
        "criteria": [_criterion(c, titles) for c in g.criteria],
    }


def titles_of(fw: Framework) -> dict[str, str]:
    t = {g.code: g.title.vi for g in fw.groups}
    t.update({c.code: c.title.vi for c in fw.criteria()})
    t.update({i.code: i.title.vi for i in fw.items()})
    return t


def render_result(r: ScoreResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "framework": r.framework,
        "groups": [_group(g, titles) for g in r.groups],
        "overall": {"level": r.overall_level, "derived": True},
    }
