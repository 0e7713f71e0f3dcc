"""GraphQL types for the Sở dashboards. Points are `Decimal` (a string: exact, as the engine computes
them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from services.gateway.graphql import args
from services.gateway.graphql.context import Context
from services.gateway.graphql.enums import (
    AssessmentKind,
    AssessmentState,
    OrgUnitKind,
    Ownership,
    SchoolLevel,
    wire,
)
from services.gateway.graphql.node import Node, PageInfo, global_id, page_info
from services.gateway.graphql.points import dec, opt_dec
from services.gateway.graphql.sync import Timeliness
from services.gateway.graphql.unit_scope import restricted
from shared.errors import Unprocessable
from shared.pagination import decode_one, encode_cursor

Ctx = Info[Context, None]


def decode_after(after: str | None) -> str | None:
    """The school code a connection's `after` carries. A GraphQL cursor is the REST cursor
    (shared/pagination.py), so a bad one is refused the same way, as a bad argument."""
    try:
        return decode_one(after)
    except Unprocessable as e:
        raise args.bad("after", "the endCursor of the previous page") from e


@strawberry.type
class StateCount:
    state: AssessmentState
    count: int


@strawberry.type
class LevelCount:
    kind: AssessmentKind
    group: str = strawberry.field(description="`1`, `2` or `overall`")
    level: int
    count: int

    @staticmethod
    def of(d: dict[str, Any]) -> LevelCount:
        return LevelCount(
            kind=AssessmentKind(d["kind"]), group=d["group"], level=d["level"], count=d["count"]
        )


@strawberry.type
class CriterionAverage:
    kind: AssessmentKind
    code: str
    title: str | None = strawberry.field(description="the criterion's title in its framework")
    max_points: Decimal | None = strawberry.field(description="the criterion's maximum in its framework")
    average_points: Decimal
    assessed: int


@strawberry.type(description="The schools of one school level; a school of two levels counts under each.")
class SchoolLevelSummary:
    school_level: SchoolLevel
    schools: int
    levels: list[LevelCount] = strawberry.field(description="levels of their finished assessments")


@strawberry.type(description="The schools of one ownership (công lập / ngoài công lập).")
class OwnershipSummary:
    ownership: Ownership
    schools: int
    levels: list[LevelCount] = strawberry.field(description="levels of their finished assessments")


@strawberry.type(description="How many finished assessments were awarded an item's points.")
class ItemShare:
    kind: AssessmentKind
    code: str
    criterion: str = strawberry.field(description="the code of the item's criterion")
    title: str | None
    max_points: Decimal | None = strawberry.field(description="the most the framework gives the item")
    assessed: int
    awarded: int = strawberry.field(description="assessments awarded any of the item's points")
    full: int = strawberry.field(description="assessments awarded the item's full points")
    share_awarded: Decimal = strawberry.field(description="awarded / assessed")
    share_full: Decimal = strawberry.field(description="full / assessed")


@strawberry.type
class UnitSummary:
    unit_id: str
    year: str
    schools: int
    self_states: list[StateCount]
    external_states: list[StateCount]
    levels: list[LevelCount]
    criteria: list[CriterionAverage]
    school_levels: list[SchoolLevelSummary] = strawberry.field(description="per school level (cấp học)")
    ownerships: list[OwnershipSummary] = strawberry.field(description="per ownership")
    item_shares: list[ItemShare] = strawberry.field(
        description="per kind and item: how many finished assessments were awarded its points"
    )

    @strawberry.field(
        description="Timeliness of delivery to CSDL ngành of this unit's own schools (those it or a unit "
        "below it manages) that the caller may see (sync service); null when unavailable."
    )  # type: ignore[untyped-decorator]
    async def timeliness(self, info: Ctx, kind: AssessmentKind = AssessmentKind.SELF) -> Timeliness | None:
        unit = await info.context.unit.load(self.unit_id)
        province = unit.get("province_code") if unit else None
        d = await info.context.timeliness.load((province, self.year, wire(kind)))
        if not d:
            return None
        # the sync service answers per province: each unit counts only its own schools
        return Timeliness.of(restricted(d, await info.context.schools_index.under(self.unit_id)))

    @staticmethod
    def of(d: dict[str, Any]) -> UnitSummary:
        return UnitSummary(
            unit_id=d["unit_id"],
            year=d["year"],
            schools=d["schools"],
            self_states=[
                StateCount(state=AssessmentState(k), count=v) for k, v in sorted(d["self_states"].items())
            ],
            external_states=[
                StateCount(state=AssessmentState(k), count=v) for k, v in sorted(d["external_states"].items())
            ],
            levels=[LevelCount.of(x) for x in d["levels"]],
            criteria=[
                CriterionAverage(
                    kind=AssessmentKind(x["kind"]),
                    code=x["code"],
                    title=x.get("title"),
                    max_points=opt_dec(x.get("max_points")),
                    average_points=dec(x["average_points"]),
                    assessed=x["assessed"],
                )
                for x in d["criteria"]
            ],
            school_levels=[
                SchoolLevelSummary(
                    school_level=SchoolLevel(x["value"]),
                    schools=x["schools"],
                    levels=[LevelCount.of(v) for v in x["levels"]],
                )
                for x in d.get("school_levels", [])
            ],
            ownerships=[
                OwnershipSummary(
                    ownership=Ownership(x["value"]),
                    schools=x["schools"],
                    levels=[LevelCount.of(v) for v in x["levels"]],
                )
                for x in d.get("ownerships", [])
            ],
            item_shares=[
                ItemShare(
                    kind=AssessmentKind(x["kind"]),
                    code=x["code"],
                    criterion=x["criterion"],
                    title=x.get("title"),
                    max_points=opt_dec(x.get("max_points")),
                    assessed=x["assessed"],
                    awarded=x["awarded"],
                    full=x["full"],
                    share_awarded=dec(x["share_awarded"]),
                    share_full=dec(x["share_full"]),
                )
                for x in d.get("item_shares", [])
            ],
        )


_RENAMED = "Use group{n}{what}: one name for the group's {lower} across the schema."


@strawberry.type
class AssessmentBrief:
    state: AssessmentState
    version: int
    group1_points: Decimal | None
    group1_level: int | None
    group2_points: Decimal | None
    group2_level: int | None
    overall_level: int | None

    @strawberry.field(deprecation_reason=_RENAMED.format(n=1, what="Points", lower="points"))  # type: ignore[untyped-decorator]
    def g1_points(self) -> Decimal | None:
        return self.group1_points

    @strawberry.field(deprecation_reason=_RENAMED.format(n=1, what="Level", lower="level"))  # type: ignore[untyped-decorator]
    def g1_level(self) -> int | None:
        return self.group1_level

    @strawberry.field(deprecation_reason=_RENAMED.format(n=2, what="Points", lower="points"))  # type: ignore[untyped-decorator]
    def g2_points(self) -> Decimal | None:
        return self.group2_points

    @strawberry.field(deprecation_reason=_RENAMED.format(n=2, what="Level", lower="level"))  # type: ignore[untyped-decorator]
    def g2_level(self) -> int | None:
        return self.group2_level

    @staticmethod
    def of(d: dict[str, Any]) -> AssessmentBrief:
        return AssessmentBrief(
            state=AssessmentState(d["state"]),
            version=d["version"],
            group1_points=opt_dec(d.get("g1_points")),
            group1_level=d.get("g1_level"),
            group2_points=opt_dec(d.get("g2_points")),
            group2_level=d.get("g2_level"),
            overall_level=d.get("overall_level"),
        )


@strawberry.type(description="A school with its assessments of one school year.")
class School(Node):
    code: str
    name: str
    year: str = strawberry.field(description="the school year of the assessments shown")
    levels: list[SchoolLevel]
    managing_unit_id: str | None
    self_assessment: AssessmentBrief | None
    external_assessment: AssessmentBrief | None

    @staticmethod
    def of(d: dict[str, Any], year: str) -> School:
        sa, ea = d.get("self_assessment"), d.get("external_assessment")
        return School(
            id=global_id("School", year, d["code"]),
            code=d["code"],
            name=d["name"],
            year=year,
            levels=[SchoolLevel(x) for x in d["levels"]],
            managing_unit_id=d.get("managing_unit_id"),
            self_assessment=AssessmentBrief.of(sa) if sa else None,
            external_assessment=AssessmentBrief.of(ea) if ea else None,
        )


@strawberry.type
class SchoolEdge:
    cursor: str = strawberry.field(description="the REST list's cursor of this row")
    node: School


@strawberry.type
class SchoolConnection:
    edges: list[SchoolEdge]
    nodes: list[School] = strawberry.field(description="the edges' nodes, for callers that need no cursor")
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="schools matching the filter (all pages); counted only when this field is asked for"
    )


@strawberry.input
class SchoolFilter:
    unit_id: str | None = strawberry.field(default=None, description="the unit's id (`OrgUnit.unitId`)")
    level: SchoolLevel | None = strawberry.field(default=None, description="school level (cấp học)")
    state: AssessmentState | None = strawberry.field(
        default=None, description="self-assessment state, or not_started"
    )
    external_state: AssessmentState | None = None
    group1_level: int | None = None
    group2_level: int | None = None


def _filter_params(year: str, f: SchoolFilter) -> dict[str, Any]:
    """The school filter as the scoring service's query, every argument checked before it is sent."""
    params: dict[str, Any] = {"school_year": args.year(year)}
    for key, val in (
        ("level", wire(f.level) if f.level else None),
        ("state", wire(f.state) if f.state else None),
        ("external_state", wire(f.external_state) if f.external_state else None),
        ("g1_level", f.group1_level),
        ("g2_level", f.group2_level),
    ):
        if val is not None:
            params[key] = val
    return params


