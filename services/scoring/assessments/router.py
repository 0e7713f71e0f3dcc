from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.bulk import BulkRequest, BulkService, BulkSummary
from services.scoring.assessments.compare import compare
from services.scoring.assessments.models import Assessment, IdempotencyRecord
from services.scoring.assessments.recognition import BatchRecognition, BatchRecognitionOut, recognise_batch
from services.scoring.assessments.schemas import (
    ActionBody,
    AssessmentOut,
    AssessmentWrite,
    AuditOut,
    Comparison,
    RecogniseBody,
)
from services.scoring.assessments.service import AssessmentService, Checks
from services.scoring.deps import ChecksDep, PrincipalDep, RegistryDep, SessionDep
from services.scoring.frameworks.registry import FrameworkRegistry
from services.scoring.permissions import BulkWriter
from shared import idempotency as idem
from shared.contracts import AssessmentKind
from shared.db import refresh_statistics
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, paginate_ids
from shared.principal import Principal

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


def _etags(header: str) -> set[str]:
    """The entity tags of an `If-None-Match` list (weak ones compare as strong for a GET)."""
    return {t.strip().removeprefix("W/") for t in header.split(",")}


@router.get("/comparison", response_model=Comparison, responses=problem_responses(404))
async def comparison(
    code: str, year: str, p: PrincipalDep, session: SessionDep, registry: RegistryDep
) -> Comparison:
    """Self versus external assessment, side by side, per item and per group."""
    return await compare(AssessmentService(session, registry), p, code, year)


