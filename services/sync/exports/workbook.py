"""The workbook itself: a pure function from results to `.xlsx` bytes (no I/O, no session).

One row per school on the first sheet (group points and levels side by side, approval or
recognition, delivery state and receipt), one row per criterion on the second, and a legend in
Vietnamese and English on the third. Text from users (school names, approvers, decision numbers)
is always written as text, never as a formula, so a name such as `=HYPERLINK(...)` cannot run in
the reader's Excel.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from services.sync.deadlines.calendar import VN_TZ

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_VI = {"self": "Tự đánh giá", "external": "Đánh giá ngoài"}
STATE_VI = {
    "pending": "Chờ gửi",
    "in_flight": "Đang gửi",
    "delivered": "Đã ghi nhận",
    "dead": "Gửi không thành công",
}


@dataclass(frozen=True)
class ExportRow:
    """One school's latest result of a year and kind, as it is (or will be) in CSDL ngành."""

    school_code: str
    school_name: str
    province_code: str | None
    submission: dict[str, Any]  # the CSDL contract's Submission, as sent
    state: str
    receipt_id: str | None = None
    receipt_at: datetime | None = None


def _bold(ws: WriteOnlyWorksheet, values: Iterable[str]) -> list[Cell]:
    out = []
    for v in values:
        c = WriteOnlyCell(ws, value=v)
        c.font = Font(bold=True)
        out.append(c)
    return out


def _cell(ws: WriteOnlyWorksheet, value: object) -> Cell | object:
    if isinstance(value, str):
        c = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        c.data_type = "s"  # openpyxl reads a leading "=" as a formula; user text never is one
        return c
    if isinstance(value, datetime):
        # Excel has no time zones: local time in Vietnam, as the legend says
        return value.astimezone(VN_TZ).replace(tzinfo=None) if value.tzinfo else value
    return value


def _row(ws: WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    return [_cell(ws, v) for v in values]


def _number(points: object) -> Decimal | None:
    if points is None:
        return None
    try:
        return Decimal(str(points))
    except InvalidOperation:
        return None


def _met(value: object) -> str | None:
    return None if value is None else ("Đạt" if value else "Chưa đạt")


def _parse_dt(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def group_codes(rows: Iterable[ExportRow]) -> list[str]:
    codes = {str(g["code"]) for r in rows for g in r.submission.get("groups", [])}
    return sorted(codes, key=lambda c: [int(p) if p.isdigit() else p for p in c.split(".")])


LEGEND: list[tuple[str, str]] = [
    ("Mã trường", "MOET school code"),
    ("Tên trường", "school name (registry)"),
    ("Mã tỉnh", "province code"),
    ("Năm học", "school year"),
    ("Loại đánh giá", "self-assessment (Tự đánh giá) or external assessment (Đánh giá ngoài)"),
    ("Bộ chỉ số", "framework id, e.g. qd4725-2022"),
    ("Phiên bản", "the assessment's version in this system"),
    ("Nhóm N – Điểm / Mức / Tiêu chí bắt buộc", "group N's points, level, mandatory criteria met"),
    ("Người phê duyệt, Thời điểm phê duyệt", "who approved the self-assessment, and when"),
    ("Số quyết định công nhận, Ngày quyết định", "recognition decision number and date (external)"),
    ("Minh chứng", "evidence references as sent to CSDL ngành, one per line"),
    (
        "Trạng thái gửi CSDL",
        "delivery to CSDL ngành: Đã ghi nhận (recorded), Chờ gửi (pending), "
        "Đang gửi (sending), Gửi không thành công (failed: upload this row by hand)",
    ),
    ("Mã biên nhận, Thời điểm CSDL ghi nhận", "CSDL receipt id and recorded time"),
    ("Mã băm nội dung", "SHA-256 of the result's content: identical hash, identical result"),
    ("Thời gian", "all times are Vietnam local time (UTC+7)"),
]


def build_workbook(rows: Sequence[ExportRow], *, title: str) -> bytes:
    groups = group_codes(rows)
    wb = Workbook(write_only=True)
    results = wb.create_sheet("Kết quả")
    results.freeze_panes = "C2"
    header = ["Mã trường", "Tên trường", "Mã tỉnh", "Năm học", "Loại đánh giá", "Bộ chỉ số", "Phiên bản"]
    for g in groups:
        header += [f"Nhóm {g} – Điểm", f"Nhóm {g} – Mức", f"Nhóm {g} – Tiêu chí bắt buộc"]
    header += [
        "Người phê duyệt",
        "Thời điểm phê duyệt",
        "Số quyết định công nhận",
        "Ngày quyết định",
        "Minh chứng",
        "Trạng thái gửi CSDL",
        "Mã biên nhận",
        "Thời điểm CSDL ghi nhận",
        "Mã băm nội dung",
    ]
    results.append(_bold(results, header))
    criteria = wb.create_sheet("Tiêu chí")
    criteria.freeze_panes = "A2"
    criteria.append(_bold(criteria, ["Mã trường", "Nhóm", "Tiêu chí", "Điểm", "Mức", "Đạt (bắt buộc)"]))
    for r in rows:
        sub = r.submission
        by_group: dict[str, dict[str, Any]] = {str(x["code"]): x for x in sub.get("groups", [])}
        approval = sub.get("approval") or {}
        recognition = sub.get("recognition") or {}
        values: list[object] = [
            r.school_code,
            r.school_name,
            r.province_code,
            sub.get("school_year"),
            KIND_VI.get(str(sub.get("kind")), sub.get("kind")),
            sub.get("framework"),
            sub.get("version"),
        ]
        for code in groups:
            result: dict[str, Any] | None = by_group.get(code)
            values += (
                [_number(result.get("points")), result.get("level"), _met(result.get("mandatory_met"))]
                if result
                else [None, None, None]
            )
        values += [
            approval.get("by_name") or approval.get("by"),
            _parse_dt(approval.get("at")),
            recognition.get("decision_number"),
            recognition.get("decision_date"),
            "\n".join(sub.get("evidence_links", [])) or None,
            STATE_VI.get(r.state, r.state),
            r.receipt_id,
            r.receipt_at,
            sub.get("content_hash"),
        ]
        results.append(_row(results, values))
        for code, group in by_group.items():
            for c in group.get("criteria", []):
                criteria.append(
                    _row(
                        criteria,
                        [
                            r.school_code,
                            code,
                            c.get("code"),
                            _number(c.get("points")),
                            c.get("level"),
                            _met(c.get("met")),
                        ],
                    )
                )
    legend = wb.create_sheet("Chú thích - Legend")
    legend.append(_bold(legend, [title, ""]))
    legend.append(_bold(legend, ["Cột (Column)", "Ý nghĩa (Meaning)"]))
    for vi, en in LEGEND:
        legend.append(_row(legend, [vi, en]))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
