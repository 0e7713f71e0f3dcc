"""`Why` → words. The engine records which rule applied; this says it in Vietnamese and English."""

from __future__ import annotations

import json

from services.scoring.engine import Why

_TEXT: dict[str, tuple[str, str]] = {
    "no_fact": ("Chưa khai báo.", "Not declared."),
    "fixed.deployed": ("Đã triển khai: điểm tối đa của nội dung.", "Deployed: the item's full cap."),
    "fixed.not_deployed": ("Chưa triển khai.", "Not deployed."),
    "requires": ("Cần có {detail} trước.", "Needs {detail} first."),
    "count_band": ("Số lượng {value} thuộc khoảng {band}.", "Count {value} lies in {band}."),
    "percent_band": ("Tỉ lệ {value} thuộc khoảng {band}.", "Share {value} lies in {band}."),
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
    "level": ("{value} điểm thuộc khoảng {band}.", "{value} points lie in {band}."),
    "mandatory_unmet": (
        "Điều kiện bắt buộc chưa đạt ({detail}): Mức độ 1 dù có {value} điểm.",
        "Mandatory condition not met ({detail}): level 1 despite {value} points.",
    ),
    "mandatory_unmet_informational": (
        "{value} điểm thuộc khoảng {band}; điều kiện bắt buộc chưa đạt ({detail}) chỉ để thông tin.",
        "{value} points lie in {band}; unmet mandatory condition ({detail}) is informational only.",
    ),
}


_MEMO: dict[tuple[str, str | None, str | None, str | None, str | None], dict[str, str | None]] = {}
_MEMO_MAX = 16384


def explain(why: Why) -> dict[str, str | None]:
    """Memoised on the Why's fields (a plain tuple key hashes faster than the dataclass): the same
    few hundred explanations recur across requests. The returned dict is only serialised, never
    mutated."""
    key = (why.rule, why.band, why.value, why.interpretation, why.detail)
    hit = _MEMO.get(key)
    if hit is None:
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        hit = _MEMO[key] = _render(why)
    return hit


_JSON_MEMO: dict[tuple[str, str | None, str | None, str | None, str | None], str] = {}


def explain_json(why: Why) -> str:
    """`explain(why)` as JSON text, memoised like it (the preview writes its answer as text)."""
    key = (why.rule, why.band, why.value, why.interpretation, why.detail)
    hit = _JSON_MEMO.get(key)
    if hit is None:
        if len(_JSON_MEMO) >= _MEMO_MAX:
            _JSON_MEMO.clear()
        hit = _JSON_MEMO[key] = json.dumps(explain(why), ensure_ascii=False, separators=(",", ":"))
    return hit


def _render(why: Why) -> dict[str, str | None]:
    vi, en = _TEXT.get(why.rule, ("{rule}", "{rule}"))
    params = {"value": why.value, "band": why.band, "detail": why.detail, "rule": why.rule}
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
    out["en"] = en.format(**params)
    return out
