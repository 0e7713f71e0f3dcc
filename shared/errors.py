"""RFC 9457 problem details with a stable `code`, JSON-pointer field paths and bilingual text.

Services raise `Problem` subclasses (or `Problem` itself); `install_problem_handlers` turns them,
FastAPI's validation errors and unexpected exceptions into `application/problem+json`.
Unexpected exceptions are masked: the client sees a correlation id, never the exception text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import pydantic_core
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_core import ErrorDetails
from python_multipart.exceptions import FormParserError, MultipartParseError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.i18n import Message, msg
from shared.requestid import current_request_id

log = logging.getLogger("shared.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://chiso.example/problems/"


class FieldError(BaseModel):
    """One offending field: where (JSON pointer into the request body or query), what, and why."""

    pointer: str = Field(description="RFC 6901 JSON pointer, e.g. `/facts/1.6.1/numerator`")
    code: str = Field(description="stable machine-readable reason, e.g. `numerator_above_denominator`")
    message: Message


class ProblemBody(BaseModel):
    """The problem+json document every error is answered with."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    message: Message
    instance: str | None = None
    correlation_id: str | None = None
    validation_errors: list[FieldError] = Field(default_factory=list)

    model_config = {"extra": "allow"}  # RFC 9457 extension members (e.g. `allowed_transitions`)


class Problem(Exception):
    """A typed domain error carrying its status code; never a 500 for an expected condition."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    message: Message = msg("Yêu cầu không hợp lệ.", "The request is not valid.")

    def __init__(
        self,
        message: Message | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        title: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        if message is not None:
            self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if title is not None:
            self.title = title
        self.errors = list(errors)
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.message.en)


class NotFound(Problem):
    status = 404
    code = "not_found"
    title = "Not found"
    message = msg("Không tìm thấy.", "Not found.")


class SchoolNotFound(NotFound):
    """Unknown, or outside the caller's scope: the same answer, so existence is not revealed."""

    code = "school_not_found"
    message = msg("Không tìm thấy trường.", "School not found.")


class Conflict(Problem):
    status = 409
    code = "conflict"
    title = "Conflict"
    message = msg("Xung đột với trạng thái hiện tại.", "Conflicts with the current state.")


class PreconditionFailed(Problem):
    status = 412
    code = "precondition_failed"
    title = "Precondition failed"
    message = msg("Phiên bản đã thay đổi.", "The resource has changed since it was read.")


class PreconditionRequired(Problem):
    """RFC 6585: the change needs a conditional request (`If-Match`), so nothing is overwritten
    unseen."""

    status = 428
    code = "precondition_required"
    title = "Precondition required"
    message = msg("Cần gửi If-Match.", "If-Match is required.")


class Unprocessable(Problem):
    status = 422
    code = "validation_failed"
    title = "Validation failed"
    message = msg("Dữ liệu không hợp lệ.", "The data is not valid.")

    @classmethod
    def at(cls, pointer: str, code: str, vi: str, en: str, **extra: Any) -> Unprocessable:
        """The usual 422: one offending field, its stable code and a bilingual reason."""
        return cls(errors=[FieldError(pointer=pointer, code=code, message=msg(vi, en))], **extra)


class UpstreamUnavailable(Problem):
    """Another service this one depends on did not answer usably: the caller may retry."""

    status = 503
    code = "upstream_unavailable"
    title = "Service unavailable"
    message = msg(
        "Dịch vụ tạm thời không phản hồi; vui lòng thử lại.",
        "A service this answer depends on is not answering; please retry.",
    )


class Unauthorized(Problem):
    status = 401
    code = "unauthorized"
    title = "Unauthorized"
    message = msg("Chưa xác thực hoặc thông tin xác thực không hợp lệ.", "Missing or invalid credentials.")


class Forbidden(Problem):
    status = 403
    code = "forbidden"
    title = "Forbidden"
    message = msg("Không có quyền thực hiện thao tác này.", "Not allowed to do this.")


