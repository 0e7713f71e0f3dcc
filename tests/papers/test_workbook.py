"""The results workbook as a Sở officer opens it (openpyxl): every expected school, labels, dates
as dates, evidence codes and titles, autofilter, the wide sheet, the summary and the legend."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from services.scoring.assessments.rules import vn_today
from tests.papers.conftest import RECOGNISED, YEAR

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
SO = f"/api/v1/units/so-79/documents/{YEAR}/ket-qua.xlsx"


def rows(ws: Any) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


async def test_every_school_with_what_the_officer_needs(demo: dict[str, Any]) -> None:
    gw = demo["gw"]
    r = await gw.post(
        f"/api/v1/schools/{RECOGNISED}/evidence",
        data={"school_year": YEAR, "title": "Kế hoạch dạy học trực tuyến", "kind": "plan", "items": ["1.1"]},
        files={"file": ("ke-hoach.pdf", PDF, "application/pdf")},
        headers=demo["head.rec"],
    )
    assert r.status_code == 201, r.text
    r = await gw.patch(
        "/api/v1/org/schools/79100002", json={"ownership": "non_public"}, headers=demo["admin"]
    )
    assert r.status_code == 200, r.text

    r = await gw.get(SO, headers=demo["so.officer"])
    assert r.status_code == 200, r.text
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Kết quả", "Chi tiết", "Tổng hợp", "Chú giải"]
    main = rows(wb["Kết quả"])
    listed = await gw.get(
        "/api/v1/org/schools", params={"unit": "so-79", "limit": 500}, headers=demo["so.officer"]
    )
    registry = {x["code"] for x in listed.json()["items"]}
    assert len(registry) >= 60  # the demo province, and any school another test imported
    assert {x["Mã trường"] for x in main} == registry  # every school, none left out
    assert len(main) == int(r.headers["x-chiso-rows"])
    by_code = {x["Mã trường"]: x for x in main}
    assert by_code["79100001"]["Tự đánh giá"] == "Chưa nộp"  # never started
    assert by_code["79100001"]["Đánh giá ngoài"] == "Chưa nộp"
    rec = by_code[RECOGNISED]
    assert rec["Đánh giá ngoài"] == "Đã công nhận"
    assert rec["Số quyết định công nhận"] == "121/QĐ-SGDĐT"
    day = vn_today()  # the demo dates its decisions the day it runs
    assert rec["Ngày quyết định"] == datetime(day.year, day.month, day.day)  # a date cell, not text
    assert rec["ĐGN – Mức nhóm 1"] in {
        "Mức 1 – Chưa đáp ứng",
        "Mức 2 – Đáp ứng cơ bản",
        "Mức 3 – Đáp ứng tốt",
    }
    assert (rec["Đơn vị quản lý"], rec["Cấp học"], rec["Loại hình"]) == (
        "Phòng GDĐT Quận 1",
        "Tiểu học",
        "Công lập",
    )
    assert rec["Đường link công bố"] == f"https://{RECOGNISED}.edu.vn/chuyen-doi-so/{YEAR}"
    assert rec["Minh chứng (mã – tên)"] == "MC-1.1-01 – Kế hoạch dạy học trực tuyến"
    assert by_code["79100002"]["Loại hình"] == "Ngoài công lập"
    assert wb["Kết quả"].auto_filter.ref == f"A1:T{len(main) + 1}"
    assert isinstance(rec["ĐGN – Điểm nhóm 1"], int | float)

    wide = wb["Chi tiết"]
    head = [c.value for c in wide[1]]
    assert head.index("ĐGN 1.3") == head.index("TĐG 1.3") + 1  # self and external side by side
    assert head.index("TĐG 1.3.1") > head.index("ĐGN 1.3")
    wide_rec = {x["Mã trường"]: x for x in rows(wide)}[RECOGNISED]
    assert isinstance(wide_rec["ĐGN 1.3"], int | float)
    assert wide_rec["TĐG 1.1"] in {"Đạt", "Không đạt"}
    assert wide.auto_filter.ref is not None

    summary = [r for r in wb["Tổng hợp"].iter_rows(values_only=True) if r and r[0] == "Tổng cộng"]
    assert summary[0][1] == len(registry)
    legend = {r[0]: r[1] for r in wb["Chú giải"].iter_rows(values_only=True) if r and r[0] is not None}
    assert legend[2] == "Mức 2 – Đáp ứng cơ bản"
    assert legend["1.3"] == "Triển khai phần mềm dạy học trực tuyến"


async def test_scoped_to_the_caller(demo: dict[str, Any]) -> None:
    gw = demo["gw"]
    r = await gw.get(f"/api/v1/units/phong-79-q1/documents/{YEAR}/ket-qua.xlsx", headers=demo["phong.q1"])
    main = rows(load_workbook(io.BytesIO(r.content))["Kết quả"])
    assert {x["Đơn vị quản lý"] for x in main} == {"Phòng GDĐT Quận 1"}
    assert len(main) == 14
    assert (await gw.get(SO, headers=demo["phong.q1"])).status_code == 404
    assert (await gw.get(SO, headers=demo["head.rec"])).status_code == 404


async def test_public_listing_through_the_gateway(demo: dict[str, Any]) -> None:
    r = await demo["gw"].get(f"/api/v1/public/provinces/79/results/{YEAR}", params={"limit": 500})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert items
    assert {i["decision_number"] for i in items} <= {f"{120 + n}/QĐ-SGDĐT" for n in range(5)}
    assert all(i["publication_url"] for i in items)
