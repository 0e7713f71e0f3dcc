"""The caller's address, for rate limits and the `X-Forwarded-For` sent upstream.

`X-Forwarded-For` is believed only when the connection comes from a configured proxy
(`GATEWAY_TRUSTED_PROXIES`, addresses or CIDR ranges); then the address is the rightmost entry
that is not itself a trusted proxy (entries further left are whatever the caller chose to send).
With no proxy configured the header is ignored and the peer's address is the caller's.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(spec: str) -> tuple[Network, ...]:
    """`"10.0.0.0/8, 192.168.1.5"` → networks; a bad entry is a settings error (ValueError)."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


def _trusted(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "unknown"
    networks = parse_networks(request.app.state.settings.trusted_proxies)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the caller's side of the proxy: do not key on it
    return peer
