"""The browser session: one encrypted, HttpOnly, SameSite=Lax cookie.

It carries the person's access token (so no page script can read it, and no server-side store is
needed: any replica serves any request), who they are, the CSRF token and the language. The
cookie is a Fernet token (AES-CBC + HMAC-SHA256) keyed from `WEB_SESSION_SECRET`, so it can be
neither read nor forged in the browser; its timestamp bounds its age.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.web.errors import Forbidden

COOKIE = "chiso_web"
LANGS = ("vi", "en")


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    lang: str = "vi"
    token: str | None = None
    username: str | None = None
    name: str | None = None
    roles: list[str] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)
    org_units: list[str] = field(default_factory=list)
    all_orgs: bool = False
    oidc_state: str | None = None
    oidc_verifier: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.token is not None

    def sign_out(self) -> None:
        keep = Session(lang=self.lang)  # a fresh CSRF token too: nothing of the old session survives
        self.__dict__.update(keep.__dict__)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


class SessionCodec:
    def __init__(self, secret: str, max_age: int) -> None:
        key = hashlib.sha256(b"chiso-web-session\x00" + secret.encode()).digest()
        self.fernet = Fernet(base64.urlsafe_b64encode(key))
        self.max_age = max_age

    def dumps(self, s: Session) -> str:
        return self.fernet.encrypt(json.dumps(asdict(s), separators=(",", ":")).encode()).decode()

    def loads(self, raw: str | None) -> Session | None:
        if not raw:
            return None
        try:
            data: dict[str, Any] = json.loads(self.fernet.decrypt(raw.encode(), ttl=self.max_age))
            return Session(**data)
        except (InvalidToken, ValueError, TypeError):
            return None


class SessionMiddleware:
    """Loads the session into `scope["state"]["session"]` and writes the cookie back on every
    HTML answer (its content may have changed: sign-in, language, OIDC state)."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, secure: bool) -> None:
        self.app, self.codec, self.secure = app, codec, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        session = self.codec.loads(request.cookies.get(COOKIE)) or Session()
        scope.setdefault("state", {})["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                flags = "; HttpOnly; SameSite=Lax; Path=/" + ("; Secure" if self.secure else "")
                headers.append("Set-Cookie", f"{COOKIE}={self.codec.dumps(session)}{flags}")
                headers.append("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def session_of(request: Request) -> Session:
    s: Session = request.state.session
    return s


async def check_csrf(request: Request) -> None:
    """Every state-changing request carries the session's CSRF token (a form field, or the
    `X-CSRF-Token` header htmx sends) and, when the browser says where it comes from, our origin."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise Forbidden("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, session_of(request).csrf):
        raise Forbidden("csrf")
