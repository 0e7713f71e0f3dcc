"""The public results page: the publication listing of recognised results, no sign-in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.web.api import Api, api_of
from services.web.errors import ApiProblem
from services.web.pages import render

router = APIRouter()


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
    try:
        page = await api.get(cfg.public_results_path, year=year, province=province, cursor=cursor)
    except ApiProblem as p:
        if p.status != 404:
            raise
        page = None
    return render(request, "public.html", page=page, year_=year, province=province)
