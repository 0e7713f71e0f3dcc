"""Batch recognition: one decision (QĐ công nhận) that recognises many schools, as provinces
issue it. All or nothing: every school is checked first (scope, state, role, the decision's
date against that school's conclusion) and, if any fails, nothing is written and the answer lists
each failing school's problem; otherwise each is recognised through the same path as one
`POST …/external/recognise`, in one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.scoring.assessments import rules
from services.scoring.assessments.bulk import problem_body
from services.scoring.assessments.models import Assessment
from services.scoring.assessments.schemas import RecogniseBody
from services.scoring.assessments.service import AssessmentService, check_year
from services.scoring.assessments.workflow import Transition
from shared.contracts import AssessmentKind
from shared.errors import Problem, Unprocessable
from shared.i18n import msg
from shared.principal import Principal

MAX_SCHOOLS = 1000


class BatchRecognition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_year: str = Field(examples=["2024-2025"])
    decision_number: str = Field(min_length=1, max_length=64, examples=["45/QĐ-SGDĐT"])
    decision_date: date
    schools: list[str] = Field(min_length=1, max_length=MAX_SCHOOLS, description="MOET school codes")


class Recognised(BaseModel):
    school_code: str
    version: int
    g1_level: int | None
    g2_level: int | None
    overall_level: int | None


class BatchRecognitionOut(BaseModel):
    school_year: str
    decision_number: str
    decision_date: date
    recognised: list[Recognised]


def _refuse(problems: list[dict[str, Any]]) -> Unprocessable:
    return Unprocessable(
        msg(
            f"Không công nhận trường nào: {len(problems)} trường chưa đủ điều kiện.",
            f"No school was recognised: {len(problems)} cannot be recognised by this decision.",
        ),
        code="batch_rejected",
        problems=problems,
    )


async def recognise_batch(
    svc: AssessmentService, p: Principal, body: BatchRecognition
) -> BatchRecognitionOut:
    check_year(body.school_year)
    decision = RecogniseBody(decision_number=body.decision_number, decision_date=body.decision_date)
    errors = rules.recognition(decision, None, rules.vn_today())
    if errors:  # the decision itself: said once, not once per school
        raise Unprocessable(errors=errors)
    problems: list[dict[str, Any]] = []
    checked: list[tuple[Assessment, Transition]] = []
    seen: set[str] = set()
    for i, code in enumerate(body.schools):
        try:
            if code in seen:
                raise Unprocessable(
                    msg("Trường bị lặp trong quyết định.", "This school is listed twice."),
                    code="duplicate_school",
                )
            seen.add(code)
            a = await svc.get(p, code, body.school_year, AssessmentKind.EXTERNAL)
            checked.append((a, await svc.check(p, a, "recognise", decision)))
        except Problem as e:
            problems.append({"index": i, "school_code": code, "problem": problem_body(e)})
    if problems:
        raise _refuse(problems)
    out = []
    for a, t in checked:
        await svc.perform(p, a, t, "recognise", decision)
        out.append(Recognised(school_code=a.school_code, version=a.version, **_levels(a)))
    number = rules.decision_number(body.decision_number) or body.decision_number
    return BatchRecognitionOut(
        school_year=body.school_year, decision_number=number, decision_date=body.decision_date, recognised=out
    )


def _levels(a: Assessment) -> dict[str, int | None]:
    return {"g1_level": a.g1_level, "g2_level": a.g2_level, "overall_level": a.overall_level}
