"""SMTP through the standard library (one connection per run; blocking calls in a thread)."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def _message(cfg: SmtpConfig, m: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr(("Chỉ số chuyển đổi số", cfg.sender))
    msg["To"] = m.to
    msg["Subject"] = m.subject
    msg["Message-ID"] = make_msgid(domain=cfg.sender.rpartition("@")[2] or None)
    msg.set_content(m.body, charset="utf-8")
    return msg


class SmtpSession:
    """`async with SmtpSession(cfg) as smtp: await smtp.send(mail)`."""

    def __init__(self, cfg: SmtpConfig) -> None:
        self.cfg = cfg
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.cfg.timeout)
        if self.cfg.starttls:
            smtp.starttls()
        if self.cfg.username and self.cfg.password:
            smtp.login(self.cfg.username, self.cfg.password)
        return smtp

    async def __aenter__(self) -> SmtpSession:
        self._smtp = await asyncio.to_thread(self._open)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            await asyncio.to_thread(smtp.quit)

    async def send(self, m: Mail) -> None:
        assert self._smtp is not None
        await asyncio.to_thread(self._smtp.send_message, _message(self.cfg, m))
