"""Rendering: every page gets the person's session, the CSRF token and the words of its language;
htmx requests get the fragment alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from services.web.i18n import translator
from services.web.session import session_of

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.autoescape = True


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    s = session_of(request)
    ctx |= translator(s.lang)
    titles: dict[str, Any] = ctx.pop("titles", None) or {}
    bi = ctx["bi"]
    ctx["tt"] = lambda code, fallback: bi(titles[code]) if code in titles else fallback
    ctx |= {
        "session": s,
        "csrf": s.csrf,
        "year": request.app.state.settings.school_year,
        "path": request.url.path,
    }
    return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)


def redirect(request: Request, url: str) -> Response:
    """After a form: 303 to the page (post/redirect/get); htmx follows `HX-Redirect` instead."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None) -> str:
    """Only a path of this site: never an open redirect to another origin."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


def flash_url(url: str, key: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}ok={key}"
