"""Improvement plans: written whole (the request's transaction replaces the year's targets, under
the assessment row's lock), read with progress against the next year's facts and with last year's
targets carried in."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.scoring.assessments.models import Assessment
from services.scoring.assessments.service import AssessmentService
from services.scoring.engine.vocabulary import parse_input
from services.scoring.errors import AssessmentNotFound
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.insights.service import previous_year
from services.scoring.permissions import PLAN
from services.scoring.plans.models import PlanTarget
from services.scoring.plans.progress import progress
from services.scoring.plans.schemas import PlanIn, PlanOut, TargetOut
from shared.contracts import AssessmentKind
from shared.db import utcnow
from shared.errors import FieldError, Unprocessable
from shared.i18n import msg
from shared.principal import Principal

# the school decides its plan; an admin may correct it


def next_year(year: str) -> str:
    first = int(year[:4])
    return f"{first + 1}-{first + 2}"


def _due_window(year: str) -> tuple[date, date]:
    """From the plan year's start to the end of the next school year, whose facts measure it."""
    first = int(year[:4])
    return date(first, 8, 1), date(first + 2, 7, 31)


class PlanService:
    def __init__(self, session: AsyncSession, registry: FrameworkRegistry) -> None:
        self.session = session
        self.assessments = AssessmentService(session, registry)

    async def _own(self, p: Principal, code: str, year: str, lock: bool = False) -> Assessment:
        svc = self.assessments
        if not lock:
            return await svc.get(p, code, year, AssessmentKind.SELF)
        await svc.get(p, code, year, AssessmentKind.SELF)  # 404s, year format
        a = await svc.repo.get(p, code, year, AssessmentKind.SELF.value, lock=True)
        if a is None:
            raise AssessmentNotFound()
        return a

    async def _other(self, p: Principal, code: str, year: str) -> Assessment | None:
        return await self.assessments.repo.get(p, code, year, AssessmentKind.SELF.value)

    async def _rows(self, code: str, year: str) -> list[PlanTarget]:
        q = select(PlanTarget).where(col(PlanTarget.school_code) == code, col(PlanTarget.school_year) == year)
        return list((await self.session.execute(q.order_by(PlanTarget.item))).scalars())

    def _validate(self, a: Assessment, levels: list[str], body: PlanIn) -> list[FieldError]:
        cf = self.assessments.published(a).compiled
        errors: list[FieldError] = []
        lo, hi = _due_window(a.school_year)
        seen: set[str] = set()
        for i, t in enumerate(body.targets):
            if t.item in seen:
                errors.append(
                    FieldError(
                        pointer=f"/targets/{i}/item",
                        code="duplicate_item",
                        message=msg("Nội dung đã có trong kế hoạch.", "The item is already planned."),
                    )
                )
            seen.add(t.item)
            _, errs = parse_input(cf, levels, {t.item: t.target}, {}, root=("targets", i))
            for (
                e
            ) in errs:  # the vocabulary names /targets/i/facts/<item>/…; the body says /targets/i/target/…
                e.pointer = e.pointer.replace(f"/targets/{i}/facts/{t.item}", f"/targets/{i}/target")
                if e.code == "unknown_code":
                    e.pointer = f"/targets/{i}/item"
            errors += errs
            if not lo <= t.due <= hi:
                errors.append(
                    FieldError(
                        pointer=f"/targets/{i}/due",
                        code="due_out_of_range",
                        message=msg(
                            f"Hạn phải trong khoảng {lo} – {hi}.",
                            f"The due date must lie between {lo} and {hi}.",
                        ),
                    )
                )
        return errors

    async def put(self, p: Principal, code: str, year: str, body: PlanIn) -> PlanOut:
        a = await self._own(p, code, year, lock=True)
        PLAN.check(p)  # after the scope: an outsider gets the 404 first
        school = await self.assessments.org.school(code)
        assert school is not None
        errors = self._validate(a, list(school.levels), body)
        if errors:
            raise Unprocessable(errors=errors)
        await self.session.execute(
            delete(PlanTarget).where(col(PlanTarget.school_code) == code, col(PlanTarget.school_year) == year)
        )
        now = utcnow()
        rows = [
            {
                "assessment_id": a.id,
                "school_code": code,
                "school_year": year,
                "item": t.item,
                "target": t.target,
                "owner": t.owner.strip(),
                "due": t.due,
                "note": t.note,
                "updated_by": p.sub,
                "updated_at": now,
            }
            for t in body.targets
        ]
        if rows:
            await self.session.execute(insert(PlanTarget), rows)
        return await self._read(p, a)

    async def get(self, p: Principal, code: str, year: str) -> PlanOut:
        return await self._read(p, await self._own(p, code, year))

    async def _read(self, p: Principal, a: Assessment) -> PlanOut:
        code, year = a.school_code, a.school_year
        school = await self.assessments.org.school(code)
        assert school is not None
        levels = list(school.levels)
        nxt, prev = (
            await self._other(p, code, next_year(year)),
            await self._other(p, code, previous_year(year)),
        )

        def out(
            rows: list[PlanTarget], start: Assessment | None, against: Assessment | None, ay: str
        ) -> list[TargetOut]:
            return [
                TargetOut(
                    item=r.item,
                    target=r.target,
                    owner=r.owner,
                    due=r.due,
                    note=r.note,
                    from_year=r.school_year,
                    progress=progress(self.assessments, levels, r.item, r.target, start, against, ay),
                )
                for r in rows
            ]

        return PlanOut(
            school_code=code,
            school_year=year,
            assessment_id=a.id,
            targets=out(await self._rows(code, year), a, nxt, next_year(year)),
            carried=out(await self._rows(code, previous_year(year)), prev, a, year),
        )


def plan_json(plan: PlanOut) -> dict[str, Any]:
    return plan.model_dump(mode="json")
