"""Forwarding a request to its service: streamed both ways, the caller's principal signed into
`X-Chiso-Principal`, the request id passed on, and hop-by-hop and credential headers dropped.

Every call goes this way, so it works on the ASGI scope's raw header lines (bytes in, bytes out)
and hands the request to the client's transport itself: `AsyncClient.send` adds, per call, an auth
flow, redirect handling, event hooks, a cookie pass and a log line, none of which a proxy uses."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
# the same as ASGI and httpx hand them over: header names as lower-case bytes
_DROP_REQUEST = frozenset(h.encode() for h in DROP_REQUEST)
_DROP_RESPONSE = frozenset(h.encode() for h in DROP_RESPONSE)
_PRINCIPAL = PRINCIPAL_HEADER.lower().encode()


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


@dataclass(frozen=True)
class Upstream:
    """A service's client as the proxy uses it, worked out once when the gateway starts (auth,
    hooks or redirects given to the client later are not seen by the proxy)."""

    name: str
    client: httpx.AsyncClient
    origin: str  # the base URL without its trailing slash: the caller's path goes after it
    timeout: dict[str, float | None]  # the client's timeouts, carried by every call
    # the transport the client would pick for the base URL (a proxy from the environment
    # included); None when the client has its own auth, event hooks or redirects to apply
    transport: httpx.AsyncBaseTransport | None

    @classmethod
    def of(cls, name: str, client: httpx.AsyncClient) -> Upstream:
        base = client.base_url
        plain = client.auth is None and not client.follow_redirects and not any(client.event_hooks.values())
        plain = plain and not base.userinfo  # a user in the URL is an auth flow too
        return cls(
            name,
            client,
            str(base).rstrip("/"),
            client.timeout.as_dict(),
            client._transport_for_url(base) if plain else None,  # httpx has no public name for it
        )

    async def send(self, request: httpx.Request) -> httpx.Response:
        if self.transport is None:
            return await self.client.send(request, stream=True)
        response = await self.transport.handle_async_request(request)
        response.request = request
        return response


def upstream_url(origin: str, request: Request) -> httpx.URL:
    """The service's URL for the caller's path and query (under the base URL's own path, if any),
    parsed once."""
    query = request.scope["query_string"]
    url = origin + request.url.path  # `?`, `#` and `\` in the decoded path escaped again
    return httpx.URL(url, query=query) if query else httpx.URL(url)


def upstream_headers(request: Request, principal: Principal | None, secret: str) -> list[tuple[bytes, bytes]]:
    # ASGI servers send names in lower case; lowered again all the same, as a credential or a
    # forged principal must never slip through on its spelling
    out = [(k, v) for k, v in request.scope["headers"] if k.lower() not in _DROP_REQUEST]
    rid = current_request_id()
    if rid:
        out.append((b"x-request-id", rid.encode()))
    if principal is not None:
        out.append((_PRINCIPAL, sign_principal(principal, secret).encode()))
    out.append((b"x-forwarded-for", client_address(request).encode()))
    return out


class PassedOn(Response):
    """An upstream's answer sent on as it came: its own header lines (a repeated one such as
    `Set-Cookie` stays apart, as RFC 9110 requires of it), never decoded and encoded again."""

    def __init__(self, status_code: int, raw_headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status_code
        self.raw_headers = raw_headers
        self.body = body
        self.background = None


async def forward(
    request: Request,
    upstream: Upstream,
    principal: Principal | None,
    secret: str,
    max_body: int,
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
        upstream_url(upstream.origin, request),
        headers=upstream_headers(request, principal, secret),
        content=_limited(request, max_body, state) if has_body else None,
        extensions={"timeout": upstream.timeout},
    )
    service = upstream.name
    try:
        resp = await upstream.send(up)
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
    if resp.status_code in (403, 404) and principal is not None and _is_problem(resp):
        try:
            body = json.loads(await resp.aread())
        finally:
            await resp.aclose()
        headers = [(k, v) for k, v in resp.headers.multi_items() if k not in DROP_RESPONSE]
        return _explained(request, resp.status_code, body, principal, headers)
    raw = [(k.lower(), v) for k, v in resp.headers.raw]
    raw = [(k, v) for k, v in raw if k not in _DROP_RESPONSE]
    declared = resp.headers.get("content-length", "")
    if request.method != "HEAD" and declared.isdigit() and int(declared) <= BUFFER_BYTES:
        # a small answer (most of the API) is passed on whole: streaming it costs a task per
        # response for nothing. The raw bytes, so a compressed body stays as the headers say.
        try:
            body = b"".join([chunk async for chunk in resp.aiter_raw()])
        finally:
            await resp.aclose()
        return PassedOn(resp.status_code, raw, body)
    streamed = StreamingResponse(
        resp.aiter_raw(), status_code=resp.status_code, background=BackgroundTask(resp.aclose)
    )
    streamed.raw_headers = raw  # as they came, as above
    return streamed


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
