"""Vocabulary the papers share: level labels, the names of units as headers write them, the
place a paper is dated at, and the problems a paper answers when its record is not ready."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict
from shared.i18n import msg

LEVEL = {1: "Mức 1 – Chưa đáp ứng", 2: "Mức 2 – Đáp ứng cơ bản", 3: "Mức 3 – Đáp ứng tốt"}
SCHOOL_LEVEL = {"TH": "Tiểu học", "THCS": "THCS", "THPT": "THPT", "GDTX": "GDTX"}
OWNERSHIP = {"public": "Công lập", "non_public": "Ngoài công lập"}
ROLE = {
    "chu_tich": "Chủ tịch Hội đồng",
    "pho_chu_tich": "Phó Chủ tịch Hội đồng",
    "thu_ky": "Thư ký",
    "uy_vien": "Ủy viên",
    "truong_doan": "Trưởng đoàn",
    "pho_truong_doan": "Phó Trưởng đoàn",
    "thanh_vien": "Thành viên",
}
HEAD_TITLE = {"department": "GIÁM ĐỐC", "district_office": "TRƯỞNG PHÒNG", "commune_office": "CHỦ TỊCH"}
UNIT_PREFIX = re.compile(r"^(Sở|Phòng)\s+(GDĐT|GD&ĐT|Giáo dục và Đào tạo)\s+", re.IGNORECASE)
BASIS_4725 = (
    "Căn cứ Quyết định số 4725/QĐ-BGDĐT ngày 30 tháng 12 năm 2022 của Bộ trưởng Bộ Giáo dục và "
    "Đào tạo ban hành Bộ chỉ số đánh giá mức độ chuyển đổi số của cơ sở giáo dục phổ thông và "
    "giáo dục thường xuyên;"
)


class RecordNotReady(Conflict):
    code = "record_not_ready"
    message = msg("Hồ sơ chưa đủ để lập văn bản này.", "The record is not ready for this paper.")


def level(n: int | None) -> str:
    return LEVEL.get(n or 0, "—")


def pts(v: Any) -> str:
    """Points as a Vietnamese reader writes them: a decimal comma, no trailing zeros."""
    if v is None:
        return "—"
    d = Decimal(str(v)).normalize()
    text = f"{d:f}"
    return text.replace(".", ",")


def _name_place(unit_name: str) -> str:
    """ "Phòng GDĐT Quận 1" → "Quận 1": the place a unit's name carries."""
    return UNIT_PREFIX.sub("", unit_name).strip() or unit_name


def place_of(unit: dict[str, Any]) -> str:
    """Where the unit's papers are dated (địa danh): the registry's place (the unit's own place
    name, else its province's name); only a unit with neither falls back on its name."""
    return unit.get("place") or _name_place(unit.get("name") or "")


def parent_of(unit: dict[str, Any]) -> str:
    """The body a Phòng or Sở answers to in its header (UBND of its district or province)."""
    if unit["kind"] == "ministry":
        return ""
    return f"UBND {unit.get('place_name') or _name_place(unit['name'])}"


def school_levels(levels: list[str]) -> str:
    return ", ".join(SCHOOL_LEVEL.get(x, x) for x in levels)


def parse_date(v: Any) -> date | None:
    return date.fromisoformat(v) if isinstance(v, str) and v else None
