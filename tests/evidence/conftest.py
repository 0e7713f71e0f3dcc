"""Evidence tests run against a real scoring app (org registry, assessments, change feed) reached
through an in-process ASGI transport, as in the embedded run."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.evidence.config import MIGRATIONS, EvidenceSettings
from services.evidence.main import create_app
from services.evidence.models_base import metadata
from tests.conftest import SECRET, asgi
from tests.harness import Database, started, transaction

LIMIT = 256 * 1024
SCHOOL = "79701001"
UPLOAD = f"/api/v1/schools/{SCHOOL}/evidence"


@pytest.fixture(scope="session")
async def evidence_db(backend: str) -> AsyncIterator[Database]:
    db = await Database.create("evidence", backend, MIGRATIONS, metadata)
    yield db
    await db.dispose()


@pytest.fixture
def evidence_url(evidence_db: Database) -> str:
    return evidence_db.url


@pytest.fixture
async def evidence_conn(
    evidence_db: Database, request: pytest.FixtureRequest
) -> AsyncIterator[AsyncConnection | None]:
    """This test's connection to the evidence database (None for a test marked `commits`)."""
    async with transaction(evidence_db, request) as conn:
        yield conn


@pytest.fixture
async def scoring(scoring_app: Any, province: None) -> AsyncIterator[httpx.AsyncClient]:
    """The scoring service with the province seeded, which every evidence test works in."""
    async with asgi(scoring_app, "scoring") as c:
        yield c


def settings_for(url: str, root: Path, **overrides: Any) -> EvidenceSettings:
    values: dict[str, Any] = {
        "database_url": url,
        "migrate_on_start": False,
        "internal_secret": SECRET,
        "environment": "test",
        "storage_dir": root,
        "max_upload_bytes": LIMIT,
        "scope_cache_seconds": 0.0,
    }
    values.update(overrides)
    return EvidenceSettings(**values)


@pytest.fixture
def blob_root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"


@pytest.fixture
def evidence_settings(evidence_url: str, blob_root: Path) -> EvidenceSettings:
    return settings_for(evidence_url, blob_root)


@pytest.fixture
async def app(
    evidence_settings: EvidenceSettings, scoring: httpx.AsyncClient, evidence_conn: AsyncConnection | None
) -> AsyncIterator[Any]:
    async with started(create_app(evidence_settings, scoring_client=scoring), evidence_conn) as application:
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi(app, "evidence") as c:
        yield c


# --- sample files: real magic bytes, built here ---------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
TEXT = "Kế hoạch ứng dụng CNTT năm học 2024-2025\n".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


def ooxml(part: str = "word/document.xml") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<doc/>")
    return buf.getvalue()


def odf(kind: str = "text") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), f"application/vnd.oasis.opendocument.{kind}")
        z.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("x.pdf", PDF)
    return buf.getvalue()


META: dict[str, Any] = {"school_year": "2024-2025", "title": "Kế hoạch dạy học trực tuyến", "kind": "plan"}


async def upload(
    c: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes = PDF,
    filename: str = "kế hoạch.pdf",
    items: tuple[str, ...] = ("1.1",),
    school: str = SCHOOL,
    content_type: str = "application/pdf",
    **meta: Any,
) -> httpx.Response:
    data = {**META, **meta, "items": list(items)}
    return await c.post(
        f"/api/v1/schools/{school}/evidence",
        data=data,
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


async def created(c: httpx.AsyncClient, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    r = await upload(c, headers, **kw)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def stored_blobs(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]
