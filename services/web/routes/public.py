"""The public results page: papers' publication listing of recognised results per province and
year (`GET /api/v1/public/provinces/{p}/results/{year}`, by cursor), called without any token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.web.api import Api, api_of
from services.web.pages import render

router = APIRouter()
PAGE = 100  # schools a page (the API allows up to 500)


@router.get("/public")
async def public_results(
    request: Request,
    api: Annotated[Api, Depends(api_of)],
    year: Annotated[str | None, Query(pattern=r"^\d{4}-\d{4}$")] = None,
    province: Annotated[str | None, Query(pattern=r"^[0-9]{1,8}$")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    cfg = request.app.state.settings
    year, province = year or cfg.school_year, province or cfg.province
    api.headers.pop("Authorization", None)  # the public listing: nobody's token, even when signed in
    page = await api.get(f"/api/v1/public/provinces/{province}/results/{year}", cursor=cursor, limit=PAGE)
    return render(request, "public.html", page=page, year_=year, province=province)
