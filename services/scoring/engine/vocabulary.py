"""The facts vocabulary (DESIGN §2): raw JSON from clients → typed engine input, or every error at
once with its JSON pointer. Hand-written rather than one pydantic model per item because the shape
of each fact depends on the framework's cap rule for that code, and because the messages must name
the rule that was broken, in Vietnamese and English.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from services.scoring.engine.compiled import CItem, CompiledFramework
from services.scoring.engine.facts import (
    Choice,
    Count,
    Deployed,
    Fact,
    LevelOverride,
    Mandatory,
    Measure,
    Ratio,
    ScoreInput,
)
from shared.contracts import SchoolLevel
from shared.errors import FieldError, pointer
from shared.i18n import msg

_ACQUISITION = {"self_built", "purchased", "rented"}
_CENT = Decimal("0.01")
MAX_COUNT = 10**9
MAX_POINTS = 10**9
MAX_SCHOOL_LEVELS = 16  # four levels exist; a longer list is refused whole, not entry by entry


class _Errors:
    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, loc: tuple[str | int, ...], code: str, vi: str, en: str) -> None:
        self.items.append(FieldError(pointer=pointer(loc), code=code, message=msg(vi, en)))


def _obj(raw: Any, loc: tuple[str | int, ...], err: _Errors) -> Mapping[str, Any] | None:
    if not isinstance(raw, dict):
        err.add(loc, "wrong_shape", "Phải là một đối tượng JSON.", "Must be a JSON object.")
        return None
    return raw


def _bool(o: Mapping[str, Any], key: str, loc: tuple[str | int, ...], err: _Errors) -> bool | None:
    if key not in o:
        err.add((*loc, key), "missing", "Thiếu trường bắt buộc.", "This field is required.")
        return None
    v = o[key]
    if not isinstance(v, bool):
        err.add((*loc, key), "bool_type", "Phải là true hoặc false.", "Must be true or false.")
        return None
    return v


def _int(
    o: Mapping[str, Any], key: str, loc: tuple[str | int, ...], err: _Errors, minimum: int = 0
) -> int | None:
    if key not in o:
        err.add((*loc, key), "missing", "Thiếu trường bắt buộc.", "This field is required.")
        return None
    v = o[key]
    if isinstance(v, bool) or not isinstance(v, int):
        err.add((*loc, key), "int_type", "Phải là số nguyên.", "Must be a whole number.")
        return None
    if v < minimum:
        if minimum == 0:
            err.add((*loc, key), "negative", "Không được là số âm.", "Must not be negative.")
        else:
            err.add((*loc, key), "too_small", f"Phải từ {minimum} trở lên.", f"Must be at least {minimum}.")
        return None
    if v > MAX_COUNT:
        err.add((*loc, key), "too_large", "Giá trị quá lớn.", "Value too large.")
        return None
    return v


def _context(raw: Any, loc: tuple[str | int, ...], err: _Errors) -> Deployed | None:
    o = _obj(raw, loc, err)
    if o is None:
        return None
    dep = _bool(o, "deployed", loc, err)
    acq = o.get("acquisition")
    if acq is not None and acq not in _ACQUISITION:
        err.add(
            (*loc, "acquisition"),
            "enum",
            "Phải là self_built (tự xây dựng), purchased (mua) hoặc rented (thuê).",
            "Must be self_built, purchased or rented.",
        )
        return None
    return None if dep is None else Deployed(dep)


def _mandatory(raw: Any, loc: tuple[str | int, ...], err: _Errors) -> Mandatory | None:
    o = _obj(raw, loc, err)
    if o is None:
        return None
    met = _bool(o, "met", loc, err)
    ok = True
    if "evidence" in o and not isinstance(o["evidence"], list):
        err.add((*loc, "evidence"), "list_type", "Phải là một danh sách.", "Must be a list.")
        ok = False
    members = o.get("members")
    if members is not None:
        if not isinstance(members, list):
            err.add((*loc, "members"), "list_type", "Phải là một danh sách.", "Must be a list.")
            ok = False
        else:
            for i, m in enumerate(members):
                mo = _obj(m, (*loc, "members", i), err)
                if mo is None:
                    ok = False
                    continue
                for k in ("name", "position"):
                    if not isinstance(mo.get(k), str) or not mo[k].strip():
                        err.add((*loc, "members", i, k), "missing", "Thiếu thông tin.", "Required.")
                        ok = False
    return Mandatory(met) if met is not None and ok else None


def _item(
    cf: CompiledFramework, code: str, raw: Any, loc: tuple[str | int, ...], err: _Errors
) -> Fact | None:
    it = cf.items[code]
    o = _obj(raw, loc, err)
    if o is None:
        return None
    if it.rule == "fixed":
        dep = _bool(o, "deployed", loc, err)
        return None if dep is None else Deployed(dep)
    if it.rule == "count_band":
        n = _int(o, "count", loc, err)
        return None if n is None else Count(n)
    if it.rule == "percent_band":
        num = _int(o, "numerator", loc, err)
        den = _int(o, "denominator", loc, err)
        if num is None or den is None:
            return None
        if den == 0:
            err.add(
                (*loc, "denominator"),
                "zero_denominator",
                "Mẫu số phải lớn hơn 0.",
                "The denominator must be above 0.",
            )
            return None
        if num > den:
            err.add(
                (*loc, "numerator"),
                "numerator_above_denominator",
                "Tử số không được lớn hơn mẫu số.",
                "The numerator must not exceed the denominator.",
            )
            return None
        return Ratio(num, den)
    if it.rule == "level":
        if "level" in o:
            lv = _int(o, "level", loc, err, minimum=1)
            reason = o.get("reason")
            if not isinstance(reason, str) or not reason.strip():
                err.add(
                    (*loc, "reason"),
                    "reason_required",
                    "Cần nêu lý do khi chọn mức độ.",
                    "A reason is required when a level is set.",
                )
                return None
            if lv is None:
                return None
            if lv not in it.level_points:
                allowed = ", ".join(str(k) for k in sorted(it.level_points))
                err.add(
                    (*loc, "level"),
                    "enum",
                    f"Mức độ phải là một trong: {allowed}.",
                    f"Level must be one of: {allowed}.",
                )
                return None
            return LevelOverride(lv, reason.strip())
        size = _int(o, "class_size", loc, err, minimum=1)
        comps = _int(o, "lab_computers", loc, err)
        return None if size is None or comps is None else Measure(size, comps)
    mode = o.get("mode")
    if not isinstance(mode, str) or mode not in it.options:  # a list or object is not hashable
        allowed = ", ".join(it.options)
        err.add((*loc, "mode"), "enum", f"Phải là một trong: {allowed}.", f"Must be one of: {allowed}.")
        return None
    return Choice(mode)


def _valid_item(it: CItem, raw: Any) -> Fact | None:
    """The well-formed shapes of an item's fact, recognised without building a pointer or an
    error list: most members of a real body take this path. None is not a verdict: the member
    then goes through `_item`, which accepts or reports it."""
    if type(raw) is not dict:
        return None
    rule = it.rule
    if rule == "fixed":
        v = raw.get("deployed")
        return Deployed(v) if type(v) is bool else None
    if rule == "count_band":
        n = raw.get("count")
        return Count(n) if type(n) is int and 0 <= n <= MAX_COUNT else None
    if rule == "percent_band":
        num, den = raw.get("numerator"), raw.get("denominator")
        if type(num) is int and type(den) is int and 0 <= num <= den <= MAX_COUNT and den > 0:
            return Ratio(num, den)
        return None
    if rule == "choice":
        mode = raw.get("mode")
        return Choice(mode) if type(mode) is str and mode in it.options else None
    return None  # level: an override needs its reason checked, a measure two counts: `_item`


def _valid_other(mandatory: bool, raw: Any) -> Fact | None:
    """Likewise for a mandatory criterion (`{"met": bool}`) or a context fact (`{"deployed": bool}`
    with an optional known acquisition)."""
    if type(raw) is not dict:
        return None
    if mandatory:
        met = raw.get("met")
        return (
            Mandatory(met) if type(met) is bool and "evidence" not in raw and "members" not in raw else None
        )
    dep = raw.get("deployed")
    acq = raw.get("acquisition")
    return Deployed(dep) if type(dep) is bool and (acq is None or acq in _ACQUISITION) else None


def _points(raw: Any, loc: tuple[str | int, ...], err: _Errors) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        err.add(
            loc,
            "decimal_type",
            "Phải là số (hoặc chuỗi số thập phân).",
            "Must be a number or a decimal string.",
        )
        return None
    try:
        # floats pass through str() so 2.5 stays 2.5 and never becomes 2.4999…
        d = Decimal(str(raw)) if not isinstance(raw, str) else Decimal(raw.strip())
    except InvalidOperation:
        err.add(loc, "decimal_parsing", "Không phải là số.", "Not a number.")
        return None
    if not d.is_finite():
        err.add(loc, "decimal_parsing", "Không phải là số.", "Not a number.")
        return None
    if d < 0:
        err.add(loc, "awarded_negative", "Điểm không được âm.", "Points must not be negative.")
        return None
    if d >= MAX_POINTS:  # beyond any cap, and beyond what quantize() can hold at 28 digits
        err.add(loc, "too_large", "Giá trị quá lớn.", "Value too large.")
        return None
    if d != d.quantize(_CENT):
        err.add(loc, "decimal_max_places", "Tối đa hai chữ số thập phân.", "At most two decimal places.")
        return None
    # 5.50 → 5.5 and 6.0 → 6, so sums and explanations read as people write points
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _too_many(err: _Errors, loc: tuple[str | int, ...], known: int) -> None:
    err.add(
        loc,
        "too_many_members",
        f"Có nhiều mã hơn số mã của bộ chỉ số ({known}).",
        f"More members than the framework has codes ({known}).",
    )


def parse_input(
    cf: CompiledFramework, school_levels: Any, facts: Any, awarded: Any, root: tuple[str | int, ...] = ()
) -> tuple[ScoreInput | None, list[FieldError]]:
    """Validate the raw request members; every error is reported, none is fixed silently."""
    err = _Errors()
    levels: set[SchoolLevel] = set()
    if not isinstance(school_levels, list) or not school_levels:
        err.add(
            (*root, "school_levels"),
            "too_short",
            "Cần ít nhất một cấp học.",
            "At least one school level is required.",
        )
    elif len(school_levels) > MAX_SCHOOL_LEVELS:
        _too_many(err, (*root, "school_levels"), MAX_SCHOOL_LEVELS)
    else:
        for i, sl in enumerate(school_levels):
            try:
                levels.add(SchoolLevel(sl))
            except ValueError:
                err.add(
                    (*root, "school_levels", i),
                    "enum",
                    "Cấp học phải là TH, THCS, THPT hoặc GDTX.",
                    "A school level is one of TH, THCS, THPT, GDTX.",
                )
    parsed: dict[str, Fact] = {}
    if facts is None:
        facts = {}
    if not isinstance(facts, dict):
        err.add((*root, "facts"), "wrong_shape", "Phải là một đối tượng JSON.", "Must be a JSON object.")
        facts = {}
    known = len(cf.items) + len(cf.mandatory_codes) + len(cf.context_codes)
    if len(facts) > known:
        # more members than the framework has codes: refused before looking at any of them, so
        # a body of a few hundred thousand unknown keys costs no more than a correct one
        _too_many(err, (*root, "facts"), known)
        facts = {}
    items, mandatory, context = cf.items, cf.mandatory_codes, cf.context_codes
    for code, raw in facts.items():
        it = items.get(code)
        f: Fact | None
        if it is not None:
            f = _valid_item(it, raw) or _item(cf, code, raw, (*root, "facts", code), err)
        elif code in mandatory:
            f = _valid_other(True, raw) or _mandatory(raw, (*root, "facts", code), err)
        elif code in context:
            f = _valid_other(False, raw) or _context(raw, (*root, "facts", code), err)
        else:
            err.add(
                (*root, "facts", code),
                "unknown_code",
                "Mã không có trong bộ chỉ số.",
                "This code is not in the framework.",
            )
            continue
        if f is not None:
            parsed[code] = f
    points: dict[str, Decimal] = {}
    if awarded is None:
        awarded = {}
    if not isinstance(awarded, dict):
        err.add((*root, "awarded"), "wrong_shape", "Phải là một đối tượng JSON.", "Must be a JSON object.")
        awarded = {}
    if len(awarded) > len(cf.items):
        _too_many(err, (*root, "awarded"), len(cf.items))
        awarded = {}
    for code, raw in awarded.items():
        if code not in items:
            err.add(
                (*root, "awarded", code),
                "unknown_code",
                "Không phải mã nội dung chấm điểm.",
                "Not the code of a scored item.",
            )
            continue
        if type(raw) is int and 0 <= raw < MAX_POINTS:  # whole points: exact as they are
            points[code] = Decimal(raw)
            continue
        p = _points(raw, (*root, "awarded", code), err)
        if p is not None:
            points[code] = p
    if err.items:
        return None, err.items
    return ScoreInput(frozenset(levels), parsed, points), []
