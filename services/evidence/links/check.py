"""Links as evidence (đường link): validated when given, optionally fetched under strict rules.

A check may only reach the public Internet (`shared.outbound`: resolved first, every address
global, the request pinned to the checked address). Redirects are followed by hand, each hop
checked the same way; reading stops at a byte cap; every step has a short timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from shared.db import utcnow
from shared.errors import Unprocessable
from shared.outbound import Resolver, forbidden, pinned, public_address, system_resolver, validate_url

__all__ = ["LinkCheck", "LinkChecker", "forbidden", "validate_url"]


@dataclass(frozen=True)
class LinkCheck:
    status: int | None
    error: str | None  # forbidden_address, too_many_redirects, timeout, unreachable, bad_redirect
    checked_at: datetime


class LinkChecker:
    def __init__(
        self,
        client: httpx.AsyncClient,
        resolver: Resolver = system_resolver,
        *,
        timeout: float = 5.0,
        max_bytes: int = 1024 * 1024,
        max_redirects: int = 3,
    ) -> None:
        self.client = client
        self.resolver = resolver
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects

    async def _fetch(self, url: httpx.URL, address: str) -> httpx.Response:
        target, headers, extensions = pinned(url, address)
        req = self.client.build_request(
            "GET",
            target,
            headers={**headers, "User-Agent": "chiso-evidence-linkcheck/1"},
            extensions={**extensions, "timeout": httpx.Timeout(self.timeout).as_dict()},
        )
        resp = await self.client.send(req, stream=True, follow_redirects=False)
        try:
            read = 0
            async for chunk in resp.aiter_raw():
                read += len(chunk)
                if read >= self.max_bytes:
                    break  # enough to know it answers; never hold more than the cap
        finally:
            await resp.aclose()
        return resp

    async def check(self, raw: str) -> LinkCheck:
        url = validate_url(raw)
        try:
            for _ in range(self.max_redirects + 1):
                address = await public_address(url, self.resolver, self.timeout)
                if address is None:
                    return LinkCheck(None, "forbidden_address", utcnow())
                resp = await self._fetch(url, address)
                if not resp.is_redirect:
                    return LinkCheck(resp.status_code, None, utcnow())
                try:
                    url = validate_url(str(url.join(resp.headers.get("location", ""))))
                except Unprocessable:
                    return LinkCheck(resp.status_code, "bad_redirect", utcnow())
            return LinkCheck(None, "too_many_redirects", utcnow())
        except (TimeoutError, httpx.TimeoutException):
            return LinkCheck(None, "timeout", utcnow())
        except (httpx.HTTPError, OSError):
            return LinkCheck(None, "unreachable", utcnow())
