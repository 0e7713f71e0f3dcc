"""What goes wrong, shown in the person's language: the API's problem details (RFC 9457) carry a
bilingual `message` and field `validation_errors`, rendered as they are; the web's own refusals
(CSRF, sign-in needed) are messages of the same shape."""

from __future__ import annotations

from typing import Any

SIGN_IN = {"vi": "Vui lòng đăng nhập.", "en": "Please sign in."}
EXPIRED = {
    "vi": "Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.",
    "en": "Your session expired; please sign in again.",
}
CSRF = {
    "vi": "Biểu mẫu đã hết hạn hoặc không hợp lệ; vui lòng tải lại trang và thử lại.",
    "en": "The form expired or is not valid; reload the page and try again.",
}
UNAVAILABLE = {
    "vi": "Hệ thống tạm thời không phản hồi, vui lòng thử lại.",
    "en": "The system is not answering; please try again.",
}


class ApiProblem(Exception):
    """A problem+json answer of the gateway (or a transport failure shaped like one)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code')}")
        self.status = status
        self.problem = problem

    @property
    def code(self) -> str:
        return str(self.problem.get("code") or self.problem.get("error") or "error")

    def message(self, lang: str) -> str:
        msg = self.problem.get("message")
        if isinstance(msg, dict) and msg.get(lang):
            return str(msg[lang])
        if isinstance(self.problem.get("error_description"), str):
            return str(self.problem["error_description"])
        return str(self.problem.get("detail") or self.problem.get("title") or self.code)

    def fields(self, lang: str) -> list[tuple[str, str]]:
        out = []
        for e in self.problem.get("validation_errors") or []:
            m = e.get("message")
            text = m.get(lang) or m.get("en") if isinstance(m, dict) else (m or e.get("msg") or "")
            out.append((str(e.get("pointer") or e.get("loc") or ""), str(text)))
        return out


class Forbidden(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignInRequired(Exception):
    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign in")
        self.expired = expired
