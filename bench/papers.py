"""The papers of a 2,000-school province: time and peak memory, each time as a ratio against
writing the same rows with the library alone, measured in the same run.

- the results workbook (`ket-qua.xlsx`, four sheets, every expected school) through the gateway,
  against openpyxl writing the roster's rows and columns as plain values (write-only mode);
- the Danh sách đề nghị công nhận (every school, one table row each) as PDF and DOCX through the
  gateway, against Typst compiling, and python-docx building, a bare table of the same rows;
- the Báo cáo kết quả (two school years' rosters counted into its tables), time only.
Everything runs in one process over httpx's ASGI transport (no socket time); the gateway reads
the scoring service with a signed officer's principal like any caller. Peak memory is the
process's resident high-water mark during the call (Linux `clear_refs`; it includes Typst's
native allocations, which `tracemalloc` cannot see). The evidence service is not started: the
workbook's per-school evidence calls are not in these figures.
Budget for 2,000 schools on a 2-core machine: workbook <= 15 s, each paper <= 20 s, peak
resident growth <= 400 MB, ratio against the bare library <= 10.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import typst
from docx import Document
from docx.table import _Cell
from openpyxl import Workbook
from sqlalchemy import insert

from bench.papers_data import YEAR, province
from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import AdminService
from services.gateway.config import GatewaySettings
from services.gateway.main import create_app as create_gateway
from services.scoring.assessments.models import Assessment
from services.scoring.config import ScoringSettings
from services.scoring.main import create_app as create_scoring
from services.scoring.org.models import OrgUnit, Placement, School
from shared.principal import Role

SECRET = "bench-internal-secret"
PASSWORD = "bench-password"
BUDGET_SECONDS = {"workbook": 15.0, "paper": 20.0}
BUDGET_MB = 400.0
BUDGET_RATIO = 10.0
BARE_TYPST = """#let d = json(bytes(sys.inputs.data))
#set text(font: ("Liberation Serif", "DejaVu Serif"), size: 11pt)
#table(columns: d.at(0).len(), ..d.flatten())"""


