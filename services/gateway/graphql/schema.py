"""The dashboard schema. Everything is read through the services with the caller's principal,
so every figure is scoped to what the caller may see."""

from __future__ import annotations

import asyncio
from typing import Annotated
from urllib.parse import quote

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter

from services.gateway.graphql import args
from services.gateway.graphql.assessment import Assessment, AssessmentDoc, side_by_side
from services.gateway.graphql.enums import AssessmentKind, SchoolLevel, wire
from services.gateway.graphql.insights import GoodModels, SelfVsExternal, Transitions, YearOnYear, fetch
from services.gateway.graphql.node import Node, parse_global_id
from services.gateway.graphql.sync import AtRisk, Timeliness
from services.gateway.graphql.sync import at_risk as sync_at_risk
from services.gateway.graphql.types import (
    Ctx,
    OrgUnit,
    SchoolConnection,
    SchoolFilter,
    UnitSummary,
    fetch_school,
    fetch_schools,
    total_param,
)
from services.gateway.graphql.upstream import ExpectedError


@strawberry.type
class Query:
    @strawberry.field(
        description="The org units the caller may see whose parent it may not: the tree's roots."
    )  # type: ignore[untyped-decorator]
    async def org_tree(self, info: Ctx) -> list[OrgUnit]:
        units = await info.context.units.all()
        return [
            OrgUnit.of(u)
            for u in sorted(units.values(), key=lambda u: u["id"])
            if u.get("parent_id") not in units
        ]

    @strawberry.field(description="One org unit the caller may see, by its registry id (`so-79`).")  # type: ignore[untyped-decorator]
    async def org_unit(
        self,
        info: Ctx,
        unit_id: str | None = None,
        id: Annotated[
            str | None,
            strawberry.argument(deprecation_reason="Use unitId: `id` names the global id on every type."),
        ] = None,
    ) -> OrgUnit | None:
        given = unit_id if unit_id is not None else id
        if given is None:
            raise args.bad("unitId", "given")
        u = await info.context.unit.load(args.unit_id(given, "unitId" if unit_id is not None else "id"))
        return OrgUnit.of(u) if u else None

    @strawberry.field(
        description="Any object by its global id, when the caller may see it (else null, as for an "
        "unknown id)."
    )  # type: ignore[untyped-decorator]
    async def node(self, info: Ctx, id: strawberry.ID) -> Node | None:
        type_name, key = parse_global_id(id)
        if type_name == "OrgUnit" and len(key) == 1:
            u = await info.context.unit.load(args.unit_id(key[0], "id"))
            return OrgUnit.of(u) if u else None
        if type_name == "School" and len(key) == 2:
            return await fetch_school(info, key[0], key[1])
        raise args.bad("id", "an id this API handed out")

    @strawberry.field(description="Schools with their assessments of the year, filtered, by cursor.")  # type: ignore[untyped-decorator]
    async def schools(
        self,
        info: Ctx,
        year: str,
        filter: SchoolFilter | None = None,
        first: Annotated[int, strawberry.argument(description="at most 200")] = 50,
        after: str | None = None,
    ) -> SchoolConnection:
        return await fetch_schools(info, args.year(year), filter, min(max(first, 1), 200), after)

    @strawberry.field(description="One school's assessment of a year: self and external, side by side.")  # type: ignore[untyped-decorator]
    async def assessment(self, info: Ctx, school_code: str, year: str) -> Assessment | None:
        code, yr = args.segment(args.school_code(school_code)), args.segment(args.year(year))
        base = f"/api/v1/schools/{code}/assessments/{yr}"
        s = info.context.scoring
        self_a, ext_a = await asyncio.gather(s.call("GET", f"{base}/self"), s.call("GET", f"{base}/external"))
        if self_a is None and ext_a is None:
            return None
        cmp = await s.call("GET", f"{base}/comparison") if self_a and ext_a else None
        return Assessment(
            school_code=school_code,
            year=year,
            self_assessment=AssessmentDoc.of(self_a) if self_a else None,
            external_assessment=AssessmentDoc.of(ext_a) if ext_a else None,
            side_by_side=side_by_side(cmp),
        )

    @strawberry.field(description="Per org unit and school year: counts, level distribution, averages.")  # type: ignore[untyped-decorator]
    async def summary(self, info: Ctx, unit_id: str, year: str) -> UnitSummary | None:
        d = await info.context.summaries.load((args.unit_id(unit_id), args.year(year)))
        return UnitSummary.of(d) if d else None

    @strawberry.field(
        description="Schools the caller may see that risk missing the deadline (sync service); null "
        "when unavailable."
    )  # type: ignore[untyped-decorator]
    async def at_risk(
        self,
        info: Ctx,
        year: str,
        province: str | None = None,
        kind: AssessmentKind = AssessmentKind.SELF,
        within_days: int = 14,
    ) -> AtRisk | None:
        d = await sync_at_risk(
            info.context.sync,
            args.province(province),
            args.year(year),
            wire(kind),
            args.bounded(within_days, "withinDays", 0, 366),
        )
        return AtRisk.of(d) if d else None

    @strawberry.field(
        description="On time, late or missing per school the caller may see, from CSDL receipts "
        "(sync service); null when unavailable."
    )  # type: ignore[untyped-decorator]
    async def timeliness(
        self, info: Ctx, year: str, province: str | None = None, kind: AssessmentKind = AssessmentKind.SELF
    ) -> Timeliness | None:
        d = await info.context.timeliness.load((args.province(province), args.year(year), wire(kind)))
        return Timeliness.of(d) if d else None

    @strawberry.field(description="Schools moving from each level last year to each this year.")  # type: ignore[untyped-decorator]
    async def transitions(
        self, info: Ctx, unit_id: str, year: str, kind: AssessmentKind = AssessmentKind.SELF, group: str = "1"
    ) -> Transitions | None:
        d = await fetch(
            info.context.scoring,
            f"units/{quote(unit_id, safe='')}/transitions",
            year=year,
            kind=wire(kind),
            group=group,
        )
        return Transitions.of(d) if d else None

    @strawberry.field(description="Per school under a unit: points and level this year and last.")  # type: ignore[untyped-decorator]
    async def year_on_year(
        self,
        info: Ctx,
        unit_id: str,
        year: str,
        kind: AssessmentKind = AssessmentKind.SELF,
        first: int = 100,
        after: str | None = None,
    ) -> YearOnYear | None:
        path = f"units/{quote(unit_id, safe='')}/year-on-year"
        d = await fetch(
            info.context.scoring,
            path,
            year=year,
            kind=wire(kind),
            limit=min(max(first, 1), 500),
            cursor=after,
            **total_param(info),
        )
        return YearOnYear.of(d, after) if d else None

    @strawberry.field(
        description="Per criterion: mean self − external, share of generous self-assessments, MAD outliers."
    )  # type: ignore[untyped-decorator]
    async def self_vs_external(self, info: Ctx, unit_id: str, year: str) -> SelfVsExternal | None:
        d = await fetch(info.context.scoring, f"units/{quote(unit_id, safe='')}/self-vs-external", year=year)
        return SelfVsExternal.of(d) if d else None

    @strawberry.field(description="Điển hình: a province's schools ranked by group points, ties shared.")  # type: ignore[untyped-decorator]
    async def good_models(
        self,
        info: Ctx,
        province: str,
        year: str,
        kind: AssessmentKind = AssessmentKind.SELF,
        group: str = "1",
        school_level: SchoolLevel | None = None,
        unit_id: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> GoodModels | None:
        path = f"provinces/{quote(province, safe='')}/good-models"
        d = await fetch(
            info.context.scoring,
            path,
            year=year,
            kind=wire(kind),
            group=group,
            school_level=wire(school_level) if school_level else None,
            unit=unit_id,
            limit=min(max(first, 1), 500),
            cursor=after,
        )
        return GoodModels.of(d, after) if d else None


class CodedMaskErrors(MaskErrors):
    """Unexpected errors become "Unexpected error." with code INTERNAL; expected ones keep theirs;
    errors of the query itself get one too, so every error carries `extensions.code`."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL"}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        out = super()._process_errors(errors)
        for error in out:
            if not (error.extensions or {}).get("code"):
                error.extensions = {**(error.extensions or {}), "code": query_error_code(error.message)}
        return out


_TOO_COMPLEX = ("exceeds maximum operation depth", "aliases", "more than", "tokens")


def query_error_code(message: str) -> str:
    """The code of an error in the query itself (no resolver ran)."""
    lowered = message.lower()
    if any(marker in lowered for marker in _TOO_COMPLEX):
        return "QUERY_TOO_COMPLEX"  # the token limit speaks as a syntax error: checked first
    if lowered.startswith("syntax error"):
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED"


def _should_mask(error: GraphQLError) -> bool:
    if isinstance(error.original_error, ExpectedError):
        return False
    # errors of the query itself (syntax, validation, limits) carry no original error
    return error.original_error is not None


def build_schema(max_depth: int = 10, max_tokens: int = 2000, max_aliases: int = 30) -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        types=[OrgUnit],  # Node's implementations (School is reached through the connections)
        extensions=[
            lambda: QueryDepthLimiter(max_depth=max_depth),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: MaxAliasesLimiter(max_alias_count=max_aliases),
            lambda: CodedMaskErrors(should_mask_error=_should_mask),
        ],
    )


schema = build_schema()
