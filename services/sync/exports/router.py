"""`GET /api/v1/sync/exports/{school_year}.xlsx`: the results in the caller's scope as the Excel
file uploaded to CSDL ngành by hand where no API connection exists (DESIGN §5, second channel)."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Response

from services.sync.deadlines.router import ProvinceQ
from services.sync.deadlines.rules import check_year
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deps import ScoringDep, SessionDep
from services.sync.exports.workbook import MEDIA_TYPE, ExportRow, build_workbook
from services.sync.permissions import SyncReader
from services.sync.scope import today, visible_now
from shared.contracts import AssessmentKind, SchoolYear
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/sync", tags=["exports"])


@router.get(
    "/exports/{school_year}.xlsx",
    response_class=Response,
    responses={
        200: {"content": {MEDIA_TYPE: {}}, "description": "the workbook"},
        **problem_responses(401, 403, 422),
    },
)
async def export_results(
    school_year: SchoolYear,
    p: SyncReader,
    session: SessionDep,
    scoring: ScoringDep,
    kind: AssessmentKind = AssessmentKind.SELF,
    province: ProvinceQ = None,
) -> Response:
    """Each school's latest approved (self) or recognised (external) result of the year, exactly
    as the API channel sends it, with its delivery state and CSDL receipt: the schools in the
    caller's scope now (today's placement of each school)."""
    check_year(school_year)
    jobs = await DeliveryRepository(session).latest_result_per_school(school_year, kind.value, province)
    # a school's data follows the caller's scope now: after a move, its new office reads it
    visible = await visible_now(scoring, p, [j.school_code for j in jobs], province)
    rows = [
        ExportRow(
            school_code=j.school_code,
            school_name=visible[j.school_code].name,
            province_code=visible[j.school_code].province_code,
            submission=j.submission().model_dump(mode="json"),
            state=j.state,
            receipt_id=j.receipt_id,
            receipt_at=j.receipt_at,
        )
        for j in jobs
        if j.school_code in visible
    ]
    scope = f"tỉnh {province}" if province else "toàn phạm vi"
    title = f"Kết quả chuyển đổi số {school_year} – {kind.value} – {scope} ({len(rows)} trường)"
    # openpyxl is CPU-bound (about a second per 10,000 schools): off the event loop
    body = await asyncio.to_thread(build_workbook, rows, title=title)
    name = f"ket-qua-cds-{school_year}-{kind.value}{'-' + province if province else ''}.xlsx"
    return Response(
        body,
        media_type=MEDIA_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
            "X-Chiso-Rows": str(len(rows)),
            "X-Chiso-Scope-As-Of": today().isoformat(),
        },
    )
