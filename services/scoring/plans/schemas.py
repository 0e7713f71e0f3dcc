"""The plan as a client writes it and as it is read back, with progress."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(max_length=16, description="item code (or context fact, or mandatory condition)")
    target: dict[str, Any] = Field(description='the fact to reach, in the facts vocabulary: {"count": 40}')
    owner: str = Field(min_length=1, max_length=255, description="who is responsible")
    due: date
    note: str | None = Field(None, max_length=2000)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    targets: list[TargetIn] = Field(max_length=200, description="the whole plan: replaces the year's targets")


class Progress(BaseModel):
    status: str = Field(description="`met`, `improved`, `not_met`, or `no_assessment` (next year's not yet)")
    against_year: str = Field(description="the year whose facts are compared: the plan year's next")
    target_points: str | None = Field(description="the item's cap at the target fact")
    reached_points: str | None = Field(description="the item's cap at that year's fact")
    start_points: str | None = Field(description="the item's cap at the plan year's fact")
    reached: dict[str, Any] | None = Field(description="that year's fact, as declared")


class TargetOut(BaseModel):
    item: str
    target: dict[str, Any]
    owner: str
    due: date
    note: str | None
    from_year: str
    progress: Progress


class PlanOut(BaseModel):
    school_code: str
    school_year: str
    assessment_id: str
    targets: list[TargetOut]
    carried: list[TargetOut] = Field(description="last year's targets, with their progress this year")
