"""School pages: the year's assessment with every criterion's points and the engine's why, the
facts form, the evidence catalogue, the workflow actions, the next level, the plan and the
documents. Reviewers use the same action and facts routes for the external assessment."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from services.web import facts as facts_form
from services.web.api import Api, api_of, require_sign_in
from services.web.errors import ApiProblem
from services.web.loaders import base, framework_for, school_year, together
from services.web.pages import flash_url, redirect, render, safe_next
from services.web.session import Session, check_csrf

router = APIRouter(dependencies=[Depends(require_sign_in)])
ApiDep = Annotated[Api, Depends(api_of)]
SessionDep = Annotated[Session, Depends(require_sign_in)]
Code = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,32}$")]
Year = Annotated[str, Path(pattern=r"^\d{4}-\d{4}$")]
Kind = Annotated[str, Path(pattern=r"^(self|external)$")]
ACTIONS = {"submit", "approve", "return", "accept", "request-external", "conclude", "reopen", "recognise"}
# the cycle's papers (gateway, docs/papers.md): slug → (vi, en); the listing says which there are
PAPERS = {
    "qd-thanh-lap-hoi-dong": ("Quyết định thành lập Hội đồng tự đánh giá", "Decision forming the council"),
    "bien-ban-tu-danh-gia": ("Biên bản tự đánh giá", "Self-assessment minutes"),
    "qd-cong-nhan-tu-danh-gia": (
        "Quyết định công nhận kết quả tự đánh giá",
        "Decision on the self-assessment",
    ),
    "to-trinh-danh-gia-ngoai": ("Tờ trình đề nghị đánh giá ngoài", "Request for the external assessment"),
    "qd-thanh-lap-doan": ("Quyết định thành lập đoàn kiểm tra, đánh giá ngoài", "Decision forming the teams"),
    "danh-sach-de-nghi-cong-nhan": ("Danh sách đề nghị công nhận", "Schools proposed for recognition"),
    "qd-cong-nhan": ("Quyết định công nhận mức độ chuyển đổi số", "Recognition decision"),
    "bao-cao-ket-qua": ("Báo cáo kết quả", "Results report"),
    "ket-qua": ("Bảng kết quả (Excel)", "Results workbook (Excel)"),
}
FileName = Annotated[str, Path(pattern=r"^[a-z-]{1,64}\.(pdf|docx|xlsx)$")]


def papers(names: list[str]) -> list[tuple[str, tuple[str, str], list[str]]]:
    """The listing's file names as (slug, (vi, en) title, formats): each paper also as DOCX."""
    out = []
    for name in names:
        slug, _, ext = name.rpartition(".")
        out.append((slug, PAPERS.get(slug, (slug, slug)), ["pdf", "docx"] if ext == "pdf" else [ext]))
    return out


@router.get("/schools/{code}/{year}")
async def school_page(
    request: Request, api: ApiDep, code: Code, year: Year, ok: str | None = None
) -> Response:
    page, (documents, council, link) = await school_year(
        api,
        code,
        year,
        api.get(f"/api/v1/schools/{code}/documents/{year}"),
        api.maybe(f"/api/v1/schools/{code}/council/{year}"),
        api.maybe(f"/api/v1/schools/{code}/publication/{year}"),
    )
    return render(
        request,
        "school.html",
        **page.context(),
        code=code,
        year=year,
        ok=ok,
        documents=papers(documents),
        council=council,
        link=link,
    )


@router.post("/schools/{code}/{year}/{kind}/do/{action}", dependencies=[Depends(check_csrf)])
async def act(request: Request, api: ApiDep, code: Code, year: Year, kind: Kind, action: str) -> Response:
    if action not in ACTIONS:
        raise ApiProblem(
            404, {"code": "not_found", "message": {"vi": "Không có thao tác này.", "en": "No such action."}}
        )
    form = await request.form()
    body: dict[str, Any] = {}
    if action in {"return", "reopen"}:
        body["reason"] = str(form.get("reason") or "")
        comments = {k[2:]: str(v).strip() for k, v in form.items() if k.startswith("c|") and str(v).strip()}
        if comments:
            body["item_comments"] = comments
    if action == "recognise":
        body = {
            "decision_number": str(form.get("decision_number") or ""),
            "decision_date": form.get("decision_date"),
        }
    await api.json("POST", f"{base(code, year)}/{kind}/{action}", json=body or None)
    back = str(form.get("back") or f"/schools/{code}/{year}")
    return redirect(request, flash_url(safe_next(back), "done"))


async def _facts_context(api: Api, code: str, year: str, kind: str) -> tuple[dict[str, Any] | None, Any]:
    a = await api.maybe(f"{base(code, year)}/{kind}")
    fw = await framework_for(api, a["framework"] if a else None)
    return a, fw


@router.get("/schools/{code}/{year}/{kind}/facts")
async def facts_page(request: Request, api: ApiDep, code: Code, year: Year, kind: Kind) -> Response:
    school, (a, fw) = await together(
        api.get(f"/api/v1/org/schools/{code}"), _facts_context(api, code, year, kind)
    )
    sections = facts_form.build(fw, (a or {}).get("facts", {}), (a or {}).get("open_items"))
    return render(
        request,
        "facts.html",
        school=school,
        a=a,
        kind=kind,
        code=code,
        year=year,
        sections=sections,
        problem=None,
        fields=[],
    )


@router.post("/schools/{code}/{year}/{kind}/facts", dependencies=[Depends(check_csrf)])
async def save_facts(
    request: Request, api: ApiDep, s: SessionDep, code: Code, year: Year, kind: Kind
) -> Response:
    a, fw = await _facts_context(api, code, year, kind)
    stored = (a or {}).get("facts", {})
    sections = facts_form.build(fw, stored, (a or {}).get("open_items"))
    facts = facts_form.merge(sections, await request.form(), stored)
    body = {
        "facts": facts,
        "awarded": (a or {}).get("awarded", {}),
        "evidence_ids": (a or {}).get("evidence_ids", []),
    }
    headers = {"If-Match": f'"{a["version"]}"'} if a else {}
    try:
        await api.json("PUT", f"{base(code, year)}/{kind}", json=body, headers=headers)
    except ApiProblem as p:
        if p.status not in (409, 412, 422):
            raise
        school = await api.get(f"/api/v1/org/schools/{code}")
        sections = facts_form.build(fw, facts, (a or {}).get("open_items"))  # keep what was typed
        return render(
            request,
            "facts.html",
            status=p.status,
            school=school,
            a=a,
            kind=kind,
            code=code,
            year=year,
            sections=sections,
            problem=p.message(s.lang),
            fields=p.fields(s.lang),
        )
    back = f"/schools/{code}/{year}" if kind == "self" else f"/review/{code}/{year}"
    return redirect(request, flash_url(back, "saved"))


@router.get("/schools/{code}/{year}/documents/{name}")
async def document(api: ApiDep, code: Code, year: Year, name: FileName) -> Response:
    """A paper of the school, streamed through (the gateway says which exist: 404 otherwise)."""
    return await passthrough(api, f"/api/v1/schools/{code}/documents/{year}/{name}")


async def passthrough(api: Api, path: str, params: dict[str, str] | None = None) -> Response:
    """A file from the gateway, streamed to the browser with its type and name."""
    r = await api.open_stream(path, params)
    keep = {
        k: v
        for k, v in r.headers.items()
        if k.lower() in {"content-type", "content-disposition", "content-length", "etag"}
    }
    return StreamingResponse(
        r.aiter_raw(), status_code=r.status_code, headers=keep, background=BackgroundTask(r.aclose)
    )
