"""What the workspace's pages load from the gateway, in one place: a school's year (the school,
its self and external assessments, the titles), a record's edit form, and the independent calls
of a page sent at once rather than one after another."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from services.web.api import Api
from services.web.pages import render


async def together(*calls: Awaitable[Any]) -> list[Any]:
    """Independent gateway calls, sent concurrently. Every call runs to its end, and the first
    failure in argument order is raised: a page lists its main object first, so its 404 is what
    the person sees, as when the calls were made one by one."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def base(code: str, year: str) -> str:
    return f"/api/v1/schools/{code}/assessments/{year}"


def titles_of(framework: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Code → bilingual title of every group, criterion and item."""
    out: dict[str, dict[str, str]] = {}
    for g in framework.get("groups", []):
        out[g["code"]] = g["title"]
        for c in g["criteria"]:
            out[c["code"]] = c["title"]
            out |= {i["code"]: i["title"] for i in c["items"]}
    return out


async def framework_for(api: Api, ref: str | None) -> dict[str, Any]:
    """The framework an assessment is pinned to, or (none yet) the national one in force."""
    if ref is None:
        page = await api.get("/api/v1/frameworks")
        ref = next((f["id"] for f in page["items"] if f.get("province") is None), page["items"][0]["id"])
    fw: dict[str, Any] = await api.get(f"/api/v1/frameworks/{ref.split('@')[0]}")
    return fw


async def titles_for(api: Api, lang: str, a: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    """In English, the framework's English titles (the engine's breakdown carries Vietnamese)."""
    if lang == "vi" or a is None:
        return {}
    return titles_of(await framework_for(api, a["framework"]))


@dataclass(frozen=True)
class SchoolYear:
    """A school's year as its pages show it (the school page, the reviewer's page)."""

    school: dict[str, Any]
    a: dict[str, Any] | None  # the self-assessment (tự đánh giá)
    ext: dict[str, Any] | None  # the external assessment (đánh giá ngoài)
    titles: dict[str, dict[str, str]]

    def context(self) -> dict[str, Any]:
        return {"school": self.school, "a": self.a, "ext": self.ext, "titles": self.titles}


async def school_year(api: Api, code: str, year: str, *more: Awaitable[Any]) -> tuple[SchoolYear, list[Any]]:
    """The school (out of scope: 404, shown as not found), both assessments and, sent with them,
    whatever else the page needs (`more`, answered in order); then, in English, the titles of the
    framework the assessments are pinned to."""
    school, self_, ext, *rest = await together(
        api.get(f"/api/v1/org/schools/{code}"),
        api.maybe(f"{base(code, year)}/self"),
        api.maybe(f"{base(code, year)}/external"),
        *more,
    )
    titles = await titles_for(api, api.session.lang, self_ or ext)
    return SchoolYear(school, self_, ext, titles), rest


def form_page(request: Request, template: str, stored: dict[str, Any], **ctx: Any) -> Response:
    """A record's edit form: the `stored` values, or after a refusal what was typed (`values` in
    `ctx`) with the refusal's message and fields."""
    ctx.setdefault("values", stored)
    ctx.setdefault("problem", None)
    ctx.setdefault("fields", [])
    return render(request, template, **ctx)