def pointer(loc: Iterable[str | int]) -> str:
    """RFC 6901 pointer from a location tuple (`~` and `/` escaped)."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc]
    return "/" + "/".join(parts) if parts else ""


_VI: dict[str, str] = {
    "missing": "Thiếu trường bắt buộc.",
    "extra_forbidden": "Trường không được phép.",
    "int_parsing": "Phải là số nguyên.",
    "int_type": "Phải là số nguyên.",
    "int_from_float": "Phải là số nguyên.",
    "bool_type": "Phải là true hoặc false.",
    "bool_parsing": "Phải là true hoặc false.",
    "string_type": "Phải là chuỗi ký tự.",
    "decimal_parsing": "Phải là số thập phân.",
    "decimal_type": "Phải là số thập phân.",
    "decimal_max_places": "Tối đa hai chữ số thập phân.",
    "greater_than_equal": "Giá trị quá nhỏ.",
    "greater_than": "Giá trị quá nhỏ.",
    "less_than_equal": "Giá trị quá lớn.",
    "less_than": "Giá trị quá lớn.",
    "literal_error": "Giá trị không thuộc danh sách cho phép.",
    "enum": "Giá trị không thuộc danh sách cho phép.",
    "dict_type": "Phải là một đối tượng JSON.",
    "model_type": "Phải là một đối tượng JSON.",
    "list_type": "Phải là một danh sách.",
    "too_short": "Danh sách quá ngắn.",
    "too_long": "Quá dài.",
    "string_too_long": "Chuỗi quá dài.",
    "string_too_short": "Chuỗi quá ngắn.",
    "string_pattern_mismatch": "Không đúng định dạng.",
    "json_invalid": "JSON không hợp lệ.",
    "value_error": "Giá trị không hợp lệ.",
    "url_parsing": "URL không hợp lệ.",
    "date_from_datetime_parsing": "Ngày không hợp lệ.",
    "date_parsing": "Ngày không hợp lệ.",
    "uuid_parsing": "UUID không hợp lệ.",
}


def field_errors_from_pydantic(
    errors: Sequence[ErrorDetails] | Sequence[dict[str, Any]], prefix: Sequence[str | int] = ()
) -> list[FieldError]:
    """Pydantic's errors as FieldErrors; the body/query prefix FastAPI adds is kept as the root."""
    out: list[FieldError] = []
    for e in errors:
        loc = list(prefix) + [p for p in e.get("loc", ()) if p != "body"]
        etype = str(e.get("type", "value_error"))
        en = str(e.get("msg", "Invalid value."))
        ctx = e.get("ctx") or {}
        # our own validators raise ValueError("code|vi|en") so the field gets a stable code
        if etype == "value_error" and isinstance(ctx.get("error"), ValueError):
            raw = str(ctx["error"])
            if raw.count("|") == 2:
                code, vi, en2 = raw.split("|")
                out.append(FieldError(pointer=pointer(loc), code=code, message=msg(vi, en2)))
                continue
        out.append(
            FieldError(
                pointer=pointer(loc), code=etype, message=msg(_VI.get(etype, "Giá trị không hợp lệ."), en)
            )
        )
    return out


