"""Creating a vendor's webhook subscription: the receiver's address, and the schools it covers,
each in the caller's scope."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.config import SyncSettings
from services.sync.deadlines.calendar import VN_TZ
from services.sync.grants import snapshot
from services.sync.scope import schools_in_scope
from services.sync.webhooks import standard
from services.sync.webhooks.models import WebhookSubscription
from services.sync.webhooks.schemas import SubscriptionIn
from shared.errors import Unprocessable
from shared.outbound import forbidden, is_literal, validate_url
from shared.principal import Principal
from shared.scope import school_in_scope
from shared.scoring_client import ScoringClient


class Subscriptions:
    """A vendor's webhook subscriptions, in one request's session."""

    def __init__(self, s: AsyncSession, scoring: ScoringClient, settings: SyncSettings) -> None:
        self.s, self.scoring, self.settings = s, scoring, settings

    async def create(self, p: Principal, body: SubscriptionIn) -> WebhookSubscription:
        """A receiver must be on the public Internet: an address literal or `localhost` that is not is
        refused here; a name is resolved and checked again at every send (its DNS may change). A
        school out of the caller's scope answers 404, like an unknown one; no school named means every
        school in the caller's scope today (all of them, as they come, for an all-orgs caller)."""
        url = validate_url(body.url)
        host = url.host.rstrip(".").lower()
        if not self.settings.webhook_allow_private_addresses and (
            (is_literal(host) and forbidden(host)) or host == "localhost" or host.endswith(".localhost")
        ):
            raise Unprocessable.at(
                "/url",
                "url_forbidden_address",
                "Địa chỉ nhận webhook phải là địa chỉ công khai trên Internet.",
                "A webhook receiver must have a public Internet address.",
            )
        for code in body.schools:
            await school_in_scope(self.scoring, p, code)
        schools, everything = list(body.schools), False
        if not schools:
            if p.all_orgs:
                everything = True
            else:
                today = datetime.now(VN_TZ).date()
                schools = sorted(sc.code for sc in await schools_in_scope(self.scoring, p, today))
        sub = WebhookSubscription(
            owner=p.sub,
            owner_kind=p.kind.value,
            grant=snapshot(p),
            url=str(url),
            secret=standard.new_secret(),
            events=list(body.events),
            schools=schools,
            all_schools=everything,
        )
        self.s.add(sub)
        await self.s.flush()
        return sub
