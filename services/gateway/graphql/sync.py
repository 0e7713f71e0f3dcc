"""Timeliness and the at-risk list, read from the sync service's REST API (scoped to the caller
there). Null when the sync service is not part of the deployment or not answering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from services.gateway.graphql.enums import AssessmentKind, AtRiskReason, TimelinessStatus
from services.gateway.graphql.upstream import Upstream

PAGE = 500
TimelinessKey = tuple[str | None, str, str]  # province (None: the caller's whole scope), year, kind


@strawberry.type
class SchoolTimeliness:
    school_code: str
    school_name: str
    status: TimelinessStatus
    on_time_deadline: str
    receipt_at: str | None


_YEAR = "Use year: one name for the school year across the schema."


@strawberry.type
class Timeliness:
    year: str
    kind: AssessmentKind
    expected: int
    on_time: int
    late: int
    missing: int
    schools: list[SchoolTimeliness]

    @strawberry.field(deprecation_reason=_YEAR)  # type: ignore[untyped-decorator]
    def school_year(self) -> str:
        return self.year

    @staticmethod
    def of(d: dict[str, Any]) -> Timeliness:
        return Timeliness(
            year=d["school_year"],
            kind=AssessmentKind(d["kind"]),
            expected=d["expected"],
            on_time=d["on_time"],
            late=d["late"],
            missing=d["missing"],
            schools=[
                SchoolTimeliness(
                    school_code=s["school_code"],
                    school_name=s["school_name"],
                    status=TimelinessStatus(s["status"]),
                    on_time_deadline=str(s["on_time_deadline"]),
                    receipt_at=s.get("receipt_at"),
                )
                for s in d.get("items", [])
            ],
        )


@strawberry.type
class AtRiskSchool:
    school_code: str
    school_name: str
    on_time_deadline: str
    days_left: int
    reason: AtRiskReason


@strawberry.type
class AtRisk:
    year: str
    kind: AssessmentKind
    as_of: str
    within_days: int
    schools: list[AtRiskSchool]

    @strawberry.field(deprecation_reason=_YEAR)  # type: ignore[untyped-decorator]
    def school_year(self) -> str:
        return self.year

    @staticmethod
    def of(d: dict[str, Any]) -> AtRisk:
        return AtRisk(
            year=d["school_year"],
            kind=AssessmentKind(d["kind"]),
            as_of=str(d["as_of"]),
            within_days=d["within_days"],
            schools=[
                AtRiskSchool(
                    school_code=s["school_code"],
                    school_name=s["school_name"],
                    on_time_deadline=str(s["on_time_deadline"]),
                    days_left=s["days_left"],
                    reason=AtRiskReason(s["reason"]),
                )
                for s in d.get("items", [])
            ],
        )


def _params(province: str | None, year: str, kind: str, **extra: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"school_year": year, "kind": kind, **extra}
    if province:
        p["province"] = province
    return p


def timeliness_loader(sync: Upstream) -> DataLoader[TimelinessKey, dict[str, Any] | None]:
    """One call per distinct (province, year, kind): the units of one province share it."""

    async def load(keys: Sequence[TimelinessKey]) -> list[dict[str, Any] | None]:
        found: dict[TimelinessKey, dict[str, Any] | None] = {}
        for key in dict.fromkeys(keys):
            found[key] = await whole(sync, "/api/v1/sync/timeliness", _params(*key))
        return [found[k] for k in keys]

    return DataLoader(load_fn=load)


async def at_risk(sync: Upstream, province: str | None, year: str, kind: str, within_days: int) -> Any:
    params = _params(province, year, kind, within_days=within_days)
    return await whole(sync, "/api/v1/sync/at-risk", params)


async def whole(sync: Upstream, path: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """A report with every row: its figures come whole on each page, its rows a page at a time."""
    report: dict[str, Any] | None = await sync.optional("GET", path, params={**params, "limit": PAGE})
    cursor = report.get("next_cursor") if report else None
    while report is not None and cursor:
        page = await sync.optional("GET", path, params={**params, "limit": PAGE, "cursor": cursor})
        if page is None:
            return None
        report["items"] += page.get("items", [])
        cursor = page.get("next_cursor")
    return report
