"""Next-level options in words (vi/en) and facts back in the vocabulary's JSON shape."""

from __future__ import annotations

from typing import Any

from services.scoring.engine.facts import (
    Choice,
    Count,
    Deployed,
    Fact,
    LevelOverride,
    Mandatory,
    Measure,
    Ratio,
)
from services.scoring.engine.next_level import Change, GroupPath, Option
from services.scoring.engine.result import cents_text, dec
from shared.framework.model import Framework

Titles = dict[str, tuple[str, str]]


def titles(fw: Framework) -> Titles:
    t = {c.code: (c.title.vi, c.title.en) for c in fw.criteria()}
    t.update({i.code: (i.title.vi, i.title.en) for i in fw.items()})
    t.update({f.code: (f.title.vi, f.title.en) for f in fw.context_facts})
    return t


def fact_json(f: Fact) -> dict[str, Any]:
    if isinstance(f, Mandatory):
        return {"met": f.met}
    if isinstance(f, Deployed):
        return {"deployed": f.deployed}
    if isinstance(f, Count):
        return {"count": f.count}
    if isinstance(f, Ratio):
        return {"numerator": f.numerator, "denominator": f.denominator}
    if isinstance(f, Measure):
        return {"class_size": f.class_size, "lab_computers": f.lab_computers}
    if isinstance(f, LevelOverride):
        return {"level": f.level, "reason": f.reason}
    return {"mode": f.mode}


def target_json(before: Any, after: Fact) -> dict[str, Any]:
    """Yes/no facts keep their details (names, evidence); measured ones are replaced whole."""
    new = fact_json(after)
    if isinstance(after, Mandatory | Deployed) and isinstance(before, dict):
        return {**before, **new}
    return new


def _pct(r: Ratio) -> str:
    return str((dec(10000 * r.numerator // r.denominator)).normalize()) + "%"


def _what(ch: Change, name: tuple[str, str]) -> tuple[str, str]:
    a = ch.after
    vi, en = name
    if ch.kind == "mandatory":
        return f"Đáp ứng điều kiện bắt buộc {ch.code} ({vi})", f"Meet mandatory condition {ch.code} ({en})"
    if isinstance(a, Deployed):
        return f"Triển khai {ch.code} ({vi})", f"Deploy {ch.code} ({en})"
    if isinstance(a, Count):
        return (
            f"{ch.code}: nâng số lượng lên ít nhất {a.count}",
            f"{ch.code}: raise the count to at least {a.count}",
        )
    if isinstance(a, Ratio):
        share = f"{a.numerator}/{a.denominator} (≥ {_pct(a)})"
        return f"{ch.code}: nâng tỉ lệ lên ít nhất {share}", f"{ch.code}: raise the share to at least {share}"
    if isinstance(a, Measure):
        return (
            f"{ch.code}: có ít nhất {a.lab_computers} máy tính hoạt động (sĩ số {a.class_size})",
            f"{ch.code}: at least {a.lab_computers} working computers (class size {a.class_size})",
        )
    if isinstance(a, LevelOverride):
        return f"{ch.code}: đạt mức độ đáp ứng {a.level}", f"{ch.code}: reach adequacy level {a.level}"
    assert isinstance(a, Choice)
    return f"{ch.code}: chuyển sang phương án {a.mode}", f"{ch.code}: switch to option {a.mode}"


def change_why(ch: Change, t: Titles) -> dict[str, str]:
    vi, en = _what(ch, t.get(ch.code, (ch.code, ch.code)))
    if ch.kind == "mandatory":
        return {"vi": vi + ": bắt buộc để được xếp mức (I-6).", "en": en + ": required for any level (I-6)."}
    if ch.kind == "context":
        return {
            "vi": vi + ": các nội dung cần có nó mới được tính điểm (I-7).",
            "en": en + ": the items that need it score only then (I-7).",
        }
    gained = cents_text(ch.points_gained_c)
    return {"vi": f"{vi}: +{gained} điểm.", "en": f"{en}: +{gained} points."}


def _points(c: int) -> str:
    return f"{dec(c):.2f}"


def option_json(o: Option, before: dict[str, Any], t: Titles) -> dict[str, Any]:
    return {
        "effort": str(dec(o.effort_c).normalize()),
        "points_after": _points(o.points_after_c),
        "level_after": o.level_after,
        "changes": [
            {
                "item": ch.code,
                "kind": ch.kind,
                "title": dict(zip(("vi", "en"), t.get(ch.code, (ch.code, ch.code)), strict=True)),
                "from": before.get(ch.code),
                "to": target_json(before.get(ch.code), ch.after),
                "points_gained": _points(ch.points_gained_c),
                "why": change_why(ch, t),
            }
            for ch in o.changes
        ],
    }


def group_why(p: GroupPath) -> dict[str, str]:
    pts = cents_text(p.points_c)
    if p.target_level is None:
        return {
            "vi": f"Nhóm {p.code} đã ở mức cao nhất (Mức {p.level}).",
            "en": f"Group {p.code} is at the top level (level {p.level}).",
        }
    forced_vi = f" và đáp ứng điều kiện bắt buộc {', '.join(p.forced)}" if p.forced else ""
    forced_en = f" and meet mandatory condition(s) {', '.join(p.forced)}" if p.forced else ""
    if p.threshold_c is None or not p.reachable:
        best = cents_text(p.best_c)
        need = "?" if p.threshold_c is None else cents_text(p.threshold_c)
        return {
            "vi": f"Không thay đổi dữ liệu nào đưa nhóm {p.code} lên Mức {p.target_level}: "
            f"tối đa đạt {best} điểm, cần {need} điểm.",
            "en": f"No change of facts brings group {p.code} to level {p.target_level}: "
            f"at most {best} points are reachable, {need} are needed.",
        }
    need = cents_text(p.threshold_c)
    return {
        "vi": f"Nhóm {p.code} ở Mức {p.level} với {pts} điểm; Mức {p.target_level} cần ít nhất {need} điểm"
        f"{forced_vi}. Các phương án xếp theo công sức, ít thay đổi nhất trước.",
        "en": f"Group {p.code} is at level {p.level} with {pts} points; level {p.target_level} needs "
        f"at least {need} points{forced_en}. Options are ranked by effort, fewest changes first.",
    }


def path_json(p: GroupPath, before: dict[str, Any], t: Titles) -> dict[str, Any]:
    return {
        "code": p.code,
        "level": p.level,
        "points": _points(p.points_c),
        "target_level": p.target_level,
        "target_points": None if p.threshold_c is None else _points(p.threshold_c),
        "reachable": p.reachable,
        "best_points": _points(p.best_c),
        "complete": p.complete,
        "options": [option_json(o, before, t) for o in p.options],
        "why": group_why(p),
    }
