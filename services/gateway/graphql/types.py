"""GraphQL types for the Sở dashboards. Points are `Decimal` (a string: exact, as the engine computes
them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from services.gateway.graphql import args
from services.gateway.graphql.context import Context
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
    state: str
    count: int


@strawberry.type
class LevelCount:
    kind: str
    group: str
    level: int
    count: int


@strawberry.type
class CriterionAverage:
    kind: str
    code: str
    average_points: Decimal
    assessed: int


@strawberry.type
class UnitSummary:
    unit_id: str
    year: str
    schools: int
    self_states: list[StateCount]
    external_states: list[StateCount]
    levels: list[LevelCount]
    criteria: list[CriterionAverage]

    @strawberry.field(
        description="Timeliness of delivery to CSDL ngành of this unit's own schools (those it or a unit "
        "below it manages) that the caller may see (sync service); null when unavailable."
    )  # type: ignore[untyped-decorator]
    async def timeliness(self, info: Ctx, kind: str = "self") -> Timeliness | None:
        unit = await info.context.unit.load(self.unit_id)
        province = unit.get("province_code") if unit else None
        d = await info.context.timeliness.load((province, self.year, kind))
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
            self_states=[StateCount(state=k, count=v) for k, v in sorted(d["self_states"].items())],
            external_states=[StateCount(state=k, count=v) for k, v in sorted(d["external_states"].items())],
            levels=[LevelCount(**x) for x in d["levels"]],
            criteria=[
                CriterionAverage(**{**x, "average_points": dec(x["average_points"])}) for x in d["criteria"]
            ],
        )


@strawberry.type
class AssessmentBrief:
    state: str
    version: int
    g1_points: Decimal | None
    g1_level: int | None
    g2_points: Decimal | None
    g2_level: int | None
    overall_level: int | None

    @staticmethod
    def of(d: dict[str, Any]) -> AssessmentBrief:
        points = {k: opt_dec(d.get(k)) for k in ("g1_points", "g2_points")}
        return AssessmentBrief(**{**d, **points})


@strawberry.type
class School:
    code: str
    name: str
    levels: list[str]
    managing_unit_id: str | None
    self_assessment: AssessmentBrief | None
    external_assessment: AssessmentBrief | None

    @staticmethod
    def of(d: dict[str, Any]) -> School:
        sa, ea = d.get("self_assessment"), d.get("external_assessment")
        return School(
            code=d["code"],
            name=d["name"],
            levels=d["levels"],
            managing_unit_id=d.get("managing_unit_id"),
            self_assessment=AssessmentBrief.of(sa) if sa else None,
            external_assessment=AssessmentBrief.of(ea) if ea else None,
        )


@strawberry.type
class PageInfo:
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class SchoolConnection:
    nodes: list[School]
    page_info: PageInfo


@strawberry.input
class SchoolFilter:
    unit_id: str | None = None
    level: str | None = strawberry.field(default=None, description="school level: MN, TH, THCS, THPT…")
    state: str | None = strawberry.field(default=None, description="self-assessment state, or not_started")
    external_state: str | None = None
    group1_level: int | None = None
    group2_level: int | None = None


def _filter_params(year: str, f: SchoolFilter) -> dict[str, Any]:
    """The school filter as the scoring service's query, every argument checked before it is sent."""
    params: dict[str, Any] = {"school_year": args.year(year)}
    for key, val in (
        ("level", args.word(f.level, "filter.level")),
        ("state", args.word(f.state, "filter.state")),
        ("external_state", args.word(f.external_state, "filter.externalState")),
        ("g1_level", f.group1_level),
        ("g2_level", f.group2_level),
    ):
        if val is not None:
            params[key] = val
    return params


def _connection(page: dict[str, Any]) -> SchoolConnection:
    nodes = [School.of(s) for s in page.get("items", [])]
    nxt = page.get("next_cursor")
    return SchoolConnection(
        nodes=nodes,
        page_info=PageInfo(end_cursor=nxt or None, has_next_page=bool(nxt)),
    )


async def fetch_schools(
    info: Ctx, year: str, f: SchoolFilter | None, first: int, after: str | None
) -> SchoolConnection:
    f = f or SchoolFilter()
    params = _filter_params(year, f)
    params["limit"] = first
    if f.unit_id is not None:
        params["unit"] = args.unit_id(f.unit_id, "filter.unitId")
    code = decode_after(after)
    if code is not None:
        params["cursor"] = encode_cursor(code)
    return _connection(
        await info.context.scoring.call("GET", "/api/v1/dashboard/schools", params=params) or {}
    )


@strawberry.type
class OrgUnit:
    id: str
    kind: str
    name: str
    parent_id: str | None
    province_code: str | None

    @staticmethod
    def of(d: dict[str, Any]) -> OrgUnit:
        return OrgUnit(
            id=d["id"],
            kind=d["kind"],
            name=d["name"],
            parent_id=d.get("parent_id"),
            province_code=d.get("province_code"),
        )

    @strawberry.field
    async def children(self, info: Ctx) -> list[OrgUnit]:
        return [OrgUnit.of(u) for u in await info.context.children.load(self.id)]

    @strawberry.field(description="Figures for the schools under this unit that the caller may see.")  # type: ignore[untyped-decorator]
    async def summary(self, info: Ctx, year: str) -> UnitSummary | None:
        d = await info.context.summaries.load((self.id, args.year(year)))
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
        params = tuple(sorted(_filter_params(year, filter or SchoolFilter()).items()))
        key = (self.id, params, min(max(first, 1), 200), decode_after(after))
        return _connection(await info.context.unit_schools.load(key))
