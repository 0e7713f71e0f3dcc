"""The gateway's own problems, with explanations a token's owner can act on."""

from __future__ import annotations

from shared import errors
from shared.errors import Problem
from shared.i18n import msg

TOKEN_INFO = "/oauth/token_info"  # noqa: S105  a path


class TokenRequired(Problem):
    status = 401
    code = "token_invalid"
    title = "Unauthorized"
    message = msg(
        "Thiếu mã truy cập, mã đã hết hạn, bị thu hồi hoặc không hợp lệ.",
        "The access token is missing, expired, revoked or invalid.",
    )

    def __init__(self, reason: str = "missing") -> None:
        super().__init__(
            headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'},
            reason=reason,
            token_endpoint="/oauth/token",  # noqa: S106  a path
        )


class AdminOnly(Problem):
    status = 403
    code = "admin_only"
    title = "Forbidden"
    message = msg("Chỉ quản trị viên được dùng API này.", "Only administrators may use this API.")


class InsufficientScope(Problem):
    """RFC 6750 §3.1: the client's token lacks the scope this operation needs (its roles may allow
    it; the token was narrowed when it was asked for)."""

    status = 403
    code = "insufficient_scope"
    title = "Forbidden"

    def __init__(self, scope: str) -> None:
        super().__init__(
            msg(
                f"Token không có phạm vi (scope) {scope} mà thao tác này cần.",
                f"The token lacks the scope {scope} this operation needs.",
            ),
            required_scope=scope,
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )


class RouteNotFound(Problem):
    status = 404
    code = "route_not_found"
    title = "Not found"
    message = msg("Không có dịch vụ nào phục vụ đường dẫn này.", "No service answers this path.")


class PayloadTooLarge(errors.PayloadTooLarge):
    message = msg("Dữ liệu gửi lên quá lớn.", "The request body is larger than the gateway accepts.")


class UpstreamUnavailable(errors.UpstreamUnavailable):
    message = msg(
        "Dịch vụ tạm thời không phản hồi; vui lòng thử lại.",
        "The service behind this path is not answering; please retry.",
    )


class UpstreamTimeout(UpstreamUnavailable):
    status = 504
    code = "upstream_timeout"
    title = "Gateway timeout"
    message = msg("Dịch vụ phản hồi quá chậm.", "The service behind this path timed out.")


class RateLimited(Problem):
    status = 429
    code = "rate_limited"
    title = "Too many requests"
    message = msg(
        "Quá nhiều yêu cầu; hãy thử lại sau thời gian trong Retry-After.",
        "Too many requests; retry after the number of seconds in Retry-After.",
    )


class LoginThrottled(RateLimited):
    code = "login_throttled"
    message = msg(
        "Đăng nhập sai quá nhiều lần cho tài khoản này; hãy thử lại sau thời gian trong Retry-After.",
        "Too many failed sign-ins for this account; retry after the seconds in Retry-After.",
    )


class TooDeeplyNested(Problem):
    status = 400
    code = "too_deeply_nested"
    title = "Bad request"
    message = msg(
        "Dữ liệu lồng nhau quá sâu.",
        "The request nests objects or lists more deeply than the gateway accepts.",
    )
