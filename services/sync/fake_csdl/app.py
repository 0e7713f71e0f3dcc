"""The fake CSDL server: the contract of DESIGN section 5 plus admin endpoints for tests.

Fault injection (latency, 5xx, 429 with Retry-After, hangs, commit-then-drop) is set by
`FakeCsdlSettings` (env prefix `FAKE_CSDL_`) or at run time with `PUT /admin/faults`.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated

import httpx
from fastapi import APIRouter, FastAPI, Form, Header, Request, Response
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.sync.csdl.contract import (
    REPLAYED_HEADER,
    SUBMIT_PATH,
    TOKEN_PATH,
    WITHDRAW_SUFFIX,
    Receipt,
    RecordedResult,
    Submission,
    Token,
    WithdrawalRequest,
)
from services.sync.fake_csdl.store import Counts, FakeState, Faults
from shared.app import add_healthz
from shared.contracts import AssessmentKind
from shared.errors import (
    Conflict,
    FieldError,
    NotFound,
    Problem,
    Unauthorized,
    Unprocessable,
    install_problem_handlers,
)
from shared.i18n import msg


class FakeCsdlSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAKE_CSDL_", extra="ignore")

    client_id: str = "chiso-sync"
    client_secret: SecretStr = SecretStr("dev-only-csdl-secret")
    seed: int | None = None
    faults: Faults = Faults()


class ServiceUnavailable(Problem):
    status = 503
    code = "unavailable"
    title = "Service unavailable"
    message = msg("Hệ thống tạm thời không phục vụ được.", "Temporarily unavailable.")


class RateLimited(Problem):
    status = 429
    code = "rate_limited"
    title = "Too many requests"
    message = msg("Quá nhiều yêu cầu.", "Too many requests.")


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised after the record is committed to drop the connection: under a real server the
    half-sent response is cut off; under the in-process ASGI transport it reaches the client as the
    same transport error a cut connection gives."""


def _state(request: Request) -> FakeState:
    s: FakeState = request.app.state.fake
    return s


def _authorise(state: FakeState, authorization: str | None) -> None:
    tok = (authorization or "").removeprefix("Bearer ").strip()
    if not tok or not state.token_valid(tok):
        raise Unauthorized(
            msg("Mã truy cập hết hạn hoặc không hợp lệ.", "Expired or invalid access token."),
            code="invalid_token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


async def _inject_faults(state: FakeState) -> None:
    """Latency, 429, 503 (nothing recorded) or a hang (then recorded), as configured."""
    f = state.faults
    if f.latency_ms:
        await asyncio.sleep(f.latency_ms / 1000)
    if state.roll(f.rate_limit_rate):
        state.faults_injected["429"] += 1
        raise RateLimited(headers={"Retry-After": str(f.retry_after_seconds)})
    if state.roll(f.error_rate):
        state.faults_injected["503"] += 1
        raise ServiceUnavailable()
    if state.roll(f.timeout_rate):
        state.faults_injected["timeout"] += 1
        await asyncio.sleep(f.timeout_seconds)


def _check_rules(sub: Submission) -> None:
    errors = []
    if sub.kind == AssessmentKind.SELF and sub.approval is None:
        errors.append(
            FieldError(
                pointer="/approval",
                code="approval_required",
                message=msg("Thiếu thông tin phê duyệt.", "A self-assessment needs its approval."),
            )
        )
    if sub.kind == AssessmentKind.EXTERNAL and sub.recognition is None:
        errors.append(
            FieldError(
                pointer="/recognition",
                code="recognition_required",
                message=msg("Thiếu quyết định công nhận.", "An external result needs its recognition."),
            )
        )
    if errors:
        raise Unprocessable(errors=errors)


api = APIRouter(tags=["csdl"])


@api.post(TOKEN_PATH, response_model=Token)
async def token(
    request: Request,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str, Form()],
    client_secret: Annotated[str, Form()],
) -> Token:
    """OAuth2 client credentials: a bearer token with its lifetime."""
    state = _state(request)
    if grant_type != "client_credentials" or (client_id, client_secret) != (
        state.client_id,
        state.client_secret,
    ):
        raise Unauthorized(code="invalid_client")
    tok, ttl = state.issue_token()
    return Token(access_token=tok, expires_in=ttl)


