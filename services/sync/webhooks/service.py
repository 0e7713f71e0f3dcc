"""Webhook fan-out (in the transaction of the change that causes it) and the dispatcher that
sends, signs, retries and logs every delivery."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.deliveries.backoff import delay
from services.sync.grants import GatewayClient, GrantsUnavailable, ScopeCheck
from services.sync.webhooks import standard
from services.sync.webhooks.models import WebhookDelivery, WebhookSubscription
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.signing import EVENT_HEADER, SIGNATURE_HEADER, sign
from shared.contracts import ChangeEvent
from shared.db import utcnow
from shared.loop import repeat
from shared.outbound import Resolver, pinned, public_address, system_resolver
from shared.scoring_client import ScoringClient

log = logging.getLogger("services.sync.webhooks")

WORKFLOW_EVENTS = (
    "assessment.submitted",
    "assessment.approved",
    "assessment.returned",
    "assessment.accepted",
    "assessment.concluded",
    "assessment.recognised",
    "assessment.reopened",
)
EVENTS = ("sync.delivered", "sync.failed", "sync.withdrawn", "deadline.at_risk", *WORKFLOW_EVENTS)
# what a workflow event tells a vendor: the act, its reason and, for a return, the item comments
WORKFLOW_FIELDS = ("action", "reason", "item_comments", "kind", "state", "framework", "content_hash")


def workflow_body(ev: ChangeEvent) -> dict[str, Any]:
    """The webhook body of a scoring feed event (the snapshot events give the scored result)."""
    body: dict[str, Any] = {
        "school_code": ev.school_code,
        "school_year": ev.school_year,
        "assessment_id": ev.assessment_id,
        "version": ev.version,
        "occurred_at": ev.occurred_at.isoformat(),
    }
    body.update({k: ev.payload[k] for k in WORKFLOW_FIELDS if ev.payload.get(k) is not None})
    if "groups" in ev.payload:
        body["groups"] = [
            {k: g.get(k) for k in ("code", "points", "level", "mandatory_met")} for g in ev.payload["groups"]
        ]
    return body


async def notify(
    s: AsyncSession,
    event: str,
    school_code: str,
    body: dict[str, Any],
    subs: list[WebhookSubscription] | None = None,
) -> int:
    """Queue one delivery per active subscription that wants this event for this school (`subs`:
    the active subscriptions, when the caller already loaded them for a batch)."""
    n = 0
    for sub in subs if subs is not None else await WebhookRepository(s).active():
        if event in sub.events and (sub.all_schools or school_code in sub.schools):
            s.add(
                WebhookDelivery(
                    subscription_id=sub.id,
                    event=event,
                    school_code=school_code,
                    body={"event": event, "data": body},
                )
            )
            n += 1
    return n


class WebhookDispatcher:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        *,
        max_attempts: int,
        timeout: float,
        base: float = 2.0,
        cap: float = 600.0,
        poll: float = 1.0,
        resolver: Resolver | None = system_resolver,
        scoring: ScoringClient,
        gateway: GatewayClient | None = None,
    ) -> None:
        """`resolver=None` sends to the URL as given, private addresses included (the
        `webhook_allow_private_addresses` setting); otherwise every send goes to a checked public
        address. `scoring` and `gateway` answer the scope check made before every send."""
        self.factory, self.http, self.resolver = factory, http, resolver
        self.scoring, self.gateway = scoring, gateway
        self.max_attempts, self.timeout, self.base, self.cap, self.poll = (
            max_attempts,
            timeout,
            base,
            cap,
            poll,
        )
        self.rng = random.Random()  # noqa: S311  jitter

    async def run(self, stop: asyncio.Event) -> None:
        await repeat(self.run_once, stop, self.poll, "webhook dispatcher")

    async def run_once(self, limit: int = 20) -> int:
        now = utcnow()
        async with self.factory() as s:
            claimed = await WebhookRepository(s).claim_due(now, limit)
            await s.commit()
        scope = ScopeCheck(self.scoring, self.gateway)
        for d, sub in claimed:
            if await self._in_scope(scope, d, sub):
                await self._send(d, sub)
        return len(claimed)

    async def _in_scope(self, scope: ScopeCheck, d: WebhookDelivery, sub: WebhookSubscription) -> bool:
        """Scope is re-checked at every send, not only at subscription: a subscriber that lost the
        school (its grant changed, or the school moved out of its units) gets nothing more."""
        if d.school_code is None:
            return True
        try:
            ok = await scope.allows(sub.owner_kind, sub.owner, sub.grant, d.school_code)
        except GrantsUnavailable as e:  # cannot tell now: try again later, never send blindly
            await self._finish(d, None, f"scope_check_unavailable: {e}")
            return False
        if not ok:
            async with self.factory() as s:
                values = {
                    "state": "dropped",
                    "last_error": "out_of_scope: the subscriber no longer sees this school",
                }
                await WebhookRepository(s).finish(d.id, values)
                await s.commit()
        return ok

    async def _send(self, d: WebhookDelivery, sub: WebhookSubscription) -> None:
        body = json.dumps({"id": d.id, **d.body}, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(sub.secret, body),
            EVENT_HEADER: d.event,
            **standard.headers(sub.secret, d.id, body),
        }
        status: int | None = None
        error: str | None = None
        try:
            status = await self._post(httpx.URL(sub.url), body, headers)
            if status is None:
                error = "forbidden_address: the receiver does not resolve to public addresses only"
            elif not 200 <= status < 300:
                error = f"receiver answered {status}"
        except (httpx.HTTPError, OSError, TimeoutError) as e:
            error = f"transport: {type(e).__name__}"
        await self._finish(d, status, error)

    async def _finish(self, d: WebhookDelivery, status: int | None, error: str | None) -> None:
        """Delivered, or retried with backoff until the budget is spent, then failed."""
        now = utcnow()
        attempts = d.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error}
        if error is None:
            values.update(state="delivered", delivered_at=now)
        elif attempts >= self.max_attempts:
            values.update(state="failed")
        else:
            # full jitter from the first retry: five attempts spent on sub-second retries would
            # give up on a receiver that takes a few seconds to restart
            wait = delay(attempts, base=self.base, cap=self.cap, rng=self.rng, short=())
            values.update(state="pending", next_attempt_at=now + timedelta(seconds=wait))
        async with self.factory() as s:
            await WebhookRepository(s).finish(d.id, values)
            await s.commit()

    async def _post(self, url: httpx.URL, body: bytes, headers: dict[str, str]) -> int | None:
        """The receiver's status, or None when its name resolves to a forbidden address (nothing
        is sent). Redirects are not followed: a receiver answers where it was registered."""
        if self.resolver is None:
            r = await self.http.post(url, content=body, headers=headers, timeout=self.timeout)
            return r.status_code
        address = await public_address(url, self.resolver, self.timeout)
        if address is None:
            return None
        target, host, extensions = pinned(url, address)
        req = self.http.build_request(
            "POST",
            target,
            content=body,
            headers={**headers, **host},
            extensions={**extensions, "timeout": httpx.Timeout(self.timeout).as_dict()},
        )
        r = await self.http.send(req, follow_redirects=False)
        return r.status_code
