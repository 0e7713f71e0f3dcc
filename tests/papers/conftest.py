"""The papers are tested as an officer gets them: through the gateway of the embedded run (every
service in one process, the demo province loaded), then opened with the tools a reader has:
pdftotext and pdftoppm (Debian poppler-utils), python-docx, openpyxl."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import AdminService
from services.run import embedded
from shared.principal import Role
from tests.demo import copy_of

YEAR = "2024-2025"
RECOGNISED = "79100009"  # a demo school of Phòng Quận 1 whose external result is recognised
# PAPERS_SAMPLES=docs/papers writes each paper's first page there (the pictures in the docs)
SAMPLES = os.environ.get("PAPERS_SAMPLES")


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install poppler-utils (make test does)"
    return path


def pdf_text(pdf: bytes, tmp: Path) -> str:
    f = tmp / "paper.pdf"
    f.write_bytes(pdf)
    out = subprocess.run([tool("pdftotext"), str(f), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def pdf_fonts(pdf: bytes, tmp: Path) -> str:
    f = tmp / "fonts.pdf"
    f.write_bytes(pdf)
    return subprocess.run([tool("pdffonts"), str(f)], capture_output=True, check=True).stdout.decode()


def first_page_ink(pdf: bytes, tmp: Path, name: str) -> float:
    """Renders page 1 (grey, 40 dpi) and answers the share of dark pixels; saves a PNG if asked."""
    f = tmp / f"{name}.pdf"
    f.write_bytes(pdf)
    run = [tool("pdftoppm"), "-f", "1", "-l", "1", "-singlefile"]
    subprocess.run([*run, "-gray", "-r", "40", str(f), str(tmp / name)], check=True)
    raw = (tmp / f"{name}.pgm").read_bytes()
    # P5 header: magic, width height, maxval, then one byte per pixel
    parts = raw.split(b"\n", 3)
    width, height = map(int, parts[1].split())
    pixels = parts[3][: width * height]
    if SAMPLES:
        Path(SAMPLES).mkdir(parents=True, exist_ok=True)
        subprocess.run([*run, "-png", "-r", "60", str(f), str(Path(SAMPLES) / name)], check=True)
    return sum(1 for p in pixels if p < 128) / len(pixels)


def docx_text(body: bytes) -> str:
    import io

    from docx import Document

    doc = Document(io.BytesIO(body))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="package")
async def demo(
    demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """The embedded run with the demo province, and tokens: a Sở officer, a Phòng officer, the head
    of a recognised school and another school's head."""
    async with embedded(copy_of(demo_template, tmp_path_factory.mktemp("papers") / "data")) as e:
        assert e.demo is not None
        password = e.demo.password
        async with e.gateway.state.session_factory() as s:
            svc = AdminService(s)
            for username, code, role in [
                ("head.rec", RECOGNISED, Role.SCHOOL_HEAD),
                ("head.other", "79200009", Role.SCHOOL_HEAD),
                ("staff.new", "79100011", Role.SCHOOL_STAFF),  # a school that has not started
                ("staff.q3", "79300003", Role.SCHOOL_STAFF),  # another (it submits from a workbook)
                ("head.new", "79100011", Role.SCHOOL_HEAD),
            ]:
                user = UserCreate(
                    username=username, name="Cán bộ", password=password, roles=[role], schools=[code]
                )
                await svc.create_user(user)
            await s.commit()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=e.gateway), base_url="http://gw"
        ) as gw:
            tokens = {}
            users = ["so.officer", "phong.q1", "head.rec", "head.other", "admin"]
            users += ["staff.new", "staff.q3", "head.new"]
            for u in users:
                r = await gw.post("/auth/login", json={"username": u, "password": password})
                tokens[u] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            yield {"gw": gw, "app": e.gateway, **tokens}
