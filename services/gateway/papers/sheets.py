"""Excel in: the templates a school or a Sở fills by hand, and reading them back cell by cell.

Row 1 holds the Vietnamese labels, row 2 the machine keys (what the API calls each field, so a
renamed label breaks nothing), data from row 3. Every problem names its sheet and cell."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from shared.i18n import Message, msg

FIRST_DATA_ROW = 3
YES = {"có", "co", "x", "yes", "true", "1"}
NO = {"không", "khong", "no", "false", "0"}
OWNERSHIP = {"công lập": "public", "ngoài công lập": "non_public"}
MODE = {"không": "none", "pdf": "pdf", "chữ ký số": "digital_signature"}
ACQUISITION = {"tự xây dựng": "self_built", "mua": "purchased", "thuê": "rented"}


@dataclass(frozen=True)
class Column:
    key: str  # "code" for the registry; "1.6.1.numerator" for a fact
    label: str
    kind: str  # text | int | yesno | date | choice | levels
    choices: dict[str, str] | None = None
    required: bool = False


@dataclass
class CellError:
    sheet: str
    cell: str
    code: str
    message: Message


SCHOOL_SHEET = "Trường học"
SCHOOL_COLUMNS = [
    Column("code", "Mã trường (mã Bộ GDĐT)", "text", required=True),
    Column("name", "Tên trường", "text", required=True),
    Column("province_code", "Mã tỉnh (2 chữ số)", "text"),
    Column("levels", "Cấp học: TH, THCS, THPT, GDTX (nhiều cấp cách nhau dấu phẩy)", "levels", required=True),
    Column("managing_unit_id", "Mã đơn vị quản lý", "text", required=True),
    Column("assessing_unit_id", "Mã đơn vị đánh giá ngoài (trống: đơn vị quản lý)", "text"),
    Column("opened_on", "Ngày thành lập / chuyển đơn vị (ngày)", "date"),
    Column("ownership", "Loại hình (Công lập / Ngoài công lập)", "choice", OWNERSHIP),
]

FACTS_SHEET = "Dữ liệu"
_YESNO_ITEMS = ["1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.5.1", "1.5.2", "1.7.3", "2.3.1", "2.3.2",
                "2.3.4", "2.3.5", "2.3.6", "2.3.7", "2.3.8", "2.4.1", "2.4.2", "2.4.3"]  # fmt: skip
FACT_COLUMNS = [
    Column("school_code", "Mã trường", "text", required=True),
    Column("school_year", "Năm học (vd. 2024-2025)", "text", required=True),
    *[Column(f"{c}.met", f"{c} Đạt (Có/Không)", "yesno") for c in ("1.1", "1.2")],
    Column("lms.deployed", "Có hệ thống LMS/LCMS (Có/Không)", "yesno"),
    Column("lms.name", "Tên hệ thống LMS/LCMS", "text"),
    Column("lms.acquisition", "LMS: Tự xây dựng / Mua / Thuê", "choice", ACQUISITION),
    *[Column(f"{c}.deployed", f"{c} (Có/Không)", "yesno") for c in _YESNO_ITEMS if c < "1.4"],
    Column("1.4.1.count", "1.4.1 Số học liệu số được phê duyệt", "int"),
    Column("1.5.1.deployed", "1.5.1 (Có/Không)", "yesno"),
    Column("1.5.1.name", "1.5.1 Tên giải pháp phần mềm", "text"),
    Column("1.5.2.deployed", "1.5.2 (Có/Không)", "yesno"),
    *[col for c in ("1.6.1", "1.6.2", "1.6.3", "1.7.1") for col in (
        Column(f"{c}.numerator", f"{c} Tử số", "int"), Column(f"{c}.denominator", f"{c} Mẫu số", "int"))],
    Column("1.7.2.class_size", "1.7.2 Sĩ số lớp", "int"),
    Column("1.7.2.lab_computers", "1.7.2 Số máy tính hoạt động của phòng tin học", "int"),
    Column("1.7.3.deployed", "1.7.3 (Có/Không)", "yesno"),
    *[Column(f"{c}.met", f"{c} Đạt (Có/Không)", "yesno") for c in ("2.1", "2.2")],
    Column("sms.deployed", "Có phần mềm quản trị nhà trường (Có/Không)", "yesno"),
    Column("sms.name", "Tên phần mềm quản trị", "text"),
    Column("sms.acquisition", "Phần mềm quản trị: Tự xây dựng / Mua / Thuê", "choice", ACQUISITION),
    *[Column(f"{c}.deployed", f"{c} (Có/Không)", "yesno") for c in ("2.3.1", "2.3.2")],
    Column("2.3.3.mode", "2.3.3 Sổ điểm, học bạ điện tử: Không / PDF / Chữ ký số", "choice", MODE),
    *[Column(f"{c}.deployed", f"{c} (Có/Không)", "yesno") for c in _YESNO_ITEMS if c > "2.3.3"],
    Column("submit", "Gửi duyệt sau khi nhập (Có/Không)", "yesno"),
]  # fmt: skip

# I-10: the steering unit's members (2.1) are asked for at submission, one row per member; a row
# belongs to the row of the same school and year on the facts sheet
MEMBERS_SHEET = "Thành viên 2.1"
MAX_MEMBERS = 30  # a school's steering unit, at most, on average over the file
MEMBER_COLUMNS = [
    Column("school_code", "Mã trường", "text", required=True),
    Column("school_year", "Năm học (vd. 2024-2025)", "text", required=True),
    Column("name", "Họ và tên", "text", required=True),
    Column("position", "Chức vụ", "text", required=True),
    Column("email", "Thư điện tử", "text"),
    Column("phone", "Điện thoại", "text"),
]
FACTS_GUIDE = [
    'Trang "Dữ liệu": mỗi dòng một trường và một năm học.',
    f'Trang "{MEMBERS_SHEET}": thành viên Ban chỉ đạo/Tổ công tác chuyển đổi số (tiêu chí 2.1), '
    'mỗi người một dòng, cùng mã trường và năm học với dòng ở trang "Dữ liệu". Họ tên, chức vụ, '
    "thư điện tử và điện thoại bắt buộc khi gửi duyệt.",
    "Tên hệ thống LMS, phần mềm quản trị và giải pháp 1.5.1 (tự xây dựng / mua / thuê) bắt buộc khi gửi "
    "duyệt nếu đã triển khai.",
    'Cột "Gửi duyệt" = Có: bản đánh giá được gửi duyệt ngay sau khi nhập (như nút Gửi).',
]


def template(
    sheet: str,
    columns: list[Column],
    titles: dict[str, str],
    rows: list[list[Any]],
    extra: Sequence[tuple[str, list[Column]]] = (),
    guide_lines: Sequence[str] = (),
) -> bytes:
    """A workbook with labels (row 1), keys (row 2), drop-down lists, any prefilled rows, the
    `extra` sheets (headers only), and a sheet of instructions naming each criterion and item."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    _header(ws, columns)
    for r in rows:
        ws.append(r)
    for name, cols in extra:
        _header(wb.create_sheet(name), cols)
    guide = wb.create_sheet("Hướng dẫn")
    guide.append(["Điền từ dòng 3; không sửa dòng 2 (mã cột). Để trống: chưa có / không."])
    for line in guide_lines:
        guide.append([line])
    guide.append(["Mã", "Nội dung"])
    for code, title in titles.items():
        guide.append([code, title])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header(ws: Any, columns: list[Column]) -> None:
    for i, col in enumerate(columns, 1):
        letter = get_column_letter(i)
        ws.cell(1, i, col.label).font = Font(bold=True)
        ws.cell(1, i).alignment = Alignment(wrap_text=True, vertical="top")
        key = ws.cell(2, i, col.key)
        key.font, key.fill = Font(size=8, color="808080"), PatternFill("solid", fgColor="EEEEEE")
        ws.column_dimensions[letter].width = 16 if col.kind != "text" else 24
        options = (
            ["Có", "Không"]
            if col.kind == "yesno"
            else [k.title() if k != "pdf" else "PDF" for k in col.choices or {}]
        )
        if options:
            dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}5000")
            ws.add_data_validation(dv)
    ws.row_dimensions[1].height = 60
    ws.freeze_panes = "B3"


