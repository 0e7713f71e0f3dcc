"""Calls from GraphQL resolvers to the services: the same pooled clients as the REST routes, the
caller's principal signed in, errors turned into GraphQL errors with stable codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from graphql import GraphQLError

from shared.principal import Principal, caller_headers


class ExpectedError(GraphQLError):
    """An error the client can act on: shown with its code (everything else is masked)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, extensions={"code": code})


@dataclass
class Upstream:
    name: str
    client: httpx.AsyncClient | None
    principal: Principal
    secret: str

    def _headers(self) -> dict[str, str]:
        return caller_headers(self.principal, self.secret)

    async def call(self, method: str, path: str, **kw: Any) -> Any | None:
        """The JSON answer; None for a 404 (out of scope looks the same as absent)."""
        if self.client is None:
            raise ExpectedError(f"The {self.name} service is not available.", "SERVICE_UNAVAILABLE")
        try:
            r = await self.client.request(method, path, headers=self._headers(), **kw)
        except httpx.HTTPError as e:
            raise ExpectedError(f"The {self.name} service is not answering.", "SERVICE_UNAVAILABLE") from e
        if r.status_code == 404:
            return None
        if r.status_code == 403:
            raise ExpectedError("Not allowed with this token; see /oauth/token_info.", "FORBIDDEN")
        if r.status_code == 422:
            raise ExpectedError(_detail(r) or "Invalid arguments.", "BAD_USER_INPUT")
        if r.status_code >= 400:
            raise ExpectedError(f"The {self.name} service answered {r.status_code}.", "SERVICE_UNAVAILABLE")
        return r.json()

    async def optional(self, method: str, path: str, **kw: Any) -> Any | None:
        """For figures owned by a service that may not run here: None instead of an error."""
        try:
            return await self.call(method, path, **kw)
        except ExpectedError:
            return None


def _detail(r: httpx.Response) -> str | None:
    try:
        body = r.json()
    except ValueError:
        return None
    errs = body.get("validation_errors") or []
    if errs:
        return "; ".join(f"{e.get('pointer')}: {e.get('message', {}).get('en')}" for e in errs)
    return body.get("detail") if isinstance(body, dict) else None