@router.get("/{kind}", response_model=AssessmentOut, responses=problem_responses(404, 422))
async def get_assessment(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The assessment with its full score breakdown and what the caller may do next.

    `If-None-Match` with the current ETag answers 304 without a body (the version is the ETag).
    """
    svc = AssessmentService(session, registry)
    a = await svc.get(p, code, year, kind)
    if if_none_match is not None and f'"{a.version}"' in _etags(if_none_match):
        return Response(status_code=304, headers={"ETag": f'"{a.version}"'})
    return _json(await svc.render(p, a), 200, a.version)


@router.put(
    "/{kind}", response_model=AssessmentOut, responses=problem_responses(403, 404, 409, 412, 422, 428)
)
async def put_assessment(
    code: str,
    year: str,
    kind: Kind,
    body: AssessmentWrite,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    locks: ChecksDep,
    if_match: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Create or replace the facts, awarded points and evidence of a draft (or of an external
    assessment in progress), scored with the framework pinned for the year. `If-Match` guards
    against lost updates: changing an existing assessment needs it (428 without, 412 when stale,
    naming the current version); creating needs none, and `If-None-Match: *` refuses to replace."""
    svc = AssessmentService(session, registry, locks)
    a, created, scored = await svc.write(p, code, year, kind, body, if_match, if_none_match)
    return _json(await svc.render(p, a, scored), 201 if created else 200, a.version)


@dataclass(frozen=True)
class Action:
    """What every workflow action needs: which assessment, who asks, the request's transaction,
    and the idempotency key; `run` applies one action and answers the rendered assessment."""

    code: str
    year: str
    kind: AssessmentKind
    p: Principal
    session: AsyncSession
    registry: FrameworkRegistry
    key: str | None
    locks: Checks

    async def run(self, action: str, body: ActionBody | RecogniseBody) -> Response:
        svc = AssessmentService(self.session, self.registry, self.locks)

        async def run() -> idem.Answer:
            if action == "request-external":
                a = await svc.request_external(self.p, self.code, self.year)
            else:
                a = await svc.act(self.p, self.code, self.year, self.kind, action, body)
            out = AssessmentOut.model_validate(await svc.render(self.p, a)).model_dump(mode="json")
            return idem.Answer(200, out, {"ETag": f'"{a.version}"'})

        request_body = {
            "path": [self.code, self.year, self.kind.value, action],
            "body": body.model_dump(mode="json"),
        }
        keys = idem.Idempotency(IdempotencyRecord, self.session)
        return (await keys.run(self.p.sub, self.key, request_body, run)).response()


async def _action(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    locks: ChecksDep,
    key: IdemKey = None,
) -> Action:
    return Action(code, year, kind, p, session, registry, key, locks)


# scope="function" like the session it holds: the commit still runs before the response is sent
ActionDep = Annotated[Action, Depends(_action, scope="function")]


@router.post("/{kind}/submit", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def submit(ctx: ActionDep, body: ActionBody | None = None) -> Response:
    """Submit a draft self-assessment to the school head."""
    return await ctx.run("submit", body or ActionBody())


@router.post("/{kind}/approve", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def approve(ctx: ActionDep, body: ActionBody | None = None) -> Response:
    """Approve (phê duyệt) a submitted self-assessment: the school head only; it becomes read-only."""
    return await ctx.run("approve", body or ActionBody())


@router.post("/{kind}/return", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def return_(ctx: ActionDep, body: ActionBody) -> Response:
    """Return with a reason: the head sends a submission back to draft; the managing unit returns
    an approved one for more evidence, reopening only the items named in `item_comments`."""
    return await ctx.run("return", body)


@router.post("/{kind}/accept", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def accept(ctx: ActionDep, body: ActionBody | None = None) -> Response:
    """The managing unit accepts an approved self-assessment for external assessment."""
    return await ctx.run("accept", body or ActionBody())


@router.post("/{kind}/request-external", response_model=AssessmentOut, responses=problem_responses(404, 409))
async def request_external(ctx: ActionDep) -> Response:
    """The school asks its managing unit for the external assessment (đề nghị đánh giá ngoài)."""
    return await ctx.run("request-external", ActionBody())


@router.post("/{kind}/conclude", response_model=AssessmentOut, responses=problem_responses(404, 409))
async def conclude(ctx: ActionDep, body: ActionBody | None = None) -> Response:
    """The assessors conclude the external assessment (kết luận)."""
    return await ctx.run("conclude", body or ActionBody())


@router.post("/{kind}/reopen", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def reopen(ctx: ActionDep, body: ActionBody) -> Response:
    """Reopen a concluded external assessment, with a reason."""
    return await ctx.run("reopen", body)


@router.post("/{kind}/recognise", response_model=AssessmentOut, responses=problem_responses(404, 409, 422))
async def recognise(ctx: ActionDep, body: RecogniseBody) -> Response:
    """Recognise (công nhận) the concluded external assessment by decision: the official level."""
    return await ctx.run("recognise", body)


@router.get("/{kind}/audit", response_model=Page[AuditOut], responses=problem_responses(404, 422))
async def audit(
    code: str,
    year: str,
    kind: Kind,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> Page[AuditOut]:
    """Every change of facts, points or state: who, in which role, when, before, after, why;
    oldest first."""
    entries = await AssessmentService(session, registry).audit(p, code, year, kind)
    rows, nxt, total = paginate_ids(entries, cursor, limit, lambda r: int(r.id or 0))
    return Page(
        items=[AuditOut.model_validate(r, from_attributes=True) for r in rows], next_cursor=nxt, total=total
    )


bulk_router = APIRouter(prefix="/api/v1/bulk", tags=["bulk"])
# what a bulk batch looks its rows up by (the unique key, and the index that must not be taken
# for it): statistics refreshed after a batch that created rows (shared.db.refresh_statistics)
BULK_STATISTICS = {Assessment.__tablename__: ("school_code", "school_year", "kind", "state")}


@bulk_router.post("/assessments", response_model=BulkSummary, responses=problem_responses(403, 409, 422))
async def bulk_assessments(
    body: BulkRequest,
    p: BulkWriter,
    session: SessionDep,
    registry: RegistryDep,
    locks: ChecksDep,
    http: Request,
    background: BackgroundTasks,
    key: IdemKey = None,
    dry_run: bool = False,
) -> Response:
    """Up to 1,000 schools' self-assessment drafts at once, each validated and scored on its own;
    answers per school: created, updated, unchanged, or rejected with its problem details."""

    async def run() -> idem.Answer:
        out = await BulkService(session, registry, locks).submit(p, body, dry_run)
        if out.created and not dry_run:
            # after the commit (the response is sent first): the next batch is planned on
            # statistics that count this one's rows (shared.db.refresh_statistics)
            background.add_task(refresh_statistics, http.app.state.engine, BULK_STATISTICS)
        return idem.Answer(200, out.model_dump(mode="json"))

    # the request's fingerprint only where a key asks for one: dumping 1,000 rows' facts took
    # ~0.1 s a request (docs/assessments.md, "Bulk submission")
    request = {"bulk": body.model_dump(mode="json"), "dry_run": dry_run} if key else None
    keys = idem.Idempotency(IdempotencyRecord, session)
    return (await keys.run(p.sub, key, request, run)).response()


@bulk_router.post(
    "/recognitions", response_model=BatchRecognitionOut, responses=problem_responses(403, 404, 409, 422)
)
async def batch_recognition(
    body: BatchRecognition,
    p: PrincipalDep,
    session: SessionDep,
    registry: RegistryDep,
    key: IdemKey = None,
) -> Response:
    """One decision (QĐ công nhận) recognising many schools' concluded external assessments: all
    or nothing; a refusal (422 `batch_rejected`) lists each school that cannot be recognised and
    why, and writes nothing."""

    async def run() -> idem.Answer:
        out = await recognise_batch(AssessmentService(session, registry), p, body)
        return idem.Answer(200, out.model_dump(mode="json"))

    keys = idem.Idempotency(IdempotencyRecord, session)
    return (await keys.run(p.sub, key, {"recognitions": body.model_dump(mode="json")}, run)).response()