def _err(sheet: str, cell: str, code: str, vi: str, en: str) -> CellError:
    return CellError(sheet, cell, code, msg(vi, en))


Parser = Callable[[Any], Any]


def _value(col: Column, v: Any) -> Any:
    """The cell's value as the API takes it; ValueError with the reason when it is not one."""
    if col.kind == "int":
        if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, float) and v.is_integer()) or
                                       (isinstance(v, str) and v.strip().isdigit())):  # fmt: skip
            raise ValueError("số nguyên không âm|a whole number, not negative")
        n = int(v)
        if n < 0:
            raise ValueError("số nguyên không âm|a whole number, not negative")
        return n
    if col.kind == "yesno":
        t = str(v).strip().lower()
        if t in YES or v is True:
            return True
        if t in NO or v is False:
            return False
        raise ValueError("Có hoặc Không|Có (yes) or Không (no)")
    if col.kind == "date":
        if isinstance(v, datetime | date):
            return (v.date() if isinstance(v, datetime) else v).isoformat()
        try:
            return datetime.strptime(str(v).strip(), "%d/%m/%Y").date().isoformat()
        except ValueError:
            raise ValueError("ngày dạng dd/mm/yyyy|a date, dd/mm/yyyy") from None
    if col.kind == "choice":
        t = str(v).strip().lower()
        if t in (col.choices or {}):
            return (col.choices or {})[t]
        raise ValueError(f"một trong: {', '.join(col.choices or {})}|one of: {', '.join(col.choices or {})}")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # a phone or code typed as a number: 912345678, not 912345678.0
    return str(v).strip() if not isinstance(v, str) else v.strip()