class PayloadTooLarge(Problem):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"
    message = msg("Dữ liệu gửi lên quá lớn.", "The request body is larger than this endpoint accepts.")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with a 413 as soon as it passes `limit` bytes (from its
    Content-Length, or while it streams in) so an oversized body is never buffered whole."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise PayloadTooLarge(limit_bytes=limit)
    chunks: list[bytes] = []
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise PayloadTooLarge(limit_bytes=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def capped(errors: Sequence[FieldError], limit: int = 50) -> dict[str, Any]:
    """The first `limit` errors and how many there were: an answer never outgrows its request."""
    out: dict[str, Any] = {"errors": list(errors[:limit])}
    if len(errors) > limit:
        out["error_count"] = len(errors)
    return out


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A request body that must be a JSON object; anything else is a 422 naming the body."""
    try:
        data = pydantic_core.from_json(raw) if raw else None
    except ValueError as e:
        raise Unprocessable.at("", "json_invalid", "JSON không hợp lệ.", f"Invalid JSON: {e}") from e
    if not isinstance(data, dict):
        raise Unprocessable.at(
            "", "wrong_shape", "Nội dung phải là một đối tượng JSON.", "The body must be a JSON object."
        )
    return data


_TITLES_VI: dict[int, str] = {
    400: "Yêu cầu không hợp lệ",
    401: "Chưa xác thực",
    403: "Không có quyền",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    406: "Định dạng không được hỗ trợ",
    409: "Xung đột",
    412: "Điều kiện không thỏa mãn",
    413: "Dữ liệu quá lớn",
    415: "Kiểu dữ liệu không được hỗ trợ",
    416: "Khoảng byte không hợp lệ",
    422: "Dữ liệu không hợp lệ",
    428: "Cần điều kiện (If-Match)",
    429: "Quá nhiều yêu cầu",
    500: "Lỗi hệ thống",
    503: "Dịch vụ tạm thời không sẵn sàng",
}


def language(request: Request | None) -> str:
    """`vi` or `en`, whichever `Accept-Language` prefers (RFC 9110 q-values); English by default.
    Only `title` and `detail` follow it: `message` keeps both languages."""
    header = request.headers.get("accept-language", "") if request is not None else ""
    best, best_q = "en", 0.0
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        try:
            q = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        q -= i * 1e-6  # equal weights: the first listed wins
        if lang in {"vi", "en"} and q > best_q:
            best, best_q = lang, q
    return best


def problem_response(request: Request | None, problem: Problem) -> JSONResponse:
    vi = language(request) == "vi"
    body = ProblemBody(
        type=TYPE_BASE + problem.code,
        title=_TITLES_VI.get(problem.status, problem.title) if vi else problem.title,
        status=problem.status,
        code=problem.code,
        detail=problem.message.vi if vi else problem.message.en,
        message=problem.message,
        instance=str(request.url.path) if request is not None else None,
        correlation_id=current_request_id(),
        validation_errors=problem.errors,
        **problem.extra,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers={**problem.headers, "Content-Language": "vi" if vi else "en"},
    )


_STATUS_CODES: dict[int, tuple[str, Message]] = {
    400: ("bad_request", msg("Yêu cầu không hợp lệ.", "Bad request.")),
    401: ("unauthorized", msg("Chưa xác thực.", "Not authenticated.")),
    403: ("forbidden", msg("Không có quyền.", "Forbidden.")),
    404: ("not_found", msg("Không tìm thấy.", "Not found.")),
    405: ("method_not_allowed", msg("Phương thức không được hỗ trợ.", "Method not allowed.")),
    406: ("not_acceptable", msg("Định dạng không được hỗ trợ.", "Not acceptable.")),
    413: ("payload_too_large", msg("Dữ liệu gửi lên quá lớn.", "Payload too large.")),
    415: ("unsupported_media_type", msg("Kiểu dữ liệu không được hỗ trợ.", "Unsupported media type.")),
    408: ("request_timeout", msg("Yêu cầu quá thời gian.", "Request timeout.")),
    409: ("conflict", msg("Xung đột với trạng thái hiện tại.", "Conflict.")),
    410: ("gone", msg("Không còn tồn tại.", "Gone.")),
    411: ("length_required", msg("Thiếu Content-Length.", "Length required.")),
    412: ("precondition_failed", msg("Điều kiện không thỏa.", "Precondition failed.")),
    416: ("range_not_satisfiable", msg("Khoảng byte không hợp lệ.", "Range not satisfiable.")),
    422: ("validation_failed", msg("Dữ liệu không hợp lệ.", "Validation failed.")),
    429: ("rate_limited", msg("Quá nhiều yêu cầu.", "Too many requests.")),
    500: (
        "internal_error",
        msg("Lỗi hệ thống; vui lòng thử lại sau.", "Internal error; please try again later."),
    ),
    501: ("not_implemented", msg("Chưa hỗ trợ.", "Not implemented.")),
    502: ("bad_gateway", msg("Dịch vụ phía sau trả lời không hợp lệ.", "Bad gateway.")),
    503: (
        "upstream_unavailable",
        msg("Dịch vụ tạm thời không phản hồi; vui lòng thử lại.", "Service unavailable; please retry."),
    ),
    504: ("upstream_timeout", msg("Dịch vụ phản hồi quá chậm.", "Gateway timeout.")),
}


def status_problem(status: int, headers: dict[str, str] | None = None) -> Problem:
    """The problem for a bare HTTP status (a framework's error, or an upstream's answer that is
    not problem+json): a stable `code` per status, `http_error` for one not listed."""
    code, message = _STATUS_CODES.get(status, ("http_error", msg("Lỗi.", "Error.")))
    return Problem(message, status=status, code=code, title=message.en, headers=dict(headers or {}))


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error through problem+json, and let the app's OpenAPI document say so."""
    from shared.openapi import install  # late: shared.openapi builds on this module's models

    install(app)

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(request, exc)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errs = field_errors_from_pydantic(list(exc.errors()))
        return problem_response(request, Unprocessable(errors=errs))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return problem_response(request, status_problem(exc.status_code, dict(exc.headers or {})))

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        p = Problem(
            msg("Lỗi hệ thống; vui lòng thử lại sau.", "Internal error; please try again later."),
            status=500,
            code="internal_error",
            title="Internal error",
        )
        return problem_response(request, p)

    async def on_multipart(request: Request, exc: Exception) -> JSONResponse:
        p = Problem(
            msg("Dữ liệu multipart không đọc được.", "The multipart body cannot be parsed."),
            status=400,
            code="invalid_multipart",
        )
        return problem_response(request, p)

    from shared.inputguard import InputGuard  # imports this module

    app.add_middleware(InputGuard)  # unusable paths and bodies: a 400, before any route
    app.add_exception_handler(FormParserError, on_multipart)
    app.add_exception_handler(MultipartParseError, on_multipart)
    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json answers."""
    return {
        s: {"model": ProblemBody, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "Problem details"}
        for s in statuses
    }
