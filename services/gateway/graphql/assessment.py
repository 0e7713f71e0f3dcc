"""An assessment's breakdown (groups → criteria → items), self and external side by side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import strawberry

from services.gateway.graphql.enums import AssessmentKind, AssessmentState
from services.gateway.graphql.points import dec, opt_dec


@strawberry.type
class Item:
    code: str
    title: str
    cap: Decimal
    points: Decimal
    awarded: bool


@strawberry.type
class Criterion:
    code: str
    title: str
    mandatory: bool
    met: bool | None
    max: Decimal | None
    points: Decimal | None
    level: int | None
    items: list[Item]


@strawberry.type
class Group:
    code: str
    title: str
    max: Decimal
    points: Decimal
    level: int | None
    criteria: list[Criterion]


@strawberry.type
class AssessmentDoc:
    kind: AssessmentKind
    state: AssessmentState
    version: int
    framework: str
    official: bool
    overall_level: int | None
    groups: list[Group]

    @staticmethod
    def of(d: dict[str, Any]) -> AssessmentDoc:
        score = d.get("score") or {}
        return AssessmentDoc(
            kind=AssessmentKind(d["kind"]),
            state=AssessmentState(d["state"]),
            version=d["version"],
            framework=d["framework"],
            official=d.get("official", False),
            overall_level=(score.get("overall") or {}).get("level"),
            groups=[
                Group(
                    code=g["code"],
                    title=g["title"],
                    max=dec(g["max"]),
                    points=dec(g["points"]),
                    level=g.get("level"),
                    criteria=[
                        Criterion(
                            code=c["code"],
                            title=c["title"],
                            mandatory=c["mandatory"],
                            met=c.get("met"),
                            max=opt_dec(c.get("max")),
                            points=opt_dec(c.get("points")),
                            level=c.get("level"),
                            items=[
                                Item(
                                    code=i["code"],
                                    title=i["title"],
                                    cap=dec(i["cap"]),
                                    points=dec(i["points"]),
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
    self_points: Decimal | None
    external_points: Decimal | None
    difference: Decimal | None
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
            self_points=opt_dec(i.get("self_points")),
            external_points=opt_dec(i.get("external_points")),
            difference=opt_dec(i.get("difference")),
            facts_differ=i["facts_differ"],
        )
        for i in cmp.get("items", [])
    ]