@dataclass
class Parsed:
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, key → value)
    errors: list[CellError]
    columns: dict[str, str]  # key → column letter
    # rows of a second sheet that belong to a row of this one (the facts' 2.1 members): this
    # sheet's row number → [(that sheet's row number, key → value)], and that sheet's letters
    attached: dict[int, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    attached_columns: dict[str, str] = field(default_factory=dict)


def _load(data: bytes, sheet: str) -> tuple[Any, list[CellError]]:
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True), []
    except Exception:
        return None, [_err(sheet, "", "not_a_workbook", "Tệp không phải sổ Excel (.xlsx).",
                           "The file is not an Excel workbook (.xlsx).")]  # fmt: skip


def read(data: bytes, sheet: str, columns: list[Column], max_rows: int) -> Parsed:
    """Every data row of `sheet` with its values converted, and a problem per bad cell."""
    wb, errors = _load(data, sheet)
    if wb is None:
        return Parsed([], errors, {})
    return _book_sheet(wb, sheet, columns, max_rows)


def _book_sheet(wb: Any, sheet: str, columns: list[Column], max_rows: int) -> Parsed:
    if sheet not in wb.sheetnames:
        return Parsed([], [_err(sheet, "", "sheet_missing", f"Thiếu trang tính \"{sheet}\".",
                                f"The sheet \"{sheet}\" is missing.")], {})  # fmt: skip
    return _sheet(wb[sheet], sheet, columns, max_rows)


def read_facts(data: bytes, max_rows: int) -> Parsed:
    """The facts sheet, with each school's 2.1 members from their sheet attached to its row. The
    members' sheet may be absent (a template from before it existed): then no row has members."""
    wb, errors = _load(data, FACTS_SHEET)
    if wb is None:
        return Parsed([], errors, {})
    parsed = _book_sheet(wb, FACTS_SHEET, FACT_COLUMNS, max_rows)
    if not parsed.rows or MEMBERS_SHEET not in wb.sheetnames:
        return parsed
    members = _sheet(wb[MEMBERS_SHEET], MEMBERS_SHEET, MEMBER_COLUMNS, max_rows * MAX_MEMBERS)
    parsed.errors += members.errors
    parsed.attached_columns = members.columns
    row_of = {(r.get("school_code"), r.get("school_year")): n for n, r in parsed.rows}
    for n, m in members.rows:
        owner = row_of.get((m.get("school_code"), m.get("school_year")))
        if owner is None:
            if "school_code" in m and "school_year" in m:
                parsed.errors.append(
                    _err(MEMBERS_SHEET, f"{members.columns['school_code']}{n}", "member_without_row",
                         f"Không có dòng của trường và năm học này ở trang \"{FACTS_SHEET}\".",
                         f"No row of this school and year on the \"{FACTS_SHEET}\" sheet.")
                )  # fmt: skip
            continue
        person = {k: v for k, v in m.items() if k not in ("school_code", "school_year")}
        parsed.attached.setdefault(owner, []).append((n, person))
    return parsed


def _sheet(ws: Any, sheet: str, columns: list[Column], max_rows: int) -> Parsed:
    known = {c.key: c for c in columns}
    grid = ws.iter_rows(values_only=True)
    next(grid, None)
    keys = [str(k).strip() if k is not None else "" for k in next(grid, ()) or ()]
    letters = {k: get_column_letter(i) for i, k in enumerate(keys, 1) if k in known}
    missing = [c.key for c in columns if c.required and c.key not in letters]
    if missing:
        return Parsed([], [_err(sheet, "A2", "columns_missing", f"Thiếu cột (dòng 2): {', '.join(missing)}.",
                                f"Missing columns (row 2): {', '.join(missing)}.")], letters)  # fmt: skip
    rows, errors = [], []
    for n, raw in enumerate(grid, FIRST_DATA_ROW):
        if n - FIRST_DATA_ROW >= max_rows:
            errors.append(
                _err(sheet, f"A{n}", "too_many_rows", f"Tối đa {max_rows} dòng.", f"At most {max_rows} rows.")
            )
            break
        values = dict(zip(keys, raw, strict=False))
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        out: dict[str, Any] = {}
        for key, letter in letters.items():
            v, col = values.get(key), known[key]
            if v is None or str(v).strip() == "":
                if col.required:
                    errors.append(_err(sheet, f"{letter}{n}", "required", "Bắt buộc.", "Required."))
                continue
            try:
                out[key] = _value(col, v)
            except ValueError as e:
                vi, en = str(e).split("|")
                errors.append(_err(sheet, f"{letter}{n}", "invalid", f"Phải là {vi}.", f"Must be {en}."))
        rows.append((n, out))
    return Parsed(rows, errors, letters)
