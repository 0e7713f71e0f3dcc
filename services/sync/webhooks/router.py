"""Vendors' webhook subscriptions and their delivery log."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter

from services.sync.deps import PrincipalDep, ScoringDep, SessionDep, SettingsDep
from services.sync.errors import WebhookNotFound
from services.sync.permissions import SyncReader
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.schemas import (
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionOut,
    WebhookDeliveryOut,
)
from services.sync.webhooks.subscriptions import Subscriptions
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, decode_cursor, invalid_cursor, paginate, trim

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
    sub = await Subscriptions(session, scoring, settings).create(p, body)
    return SubscriptionCreated.model_validate(sub, from_attributes=True)


@router.get("", response_model=Page[SubscriptionOut], responses=problem_responses(401, 403, 422))
async def subscriptions(
    p: SyncReader, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[SubscriptionOut]:
    """The caller's active subscriptions, oldest first."""
    subs = await WebhookRepository(session).of_owner(p.sub)
    rows, nxt, total = paginate(subs, cursor, limit, lambda s: (s.created_at.isoformat(), s.id), arity=2)
    return Page(
        items=[SubscriptionOut.model_validate(s, from_attributes=True) for s in rows],
        next_cursor=nxt,
        total=total,
    )


@router.delete("/{sub_id}", status_code=204, responses=problem_responses(401, 403, 404))
async def unsubscribe(sub_id: str, p: PrincipalDep, session: SessionDep) -> None:
    """Stop a subscription (its delivery log is kept)."""
    sub = await WebhookRepository(session).get(sub_id, p.sub)
    if sub is None:
        raise WebhookNotFound()
    sub.active = False
    await session.flush()


@router.get(
    "/{sub_id}/deliveries",
    response_model=Page[WebhookDeliveryOut],
    responses=problem_responses(401, 404, 422),
)
async def delivery_log(
    sub_id: str, p: PrincipalDep, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[WebhookDeliveryOut]:
    """The deliveries to a subscription, newest first: attempts, last status and error."""
    repo = WebhookRepository(session)
    if await repo.get(sub_id, p.sub) is None:
        raise WebhookNotFound()
    key = decode_cursor(cursor, 2)
    try:
        before = None if key is None else (datetime.fromisoformat(key[0]), key[1])
    except ValueError as e:
        raise invalid_cursor() from e
    found = await repo.log(sub_id, before, limit + 1)
    rows, nxt = trim(found, limit, lambda d: (d.created_at.isoformat(), d.id))
    return Page(
        items=[WebhookDeliveryOut.model_validate(d, from_attributes=True) for d in rows], next_cursor=nxt
    )
