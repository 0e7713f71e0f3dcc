"""Insights for the dashboards (scoring's /api/v1/insights): level transitions, year on year, self
versus external with robust outliers, good models. Points stay decimal strings, as scoring sends
them, so no figure is rounded on the way."""

from __future__ import annotations

from typing import Any

import strawberry

from services.gateway.graphql.enums import AssessmentKind
from services.gateway.graphql.node import PageInfo, page_info
from services.gateway.graphql.upstream import Upstream
from shared.pagination import encode_cursor


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
    kind: AssessmentKind
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
        return cls(**{**fields, "kind": AssessmentKind(d["kind"]), "cells": cells})


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
class SchoolChangeEdge:
    cursor: str
    node: SchoolChange


@strawberry.type
class YearOnYear:
    unit_id: str
    year: str
    previous_year: str
    kind: AssessmentKind
    items: list[SchoolChange] = strawberry.field(description="the edges' nodes")
    next_cursor: str | None = strawberry.field(
        deprecation_reason="Use pageInfo { endCursor hasNextPage }, as on every connection."
    )
    edges: list[SchoolChangeEdge]
    page_info: PageInfo
    total_count: int | None = strawberry.field(description="rows on all pages")

    @classmethod
    def of(cls, d: dict[str, Any], after: str | None) -> YearOnYear:
        items = [
            SchoolChange(
                school_code=s["school_code"], name=s["name"], groups=[GroupChange(**g) for g in s["groups"]]
            )
            for s in d["items"]
        ]
        cursors = [encode_cursor(s.school_code) for s in items]
        return cls(
            unit_id=d["unit_id"],
            year=d["year"],
            previous_year=d["previous_year"],
            kind=AssessmentKind(d["kind"]),
            items=items,
            next_cursor=d.get("next_cursor"),
            edges=[SchoolChangeEdge(cursor=c, node=n) for c, n in zip(cursors, items, strict=True)],
            page_info=page_info(cursors, bool(d.get("next_cursor")), after),
            total_count=d.get("total"),
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
class GroupGap:
    code: str = strawberry.field(description="`1` or `2`: the group whose points are compared")
    schools: int = strawberry.field(description="schools with both assessments finished")
    mean_difference: str | None = strawberry.field(description="mean of self minus external points")
    self_higher: int
    share_self_higher: str


@strawberry.type(description="A child unit's schools (its subtree), or with `direct` the unit's own.")
class UnitGap:
    unit_id: str
    name: str | None
    direct: bool = strawberry.field(description="the schools the unit itself manages, not a child unit")
    groups: list[GroupGap]


@strawberry.type
class SelfVsExternal:
    unit_id: str
    year: str
    criteria: list[CriterionGap]
    units: list[UnitGap] = strawberry.field(
        description="per child unit (and the unit's directly managed schools): each group's mean difference"
    )

    @classmethod
    def of(cls, d: dict[str, Any]) -> SelfVsExternal:
        crits = [
            CriterionGap(**{**c, "outliers": [Outlier(**o) for o in c["outliers"]]}) for c in d["criteria"]
        ]
        units = [UnitGap(**{**u, "groups": [GroupGap(**g) for g in u["groups"]]}) for u in d.get("units", [])]
        return cls(unit_id=d["unit_id"], year=d["year"], criteria=crits, units=units)


@strawberry.type
class RankedSchool:
    rank: int
    school_code: str
    name: str
    points: str | None
    level: int | None
    managing_unit_id: str | None


@strawberry.type
class RankedSchoolEdge:
    cursor: str
    node: RankedSchool


@strawberry.type
class GoodModels:
    province: str
    year: str
    kind: AssessmentKind
    group: str
    items: list[RankedSchool] = strawberry.field(description="the edges' nodes")
    edges: list[RankedSchoolEdge]
    page_info: PageInfo
    total_count: int | None = strawberry.field(description="rows on all pages")

    @classmethod
    def of(cls, d: dict[str, Any], after: str | None) -> GoodModels:
        items = [RankedSchool(**s) for s in d["items"]]
        cursors = [encode_cursor(s.rank, s.school_code) for s in items]  # the REST cursor: rank, code
        return cls(
            province=d["province"],
            year=d["year"],
            kind=AssessmentKind(d["kind"]),
            group=d["group"],
            items=items,
            edges=[RankedSchoolEdge(cursor=c, node=n) for c, n in zip(cursors, items, strict=True)],
            page_info=page_info(cursors, bool(d.get("next_cursor")), after),
            total_count=d.get("total"),
        )


async def fetch(scoring: Upstream, path: str, **params: Any) -> Any | None:
    """GET an insights route; None when the unit is not the caller's (404). GraphQL's `year` is
    the REST `school_year`."""
    if "year" in params:
        params["school_year"] = params.pop("year")
    return await scoring.call(
        "GET", f"/api/v1/insights/{path}", params={k: v for k, v in params.items() if v is not None}
    )