@api.post(SUBMIT_PATH, status_code=201, response_model=Receipt)
async def submit(
    request: Request,
    response: Response,
    sub: Submission,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=200)],
    authorization: Annotated[str | None, Header()] = None,
) -> Receipt:
    """Record one school's result; the same `Idempotency-Key` always yields the same receipt."""
    state = _state(request)
    _authorise(state, authorization)
    state.requests_per_key[idempotency_key] += 1
    await _inject_faults(state)
    _check_rules(sub)
    stored, replayed = state.record(idempotency_key, sub)
    if replayed and stored.body_hash != hashlib.sha256(sub.model_dump_json().encode()).hexdigest():
        raise Conflict(
            msg(
                "Khóa Idempotency-Key đã dùng cho nội dung khác.", "Idempotency-Key reused for another body."
            ),
            code="idempotency_key_reused",
        )
    if not replayed and state.roll(state.faults.drop_after_commit_rate):
        state.faults_injected["drop_after_commit"] += 1
        raise ConnectionDropped("connection dropped after commit")
    if replayed:
        response.status_code = 201
        response.headers[REPLAYED_HEADER] = "true"
    return Receipt(
        receipt_id=stored.result.receipt_id, recorded_at=stored.result.recorded_at, replayed=replayed
    )


@api.get(SUBMIT_PATH + "/{receipt_id}", response_model=RecordedResult)
async def lookup(
    request: Request, receipt_id: str, authorization: Annotated[str | None, Header()] = None
) -> RecordedResult:
    """What was recorded under a receipt (for reconciliation)."""
    state = _state(request)
    _authorise(state, authorization)
    st = state.by_receipt.get(receipt_id)
    if st is None:
        raise NotFound()
    return st.result


@api.post(SUBMIT_PATH + "/{receipt_id}" + WITHDRAW_SUFFIX, response_model=RecordedResult)
async def withdraw(
    request: Request,
    response: Response,
    receipt_id: str,
    body: WithdrawalRequest,
    idempotency_key: Annotated[str, Header(min_length=8, max_length=200)],
    authorization: Annotated[str | None, Header()] = None,
) -> RecordedResult:
    """Thu hồi: mark a record withdrawn; the same `Idempotency-Key` again answers the same."""
    state = _state(request)
    _authorise(state, authorization)
    state.requests_per_key[idempotency_key] += 1
    await _inject_faults(state)
    stored, replayed = state.withdraw(idempotency_key, receipt_id, body.reason)
    if stored is None:
        raise NotFound(msg("Không có biên nhận này.", "No such receipt."), code="receipt_not_found")
    if replayed is None:
        raise Conflict(
            msg(
                "Khóa Idempotency-Key đã dùng cho yêu cầu khác.",
                "Idempotency-Key reused for another request.",
            ),
            code="idempotency_key_reused",
        )
    if not replayed and state.roll(state.faults.drop_after_commit_rate):
        state.faults_injected["drop_after_commit"] += 1
        raise ConnectionDropped("connection dropped after commit")
    if replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return stored.result


admin = APIRouter(prefix="/admin", tags=["admin"])


@admin.get("/faults", response_model=Faults)
async def get_faults(request: Request) -> Faults:
    """The fault injection in force."""
    return _state(request).faults


@admin.put("/faults", response_model=Faults)
async def put_faults(request: Request, faults: Faults) -> Faults:
    """Replace the fault injection."""
    _state(request).faults = faults
    return faults


@admin.get("/counts", response_model=Counts)
async def counts(request: Request) -> Counts:
    """Requests and records per key and per content: the proof of exactly-once."""
    return _state(request).counts()


@admin.post("/tokens/expire", status_code=204)
async def expire_tokens(request: Request) -> None:
    """Expire every token issued so far (tests of the refresh path)."""
    _state(request).expire_tokens()


@admin.post("/reset", status_code=204)
async def reset(request: Request) -> None:
    """Forget every record, token and count."""
    _state(request).reset()


def create_app(settings: FakeCsdlSettings | None = None) -> FastAPI:
    settings = settings or FakeCsdlSettings()
    app = FastAPI(title="Fake CSDL ngành (chuyển đổi số)", version="1.0.0")
    app.state.fake = FakeState(
        client_id=settings.client_id,
        client_secret=settings.client_secret.get_secret_value(),
        faults=settings.faults.model_copy(),
        seed=settings.seed,
    )
    install_problem_handlers(app)
    app.include_router(api)
    app.include_router(admin)
    add_healthz(app)
    return app