def _connection(page: dict[str, Any], year: str, after: str | None) -> SchoolConnection:
    nodes = [School.of(s, year) for s in page.get("items", [])]
    cursors = [encode_cursor(n.code) for n in nodes]
    return SchoolConnection(
        edges=[SchoolEdge(cursor=c, node=n) for c, n in zip(cursors, nodes, strict=True)],
        nodes=nodes,
        page_info=page_info(cursors, bool(page.get("next_cursor")), after),
        total_count=page.get("total"),
    )


def selects(info: Ctx, name: str) -> bool:
    """Whether the query asks this field for `name` (through fragments too)."""

    def seen(selections: list[Selection]) -> bool:
        for sel in selections:
            if isinstance(sel, SelectedField) and sel.name == name:
                return True
            if isinstance(sel, FragmentSpread | InlineFragment) and seen(sel.selections):
                return True
        return False

    return any(seen(field.selections) for field in info.selected_fields)


def total_param(info: Ctx) -> dict[str, str]:
    """`totalCount` costs the scoring service one COUNT query: asked for only when selected."""
    return {"include_total": "true"} if selects(info, "totalCount") else {}


async def fetch_schools(
    info: Ctx, year: str, f: SchoolFilter | None, first: int, after: str | None
) -> SchoolConnection:
    f = f or SchoolFilter()
    params = _filter_params(year, f) | total_param(info)
    params["limit"] = first
    if f.unit_id is not None:
        params["unit"] = args.unit_id(f.unit_id, "filter.unitId")
    code = decode_after(after)
    if code is not None:
        params["cursor"] = encode_cursor(code)
    page = await info.context.scoring.call("GET", "/api/v1/dashboard/schools", params=params) or {}
    return _connection(page, year, after)


