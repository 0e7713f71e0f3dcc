"""The papers read the records through the services' own REST routes with the caller's principal
signed in, exactly as the proxy forwards a request: a paper shows only what its caller may see,
and an upstream's 404 (absent or out of scope) stays a 404."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from services.gateway.errors import UpstreamUnavailable
from shared.errors import FieldError, Problem
from shared.i18n import msg
from shared.principal import Principal, caller_headers


class UpstreamProblem(Problem):
    """A service's own problem (404, 403, 409, 422), passed on to the caller as it was."""


@dataclass
class Services:
    clients: dict[str, httpx.AsyncClient]
    principal: Principal
    secret: str

    def _headers(self) -> dict[str, str]:
        return caller_headers(self.principal, self.secret)

    async def get(self, service: str, path: str, missing_ok: bool = False, **params: Any) -> Any:
        """The JSON answer; with `missing_ok`, None for a 404 or a service not running here."""
        client = self.clients.get(service)
        if client is None:
            if missing_ok:
                return None
            raise UpstreamUnavailable(service=service)
        try:
            r = await client.get(
                path, params={k: v for k, v in params.items() if v is not None}, headers=self._headers()
            )
        except httpx.HTTPError as e:
            raise UpstreamUnavailable(service=service) from e
        if r.status_code == 404 and missing_ok:
            return None
        if r.status_code >= 500:
            raise UpstreamUnavailable(service=service)
        if r.status_code >= 400:
            raise _problem(r)
        return r.json()

    async def post(self, service: str, path: str, **kw: Any) -> Any:
        """A write through the service's own route, as the caller; its problems passed on."""
        client = self.clients.get(service)
        if client is None:
            raise UpstreamUnavailable(service=service)
        headers = {**kw.pop("headers", {}), **self._headers()}
        try:
            r = await client.post(path, headers=headers, **kw)
        except httpx.HTTPError as e:
            raise UpstreamUnavailable(service=service) from e
        if r.status_code >= 500:
            raise UpstreamUnavailable(service=service)
        if r.status_code >= 400:
            raise _problem(r)
        return r.json()

    async def pages(self, service: str, path: str, **params: Any) -> AsyncIterator[dict[str, Any]]:
        """Every item of a cursor-paginated listing."""
        cursor: str | None = None
        while True:
            page = await self.get(service, path, cursor=cursor, **params)
            for item in page["items"]:
                yield item
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _problem(r: httpx.Response) -> Problem:
    try:
        body = r.json()
    except ValueError:
        body = {}
    m = body.get("message") or {}
    return UpstreamProblem(
        msg(m.get("vi", "Yêu cầu không hợp lệ."), m.get("en", "The request is not valid.")),
        status=r.status_code,
        code=body.get("code", "upstream_error"),
        title=body.get("title", "Error"),
        errors=[FieldError.model_validate(e) for e in body.get("validation_errors", [])],
    )
