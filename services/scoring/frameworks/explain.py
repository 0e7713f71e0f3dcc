"""`Why` → words. The engine records which rule applied; this says it in Vietnamese and English."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

from services.scoring.engine import Why
from shared.framework.interval import Interval

_TEXT: dict[str, tuple[str, str]] = {
    "no_fact": ("Chưa khai báo.", "Not declared."),
    "fixed.deployed": ("Đã triển khai: điểm tối đa của nội dung.", "Deployed: the item's full cap."),
    "fixed.not_deployed": ("Chưa triển khai.", "Not deployed."),
    "requires": ("Cần có {detail} trước.", "Needs {detail} first."),
    "count_band": ("Số lượng {value} ({band}).", "Count {value} ({band})."),
    "percent_band": ("Tỉ lệ {value} ({band}).", "Share {value} ({band})."),
    "level.derived": (
        "{value} học sinh/máy tính: {band}.",
        "{value} students per computer: {band}.",
    ),
    "level.override": ("Người đánh giá chọn mức {value}: {detail}", "Assessor set level {value}: {detail}"),
    "choice": ("Phương án: {value}.", "Option: {value}."),
    "no_band": ("Giá trị {value} không thuộc khoảng nào.", "Value {value} lies in no band."),
    "wrong_shape": ("Dữ liệu không đúng dạng.", "Fact of the wrong shape."),
    "mandatory.met": ("Đạt điều kiện bắt buộc.", "Mandatory condition met."),
    "mandatory.not_met": ("Chưa đạt điều kiện bắt buộc.", "Mandatory condition not met."),
    "mandatory.missing": ("Chưa khai báo điều kiện bắt buộc.", "Mandatory condition not declared."),
    "level": ("{value} điểm ({band}).", "{value} points ({band})."),
    "mandatory_unmet": (
        "Điều kiện bắt buộc chưa đạt ({detail}): Mức độ 1 dù có {value} điểm.",
        "Mandatory condition not met ({detail}): level 1 despite {value} points.",
    ),
    "mandatory_unmet_informational": (
        "{value} điểm ({band}); điều kiện bắt buộc chưa đạt ({detail}) chỉ để thông tin.",
        "{value} points ({band}); unmet mandatory condition ({detail}) is informational only.",
    ),
}


_MEMO: dict[Why, dict[str, str | None]] = {}
_MEMO_MAX = 16384


def explain(why: Why) -> dict[str, str | None]:
    """Memoised on the Why (a tuple: its hash is C): the same few hundred explanations recur
    across requests. The returned dict is only serialised, never mutated."""
    hit = _MEMO.get(why)
    if hit is None:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        hit = _MEMO[why] = _render(why)
    return hit


# the unit a band's bounds are written in, per rule: a share's bounds are percentages, a level's
# (criterion, group) points
_UNIT: dict[str, tuple[str, str]] = {
    "percent_band": ("%", "%"),
    "level": (" điểm", " points"),
    "mandatory_unmet": (" điểm", " points"),
    "mandatory_unmet_informational": (" điểm", " points"),
}


_NUMERIC = {"count_band", "percent_band", "level.derived", "no_band", "level", "mandatory_unmet",
            "mandatory_unmet_informational"}  # fmt: skip


def _num(f: Fraction, lang: str) -> str:
    text = str(f.numerator) if f.denominator == 1 else f"{Decimal(f.numerator) / Decimal(f.denominator):f}"
    return text.replace(".", ",") if lang == "vi" else text


def band_words(band: str | None, rule: str = "") -> tuple[str, str]:
    """A band as people read it, in Vietnamese and English: "(18, inf)" → "trên 18" / "more than
    18", "[10, 18]" → "từ 10 đến 18" / "from 10 to 18", "(50, 80]" of a share → "trên 50% đến 80%"
    / "more than 50% up to 80%". The bounds are the document's own, so nothing is rounded away.
    "level 3" (the informatics level, I-5) → "mức 3" / "level 3"; anything else as written."""
    if band is None:
        return "—", "—"
    if band.startswith("level "):
        return f"mức {band[6:]}", band
    try:
        iv = Interval.parse(band)
    except ValueError:
        return band, band
    uvi, uen = _UNIT.get(rule, ("", ""))
    # "%" goes with every bound ("trên 50% đến 80%"), a word once at the end ("từ 50 đến 75 điểm")
    word = uvi.startswith(" ")

    def n(f: Fraction, lang: str, last: bool = True) -> str:
        return _num(f, lang) + ((uvi if lang == "vi" else uen) if last or not word else "")

    lo, hi = iv.lo, iv.hi
    if lo is None and hi is None:
        return "mọi giá trị", "any value"
    if lo is None:
        assert hi is not None
        if iv.hi_incl:
            return f"không quá {n(hi, 'vi')}", f"at most {n(hi, 'en')}"
        return f"dưới {n(hi, 'vi')}", f"less than {n(hi, 'en')}"
    if hi is None:
        if iv.lo_incl:
            return f"từ {n(lo, 'vi')} trở lên", f"{n(lo, 'en')} or more"
        return f"trên {n(lo, 'vi')}", f"more than {n(lo, 'en')}"
    if lo == hi:
        return f"đúng {n(lo, 'vi')}", f"exactly {n(lo, 'en')}"
    vi_lo = ("từ " if iv.lo_incl else "trên ") + n(lo, "vi", last=False)
    en_lo = ("from " if iv.lo_incl else "more than ") + n(lo, "en", last=False)
    vi_hi = ("đến " if iv.hi_incl else "đến dưới ") + n(hi, "vi")
    en_hi = ("to " if iv.hi_incl else "to less than ") + n(hi, "en")
    if not iv.lo_incl:
        en_hi = ("up to " if iv.hi_incl else "and less than ") + n(hi, "en")
    return f"{vi_lo} {vi_hi}", f"{en_lo} {en_hi}"


_JSON_MEMO: dict[Why, str] = {}


def explain_json(why: Why) -> str:
    """`explain(why)` as JSON text, memoised like it (the preview writes its answer as text)."""
    hit = _JSON_MEMO.get(why)
    if hit is None:
        if len(_JSON_MEMO) >= _MEMO_MAX:
            _JSON_MEMO.clear()
        hit = _JSON_MEMO[why] = json.dumps(explain(why), ensure_ascii=False, separators=(",", ":"))
    return hit


def _render(why: Why) -> dict[str, str | None]:
    vi, en = _TEXT.get(why.rule, ("{rule}", "{rule}"))
    band_vi, band_en = band_words(why.band, why.rule)
    # a measured number is written with a decimal comma in Vietnamese, like its band's bounds
    value_vi = why.value.replace(".", ",") if why.value and why.rule in _NUMERIC else why.value
    params = {"value": value_vi, "band": band_vi, "detail": why.detail, "rule": why.rule}
    out: dict[str, str | None] = {"rule": why.rule}
    if why.band is not None:
        out["band"] = why.band
    if why.value is not None:
        out["value"] = why.value
    if why.interpretation is not None:
        out["interpretation"] = why.interpretation
    if why.detail is not None:
        out["detail"] = why.detail
    out["vi"] = vi.format(**params)
    out["en"] = en.format(**(params | {"band": band_en, "value": why.value}))
    return out
