"""`GET /api/v1/units/{unit_id}/documents/{year}/ket-qua.xlsx`: the Sở's (or Phòng's) workbook of
every expected school, read from the roster, the evidence catalogues and the framework's titles
with the caller's principal."""

from __future__ import annotations

import asyncio
from typing import Any

from services.gateway.papers.fetch import Services
from services.gateway.papers.unit_docs import roster
from services.gateway.papers.workbook import build_workbook

EVIDENCE_CONCURRENCY = 8


def titles_of(doc: Any, out: dict[str, str] | None = None) -> dict[str, str]:
    """Code → Vietnamese title of every group, criterion and item of a framework document."""
    out = {} if out is None else out
    if isinstance(doc, dict):
        title = doc.get("title")
        if isinstance(doc.get("code"), str) and isinstance(title, dict) and "vi" in title:
            out[doc["code"]] = title["vi"]
        for v in doc.values():
            titles_of(v, out)
    elif isinstance(doc, list):
        for v in doc:
            titles_of(v, out)
    return out


async def evidence_of(svc: Services, codes: list[str], year: str) -> dict[str, list[dict[str, Any]]]:
    """Each school's catalogue of the year; none when the evidence service does not run here."""
    if "evidence" not in svc.clients:
        return {}
    gate = asyncio.Semaphore(EVIDENCE_CONCURRENCY)

    async def one(code: str) -> tuple[str, list[dict[str, Any]]]:
        async with gate:
            path = f"/api/v1/schools/{code}/evidence"
            return code, [e async for e in svc.pages("evidence", path, school_year=year, limit=500)]

    return dict(await asyncio.gather(*(one(c) for c in codes)))


async def unit_workbook(svc: Services, unit_id: str, year: str) -> tuple[bytes, int]:
    unit = await svc.get("scoring", f"/api/v1/org/units/{unit_id}")
    rows = await roster(svc, unit_id, year)
    started = [s["code"] for s in rows if s["self_assessment"] or s["external_assessment"]]
    evidence = await evidence_of(svc, started, year)
    frameworks = {a["framework"] for s in rows for a in (s["self_assessment"], s["external_assessment"]) if a}
    titles: dict[str, str] = {}
    for fw in sorted(frameworks):
        titles_of(await svc.get("scoring", f"/api/v1/frameworks/{fw}", missing_ok=True), titles)
    title = (
        f"Kết quả đánh giá mức độ chuyển đổi số năm học {year} – {unit['name']} ({len(rows)} cơ sở giáo dục)"
    )
    body = await asyncio.to_thread(build_workbook, rows, evidence, titles, title)  # openpyxl is CPU-bound
    return body, len(rows)
