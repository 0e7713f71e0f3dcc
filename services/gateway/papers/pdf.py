"""PDF through Typst: the compiler ships inside the `typst` wheel (no TeX, no browser, no system
binary); the paper's data goes in as one JSON input, so no text is ever parsed as markup."""

from __future__ import annotations

import json
from pathlib import Path

import typst

from services.gateway.papers.model import Paper

TEMPLATE = Path(__file__).with_name("paper.typ")
# Times New Roman as NĐ 30 asks where installed; Liberation Serif (metrically the same, Debian
# fonts-liberation) otherwise; DejaVu Serif last. All three cover Vietnamese.
FONTS = ["Times New Roman", "Liberation Serif", "DejaVu Serif"]


def render_pdf(paper: Paper, font_paths: list[str] | None = None) -> bytes:
    data = {**paper.as_dict(), "fonts": FONTS}
    out = typst.compile(
        str(TEMPLATE),
        font_paths=font_paths or [],
        sys_inputs={"data": json.dumps(data, ensure_ascii=False)},
    )
    assert isinstance(out, bytes)
    return out
