"""FastAPI dependencies that verify the gateway's signed principal header in every service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from shared.errors import Unauthorized
from shared.i18n import msg
from shared.principal import HEADER, InvalidPrincipal, Principal, verify_principal


def principal_dependency(get_secret: Callable[[Request], str]) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency returning the verified principal; 401 problem+json when missing or invalid."""

    async def _principal(request: Request) -> Principal:
        raw = request.headers.get(HEADER)
        if not raw:
            raise Unauthorized(msg("Thiếu thông tin xác thực nội bộ.", "Missing internal principal."))
        try:
            principal = verify_principal(raw, get_secret(request))
        except InvalidPrincipal as e:
            raise Unauthorized(msg("Thông tin xác thực không hợp lệ.", "Invalid internal principal.")) from e
        # for the access log line (shared.observability): the subject only, never the header
        request.state.principal_id = principal.sub
        return principal

    return _principal
