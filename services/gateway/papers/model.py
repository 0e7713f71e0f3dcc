"""The neutral shape of an administrative paper (văn bản hành chính, Nghị định 30/2020/NĐ-CP):
what both renderers, PDF and DOCX, draw from. Builders fill it from the records; renderers never
see a record, so the two formats cannot drift apart."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

BLANK_DATE = "ngày      tháng      năm"


@dataclass
class Signature:
    title: str  # HIỆU TRƯỞNG, TRƯỞNG PHÒNG, GIÁM ĐỐC, THƯ KÝ, ...
    name: str = ""
    prefix: str = ""  # KT. (ký thay), TM. (thay mặt), ...


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    widths: list[int] | None = None  # relative widths (fractions)
    align: str | None = None  # one letter per column: l(eft) or c(entre)
    t: str = "table"


@dataclass
class Para:
    text: str
    lead: str = ""  # bold run before the text ("Điều 1.")
    t: str = "p"


@dataclass
class Heading:
    text: str
    t: str = "h"


@dataclass
class Centre:
    text: str
    t: str = "center"


Block = Para | Heading | Centre | Table


@dataclass
class Paper:
    slug: str  # file name stem, e.g. qd-thanh-lap-hoi-dong
    issuer_parent: str  # cơ quan chủ quản
    issuer: str  # cơ quan ban hành
    number: str  # "Số: 15/QĐ-THKĐ"
    place_date: str  # "Quận 1, ngày 01 tháng 10 năm 2024"
    kind: str  # QUYẾT ĐỊNH, BIÊN BẢN, TỜ TRÌNH, BÁO CÁO, DANH SÁCH
    title: str  # trích yếu
    blocks: list[Block]
    signatures: list[Signature]
    recipients: list[str] = field(default_factory=list)  # Nơi nhận
    authority: str = ""  # the line under a decision's title: who decides
    addressee: list[str] = field(default_factory=list)  # Kính gửi
    landscape: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def place_date(place: str, on: date | None, year_hint: str = "") -> str:
    """ "Quận 1, ngày 05 tháng 6 năm 2025": day padded below 10 and month below 3, as NĐ 30 writes."""
    if on is None:
        return f"{place}, {BLANK_DATE} {year_hint}".rstrip()
    day = f"{on.day:02d}"
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {day} tháng {month} năm {on.year}"


def number_line(number: str | None, suffix: str) -> str:
    """A recorded number, or the blank a văn thư fills when the paper is signed."""
    return f"Số: {number}" if number else f"Số:        /{suffix}"
