from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response
from fastapi.responses import JSONResponse

from services.scoring.assessments.bulk import BulkRequest, BulkService, BulkSummary
from services.scoring.assessments.compare import compare
from services.scoring.assessments.idempotency import run_idempotent
from services.scoring.assessments.schemas import (
    ActionBody,
    AssessmentOut,
    AssessmentWrite,
    AuditOut,
    Comparison,
    RecogniseBody,
)
from services.scoring.assessments.service import AssessmentService
from services.scoring.deps import FactoryDep, PrincipalDep, RegistryDep, SessionDep
from shared.contracts import AssessmentKind
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/schools/{code}/assessments/{year}", tags=["assessments"])
Kind = Annotated[AssessmentKind, Path(description="`self` (tự đánh giá) or `external` (đánh giá ngoài)")]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


def _json(out: dict[str, Any], status: int, version: int | None = None) -> JSONResponse:
    headers = {"ETag": f'"{version}"'} if version is not None else None
    return JSONResponse(
        AssessmentOut.model_validate(out).model_dump(mode="json") if "permissions" in out else out,
        status_code=status,
        headers=headers,
    )


@router.get("/comparison", response_model=Comparison, responses=problem_responses(404))
async def comparison(
    code: str, year: str, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> Comparison:
    """Self versus external assessment, side by side, per item and per group."""
    return await compare(AssessmentService(session, registry), p, code, year)


@router.get("/{kind}", response_model=AssessmentOut, responses=problem_responses(404, 422))
async def get_assessment(
    code: str, year: str, kind: Kind, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> Response:
    """The assessment with its full score breakdown and what the caller may do next."""
    svc = AssessmentService(session, registry)
    a = await svc.get(p, code, year, kind)
    return _json(await svc.render(p, a), 200, a.version)


@router.put("/{kind}", response_model=AssessmentOut, responses=problem_responses(403, 404, 409, 412, 422))
async def put_assessment(
    code: str,
    year: str,
    kind: Kind,
    body: AssessmentWrite,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Create or replace the facts, awarded points and evidence of a draft (or of an external
    assessment in progress), scored with the framework pinned for the year. `If-Match` guards
    against lost updates (412 names the current version)."""
    svc = AssessmentService(session, registry)
    a, created = await svc.write(p, code, year, kind, body, if_match)
    return _json(await svc.render(p, a), 201 if created else 200, a.version)


async def _action(
    code: str,
    year: str,
    kind: AssessmentKind,
    action: str,
    body: ActionBody | RecogniseBody,
    p: Any,
    session: Any,
    registry: Any,
    factory: Any,
    key: str | None,
) -> Response:
    svc = AssessmentService(session, registry)

    async def run() -> tuple[int, dict[str, Any]]:
        if action == "request-external":
            a = await svc.request_external(p, code, year)
        else:
            a = await svc.act(p, code, year, kind, action, body)
        return 200, AssessmentOut.model_validate(await svc.render(p, a)).model_dump(mode="json")

    request_body = {"path": [code, year, kind.value, action], "body": body.model_dump(mode="json")}
    status, out = await run_idempotent(factory, session, p.sub, key, request_body, run)
    return JSONResponse(out, status_code=status, headers={"ETag": f'"{out.get("version")}"'})


@router.post("/{kind}/submit", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def submit(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
    body: ActionBody | None = None,
) -> Response:
    """Submit a draft self-assessment to the school head."""
    return await _action(code, year, kind, "submit", body or ActionBody(), p, session, registry, factory, key)


@router.post("/{kind}/approve", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def approve(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
    body: ActionBody | None = None,
) -> Response:
    """Approve (phê duyệt) a submitted self-assessment: the school head only; it becomes read-only."""
    return await _action(
        code, year, kind, "approve", body or ActionBody(), p, session, registry, factory, key
    )


@router.post("/{kind}/return", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def return_(
    code: str,
    year: str,
    kind: Kind,
    body: ActionBody,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
) -> Response:
    """Return with a reason: the head sends a submission back to draft; the managing unit returns
    an approved one for more evidence, reopening only the items named in `item_comments`."""
    return await _action(code, year, kind, "return", body, p, session, registry, factory, key)


@router.post("/{kind}/accept", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def accept(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
    body: ActionBody | None = None,
) -> Response:
    """The managing unit accepts an approved self-assessment for external assessment."""
    return await _action(code, year, kind, "accept", body or ActionBody(), p, session, registry, factory, key)


@router.post("/{kind}/request-external", response_model=AssessmentOut, responses=problem_responses(404, 409))
async def request_external(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
) -> Response:
    """The school asks its managing unit for the external assessment (đề nghị đánh giá ngoài)."""
    return await _action(
        code, year, kind, "request-external", ActionBody(), p, session, registry, factory, key
    )


@router.post("/{kind}/conclude", response_model=AssessmentOut, responses=problem_responses(404, 409))
async def conclude(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
    body: ActionBody | None = None,
) -> Response:
    """The assessors conclude the external assessment (kết luận)."""
    return await _action(
        code, year, kind, "conclude", body or ActionBody(), p, session, registry, factory, key
    )


@router.post("/{kind}/reopen", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def reopen(
    code: str,
    year: str,
    kind: Kind,
    body: ActionBody,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
) -> Response:
    """Reopen a concluded external assessment, with a reason."""
    return await _action(code, year, kind, "reopen", body, p, session, registry, factory, key)


@router.post("/{kind}/recognise", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def recognise(
    code: str,
    year: str,
    kind: Kind,
    body: RecogniseBody,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
) -> Response:
    """Recognise (công nhận) the concluded external assessment by decision: the official level."""
    return await _action(code, year, kind, "recognise", body, p, session, registry, factory, key)


@router.get("/{kind}/audit", response_model=list[AuditOut], responses=problem_responses(404))
async def audit(
    code: str, year: str, kind: Kind, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> list[AuditOut]:
    """Every change of facts, points or state: who, in which role, when, before, after, why."""
    rows = await AssessmentService(session, registry).audit(p, code, year, kind)
    return [AuditOut.model_validate(r, from_attributes=True) for r in rows]


bulk_router = APIRouter(prefix="/api/v1/bulk", tags=["bulk"])


@bulk_router.post("/assessments", response_model=BulkSummary, responses=problem_responses(403, 422))
async def bulk_assessments(
    body: BulkRequest,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    factory: FactoryDep,
    key: IdemKey = None,
    dry_run: bool = False,
) -> Response:
    """Up to 1,000 schools' self-assessment drafts at once, each validated and scored on its own;
    answers per school: created, updated, unchanged, or rejected with its problem details."""

    async def run() -> tuple[int, dict[str, Any]]:
        out = await BulkService(session, registry).submit(p, body, dry_run)
        return 200, out.model_dump(mode="json")

    status, out = await run_idempotent(
        factory, session, p.sub, key, {"bulk": body.model_dump(mode="json"), "dry_run": dry_run}, run
    )
    return JSONResponse(out, status_code=status)