def _peak_reset() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _measure(fn: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    """(seconds, peak resident growth in MB, result)."""
    base = _rss_mb()
    _peak_reset()
    t = time.perf_counter()
    out = await fn()
    return time.perf_counter() - t, _peak_mb() - base, out


def _bare_workbook(rows: list[list[Any]], wide: list[list[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    for name, data in (("a", rows), ("b", wide)):
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _bare_docx(rows: list[list[str]]) -> bytes:
    doc = Document()
    t = doc.add_table(rows=len(rows), cols=len(rows[0]))
    for tr, values in zip(t._tbl.tr_lst, rows, strict=True):  # linear, as the service does it
        for tc, v in zip(tr.tc_lst, values, strict=True):
            _Cell(tc, t).text = v
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _bare_pdf(rows: list[list[str]], tmp: Path) -> bytes:
    src = tmp / "bare.typ"
    src.write_text(BARE_TYPST)
    out = typst.compile(str(src), sys_inputs={"data": json.dumps(rows, ensure_ascii=False)})
    assert isinstance(out, bytes)
    return out


def _line(name: str, secs: float, mb: float, base: float | None, budget: float) -> None:
    ratio = f", ratio {secs / base:.1f} against the bare library ({base:.2f} s)" if base else ""
    ok = secs <= budget and mb <= BUDGET_MB and (base is None or secs / base <= BUDGET_RATIO)
    print(
        f"{name}: {secs:.2f} s, peak +{mb:.0f} MB{ratio}; budget {budget:.0f} s, {BUDGET_MB:.0f} MB: "
        f"{'ok' if ok else 'OVER BUDGET'}",
        flush=True,
    )


async def _load(scoring: Any, n: int) -> None:
    rows = province(n)
    async with scoring.state.session_factory() as s:
        for key, model in (
            ("units", OrgUnit),
            ("schools", School),
            ("placements", Placement),
            ("assessments", Assessment),
        ):
            for k in range(0, len(rows[key]), 2000):
                await s.execute(insert(model.__table__), rows[key][k : k + 2000])  # type: ignore[union-attr]
        await s.commit()


async def run(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-papers-"))
    scoring = create_scoring(
        ScoringSettings(database_url=f"sqlite+aiosqlite:///{tmp / 's.db'}", internal_secret=SECRET)
    )
    gw_settings = GatewaySettings(
        database_url=f"sqlite+aiosqlite:///{tmp / 'g.db'}",
        internal_secret=SECRET,
        rate_limit_per_second=1e6,
        rate_limit_burst=1_000_000,
    )
    async with scoring.router.lifespan_context(scoring):
        await _load(scoring, n)
        direct = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=scoring), base_url="http://scoring", timeout=600
        )
        gateway = create_gateway(gw_settings, {"scoring": direct})
        async with gateway.router.lifespan_context(gateway), direct:
            async with gateway.state.session_factory() as s:
                await AdminService(s).create_user(
                    UserCreate(
                        username="so", name="Sở", password=PASSWORD, roles=[Role.OFFICER], org_units=["so-01"]
                    )
                )
                await s.commit()
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway), base_url="http://gw", timeout=600
            ) as gw:
                r = await gw.post("/auth/login", json={"username": "so", "password": PASSWORD})
                token = {"Authorization": f"Bearer {r.json()['access_token']}"}
                await _figures(gw, token, n, tmp)


async def _get(gw: httpx.AsyncClient, token: dict[str, str], path: str) -> httpx.Response:
    r = await gw.get(f"/api/v1/units/so-01/documents/{YEAR}/{path}", headers=token)
    assert r.status_code == 200, r.text[:500]
    return r


async def _figures(gw: httpx.AsyncClient, token: dict[str, str], n: int, tmp: Path) -> None:
    secs, mb, r = await _measure(lambda: _get(gw, token, "ket-qua.xlsx"))
    rows = int(r.headers["x-chiso-rows"])
    main = [[f"v{i}-{j}" for j in range(20)] for i in range(rows)]
    wide = [[float(j) for j in range(5 + 2 * 36)] for _ in range(rows)]
    base, _, _ = await _measure(lambda: asyncio.to_thread(_bare_workbook, main, wide))
    _line(
        f"results workbook, {rows} schools ({len(r.content) // 1024} KB)",
        secs,
        mb,
        base,
        BUDGET_SECONDS["workbook"],
    )
    listed = sum(1 for i in range(n) if i % 20 != 19 and i % 10 < 7)  # recognised: the list's rows
    table = [
        [str(i), f"Trường số {i}", "Tiểu học", "55", "Mức 2 – Đáp ứng cơ bản", "80", "Mức 3 – Đáp ứng tốt"]
        for i in range(listed)
    ]
    for fmt, bare in (
        ("pdf", lambda: asyncio.to_thread(_bare_pdf, table, tmp)),
        ("docx", lambda: asyncio.to_thread(_bare_docx, table)),
    ):
        secs, mb, r = await _measure(lambda f=fmt: _get(gw, token, f"danh-sach-de-nghi-cong-nhan.{f}"))  # type: ignore[misc]
        base, _, _ = await _measure(bare)
        _line(
            f"danh sách đề nghị công nhận .{fmt}, {listed} schools ({len(r.content) // 1024} KB)",
            secs,
            mb,
            base,
            BUDGET_SECONDS["paper"],
        )
    secs, mb, _ = await _measure(lambda: _get(gw, token, "bao-cao-ket-qua.pdf"))
    _line("báo cáo kết quả .pdf (two years' rosters)", secs, mb, None, BUDGET_SECONDS["paper"])


def main(args: argparse.Namespace) -> None:
    asyncio.run(run(getattr(args, "papers_schools", 2000)))
