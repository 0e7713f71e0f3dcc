"""Download (ETag, ranges, disposition), metadata and the catalogue."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from services.evidence.records.download import content_disposition
from tests.evidence.conftest import PDF, PNG, TEXT, UPLOAD, created
from tests.org import STAFF

BODY = PDF + bytes(range(256)) * 4


@pytest.fixture
async def ev(client):
    return await created(client, STAFF, content=BODY, filename="Quyết định thành lập BCĐ.pdf")


class TestContent:
    async def test_whole_file_with_etag_type_and_disposition(self, client, ev):
        r = await client.get(f"/api/v1/evidence/{ev['id']}/content", headers=STAFF)
        assert r.status_code == 200
        assert r.content == BODY
        assert r.headers["etag"] == f'"{ev["sha256"]}"'
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["content-length"] == str(len(BODY))
        assert r.headers["accept-ranges"] == "bytes"
        assert r.headers["x-content-type-options"] == "nosniff"
        cd = r.headers["content-disposition"]
        assert cd.startswith('attachment; filename="Quyet dinh thanh lap BCD.pdf"') or "filename=" in cd
        assert f"filename*=UTF-8''{quote('Quyết định thành lập BCĐ.pdf', safe='')}" in cd

    async def test_if_none_match_is_304(self, client, ev):
        r = await client.get(
            f"/api/v1/evidence/{ev['id']}/content", headers={**STAFF, "If-None-Match": f'"{ev["sha256"]}"'}
        )
        assert r.status_code == 304
        assert r.content == b""

    @pytest.mark.parametrize(
        ("header", "start", "end"),
        [
            ("bytes=0-9", 0, 10),
            ("bytes=10-", 10, len(BODY)),
            ("bytes=-5", len(BODY) - 5, len(BODY)),
            ("bytes=100-99999", 100, len(BODY)),
        ],
    )
    async def test_single_range_is_206(self, client, ev, header, start, end):
        r = await client.get(f"/api/v1/evidence/{ev['id']}/content", headers={**STAFF, "Range": header})
        assert r.status_code == 206
        assert r.content == BODY[start:end]
        assert r.headers["content-range"] == f"bytes {start}-{end - 1}/{len(BODY)}"
        assert r.headers["content-length"] == str(end - start)

    async def test_range_beyond_end_is_416(self, client, ev):
        r = await client.get(
            f"/api/v1/evidence/{ev['id']}/content", headers={**STAFF, "Range": f"bytes={len(BODY)}-"}
        )
        assert r.status_code == 416
        assert r.headers["content-range"] == f"bytes */{len(BODY)}"

    async def test_multiple_or_stale_ranges_get_the_whole_file(self, client, ev):
        url = f"/api/v1/evidence/{ev['id']}/content"
        r = await client.get(url, headers={**STAFF, "Range": "bytes=0-1,5-6"})
        assert (r.status_code, r.content) == (200, BODY)
        r = await client.get(url, headers={**STAFF, "Range": "bytes=0-1", "If-Range": '"other"'})
        assert (r.status_code, r.content) == (200, BODY)

    async def test_unknown_id_is_404(self, client):
        r = await client.get("/api/v1/evidence/ev_nope/content", headers=STAFF)
        assert r.status_code == 404

    def test_disposition_ascii_fallback_never_breaks_the_header(self):
        cd = content_disposition('a"b\\c;ờ.pdf')
        assert cd.startswith("attachment; filename=\"a_b_c_o.pdf\"; filename*=UTF-8''")
        assert content_disposition("计划.pdf").startswith('attachment; filename="download.pdf";')
        assert content_disposition("计划").startswith('attachment; filename="download";')
        assert content_disposition("Báo cáo.docx").startswith('attachment; filename="Bao cao.docx";')


class TestMetadata:
    async def test_metadata(self, client, ev):
        r = await client.get(f"/api/v1/evidence/{ev['id']}", headers=STAFF)
        assert r.status_code == 200
        assert r.json() == ev | {"deduplicated": False}


class TestCatalogue:
    async def test_filters_and_cursor_pages(self, client):
        a = await created(client, STAFF, items=("1.3.1",))
        b = await created(client, STAFF, content=PNG, items=("1.3.2",), kind="screenshot")
        c = await created(client, STAFF, content=TEXT, items=("2.2",), kind="report")
        d = await created(client, STAFF, content=PDF + b"1", items=("1.3.1",), school_year="2025-2026")

        async def ids(**params: Any) -> list[str]:
            r = await client.get(UPLOAD, params=params, headers=STAFF)
            assert r.status_code == 200, r.text
            return [e["id"] for e in r.json()["items"]]

        assert await ids() == [a["id"], b["id"], c["id"], d["id"]]
        assert await ids(school_year="2024-2025") == [a["id"], b["id"], c["id"]]
        assert await ids(item="1.3") == [a["id"], b["id"], d["id"]]
        assert await ids(item="1.3.1", school_year="2024-2025") == [a["id"]]
        assert await ids(kind="screenshot") == [b["id"]]

        seen, cursor = [], None
        while True:
            params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(UPLOAD, params=params, headers=STAFF)).json()
            seen += [e["id"] for e in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [a["id"], b["id"], c["id"], d["id"]]

    async def test_deleted_evidence_leaves_the_catalogue_but_keeps_codes(self, client):
        a = await created(client, STAFF, items=("1.3.1",))
        assert (await client.delete(f"/api/v1/evidence/{a['id']}", headers=STAFF)).status_code == 204
        b = await created(client, STAFF, content=PNG, items=("1.3.1",))
        assert b["codes"] == ["MC-1.3-02"]  # a code is never reused
        r = await client.get(UPLOAD, headers=STAFF)
        assert [e["id"] for e in r.json()["items"]] == [b["id"]]
        assert (await client.get(f"/api/v1/evidence/{a['id']}", headers=STAFF)).status_code == 404

    async def test_bad_cursor_is_422(self, client):
        r = await client.get(UPLOAD, params={"cursor": "!!"}, headers=STAFF)
        assert r.status_code == 422
