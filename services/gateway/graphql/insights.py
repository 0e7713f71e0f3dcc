"""Insights for the dashboards (scoring's /api/v1/insights): level transitions, year on year, self
versus external with robust outliers, good models. Points stay decimal strings, as scoring sends
them, so no figure is rounded on the way."""

from __future__ import annotations

from typing import Any

import strawberry

from services.gateway.graphql.upstream import Upstream


@strawberry.type
class TransitionCell:
    from_level: int | None
    to_level: int | None
    schools: int


@strawberry.type
class Transitions:
    unit_id: str
    year: str
    previous_year: str
    kind: str
    group: str
    cells: list[TransitionCell]
    up: int
    same: int
    down: int
    new: int

    @classmethod
    def of(cls, d: dict[str, Any]) -> Transitions:
        cells = [TransitionCell(**c) for c in d["cells"]]
        fields = {k: v for k, v in d.items() if k != "school_year"}  # the REST answer's new name
        return cls(**{**fields, "cells": cells})


@strawberry.type
class GroupChange:
    code: str
    points: str | None
    level: int | None
    previous_points: str | None
    previous_level: int | None
    change: str | None
    level_change: int | None


@strawberry.type
class SchoolChange:
    school_code: str
    name: str
    groups: list[GroupChange]


@strawberry.type
class YearOnYear:
    unit_id: str
    year: str
    previous_year: str
    kind: str
    items: list[SchoolChange]
    next_cursor: str | None

    @classmethod
    def of(cls, d: dict[str, Any]) -> YearOnYear:
        items = [
            SchoolChange(
                school_code=s["school_code"], name=s["name"], groups=[GroupChange(**g) for g in s["groups"]]
            )
            for s in d["items"]
        ]
        return cls(
            unit_id=d["unit_id"],
            year=d["year"],
            previous_year=d["previous_year"],
            kind=d["kind"],
            items=items,
            next_cursor=d.get("next_cursor"),
        )


@strawberry.type
class Outlier:
    school_code: str
    difference: str | None
    robust_z: str


@strawberry.type
class CriterionGap:
    code: str
    schools: int
    mean_difference: str | None
    self_higher: int
    share_self_higher: str
    outliers: list[Outlier]


@strawberry.type
class SelfVsExternal:
    unit_id: str
    year: str
    criteria: list[CriterionGap]

    @classmethod
    def of(cls, d: dict[str, Any]) -> SelfVsExternal:
        crits = [
            CriterionGap(**{**c, "outliers": [Outlier(**o) for o in c["outliers"]]}) for c in d["criteria"]
        ]
        return cls(unit_id=d["unit_id"], year=d["year"], criteria=crits)


@strawberry.type
class RankedSchool:
    rank: int
    school_code: str
    name: str
    points: str | None
    level: int | None
    managing_unit_id: str | None


@strawberry.type
class GoodModels:
    province: str
    year: str
    kind: str
    group: str
    items: list[RankedSchool]

    @classmethod
    def of(cls, d: dict[str, Any]) -> GoodModels:
        return cls(
            province=d["province"],
            year=d["year"],
            kind=d["kind"],
            group=d["group"],
            items=[RankedSchool(**s) for s in d["items"]],
        )


async def fetch(scoring: Upstream, path: str, **params: Any) -> Any | None:
    """GET an insights route; None when the unit is not the caller's (404). GraphQL's `year` is
    the REST `school_year`."""
    if "year" in params:
        params["school_year"] = params.pop("year")
    return await scoring.call(
        "GET", f"/api/v1/insights/{path}", params={k: v for k, v in params.items() if v is not None}
    )
