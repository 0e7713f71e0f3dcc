"""The workbook a Sở officer works in: a pure function from the roster to `.xlsx` bytes.

"Kết quả": one row per school expected to report (none left out: no result reads "Chưa nộp"),
with managing unit, school level, ownership, level labels, the decision date as a date, the
publication link and the evidence as codes and titles. "Chi tiết": one row per school and one
column per criterion and item, self and external side by side, for pivot tables. "Tổng hợp": the
tables of the report to the Bộ. "Chú giải": what each column and code means, in Vietnamese.
User text is always written as text, never as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from services.gateway.papers.common import LEVEL, OWNERSHIP, level, school_levels
from services.gateway.papers.model import Heading, Para, Table
from services.gateway.papers.report import by_school_level, by_unit

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_SUBMITTED = "Chưa nộp"
STATE = {
    "draft": "Đang soạn (chưa nộp)",
    "submitted": "Đã nộp, chờ phê duyệt",
    "approved": "Đã phê duyệt",
    "accepted": "Đơn vị đã tiếp nhận",
    "in_progress": "Đang đánh giá",
    "concluded": "Đã kết luận",
    "recognised": "Đã công nhận",
}
MAIN = [
    "STT",
    "Mã trường",
    "Tên trường",
    "Đơn vị quản lý",
    "Cấp học",
    "Loại hình",
    "Tự đánh giá",
    "TĐG – Điểm nhóm 1",
    "TĐG – Mức nhóm 1",
    "TĐG – Điểm nhóm 2",
    "TĐG – Mức nhóm 2",
    "Đánh giá ngoài",
    "ĐGN – Điểm nhóm 1",
    "ĐGN – Mức nhóm 1",
    "ĐGN – Điểm nhóm 2",
    "ĐGN – Mức nhóm 2",
    "Số quyết định công nhận",
    "Ngày quyết định",
    "Đường link công bố",
    "Minh chứng (mã – tên)",
]
LEGEND = [
    ("Tự đánh giá / Đánh giá ngoài", 'trạng thái; "Chưa nộp": trường chưa có kết quả năm học này'),
    ("TĐG, ĐGN", "tự đánh giá, đánh giá ngoài"),
    ("Điểm nhóm, Mức nhóm", "Nhóm 1: dạy, học; Nhóm 2: quản trị; mức theo Quyết định 4725/QĐ-BGDĐT"),
    ("Loại hình", "Công lập / Ngoài công lập"),
    ("Ngày quyết định", "ngày ký quyết định công nhận (kiểu ngày, lọc và sắp xếp được)"),
    ("Minh chứng", "mã minh chứng MC-<tiêu chí>-<số> và tên, mỗi minh chứng một dòng"),
    (
        'Chi tiết: cột "TĐG 1.3", "ĐGN 1.3"',
        "điểm (hoặc Đạt/Không đạt với tiêu chí bắt buộc) của tiêu chí, chỉ tiêu",
    ),
]


def _cell(ws: WriteOnlyWorksheet, value: Any, bold: bool = False) -> Cell:
    if isinstance(value, str):
        c = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        c.data_type = "s"  # a leading "=" from a user is text, never a formula
    else:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, date):
            c.number_format = "DD/MM/YYYY"
    if bold:
        c.font = Font(bold=True)
    return c


def _append(ws: WriteOnlyWorksheet, values: Iterable[object], bold: bool = False) -> None:
    ws.append([_cell(ws, v, bold) for v in values])


def _num(v: object) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _side(a: dict[str, Any] | None) -> list[object]:
    if a is None:
        return [NOT_SUBMITTED, None, None, None, None]
    return [
        STATE.get(a["state"], a["state"]),
        _num(a["g1_points"]),
        level(a["g1_level"]) if a["g1_level"] else None,
        _num(a["g2_points"]),
        level(a["g2_level"]) if a["g2_level"] else None,
    ]


def _main(wb: Workbook, roster: Sequence[dict[str, Any]], evidence: dict[str, list[dict[str, Any]]]) -> None:
    ws = wb.create_sheet("Kết quả")
    ws.freeze_panes = "D2"
    for i, w in enumerate([5, 11, 34, 26, 10, 13, 20, 8, 22, 8, 22, 20, 8, 22, 8, 22, 18, 12, 30, 60], 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    _append(ws, MAIN, bold=True)
    for n, s in enumerate(roster, 1):
        ext = s["external_assessment"]
        recognised = ext is not None and ext["state"] == "recognised"
        ev = "\n".join(f"{code} – {e['title']}" for e in evidence.get(s["code"], []) for code in e["codes"])
        _append(
            ws,
            [
                n,
                s["code"],
                s["name"],
                s["managing_unit_name"],
                school_levels(s["levels"]),
                OWNERSHIP.get(s["ownership"], s["ownership"]),
                *_side(s["self_assessment"]),
                *_side(ext),
                ext["decision_number"] if recognised else None,
                date.fromisoformat(ext["decision_date"]) if recognised and ext["decision_date"] else None,
                s["publication_url"],
                ev or None,
            ],
        )
    ws.auto_filter.ref = f"A1:{get_column_letter(len(MAIN))}{len(roster) + 1}"


def code_key(code: str) -> list[int]:
    return [int(p) for p in code.split(".") if p.isdigit()]


def _wide(wb: Workbook, roster: Sequence[dict[str, Any]]) -> list[str]:
    codes: set[str] = set()
    for s in roster:
        for a in (s["self_assessment"], s["external_assessment"]):
            if a:
                codes |= set(a["criteria"]) | set(a["items"])
    ordered = sorted(codes, key=code_key)
    ws = wb.create_sheet("Chi tiết")
    ws.freeze_panes = "C2"
    head = ["Mã trường", "Tên trường", "Đơn vị quản lý", "Cấp học", "Loại hình"]
    head += [f"{side} {c}" for c in ordered for side in ("TĐG", "ĐGN")]
    _append(ws, head, bold=True)
    for s in roster:
        row: list[object] = [
            s["code"],
            s["name"],
            s["managing_unit_name"],
            school_levels(s["levels"]),
            OWNERSHIP.get(s["ownership"], s["ownership"]),
        ]
        for c in ordered:
            row += [_value(s["self_assessment"], c), _value(s["external_assessment"], c)]
        _append(ws, row)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(head))}{len(roster) + 1}"
    return ordered


def _value(a: dict[str, Any] | None, code: str) -> object:
    if a is None:
        return None
    if code in a["items"]:
        return _num(a["items"][code])
    c = a["criteria"].get(code)
    if c is None:
        return None
    if c["points"] is None:  # a mandatory condition
        return None if c["met"] is None else ("Đạt" if c["met"] else "Không đạt")
    return _num(c["points"])


def _summary(wb: Workbook, roster: Sequence[dict[str, Any]], title: str) -> None:
    ws = wb.create_sheet("Tổng hợp")
    _append(ws, [title], bold=True)
    blocks: list[Heading | Para | Table] = [
        Heading("1. Kết quả theo đơn vị quản lý"),
        by_unit(list(roster)),
        Heading("2. Kết quả theo cấp học và mức độ"),
        by_school_level(list(roster)),
    ]
    for b in blocks:
        if isinstance(b, Table):
            _append(ws, b.header, bold=True)
            for row in b.rows:
                _append(ws, [int(v) if v.isdigit() else v for v in row])
        else:
            _append(ws, [])
            _append(ws, [b.text], bold=True)


def _legend(wb: Workbook, title: str, titles: dict[str, str], codes: list[str]) -> None:
    ws = wb.create_sheet("Chú giải")
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 30, 90
    _append(ws, [title], bold=True)
    _append(ws, ["Cột", "Ý nghĩa"], bold=True)
    for k, v in LEGEND:
        _append(ws, [k, v])
    _append(ws, [])
    _append(ws, ["Mức", "Nhãn"], bold=True)
    for n, label in LEVEL.items():
        _append(ws, [n, label])
    _append(ws, [])
    _append(ws, ["Mã tiêu chí, chỉ tiêu", "Nội dung"], bold=True)
    for c in codes:
        _append(ws, [c, titles.get(c, "")])


def build_workbook(
    roster: Sequence[dict[str, Any]],
    evidence: dict[str, list[dict[str, Any]]],
    titles: dict[str, str],
    title: str,
) -> bytes:
    wb = Workbook(write_only=True)
    _main(wb, roster, evidence)
    codes = _wide(wb, roster)
    _summary(wb, roster, title)
    _legend(wb, title, titles, codes)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
