"""The API adapter to CSDL ngành: an httpx client (pooled, shared by the workers) that caches the
OAuth2 token and maps every answer to a receipt, a retryable error or a final one.

5xx, 408, 429 (with its Retry-After), timeouts and transport errors are retryable: the same
`Idempotency-Key` is sent again, so a request that was recorded before its answer was lost comes
back as the same receipt. 409 (key reused for another body), 422 and other 4xx are final.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from services.sync.csdl.contract import (
    REPLAYED_HEADER,
    SUBMIT_PATH,
    TOKEN_PATH,
    Receipt,
    RecordedResult,
    Submission,
    Token,
    WithdrawalRequest,
    withdraw_path,
)

TOKEN_MARGIN_SECONDS = 30.0  # refresh this long before expiry so a token never dies mid-request


class DeliveryError(Exception):
    retryable: bool = True

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class RetryableError(DeliveryError):
    retryable = True


class FinalError(DeliveryError):
    retryable = False


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (now if now is not None else time.time()))


class CsdlClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()
        self.token_fetches = 0

    async def _send(self, method: str, path: str, **kw: object) -> httpx.Response:
        # asyncio.timeout as well as httpx's: the in-process ASGI transport enforces no timeout
        try:
            async with asyncio.timeout(self.timeout):
                return await self.http.request(method, path, timeout=self.timeout, **kw)  # type: ignore[arg-type]
        except (TimeoutError, httpx.TimeoutException) as e:
            raise RetryableError("timeout") from e
        except httpx.TransportError as e:
            raise RetryableError(f"transport: {type(e).__name__}") from e

    async def token(self, *, force: bool = False) -> str:
        async with self._lock:
            if not force and self._token and self.clock() < self._expires - TOKEN_MARGIN_SECONDS:
                return self._token
            r = await self._send(
                "POST",
                TOKEN_PATH,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
            )
            if r.status_code != 200:
                raise RetryableError(f"token endpoint answered {r.status_code}", status=r.status_code)
            t = Token.model_validate_json(r.content)
            self.token_fetches += 1
            self._token, self._expires = t.access_token, self.clock() + t.expires_in
            return t.access_token

    async def _authed(self, method: str, path: str, **kw: object) -> httpx.Response:
        headers = dict(kw.pop("headers", {}) or {})  # type: ignore[call-overload]
        tok = await self.token()
        r = await self._send(method, path, headers={**headers, "Authorization": f"Bearer {tok}"}, **kw)
        if r.status_code == 401:  # expired or revoked early: fetch a new token once
            tok = await self.token(force=True)
            r = await self._send(method, path, headers={**headers, "Authorization": f"Bearer {tok}"}, **kw)
        return r

    async def submit(self, key: str, submission: Submission) -> Receipt:
        r = await self._authed(
            "POST",
            SUBMIT_PATH,
            content=submission.model_dump_json(),
            headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        )
        if r.status_code in (200, 201):
            receipt = Receipt.model_validate_json(r.content)
            if r.headers.get(REPLAYED_HEADER, "").lower() == "true":
                receipt.replayed = True
            return receipt
        raise _error(r)

    async def withdraw(self, key: str, receipt_id: str, reason: str) -> RecordedResult:
        """Thu hồi a delivered result; retryable and final errors as for `submit` (the same key
        again is answered with the same withdrawal, so a retry never withdraws twice)."""
        r = await self._authed(
            "POST",
            withdraw_path(receipt_id),
            content=WithdrawalRequest(reason=reason).model_dump_json(),
            headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        )
        if r.status_code == 200:
            return RecordedResult.model_validate_json(r.content)
        raise _error(r)

    async def lookup(self, receipt_id: str) -> RecordedResult | None:
        r = await self._authed("GET", f"{SUBMIT_PATH}/{receipt_id}")
        if r.status_code == 404:
            return None
        if r.status_code == 200:
            return RecordedResult.model_validate_json(r.content)
        raise _error(r)


def _error(r: httpx.Response) -> DeliveryError:
    code = r.status_code
    detail = _detail(r)
    if code == 429:
        return RetryableError(
            f"429 rate limited{detail}",
            status=code,
            retry_after=parse_retry_after(r.headers.get("Retry-After")),
        )
    if code >= 500 or code in (401, 408):
        return RetryableError(
            f"{code}{detail}", status=code, retry_after=parse_retry_after(r.headers.get("Retry-After"))
        )
    return FinalError(f"{code}{detail}", status=code)


def _detail(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    parts = [str(body.get("code", ""))]
    for e in body.get("validation_errors", []) or []:
        if isinstance(e, dict):
            parts.append(f"{e.get('pointer')}: {e.get('code')}")
    return " " + "; ".join(p for p in parts if p)
