"""Forwarding a request to its service: streamed both ways, the caller's principal signed into
`X-Chiso-Principal`, the request id passed on, and hop-by-hop and credential headers dropped."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from http.cookiejar import CookieJar
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from prometheus_client import Counter
from starlette.background import BackgroundTask

from services.gateway.clientaddr import client_address
from services.gateway.errors import TOKEN_INFO, PayloadTooLarge, UpstreamTimeout, UpstreamUnavailable
from services.gateway.proxy.routes import school_in_path
from shared.errors import PROBLEM_MEDIA_TYPE, status_problem
from shared.principal import HEADER as PRINCIPAL_HEADER
from shared.principal import Principal, sign_principal
from shared.requestid import current_request_id

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}
# never passed to a service: the caller's own credentials, and any principal it tried to forge
# the caller's own forwarding headers are replaced by the address the gateway believes
FORWARDING = {"x-forwarded-for", "forwarded", "x-real-ip"}
DROP_REQUEST = HOP_BY_HOP | FORWARDING | {"authorization", "cookie", PRINCIPAL_HEADER.lower(), "x-request-id"}
DROP_RESPONSE = HOP_BY_HOP | {"x-request-id"}  # the gateway's middleware sets it


UPSTREAM_ERRORS = Counter(
    "chiso_gateway_upstream_errors_total", "Forwarded calls a service did not answer", ["service", "kind"]
)


# answers up to this size are read whole and sent on at once; larger ones (evidence files) stream
BUFFER_BYTES = 64 * 1024


class NoCookies(CookieJar):
    """The upstream clients' cookie jar: a proxy keeps no cookies. An upstream's `Set-Cookie` goes
    to the caller it was meant for and never into a jar shared by every caller (whose cookies the
    client would otherwise add to later calls of anyone)."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return

    def add_cookie_header(self, request: Any) -> None:
        return


class _TooLarge(Exception):
    pass


async def _limited(request: Request, limit: int, state: dict[str, bool]) -> AsyncIterator[bytes]:
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            # the flag survives an upstream that swallows the error (an in-process app reads the
            # body itself and may answer 400): the caller still gets the 413
            state["exceeded"] = True
            raise _TooLarge()
        if chunk:
            yield chunk


def upstream_url(base: httpx.URL, request: Request) -> httpx.URL:
    """The service's URL for the caller's path and query (under the base URL's own path, if any)."""
    query = request.url.query
    target = httpx.URL(request.url.path, query=query.encode()) if query else httpx.URL(request.url.path)
    return base.copy_with(raw_path=base.raw_path.rstrip(b"/") + target.raw_path)


def upstream_headers(request: Request, principal: Principal | None, secret: str) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in request.headers.items() if k.lower() not in DROP_REQUEST]
    rid = current_request_id()
    if rid:
        out.append(("x-request-id", rid))
    if principal is not None:
        out.append((PRINCIPAL_HEADER, sign_principal(principal, secret)))
    out.append(("x-forwarded-for", client_address(request)))
    return out


async def forward(
    request: Request,
    client: httpx.AsyncClient,
    principal: Principal | None,
    secret: str,
    max_body: int,
    service: str = "upstream",
) -> Response:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_body:
        raise PayloadTooLarge(limit_bytes=max_body)
    state = {"exceeded": False}
    has_body = request.method not in {"GET", "HEAD", "DELETE", "OPTIONS"} or length not in (None, "0")
    # built directly, not with `client.build_request`: that merges the client's defaults (cookies,
    # headers, query parameters) into every call and parses the URL several times, none of which a
    # proxy wants; the client's timeouts still apply
    up = httpx.Request(
        request.method,
        upstream_url(client.base_url, request),
        headers=upstream_headers(request, principal, secret),
        content=_limited(request, max_body, state) if has_body else None,
        extensions={"timeout": client.timeout.as_dict()},
    )
    try:
        resp = await client.send(up, stream=True)
    except _TooLarge as e:
        raise PayloadTooLarge(limit_bytes=max_body) from e
    except httpx.TimeoutException as e:
        UPSTREAM_ERRORS.labels(service, "timeout").inc()
        raise UpstreamTimeout() from e
    except httpx.TransportError as e:
        if state["exceeded"]:
            raise PayloadTooLarge(limit_bytes=max_body) from e
        UPSTREAM_ERRORS.labels(service, "transport").inc()
        raise UpstreamUnavailable() from e
    if state["exceeded"]:
        await resp.aclose()
        raise PayloadTooLarge(limit_bytes=max_body)
    if resp.status_code >= 400 and not _is_problem(resp):
        # not one of the services' answers (a proxy or load balancer between them, a crash page):
        # the client still gets a problem with a stable code, and the status it was given
        await resp.aclose()
        UPSTREAM_ERRORS.labels(service, "not_problem").inc()
        retry = resp.headers.get("retry-after")
        raise status_problem(resp.status_code, {"Retry-After": retry} if retry else None)
    headers = [(k, v) for k, v in resp.headers.multi_items() if k.lower() not in DROP_RESPONSE]
    if resp.status_code in (403, 404) and principal is not None and _is_problem(resp):
        try:
            body = json.loads(await resp.aread())
        finally:
            await resp.aclose()
        return _explained(request, resp.status_code, body, principal, headers)
    declared = resp.headers.get("content-length", "")
    if request.method != "HEAD" and declared.isdigit() and int(declared) <= BUFFER_BYTES:
        # a small answer (most of the API) is passed on whole: streaming it costs a task per
        # response for nothing. The raw bytes, so a compressed body stays as the headers say.
        try:
            body = b"".join([chunk async for chunk in resp.aiter_raw()])
        finally:
            await resp.aclose()
        return Response(body, status_code=resp.status_code, headers=dict(_merge(headers)))
    return StreamingResponse(
        resp.aiter_raw(),
        status_code=resp.status_code,
        headers=dict(_merge(headers)),
        background=BackgroundTask(resp.aclose),
    )


def _merge(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # StreamingResponse takes a mapping; repeated headers (set-cookie, link) are joined
    out: dict[str, str] = {}
    for k, v in headers:
        out[k] = f"{out[k]}, {v}" if k in out else v
    return list(out.items())


def _is_problem(resp: httpx.Response) -> bool:
    return bool(resp.headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE))


def scope_hint(request: Request, principal: Principal) -> dict[str, Any]:
    """What the token may reach, so its owner can tell a scope error from a missing object. Only
    the token's own scope is named: whether another school exists is never revealed."""
    hint: dict[str, Any] = {
        "token_info": TOKEN_INFO,
        "your_roles": sorted(principal.roles),
        "your_schools": sorted(principal.schools),
        "your_org_units": sorted(principal.org_units),
        "all_orgs": principal.all_orgs,
    }
    school = school_in_path(request.url.path)
    if school is not None and not principal.all_orgs and school not in principal.schools:
        hint["note"] = (
            f"School {school} is not in this token's school list; it is reachable only if it exists and "
            "is managed or assessed by one of your_org_units."
            if principal.org_units
            else f"School {school} is not in this token's school list."
        )
    return hint


def _explained(
    request: Request, status: int, body: Any, principal: Principal, headers: list[tuple[str, str]]
) -> Response:
    if isinstance(body, dict):
        body = {**body, "scope": scope_hint(request, principal)}
    keep = [(k, v) for k, v in headers if k.lower() not in {"content-type", "content-length"}]
    return JSONResponse(body, status_code=status, headers=dict(keep), media_type=PROBLEM_MEDIA_TYPE)
