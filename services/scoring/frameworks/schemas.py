"""Wire shapes of the frameworks endpoints. The preview's response is rendered by `render_result`
straight to JSON-ready dicts (no model instances on the hot path); these models document it."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from services.scoring.engine import CriterionResult, GroupResult, ItemResult, ScoreResult
from services.scoring.frameworks.explain import explain, explain_json
from shared.framework.model import Framework, Text
from shared.openapi import typed_as
from shared.pagination import Page

Number = float | int


class FrameworkSummary(BaseModel):
    id: str
    version: int
    ref: str = Field(description="`id@version`, what assessments pin")
    title: Text
    school_years: dict[str, str | None]
    derived_from: str | None
    province: str | None


class FrameworkPage(Page[FrameworkSummary]):
    """Published frameworks, by ref."""


class ScoreRequest(BaseModel):
    """Facts keyed by item or criterion code, as DESIGN's facts vocabulary; every member is checked
    against the framework and all errors are returned at once."""

    school_levels: list[Any] = Field(description="non-empty subset of TH, THCS, THPT, GDTX")
    facts: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra=typed_as("Facts", "facts keyed by item or criterion code")
    )
    awarded: dict[str, Any] = Field(
        default_factory=dict,
        json_schema_extra=typed_as(
            "Awarded", "item code → points (0 ≤ points ≤ cap; number or decimal string)"
        ),
    )


class WhyOut(BaseModel):
    rule: str
    band: str | None = None
    value: str | None = None
    interpretation: str | None = None
    detail: str | None = None
    vi: str
    en: str


class ItemOut(BaseModel):
    code: str
    title: str
    cap: Number
    points: Number
    awarded: bool
    why: WhyOut


class CriterionOut(BaseModel):
    code: str
    title: str
    mandatory: bool
    met: bool | None = None
    max: Number | None = None
    attainable_max: Number | None = None
    points: Number | None = None
    level: int | None = None
    why: WhyOut
    items: list[ItemOut]


class GroupOut(BaseModel):
    code: str
    title: str
    max: Number
    attainable_max: Number
    points: Number
    points_level: int | None
    level: int | None = Field(description="the official level of this group (after I-6)")
    mandatory_met: bool
    why: WhyOut
    criteria: list[CriterionOut]


class OverallOut(BaseModel):
    level: int | None
    derived: bool = Field(True, description="I-8: not an official result")


class ScoreResponse(BaseModel):
    framework: str
    groups: list[GroupOut]
    overall: OverallOut


def num(d: Decimal) -> int | float:
    i = int(d)
    return i if i == d else float(d)


def num_c(c: int) -> int | float:
    """Hundredths as a JSON number: 600 → 6, 550 → 5.5 (shortest repr, so 2.55 prints as 2.55)."""
    q, r = divmod(c, 100)
    return q if r == 0 else c / 100


def _item(r: ItemResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "code": r.code,
        "title": titles[r.code],
        "cap": num_c(r.cap_c),
        "points": num_c(r.points_c),
        "awarded": r.awarded,
        "why": explain(r.why),
    }


def _criterion(c: CriterionResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "code": c.code,
        "title": titles[c.code],
        "mandatory": c.mandatory,
        "met": c.met,
        "max": None if c.max_c is None else num_c(c.max_c),
        "attainable_max": None if c.attainable_c is None else num_c(c.attainable_c),
        "points": None if c.points_c is None else num_c(c.points_c),
        "level": c.level,
        "why": explain(c.why),
        "items": [_item(i, titles) for i in c.items],
    }


def _group(g: GroupResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "code": g.code,
        "title": titles[g.code],
        "max": num_c(g.max_c),
        "attainable_max": num_c(g.attainable_c),
        "points": num_c(g.points_c),
        "points_level": g.points_level,
        "level": g.level,
        "mandatory_met": g.mandatory_met,
        "unmet_mandatory": g.unmet_mandatory,
        "why": explain(g.why),
        "criteria": [_criterion(c, titles) for c in g.criteria],
    }


def titles_of(fw: Framework) -> dict[str, str]:
    t = {g.code: g.title.vi for g in fw.groups}
    t.update({c.code: c.title.vi for c in fw.criteria()})
    t.update({i.code: i.title.vi for i in fw.items()})
    return t


class _Text(dict[Any, str]):
    """Memoised JSON text of small values (hundredths, levels): a dict lookup instead of a
    formatting call for each of the ~250 numbers of an answer. Bounded: the values are a
    framework's points, a few thousand at most."""

    def __init__(self, fmt: Callable[[Any], str]) -> None:
        super().__init__({None: "null"})
        self.fmt = fmt

    def __missing__(self, v: Any) -> str:
        if len(self) > 65536:
            self.clear()
            self[None] = "null"
        t = self[v] = self.fmt(v)
        return t


