"""Outbound requests to addresses a user gave us (evidence links, vendor webhooks) may only reach
the public Internet.

The host is resolved first and every address must be global (no private, loopback, link-local,
multicast or reserved ranges); the request then goes to the address that was checked, with the
name sent as Host and as TLS SNI, so a second DNS answer cannot point it elsewhere (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from shared.errors import Unprocessable

Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def validate_url(raw: str, pointer: str = "/url") -> httpx.URL:
    """An absolute http(s) URL with a host and no credentials, or a 422 naming `pointer`."""
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError) as e:
        raise Unprocessable.at(pointer, "url_invalid", "URL không hợp lệ.", "Invalid URL.") from e
    if url.scheme not in {"http", "https"}:
        raise Unprocessable.at(
            pointer, "url_scheme", "Chỉ chấp nhận http hoặc https.", "Only http and https links are accepted."
        )
    if not url.host:
        raise Unprocessable.at(pointer, "url_invalid", "URL thiếu tên máy chủ.", "The URL has no host.")
    if url.userinfo:
        raise Unprocessable.at(
            pointer, "url_credentials", "URL không được chứa mật khẩu.", "The URL must not carry credentials."
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


def is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def public_address(url: httpx.URL, resolver: Resolver, resolve_seconds: float) -> str | None:
    """The address to connect to, or None when the name resolves to nothing or to any forbidden
    address (one private answer among public ones is enough to refuse)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    if is_literal(url.host):
        addresses = [url.host]
    else:
        addresses = await asyncio.wait_for(resolver(url.host, port), resolve_seconds)
    if not addresses or any(forbidden(a) for a in addresses):
        return None
    return addresses[0]


def pinned(url: httpx.URL, address: str) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The URL rewritten to the checked address, the Host header and the SNI extension to send."""
    host_header = url.host if url.port is None else f"{url.host}:{url.port}"
    extensions: dict[str, Any] = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return url.copy_with(host=address), {"Host": host_header}, extensions
