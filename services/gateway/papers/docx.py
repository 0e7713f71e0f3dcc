"""DOCX through python-docx, from the same `Paper` as the PDF: the editable copy a school or unit
adjusts before signing. Times New Roman 13 pt, the margins and header layout of NĐ 30."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from services.gateway.papers.model import Centre, Heading, Paper, Para, Signature, Table

FONT = "Times New Roman"


def _run(p: Paragraph, text: str, bold: bool = False, italic: bool = False, size: float = 13) -> None:
    r = p.add_run(text)
    r.bold, r.italic, r.font.size, r.font.name = bold, italic, Pt(size), FONT


def _lines(cell: _Cell, lines: list[tuple[str, bool, bool, float]]) -> None:
    first = True
    for text, bold, italic, size in lines:
        p = cell.paragraphs[0] if first else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, text, bold, italic, size)
        first = False


def _header(doc: Document, paper: Paper) -> None:  # type: ignore[valid-type]
    t = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    left = [(paper.issuer_parent.upper(), False, False, 12), (paper.issuer.upper(), True, False, 12)]
    _lines(t.cell(0, 0), [*left, (paper.number, False, False, 13)])
    right = [
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True, False, 12),
        ("Độc lập - Tự do - Hạnh phúc", True, False, 13),
    ]
    _lines(t.cell(0, 1), [*right, (paper.place_date, False, True, 13)])
    for line, bold in [(paper.kind, True), (paper.title, True), (paper.authority.upper(), True)]:
        if line:
            p = doc.add_paragraph()  # type: ignore[attr-defined]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, line, bold=bold, size=14 if line in (paper.kind, paper.title) else 13)
    for line in paper.addressee:
        p = doc.add_paragraph()  # type: ignore[attr-defined]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, line)


def _table(doc: Document, b: Table) -> None:  # type: ignore[valid-type]
    t = doc.add_table(rows=1 + len(b.rows), cols=len(b.header))  # type: ignore[attr-defined]
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    # straight from the XML rows: `table.cell()` and `row.cells` rebuild the whole grid on every
    # call, which makes a 2,000-row table quadratic (minutes instead of seconds)
    for r, (tr, values) in enumerate(zip(t._tbl.tr_lst, [b.header, *b.rows], strict=True)):
        for c, (tc, value) in enumerate(zip(tr.tc_lst, values, strict=True)):
            p = _Cell(tc, t).paragraphs[0]
            if r == 0 or (b.align and b.align[c] == "c"):
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, value, bold=r == 0, size=11)


def _signatures(doc: Document, paper: Paper) -> None:  # type: ignore[valid-type]
    sigs: list[Signature] = paper.signatures
    t = doc.add_table(rows=1, cols=1 + len(sigs))  # type: ignore[attr-defined]
    if paper.recipients:
        cell = t.cell(0, 0)
        _run(cell.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
        for r in paper.recipients:
            _run(cell.add_paragraph(), f"- {r}", size=11)
    for i, s in enumerate(sigs, start=1):
        lines = [(s.prefix, True, False, 13.0)] if s.prefix else []
        lines += [(s.title.upper(), True, False, 13.0), ("", False, False, 13.0), ("", False, False, 13.0)]
        _lines(t.cell(0, i), [*lines, ("", False, False, 13.0), (s.name, True, False, 13.0)])


def render_docx(paper: Paper) -> bytes:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Mm(297), Mm(210)
    if paper.landscape:
        sec.orientation = WD_ORIENT.LANDSCAPE
        sec.page_height, sec.page_width = sec.page_width, sec.page_height
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(20), Mm(20), Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)  # type: ignore[attr-defined]
    _header(doc, paper)
    for b in paper.blocks:
        if isinstance(b, Table):
            _table(doc, b)
            continue
        p = doc.add_paragraph()
        if isinstance(b, Para):
            p.paragraph_format.first_line_indent = Cm(1)
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if b.lead:
                _run(p, b.lead + " ", bold=True)
            _run(p, b.text)
        elif isinstance(b, Centre | Heading):
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER if isinstance(b, Centre) else WD_ALIGN_PARAGRAPH.LEFT
            _run(p, b.text, bold=True)
    _signatures(doc, paper)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
