"""Links as evidence (đường link): validated when given, optionally fetched under strict rules.

A check may only reach the public Internet: the host is resolved first and every address must be
global (no private, loopback, link-local, multicast or reserved ranges); the request then goes to
the address that was checked (the name is sent as Host and as TLS SNI), so a second DNS answer
cannot point it elsewhere. Redirects are followed by hand, each hop checked the same way; reading
stops at a byte cap; every step has a short timeout.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from shared.db import utcnow
from shared.errors import FieldError, Unprocessable
from shared.i18n import msg

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class LinkCheck:
    status: int | None
    error: str | None  # forbidden_address, too_many_redirects, timeout, unreachable, bad_redirect
    checked_at: datetime


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _url_error(code: str, vi: str, en: str) -> Unprocessable:
    return Unprocessable(errors=[FieldError(pointer="/url", code=code, message=msg(vi, en))])


def validate_url(raw: str) -> httpx.URL:
    """An absolute http(s) URL with a host and no credentials, or a 422 naming `/url`."""
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as e:
        raise _url_error("url_invalid", "URL không hợp lệ.", "Invalid URL.") from e
    if url.scheme not in {"http", "https"}:
        raise _url_error(
            "url_scheme", "Chỉ chấp nhận http hoặc https.", "Only http and https links are accepted."
        )
    if not url.host:
        raise _url_error("url_invalid", "URL thiếu tên máy chủ.", "The URL has no host.")
    if url.userinfo:
        raise _url_error(
            "url_credentials", "URL không được chứa mật khẩu.", "The URL must not carry credentials."
        )
    return url


def forbidden(address: str) -> bool:
    try:
        ip: IPAddress = ipaddress.ip_address(address)
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


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

    async def _address(self, url: httpx.URL) -> str | None:
        """The checked address to connect to, or None when any resolved address is forbidden."""
        port = url.port or (443 if url.scheme == "https" else 80)
        if _literal(url.host):
            addresses = [url.host]
        else:
            addresses = await asyncio.wait_for(self.resolver(url.host, port), self.timeout)
        if not addresses or any(forbidden(a) for a in addresses):
            return None
        return addresses[0]

    async def _fetch(self, url: httpx.URL, address: str) -> httpx.Response:
        pinned = url.copy_with(host=address)
        host_header = url.host if url.port is None else f"{url.host}:{url.port}"
        extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
        req = self.client.build_request(
            "GET",
            pinned,
            headers={"Host": host_header, "User-Agent": "chiso-evidence-linkcheck/1"},
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
                address = await self._address(url)
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
