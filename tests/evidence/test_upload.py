"""Uploads: streaming, hashing, sniffing, dedupe, names, metadata, and every bad input leaving
nothing behind."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.evidence.records.models import Evidence, EvidenceCode, EvidenceItem
from tests.evidence.conftest import (
    EXE,
    JPEG,
    LIMIT,
    PDF,
    PNG,
    TEXT,
    UPLOAD,
    WEBP,
    created,
    odf,
    ooxml,
    plain_zip,
    stored_blobs,
    upload,
)
from tests.org import STAFF, VENDOR


async def row_count(app: Any) -> int:
    async with app.state.session_factory() as s:
        n = 0
        for model in (Evidence, EvidenceItem, EvidenceCode):
            n += int((await s.execute(select(func.count()).select_from(model))).scalar_one())
        return n


async def assert_nothing_left(app: Any, root: Path) -> None:
    assert await row_count(app) == 0
    assert stored_blobs(root) == []


class TestAccepted:
    async def test_multipart_pdf_is_stored_under_its_hash(self, client, blob_root):
        body = await created(client, STAFF)
        digest = hashlib.sha256(PDF).hexdigest()
        assert body["sha256"] == digest
        assert body["size"] == len(PDF)
        assert body["media_type"] == "application/pdf"
        assert body["codes"] == ["MC-1.1-01"]
        assert body["items"] == ["1.1"]
        assert body["locked"] is False
        assert body["created_by"] == "staff-th1"
        blob = blob_root / digest[:2] / digest[2:4] / digest
        assert blob.read_bytes() == PDF
        assert list((blob_root / "tmp").iterdir()) == []

    async def test_raw_body_with_metadata_in_query(self, client):
        r = await client.post(
            UPLOAD,
            params={
                **{"school_year": "2024-2025", "title": "Quy chế", "kind": "regulation"},
                "items": "1.2,2.2",
                "filename": "quy-che.pdf",
                "document_number": "12/QĐ-THKĐ",
                "document_date": "2024-09-05",
            },
            content=PDF,
            headers={**STAFF, "Content-Type": "application/octet-stream"},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert r.headers["location"] == f"/api/v1/evidence/{body['id']}"
        assert (body["filename"], body["document_number"], body["document_date"]) == (
            "quy-che.pdf",
            "12/QĐ-THKĐ",
            "2024-09-05",
        )
        assert body["codes"] == ["MC-1.2-01", "MC-2.2-01"]

    async def test_raw_body_streams_from_a_generator(self, client):
        async def chunks() -> AsyncIterator[bytes]:
            yield PDF[:10]
            yield PDF[10:]

        r = await client.post(
            UPLOAD,
            params={
                **{k: v for k, v in {"school_year": "2024-2025", "title": "t", "kind": "plan"}.items()},
                "items": "1.1",
            },
            content=chunks(),
            headers=STAFF,
        )
        assert r.status_code == 201, r.text
        assert r.json()["sha256"] == hashlib.sha256(PDF).hexdigest()

    @pytest.mark.parametrize(
        ("content", "media_type"),
        [
            (PNG, "image/png"),
            (JPEG, "image/jpeg"),
            (WEBP, "image/webp"),
            (TEXT, "text/plain; charset=utf-8"),
            (ooxml(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (
                ooxml("ppt/presentation.xml"),
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ),
            (odf("text"), "application/vnd.oasis.opendocument.text"),
            (odf("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
        ],
    )
    async def test_type_is_sniffed_not_declared(self, client, content, media_type):
        # the client claims a PDF every time: the bytes decide
        body = await created(client, STAFF, content=content, filename="x.pdf", content_type="application/pdf")
        assert body["media_type"] == media_type

    async def test_identical_content_is_stored_once(self, client, blob_root):
        a = await created(client, STAFF)
        b = await created(client, VENDOR, title="Bản sao", items=("1.3.1",))
        assert a["id"] != b["id"]
        assert a["sha256"] == b["sha256"]
        assert (a["deduplicated"], b["deduplicated"]) == (False, True)
        assert len(stored_blobs(blob_root)) == 1

    async def test_vietnamese_name_is_nfc(self, client):
        decomposed = unicodedata.normalize("NFD", "Kế hoạch chuyển đổi số.pdf")
        body = await created(client, STAFF, filename=decomposed)
        assert body["filename"] == unicodedata.normalize("NFC", decomposed)

    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("../../x.pdf", "x.pdf"),
            ("..\\..\\windows\\x.pdf", "x.pdf"),
            ("/etc/passwd", "passwd"),
            ("..", "minh-chung.pdf"),
        ],
    )
    async def test_path_like_names_are_reduced_to_a_label(self, client, blob_root, raw, stored):
        body = await created(client, STAFF, filename=raw)
        assert body["filename"] == stored
        assert all(blob_root in p.parents for p in stored_blobs(blob_root))

    async def test_rfc8187_filename_in_the_part_header(self, client):
        req = client.build_request(
            "POST",
            UPLOAD,
            files={"file": ("x.pdf", PDF, "application/pdf")},
            data={"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"},
            headers=STAFF,
        )
        raw = req.read().replace(
            b'filename="x.pdf"', b"filename=\"ke-hoach.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch.pdf"
        )
        r = await client.post(
            UPLOAD, content=raw, headers={**STAFF, "Content-Type": req.headers["content-type"]}
        )
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == "Kế hoạch.pdf"

    async def test_control_characters_are_dropped(self, client):
        r = await client.post(
            UPLOAD,
            params={
                "school_year": "2024-2025",
                "title": "t",
                "kind": "plan",
                "items": "1.1",
                "filename": "a\x00b\x07\u202e.pdf",
            },
            content=PDF,
            headers=STAFF,
        )
        assert r.status_code == 201, r.text
        assert r.json()["filename"] == "ab.pdf"

    async def test_catalogue_codes_number_per_criterion(self, client):
        a = await created(client, STAFF, items=("1.3.1",))
        b = await created(client, STAFF, content=PNG, items=("1.3.2", "1.3.5"))
        c = await created(client, STAFF, content=TEXT, items=("1.1", "1.3.4"))
        assert a["codes"] == ["MC-1.3-01"]
        assert b["codes"] == ["MC-1.3-02"]
        assert c["codes"] == ["MC-1.1-01", "MC-1.3-03"]
        other_year = await created(client, STAFF, items=("1.3.1",), school_year="2025-2026")
        assert other_year["codes"] == ["MC-1.3-01"]


class TestRefused:
    async def test_lying_content_type_is_415(self, app, client, blob_root):
        r = await upload(client, STAFF, content=EXE, filename="ke-hoach.pdf", content_type="application/pdf")
        assert r.status_code == 415
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "unsupported_media_type"
        await assert_nothing_left(app, blob_root)

    async def test_archive_is_not_unpacked_and_is_415(self, app, client, blob_root):
        r = await upload(client, STAFF, content=plain_zip(), filename="minh-chung.zip")
        assert r.status_code == 415
        await assert_nothing_left(app, blob_root)

    async def test_declared_oversize_is_413_before_reading(self, app, client, blob_root):
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(64):
                sent += 1
                yield b"%PDF-" + b"x" * (LIMIT // 8)

        r = await client.post(
            UPLOAD,
            params={"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"},
            content=body(),
            headers={**STAFF, "Content-Length": str(64 * (LIMIT // 8 + 5))},
        )
        assert r.status_code == 413
        assert r.json()["code"] == "payload_too_large"
        assert sent <= 1
        await assert_nothing_left(app, blob_root)

    async def test_streamed_oversize_is_413_without_reading_it_all(self, app, client, blob_root):
        sent = 0

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(64):
                sent += 1
                yield b"%PDF-" + b"x" * (LIMIT // 8)

        r = await client.post(
            UPLOAD,
            params={"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"},
            content=body(),
            headers=STAFF,
        )
        assert r.status_code == 413
        assert sent < 16
        await assert_nothing_left(app, blob_root)

    async def test_multipart_oversize_file_is_413(self, app, client, blob_root):
        r = await upload(client, STAFF, content=PDF + b"x" * LIMIT)
        assert r.status_code == 413
        await assert_nothing_left(app, blob_root)

    async def test_empty_file_is_422(self, app, client, blob_root):
        r = await upload(client, STAFF, content=b"")
        assert (r.status_code, r.json()["code"]) == (422, "empty_file")
        await assert_nothing_left(app, blob_root)

    async def test_missing_file_is_422(self, app, client, blob_root):
        r = await client.post(
            UPLOAD,
            files={
                k: (None, v)
                for k, v in {"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"}.items()
            },
            headers=STAFF,
        )
        assert (r.status_code, r.json()["code"]) == (422, "missing_file")
        await assert_nothing_left(app, blob_root)

    async def test_unknown_item_codes_are_422_with_pointers(self, app, client, blob_root):
        r = await upload(client, STAFF, items=("1.3.1", "9.9.9", "lms"))
        assert r.status_code == 422
        errs = r.json()["validation_errors"]
        assert [(e["pointer"], e["code"]) for e in errs] == [
            ("/items/1", "unknown_item_code"),
            ("/items/2", "unknown_item_code"),
        ]
        assert errs[0]["message"]["vi"]
        await assert_nothing_left(app, blob_root)

    async def test_bad_metadata_is_422_naming_fields(self, app, client, blob_root):
        r = await upload(client, STAFF, school_year="2024-2026", kind="poem", document_date="hôm qua")
        assert r.status_code == 422
        pointers = {e["pointer"] for e in r.json()["validation_errors"]}
        assert pointers == {"/school_year", "/kind", "/document_date"}
        await assert_nothing_left(app, blob_root)

    async def test_year_without_framework_is_422(self, client):
        r = await upload(client, STAFF, school_year="2019-2020")
        assert r.status_code == 422
        assert r.json()["validation_errors"][0]["code"] == "no_framework"

    async def test_malformed_multipart_is_400(self, app, client, blob_root):
        r = await client.post(
            UPLOAD,
            content=b"--xyz\r\nno headers here\r\n\r\n%PDF-\r\n--xyz--\r\n",
            headers={**STAFF, "Content-Type": "multipart/form-data; boundary=xyz"},
        )
        assert (r.status_code, r.json()["code"]) == (400, "malformed_upload")
        r = await client.post(
            UPLOAD, content=b"abc", headers={**STAFF, "Content-Type": "multipart/form-data"}
        )
        assert (r.status_code, r.json()["code"]) == (400, "malformed_upload")
        await assert_nothing_left(app, blob_root)

    async def test_truncated_multipart_is_400(self, app, client, blob_root):
        req = client.build_request(
            "POST",
            UPLOAD,
            data={"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"},
            files={"file": ("a.pdf", PDF + b"y" * 5000, "application/pdf")},
            headers=STAFF,
        )
        whole = req.read()
        cut = whole[: len(whole) - 200]
        r = await client.post(
            UPLOAD, content=cut, headers={**STAFF, "Content-Type": req.headers["content-type"]}
        )
        assert (r.status_code, r.json()["code"]) == (400, "truncated_upload")
        await assert_nothing_left(app, blob_root)

    async def test_truncated_raw_body_is_400(self, app, client, blob_root):
        async def body() -> AsyncIterator[bytes]:
            yield PDF

        r = await client.post(
            UPLOAD,
            params={"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"},
            content=body(),
            headers={**STAFF, "Content-Length": str(len(PDF) + 100)},
        )
        assert (r.status_code, r.json()["code"]) == (400, "truncated_upload")
        await assert_nothing_left(app, blob_root)

    async def test_two_file_parts_are_400(self, app, client, blob_root):
        r = await client.post(
            UPLOAD,
            data={"school_year": "2024-2025", "title": "t", "kind": "plan", "items": "1.1"},
            files=[("file", ("a.pdf", PDF, "application/pdf")), ("file", ("b.pdf", PDF, "application/pdf"))],
            headers=STAFF,
        )
        assert r.status_code == 400
        await assert_nothing_left(app, blob_root)


@pytest.mark.commits
async def test_concurrent_uploads_get_distinct_codes(client):
    import asyncio

    rs = await asyncio.gather(
        *[upload(client, STAFF, content=PDF + bytes([i]), items=("1.3.1",)) for i in range(6)]
    )
    assert all(r.status_code == 201 for r in rs), [r.text for r in rs]
    codes = sorted(r.json()["codes"][0] for r in rs)
    assert codes == [f"MC-1.3-0{i}" for i in range(1, 7)]
