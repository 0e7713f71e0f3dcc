"""Every query on webhook subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.webhooks.models import WebhookDelivery, WebhookSubscription


class WebhookRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active(self) -> list[WebhookSubscription]:
        q = select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        return list((await self.session.execute(q)).scalars())

    async def of_owner(self, owner: str) -> list[WebhookSubscription]:
        q = (
            select(WebhookSubscription)
            .where(WebhookSubscription.owner == owner, WebhookSubscription.active.is_(True))
            .order_by(WebhookSubscription.created_at)
        )
        return list((await self.session.execute(q)).scalars())

    async def get(self, sub_id: str, owner: str) -> WebhookSubscription | None:
        s = await self.session.get(WebhookSubscription, sub_id)
        return s if s is not None and s.owner == owner and s.active else None

    async def log(
        self, sub_id: str, before: tuple[datetime, str] | None, limit: int
    ) -> list[WebhookDelivery]:
        """A subscription's deliveries, newest first, from before (created at, id)."""
        q = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub_id)
        if before is not None:
            at, did = before
            q = q.where(
                or_(
                    WebhookDelivery.created_at < at,
                    and_(WebhookDelivery.created_at == at, WebhookDelivery.id < did),
                )
            )
        q = q.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit)
        return list((await self.session.execute(q)).scalars())

    async def claim_due(self, now: datetime, limit: int) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
        q = (
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        claimed = []
        for d, sub in (await self.session.execute(q)).all():
            # conditional claim: another replica's dispatcher may have taken it meanwhile
            r = await self.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == d.id, WebhookDelivery.state == "pending")
                .values(state="sending")
            )
            if r.rowcount == 1:
                claimed.append((d, sub))
        return claimed

    async def finish(self, delivery_id: str, values: dict[str, Any]) -> None:
        await self.session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
        )
