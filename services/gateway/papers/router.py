"""`GET /api/v1/schools/{code}/documents/{year}/{paper}.pdf|.docx` and
`GET /api/v1/units/{unit_id}/documents/{year}/{paper}.pdf|.docx`: the cycle's papers, generated on
request from the records the caller may see (nothing is stored; the records are the truth).
Matched before the proxy, so these paths never reach a service."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response

from services.gateway.deps import VerifiedDep
from services.gateway.papers.docx import render_docx
from services.gateway.papers.exports import unit_workbook
from services.gateway.papers.fetch import Services
from services.gateway.papers.model import Paper
from services.gateway.papers.pdf import render_pdf
from services.gateway.papers.school_docs import SCHOOL_PAPERS
from services.gateway.papers.school_docs import load as load_school
from services.gateway.papers.unit_docs import UNIT_PAPERS
from services.gateway.papers.unit_docs import load as load_unit
from services.gateway.papers.workbook import MEDIA_TYPE as XLSX
from services.gateway.ratelimit import limit_client
from shared.contracts import SchoolYear
from shared.errors import NotFound, problem_responses
from shared.i18n import msg

router = APIRouter(prefix="/api/v1", tags=["papers"])
FILE = re.compile(r"^(?P<slug>[a-z-]+)\.(?P<fmt>pdf|docx)$")
MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
Year = Annotated[SchoolYear, Path(description="school year, e.g. 2024-2025")]
FileName = Annotated[str, Path(description="`<paper>.pdf` or `<paper>.docx`; see the listing")]
# the codes go into the services' URLs: no dot segment, no separator, nothing to escape
Code = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$", description="MOET school code")]
UnitId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="org unit id")]
RESPONSES = {200: {"content": {m: {} for m in MEDIA.values()}}, **problem_responses(401, 404, 409, 422)}


class PaperNotFound(NotFound):
    code = "paper_not_found"
    message = msg("Không có văn bản này.", "No such paper.")


def _file(name: str, known: dict[str, object]) -> tuple[str, str]:
    m = FILE.match(name)
    if m is None or m["slug"] not in known:
        raise PaperNotFound(known=sorted(known))
    return m["slug"], m["fmt"]


async def services_for(request: Request, v: VerifiedDep) -> Services:
    await limit_client(request, v.principal.sub, v.rate_limit)
    s = request.app.state.settings
    return Services(request.app.state.upstreams, v.principal, s.internal_secret.get_secret_value())


async def _answer(paper: Paper, fmt: str, stem: str) -> Response:
    render: Callable[[Paper], bytes] = render_pdf if fmt == "pdf" else render_docx
    body = await asyncio.to_thread(render, paper)  # Typst and python-docx are CPU-bound
    name = f"{paper.slug}-{stem}.{fmt}"
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/schools/{code}/documents/{year}", response_model=list[str])
async def school_papers(code: Code, year: Year, v: VerifiedDep) -> list[str]:
    """The school's papers, as file names to append to this path (each also as `.docx`)."""
    return [f"{slug}.pdf" for slug in SCHOOL_PAPERS]


@router.get("/schools/{code}/documents/{year}/{name}", response_class=Response, responses=RESPONSES)
async def school_paper(code: Code, year: Year, name: FileName, request: Request, v: VerifiedDep) -> Response:
    """A school's paper: `qd-thanh-lap-hoi-dong`, `bien-ban-tu-danh-gia`, `qd-cong-nhan-tu-danh-gia`
    or `to-trinh-danh-gia-ngoai`, as PDF (for the record) or DOCX (to edit before signing). 409 when
    its record is not ready (no council, not approved, no request)."""
    slug, fmt = _file(name, SCHOOL_PAPERS)  # type: ignore[arg-type]
    build, need_assessment = SCHOOL_PAPERS[slug]
    records = await load_school(await services_for(request, v), code, year, need_assessment)
    return await _answer(build(records), fmt, f"{code}-{year}")


@router.get("/units/{unit_id}/documents/{year}", response_model=list[str])
async def unit_papers(unit_id: UnitId, year: Year, v: VerifiedDep) -> list[str]:
    """The unit's papers, as file names to append to this path (each also as `.docx`), and the
    results workbook."""
    return [*(f"{slug}.pdf" for slug in UNIT_PAPERS), "ket-qua.xlsx"]


@router.get(
    "/units/{unit_id}/documents/{year}/ket-qua.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}, **problem_responses(401, 404, 422)},
)
async def unit_workbook_route(unit_id: UnitId, year: Year, request: Request, v: VerifiedDep) -> Response:
    """The results workbook as a Sở officer uses it: every expected school ("Chưa nộp" when it has
    no result), a wide sheet per criterion and item (self and external side by side), a summary
    shaped like the report to the Bộ, and a Vietnamese legend."""
    body, n = await unit_workbook(await services_for(request, v), unit_id, year)
    name = f"ket-qua-cds-{unit_id}-{year}.xlsx"
    return Response(
        body,
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store",
            "X-Chiso-Rows": str(n),
        },
    )


@router.get("/units/{unit_id}/documents/{year}/{name}", response_class=Response, responses=RESPONSES)
async def unit_paper(
    unit_id: UnitId,
    year: Year,
    name: FileName,
    request: Request,
    v: VerifiedDep,
    decision: Annotated[
        str | None, Query(max_length=64, description="for `qd-cong-nhan`: the decision number")
    ] = None,
) -> Response:
    """A Phòng's or Sở's paper: `qd-thanh-lap-doan`, `danh-sach-de-nghi-cong-nhan`, `qd-cong-nhan`
    (the schools recognised under `decision`; optional when there is only one) or
    `bao-cao-ket-qua` (to the Sở, or from a Sở to the Bộ)."""
    slug, fmt = _file(name, UNIT_PAPERS)  # type: ignore[arg-type]
    records = await load_unit(await services_for(request, v), unit_id, year, slug)
    return await _answer(UNIT_PAPERS[slug](records, decision), fmt, f"{unit_id}-{year}")