def _cents_text(c: int) -> str:
    """Hundredths as JSON number text, exactly as `num_c` serialises (600 → 6, 255 → 2.55)."""
    q, r = divmod(c, 100)
    return str(q) if r == 0 else repr(c / 100)


_N = _Text(_cents_text)  # hundredths (or None)
_L = _Text(str)  # levels (or None)
_B = {None: "null", True: "true", False: "false"}


class JsonRenderer:
    """`render_result` written straight to JSON bytes, the same bytes `pydantic_core.to_json`
    gives for the dicts (tests/scoring/test_properties.py compares them): building ~100 dicts and
    then walking them again to serialise was half of the preview's own time. What never changes
    for a framework (each code's opening with its title) is encoded once, here; explanations and
    numbers are memoised as text (`explain_json`, `_N`)."""

    def __init__(self, titles: dict[str, str]) -> None:
        self._open = {
            code: '{"code":' + _js(code) + ',"title":' + _js(title) + "," for code, title in titles.items()
        }
        self._heads: dict[str, str] = {}

    def _head(self, ref: str) -> str:
        head = self._heads.get(ref)
        if head is None:
            head = self._heads[ref] = '{"framework":' + _js(ref) + ',"groups":['
        return head

    def render(self, r: ScoreResult) -> bytes:
        out = [self._head(r.framework)]
        add = out.append
        opening, n, lv, b, why = self._open, _N, _L, _B, explain_json
        for gi, g in enumerate(r.groups):
            unmet = _js(g.unmet_mandatory) if g.unmet_mandatory else "[]"
            add(
                f'{"," if gi else ""}{opening[g.code]}"max":{n[g.max_c]},"attainable_max":{n[g.attainable_c]}'
                f',"points":{n[g.points_c]},"points_level":{lv[g.points_level]},"level":{lv[g.level]}'
                f',"mandatory_met":{b[g.mandatory_met]},"unmet_mandatory":{unmet}'
                f',"why":{why(g.why)},"criteria":['
            )
            for ci, c in enumerate(g.criteria):
                add(
                    f'{"," if ci else ""}{opening[c.code]}"mandatory":{b[c.mandatory]},"met":{b[c.met]}'
                    f',"max":{n[c.max_c]},"attainable_max":{n[c.attainable_c]},"points":{n[c.points_c]}'
                    f',"level":{lv[c.level]},"why":{why(c.why)},"items":['
                )
                for ii, i in enumerate(c.items):
                    add(
                        f'{"," if ii else ""}{opening[i.code]}"cap":{n[i.cap_c]},"points":{n[i.points_c]}'
                        f',"awarded":{b[i.awarded]},"why":{why(i.why)}}}'
                    )
                add("]}")
            add("]}")
        add(f'],"overall":{{"level":{lv[r.overall_level]},"derived":true}}}}')
        return "".join(out).encode()


def _js(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def render_result(r: ScoreResult, titles: dict[str, str]) -> dict[str, Any]:
    return {
        "framework": r.framework,
        "groups": [_group(g, titles) for g in r.groups],
        "overall": {"level": r.overall_level, "derived": True},
    }
