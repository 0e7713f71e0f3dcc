"""Every paper of the cycle, generated through the gateway for the demo province, opened as a
reader would: the PDF's text extracted and checked to the diacritic, its first page rendered, the
DOCX read back. Out-of-scope callers get 404, unready records a clear problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from services.scoring.assessments.rules import vn_today
from tests.papers.conftest import RECOGNISED, YEAR, docx_text, first_page_ink, pdf_fonts, pdf_text

# the demo's decisions are dated the day it ran (never before the conclusion); NĐ 30 pads the day
# below 10 and the month below 3
_D = vn_today()
_MONTH = f"{_D.month:02d}" if _D.month < 3 else str(_D.month)
# the Sở has no place name of its own: its papers are dated at its province's name
DECIDED = f"Thành phố Hồ Chí Minh, ngày {_D.day:02d} tháng {_MONTH} năm {_D.year}"

NĐ30 = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận:"]
SCHOOL = f"/api/v1/schools/{RECOGNISED}/documents/{YEAR}"
SO = f"/api/v1/units/so-79/documents/{YEAR}"
Q1 = f"/api/v1/units/phong-79-q1/documents/{YEAR}"
CASES: list[tuple[str, str, str, list[str]]] = [
    ("head.rec", SCHOOL, "qd-thanh-lap-hoi-dong", [
        *NĐ30, "QUYẾT ĐỊNH", "Số: 09/QĐ-TH", "Quận 1, ngày 07 tháng 10 năm 2024",
        "Về việc thành lập Hội đồng tự đánh giá mức độ chuyển đổi số năm học 2024-2025",
        "Võ Thị Ánh Tuyết", "Thư ký, tổng hợp minh chứng", "Phó Chủ tịch Hội đồng", "HIỆU TRƯỞNG"]),
    ("head.rec", SCHOOL, "bien-ban-tu-danh-gia", [
        "BIÊN BẢN", "Tự đánh giá mức độ chuyển đổi số năm học 2024-2025", "Điều kiện bắt buộc",
        "Triển khai phần mềm dạy học trực tuyến", "THƯ KÝ", "CHỦ TỊCH HỘI ĐỒNG", "Lê Thị Cúc",
        "Danh mục minh chứng"]),
    ("head.rec", SCHOOL, "qd-cong-nhan-tu-danh-gia", [
        *NĐ30, "Về việc công nhận kết quả tự đánh giá mức độ chuyển đổi số năm học 2024-2025", "Điều 1."]),
    ("head.rec", SCHOOL, "to-trinh-danh-gia-ngoai", [
        "TỜ TRÌNH", "Kính gửi: Phòng GDĐT Quận 1", "Đề nghị đánh giá ngoài mức độ chuyển đổi số"]),
    ("phong.q1", Q1, "qd-thanh-lap-doan", [
        *NĐ30, "UBND QUẬN 1", "Số: 45/QĐ-PGDĐT", "Đoàn số 1", "Trưởng đoàn", "Đặng Quốc Việt",
        "TRƯỞNG PHÒNG", "Hoàng Văn Thắng"]),
    ("so.officer", SO, "danh-sach-de-nghi-cong-nhan", ["DANH SÁCH", "Trường THPT"]),
    ("so.officer", SO, "qd-cong-nhan?decision=121/QĐ-SGDĐT", [
        *NĐ30, "Số: 121/QĐ-SGDĐT", DECIDED,
        "Về việc công nhận mức độ chuyển đổi số của cơ sở giáo dục năm học 2024-2025", "GIÁM ĐỐC"]),
    ("so.officer", SO, "bao-cao-ket-qua", [
        "BÁO CÁO", "Kính gửi: Bộ Giáo dục và Đào tạo", "Phòng GDĐT Huyện Củ Chi", "Tiểu học",
        "So sánh với năm học 2023-2024", "Tiến độ cập nhật kết quả tự đánh giá lên CSDL ngành", "Đúng hạn",
        "Số CSGD phải cập nhật"]),
    ("phong.q1", Q1, "bao-cao-ket-qua", ["Kính gửi: Sở GDĐT TP. Hồ Chí Minh"]),
]  # fmt: skip


def _url(base: str, paper: str, fmt: str) -> tuple[str, dict[str, str]]:
    name, _, query = paper.partition("?")
    params = dict([query.split("=", 1)]) if query else {}
    return f"{base}/{name}.{fmt}", params


@pytest.mark.parametrize(("who", "base", "paper", "expected"), CASES, ids=[f"{c[2]}-{c[0]}" for c in CASES])
async def test_paper_reads_back(demo: dict[str, Any], tmp_path: Path, who: str, base: str, paper: str,
                                expected: list[str]) -> None:  # fmt: skip
    gw = demo["gw"]
    url, params = _url(base, paper, "pdf")
    r = await gw.get(url, params=params, headers=demo[who])
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    # table cells wrap anywhere: compare without whitespace (every letter and diacritic still counts)
    text = "".join(pdf_text(r.content, tmp_path).split())
    missing = [s for s in expected if "".join(s.split()) not in text]
    assert not missing, (missing, text[:3000])
    slug = paper.split("?")[0]
    name = slug if who != "phong.q1" or slug != "bao-cao-ket-qua" else "bao-cao-ket-qua-phong"
    assert first_page_ink(r.content, tmp_path, name) > 0.005  # the page is not blank
    # a serif covering Vietnamese is embedded, not whatever font the machine happened to offer
    assert any(
        f in pdf_fonts(r.content, tmp_path) for f in ("TimesNewRoman", "LiberationSerif", "DejaVuSerif")
    )
    url, params = _url(base, paper, "docx")
    r = await gw.get(url, params=params, headers=demo[who])
    assert r.status_code == 200, r.text
    text = " ".join(docx_text(r.content).split())
    missing = [s for s in expected if s not in text]
    assert not missing, (missing, text[:3000])


class TestRefusals:
    async def test_out_of_scope_is_404(self, demo: dict[str, Any]) -> None:
        gw = demo["gw"]
        r = await gw.get(f"{SCHOOL}/qd-thanh-lap-hoi-dong.pdf", headers=demo["head.other"])
        assert r.status_code == 404
        assert (await gw.get(f"{SO}/bao-cao-ket-qua.pdf", headers=demo["phong.q1"])).status_code == 404
        assert (await gw.get(f"{SCHOOL}/qd-thanh-lap-hoi-dong.pdf")).status_code == 401

    async def test_codes_cannot_climb_out_of_their_path(self, demo: dict[str, Any]) -> None:
        gw = demo["gw"]
        for path in (
            f"/api/v1/schools/%2E%2E/documents/{YEAR}/qd-thanh-lap-hoi-dong.pdf",
            f"/api/v1/units/..%2Fx/documents/{YEAR}/bao-cao-ket-qua.pdf",
        ):
            r = await gw.get(path, headers=demo["so.officer"])
            assert r.status_code in (404, 422), (path, r.status_code)

    async def test_unknown_paper_and_unready_records(self, demo: dict[str, Any]) -> None:
        gw = demo["gw"]
        r = await gw.get(f"{SCHOOL}/qd-khac.pdf", headers=demo["head.rec"])
        assert (r.status_code, r.json()["code"]) == (404, "paper_not_found")
        r = await gw.get(f"{SO}/qd-cong-nhan.pdf", params={"decision": "9/QĐ"}, headers=demo["so.officer"])
        assert r.status_code == 422
        assert "121/QĐ-SGDĐT" in r.json()["validation_errors"][0]["message"]["vi"]
        # 79100001 never started: no council, no assessment
        r = await gw.get(f"/api/v1/schools/79100001/documents/{YEAR}/qd-thanh-lap-hoi-dong.pdf",
                         headers=demo["phong.q1"])  # fmt: skip
        assert (r.status_code, r.json()["code"]) == (409, "record_not_ready")
        assert r.json()["message"]["en"] == "Record the council first."
        # 79100002 is a draft: nothing to recognise or request yet
        r = await gw.get(f"/api/v1/schools/79100002/documents/{YEAR}/qd-cong-nhan-tu-danh-gia.pdf",
                         headers=demo["phong.q1"])  # fmt: skip
        assert (r.status_code, r.json()["code"]) == (409, "record_not_ready")

    async def test_text_is_never_markup(self, demo: dict[str, Any], tmp_path: Path) -> None:
        from services.gateway.papers.model import Paper, Para, Signature
        from services.gateway.papers.pdf import render_pdf

        evil = '#panic("x") *đậm* $x$ ]['
        p = Paper("t", "A", "B", "Số: 1", "Hà Nội, ngày", "QUYẾT ĐỊNH", evil, [Para(evil)], [Signature("X")])
        assert evil in pdf_text(render_pdf(p), tmp_path)


async def test_papers_are_dated_at_the_registry_place(demo: dict[str, Any], tmp_path: Path) -> None:
    """The địa danh comes from the registry: the Phòng's own place name for its papers and for its
    schools' papers; cleared, the province's name."""
    gw, admin = demo["gw"], demo["admin"]
    unit = "/api/v1/org/units/phong-79-q1"

    async def dated(who: str, url: str) -> str:
        r = await gw.get(url, headers=demo[who])
        assert r.status_code == 200, r.text
        return " ".join(pdf_text(r.content, tmp_path).split())

    try:
        r = await gw.patch(unit, json={"place_name": "Phường Sài Gòn"}, headers=admin)
        assert (r.status_code, r.json()["place"]) == (200, "Phường Sài Gòn")
        assert "Phường Sài Gòn, ngày" in await dated("phong.q1", f"{Q1}/qd-thanh-lap-doan.pdf")
        text = await dated("head.rec", f"{SCHOOL}/qd-thanh-lap-hoi-dong.pdf")
        assert "Phường Sài Gòn, ngày 07 tháng 10 năm 2024" in text
        await gw.patch(unit, json={"place_name": None}, headers=admin)
        text = await dated("head.rec", f"{SCHOOL}/qd-thanh-lap-hoi-dong.pdf")
        assert "Thành phố Hồ Chí Minh, ngày 07 tháng 10 năm 2024" in text
    finally:
        await gw.patch(unit, json={"place_name": "Quận 1"}, headers=admin)
