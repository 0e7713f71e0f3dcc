"""Vendors' webhook subscriptions and their delivery log."""

from __future__ import annotations

from fastapi import APIRouter

from services.sync.deps import PrincipalDep, ScoringDep, SessionDep, SettingsDep
from services.sync.permissions import SyncReader
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.schemas import (
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
    WebhookDeliveryOut,
)
from services.sync.webhooks.subscriptions import subscribe as create_subscription
from shared.errors import NotFound, problem_responses

router = APIRouter(prefix="/api/v1/sync/webhooks", tags=["webhooks"])


@router.post(
    "", status_code=201, response_model=SubscriptionCreated, responses=problem_responses(401, 403, 404, 422)
)
async def subscribe(
    body: SubscriptionIn, p: SyncReader, session: SessionDep, scoring: ScoringDep, settings: SettingsDep
) -> SubscriptionCreated:
    """Subscribe a URL to delivery and deadline events; the signing secret is returned once.

    A receiver must be on the public Internet: an address literal or `localhost` that is not is
    refused here; a name is resolved and checked again at every send (its DNS may change)."""
    sub = await create_subscription(session, scoring, settings, p, body)
    return SubscriptionCreated.model_validate(sub, from_attributes=True)


@router.get("", response_model=list[SubscriptionOut], responses=problem_responses(401, 403))
async def subscriptions(p: SyncReader, session: SessionDep) -> list[SubscriptionOut]:
    """The caller's active subscriptions."""
    return [
        SubscriptionOut.model_validate(s, from_attributes=True)
        for s in await WebhookRepository(session).of_owner(p.sub)
    ]


@router.delete("/{sub_id}", status_code=204, responses=problem_responses(401, 403, 404))
async def unsubscribe(sub_id: str, p: PrincipalDep, session: SessionDep) -> None:
    """Stop a subscription (its delivery log is kept)."""
    sub = await WebhookRepository(session).get(sub_id, p.sub)
    if sub is None:
        raise NotFound()
    sub.active = False
    await session.flush()


@router.get(
    "/{sub_id}/deliveries", response_model=list[WebhookDeliveryOut], responses=problem_responses(401, 404)
)
async def delivery_log(sub_id: str, p: PrincipalDep, session: SessionDep) -> list[WebhookDeliveryOut]:
    """The latest deliveries to a subscription: attempts, last status and error."""
    repo = WebhookRepository(session)
    if await repo.get(sub_id, p.sub) is None:
        raise NotFound()
    return [WebhookDeliveryOut.model_validate(d, from_attributes=True) for d in await repo.log(sub_id)]
