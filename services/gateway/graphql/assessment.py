"""An assessment's breakdown (groups → criteria → items), self and external side by side."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type
class Item:
    code: str
    title: str
    cap: float
    points: float
    awarded: bool


@strawberry.type
class Criterion:
    code: str
    title: str
    mandatory: bool
    met: bool | None
    max: float | None
    points: float | None
    level: int | None
    items: list[Item]


@strawberry.type
class Group:
    code: str
    title: str
    max: float
    points: float
    level: int | None
    criteria: list[Criterion]


@strawberry.type
class AssessmentDoc:
    kind: str
    state: str
    version: int
    framework: str
    official: bool
    overall_level: int | None
    groups: list[Group]

    @staticmethod
    def of(d: dict[str, Any]) -> AssessmentDoc:
        score = d.get("score") or {}
        return AssessmentDoc(
            kind=d["kind"],
            state=d["state"],
            version=d["version"],
            framework=d["framework"],
            official=d.get("official", False),
            overall_level=(score.get("overall") or {}).get("level"),
            groups=[
                Group(
                    code=g["code"],
                    title=g["title"],
                    max=g["max"],
                    points=g["points"],
                    level=g.get("level"),
                    criteria=[
                        Criterion(
                            code=c["code"],
                            title=c["title"],
                            mandatory=c["mandatory"],
                            met=c.get("met"),
                            max=c.get("max"),
                            points=c.get("points"),
                            level=c.get("level"),
                            items=[
                                Item(
                                    code=i["code"],
                                    title=i["title"],
                                    cap=i["cap"],
                                    points=i["points"],
                                    awarded=i["awarded"],
                                )
                                for i in c.get("items", [])
                            ],
                        )
                        for c in g.get("criteria", [])
                    ],
                )
                for g in score.get("groups", [])
            ],
        )


@strawberry.type
class ItemSideBySide:
    code: str
    title: str
    self_points: float | None
    external_points: float | None
    difference: float | None
    facts_differ: bool


@strawberry.type
class Assessment:
    school_code: str
    year: str
    self_assessment: AssessmentDoc | None
    external_assessment: AssessmentDoc | None
    side_by_side: list[ItemSideBySide] = strawberry.field(
        description="per item, when both assessments exist (from the scoring service's comparison)"
    )


def side_by_side(cmp: dict[str, Any] | None) -> list[ItemSideBySide]:
    if not cmp:
        return []
    return [
        ItemSideBySide(
            code=i["code"],
            title=i["title"],
            self_points=i.get("self_points"),
            external_points=i.get("external_points"),
            difference=i.get("difference"),
            facts_differ=i["facts_differ"],
        )
        for i in cmp.get("items", [])
    ]
