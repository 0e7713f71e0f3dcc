"""The Excel export channel: the file a school or Sở uploads to CSDL ngành by hand."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from services.sync.exports.workbook import MEDIA_TYPE, ExportRow, build_workbook
from shared.principal import Role
from tests.org import ADMIN as SCORING_ADMIN
from tests.org import who
from tests.sync.factories import make_snapshot
from tests.sync.test_api import HEAD, OFFICER_A, SO_OFFICER, VENDOR, emit, pump

URL = "/api/v1/sync/exports/2024-2025.xlsx"


@pytest.fixture
async def seeded(
    scoring_http: httpx.AsyncClient, client: httpx.AsyncClient, province: None
) -> httpx.AsyncClient:
    return client


def sheet(content: bytes, name: str = "Kết quả") -> list[dict[str, Any]]:
    ws = load_workbook(io.BytesIO(content))[name]
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


async def export(client: httpx.AsyncClient, headers: dict[str, str], **params: str) -> httpx.Response:
    r = await client.get(URL, params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == MEDIA_TYPE
    return r


class TestExport:
    async def test_rows_carry_points_levels_approval_and_receipt(self, seeded, sync_app, scoring_app):
        await emit(scoring_app, make_snapshot())
        await emit(scoring_app, make_snapshot(school_code="79701002", content="b"))
        await pump(sync_app)
        r = await export(seeded, SO_OFFICER)
        assert 'filename="ket-qua-cds-2024-2025-self.xlsx"' in r.headers["content-disposition"]
        rows = sheet(r.content)
        assert [x["Mã trường"] for x in rows] == ["79701001", "79701002"]
        first = rows[0]
        assert first["Tên trường"] == "Trường Tiểu học Kết Đoàn"  # the registry's name
        assert first["Loại đánh giá"] == "Tự đánh giá"
        assert first["Nhóm 1 – Điểm"] == 62  # a number, not text: sums and filters work in Excel
        assert first["Nhóm 1 – Mức"] == 2
        assert first["Nhóm 2 – Điểm"] == 40
        assert first["Nhóm 1 – Tiêu chí bắt buộc"] == "Đạt"
        assert first["Người phê duyệt"] == "Nguyễn Thị Hoa"
        assert first["Thời điểm phê duyệt"].isoformat() == "2025-05-10T10:00:00"  # 03:00Z in Vietnam
        assert first["Trạng thái gửi CSDL"] == "Đã ghi nhận"
        assert first["Mã biên nhận"].startswith("BN-")
        assert first["Mã băm nội dung"] == make_snapshot().content_hash
        criteria = sheet(r.content, "Tiêu chí")
        assert [(c["Mã trường"], c["Tiêu chí"], c["Điểm"]) for c in criteria] == [
            ("79701001", "1.3", 18),
            ("79701002", "1.3", 18),
        ]

    async def test_the_newest_version_only_and_its_state(self, seeded, sync_app, scoring_app):
        await emit(scoring_app, make_snapshot(version=3))
        await pump(sync_app)
        await emit(scoring_app, make_snapshot(version=5, content="v5", groups=[_group("1", "70.50")]))
        await sync_app.state.runtime.consumer.run_once()  # queued, not yet sent
        (row,) = sheet((await export(seeded, HEAD)).content)
        assert row["Phiên bản"] == 5
        assert row["Nhóm 1 – Điểm"] == Decimal("70.5")
        assert row["Trạng thái gửi CSDL"] == "Chờ gửi"  # the Sở sees what still needs uploading
        assert row["Mã biên nhận"] is None

    async def test_scope_kind_and_province(self, seeded, sync_app, scoring_app):
        for code in ("79701001", "79701002", "79702001"):
            await emit(scoring_app, make_snapshot(school_code=code, content=code))
        await emit(scoring_app, make_snapshot(kind="external"), "assessment.recognised")
        await pump(sync_app)
        codes = {
            "vendor": [x["Mã trường"] for x in sheet((await export(seeded, VENDOR)).content)],
            "phong_a": [x["Mã trường"] for x in sheet((await export(seeded, OFFICER_A)).content)],
            "so": [x["Mã trường"] for x in sheet((await export(seeded, SO_OFFICER, province="79")).content)],
            "other_province": [
                x["Mã trường"] for x in sheet((await export(seeded, SO_OFFICER, province="01")).content)
            ],
        }
        assert codes == {
            "vendor": ["79701001", "79701002"],
            "phong_a": ["79701001", "79701002"],
            "so": ["79701001", "79701002", "79702001"],
            "other_province": [],
        }
        (ext,) = sheet((await export(seeded, SO_OFFICER, kind="external")).content)
        assert ext["Loại đánh giá"] == "Đánh giá ngoài"
        assert ext["Số quyết định công nhận"] == "123/QĐ-SGDĐT"
        assert ext["Ngày quyết định"] == "2025-06-10"

    async def test_refusals(self, seeded):
        assert (await seeded.get(URL)).status_code == 401
        bad = await seeded.get("/api/v1/sync/exports/2024-2026.xlsx", headers=SO_OFFICER)
        assert bad.status_code == 422
        kind = await seeded.get(URL, params={"kind": "both"}, headers=SO_OFFICER)
        assert kind.status_code == 422
        assert kind.json()["validation_errors"][0]["pointer"].endswith("kind")
        nobody = who("nobody", Role.SERVICE)
        assert (await seeded.get(URL, headers=nobody)).status_code == 403

    async def test_a_formula_in_a_school_name_stays_text(self, seeded, scoring_http, sync_app, scoring_app):
        name = '=HYPERLINK("http://attacker.example","Bấm vào đây")'
        r = await scoring_http.post(
            "/api/v1/org/schools",
            json={
                "code": "79701009",
                "name": name,
                "levels": ["TH"],
                "managing_unit_id": "phong-797-a",
                "opened_on": "2010-09-05",
            },
            headers=SCORING_ADMIN,
        )
        assert r.status_code == 201, r.text
        await emit(scoring_app, make_snapshot(school_code="79701009"))
        await pump(sync_app)
        ws = load_workbook(io.BytesIO((await export(seeded, OFFICER_A)).content))["Kết quả"]
        cell = next(c for c in ws["B"] if c.value == name)
        assert cell.data_type == "s"


def _group(code: str, points: str) -> dict[str, Any]:
    return {"code": code, "points": points, "level": 3, "mandatory_met": True, "criteria": []}


def test_workbook_is_pure_and_strips_what_excel_cannot_hold():
    row = ExportRow(
        school_code="79701001",
        school_name="Trường\x07 A",  # a control character openpyxl would refuse
        province_code="79",
        submission={"school_year": "2024-2025", "kind": "self", "groups": [_group("1", "10.25")]},
        state="dead",
    )
    (out,) = sheet(build_workbook([row], title="t"))
    assert out["Tên trường"] == "Trường A"
    assert out["Nhóm 1 – Điểm"] == Decimal("10.25")
    assert out["Trạng thái gửi CSDL"] == "Gửi không thành công"
