"""Excel in, through the same write path as the API: the registry workbook goes to the org CSV
import route, the facts workbook to the bulk assessments route, both with the caller's own
principal (never a row written directly). A commit first runs the whole file as a dry run and
writes nothing unless every row passes, so a bad file loses nothing and leaves nothing half done."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from services.gateway.papers.fetch import Services
from services.gateway.papers.sheets import FACTS_SHEET, MEMBERS_SHEET, SCHOOL_SHEET, CellError, Parsed
from shared.contracts import SCHOOL_CSV_COLUMNS
from shared.i18n import msg

CHUNK = {"schools": 500, "facts": 200}
Progress = Callable[[int], Awaitable[None]]
Attached = dict[int, list[tuple[int, dict[str, Any]]]]


@dataclass
class Report:
    dry_run: bool
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    submitted: int = 0  # facts rows submitted (a dry run: that would be)
    committed: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)  # {sheet, cell, code, message}

    def add(self, e: CellError) -> None:
        self.errors.append(
            {"sheet": e.sheet, "cell": e.cell, "code": e.code, "message": e.message.model_dump()}
        )


def _cell_of(parsed: Parsed, sheet: str, row: int, pointer: str) -> tuple[str, str]:
    """The sheet and cell a server-side field error points at: `/facts/1.6.1/numerator` → that
    column of the row; `/facts/2.1/members/1/email` → the row's second member on the members'
    sheet."""
    parts = [p for p in re.sub(r"^/items/\d+", "", pointer).split("/") if p]
    if parts and parts[0] == "facts":
        parts = parts[1:]
    members = parsed.attached.get(row, [])
    i = int(parts[2]) if len(parts) >= 3 and parts[:2] == ["2.1", "members"] and parts[2].isdigit() else -1
    if 0 <= i < len(members):
        n = members[i][0]
        letter = parsed.attached_columns.get(parts[3] if len(parts) > 3 else "name", "A")
        return MEMBERS_SHEET, f"{letter}{n}"
    if parts[:2] == ["2.1", "members"]:
        parts = ["2.1", "met"]  # no member listed: the condition that asks for them
    key = ".".join(parts)
    for k, letter in parsed.columns.items():
        if k == key or (parts and k.startswith(parts[0] + ".") and len(parts) == 1):
            return sheet, f"{letter}{row}"
    return sheet, f"A{row}"


async def _schools_chunk(
    svc: Services, rows: list[tuple[int, dict[str, Any]]], attached: Attached, dry_run: bool
) -> list[dict[str, Any]]:
    out = io.StringIO()
    keys = list(SCHOOL_CSV_COLUMNS)
    w = csv.DictWriter(out, fieldnames=keys)
    w.writeheader()
    for _, r in rows:
        w.writerow({k: r.get(k, "") for k in keys})
    body = out.getvalue().encode()
    answer = await svc.post(
        "scoring",
        "/api/v1/org/import",
        content=body,
        params={"dry_run": str(dry_run).lower()},
        headers={"content-type": "text/csv"},
    )
    # the import numbers CSV lines from 2 (after its header): line → the n-th row of this chunk
    return [{**x, "index": x["line"] - 2, "errors": x.get("errors", [])} for x in answer["rows"]]


async def _facts_chunk(
    svc: Services, rows: list[tuple[int, dict[str, Any]]], attached: Attached, dry_run: bool
) -> list[dict[str, Any]]:
    items = []
    for n, r in rows:
        facts: dict[str, dict[str, Any]] = {}
        for key, v in r.items():
            if key in ("school_code", "school_year", "submit"):
                continue
            code, _, name = key.rpartition(".")
            facts.setdefault(code, {})[name] = v
        if n in attached:
            facts.setdefault("2.1", {})["members"] = [m for _, m in attached[n]]
        item = {"school_code": r["school_code"], "school_year": r["school_year"], "facts": facts}
        if r.get("submit"):
            item["submit"] = True  # the bulk route submits as POST …/self/submit would, I-10 checked
        items.append(item)
    answer = await svc.post(
        "scoring", "/api/v1/bulk/assessments", json={"items": items}, params={"dry_run": str(dry_run).lower()}
    )
    return [
        {
            **x,
            "errors": (x.get("problem") or {}).get("validation_errors")
            or (
                [{"pointer": "", "code": x["problem"]["code"], "message": x["problem"]["message"]}]
                if x.get("problem")
                else []
            ),
        }
        for x in answer["results"]
    ]


async def _pass(
    svc: Services, kind: str, parsed: Parsed, dry_run: bool, report: Report, progress: Progress, base: int
) -> None:
    send = _schools_chunk if kind == "schools" else _facts_chunk
    sheet = SCHOOL_SHEET if kind == "schools" else FACTS_SHEET
    size, done = CHUNK[kind], 0
    for start in range(0, len(parsed.rows), size):
        chunk = parsed.rows[start : start + size]
        for x in await send(svc, chunk, parsed.attached, dry_run):
            row = chunk[x["index"]][0]
            outcome = x["outcome"]
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.submitted += x.get("state") == "submitted" and bool(chunk[x["index"]][1].get("submit"))
            for e in x["errors"]:
                m = e.get("message") or {}
                where, cell = _cell_of(parsed, sheet, row, e.get("pointer", ""))
                text = msg(m.get("vi", ""), m.get("en", ""))
                report.add(CellError(where, cell, e.get("code", "rejected"), text))
        done += len(chunk)
        await progress(base + done)


async def run_import(svc: Services, kind: str, parsed: Parsed, dry_run: bool, progress: Progress) -> Report:
    """Dry run: every row checked by the service, nothing written. Commit: the same dry run, then,
    only if no row was rejected, the real pass."""
    report = Report(dry_run=dry_run, total=len(parsed.rows))
    for e in parsed.errors:
        report.add(e)
    if parsed.errors or not parsed.rows:
        return report
    await _pass(svc, kind, parsed, True, report, progress, 0)
    if dry_run or report.rejected:
        return report
    report = Report(dry_run=False, total=len(parsed.rows), committed=True)
    await _pass(svc, kind, parsed, False, report, progress, len(parsed.rows))
    return report