async def fetch_school(info: Ctx, year: str, code: str) -> School | None:
    """One school of the caller's scope with its assessments of the year; None outside it."""
    params = {"school_year": args.year(year), "code": args.school_code(code, "id"), "limit": 1}
    page = await info.context.scoring.call("GET", "/api/v1/dashboard/schools", params=params) or {}
    items = page.get("items") or []
    return School.of(items[0], year) if items else None


@strawberry.type(description="An org unit (Bộ, Sở, Phòng…) the caller may see.")
class OrgUnit(Node):
    unit_id: str = strawberry.field(description="the org registry's id of the unit (`so-79`)")
    kind: OrgUnitKind
    name: str
    parent_id: str | None = strawberry.field(description="the parent's `unitId`")
    province_code: str | None

    @staticmethod
    def of(d: dict[str, Any]) -> OrgUnit:
        return OrgUnit(
            id=global_id("OrgUnit", d["id"]),
            unit_id=d["id"],
            kind=OrgUnitKind(d["kind"]),
            name=d["name"],
            parent_id=d.get("parent_id"),
            province_code=d.get("province_code"),
        )

    @strawberry.field
    async def children(self, info: Ctx) -> list[OrgUnit]:
        return [OrgUnit.of(u) for u in await info.context.children.load(self.unit_id)]

    @strawberry.field(description="Figures for the schools under this unit that the caller may see.")  # type: ignore[untyped-decorator]
    async def summary(self, info: Ctx, year: str) -> UnitSummary | None:
        d = await info.context.summaries.load((self.unit_id, args.year(year)))
        return UnitSummary.of(d) if d else None

    @strawberry.field
    async def schools(
        self,
        info: Ctx,
        year: str,
        filter: SchoolFilter | None = None,
        first: Annotated[int, strawberry.argument(description="at most 200")] = 50,
        after: str | None = None,
    ) -> SchoolConnection:
        # batched: the units of one tree share one listing (unit_schools.py)
        params = tuple(sorted((_filter_params(year, filter or SchoolFilter()) | total_param(info)).items()))
        key = (self.unit_id, params, min(max(first, 1), 200), decode_after(after))
        return _connection(await info.context.unit_schools.load(key), year, after)
