"""Who receives reminders: an admin registers the addresses of a school (its head) or an org
unit (its officers). `GET` lists them; `PUT` replaces a unit's list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import and_, delete, or_, select
from sqlmodel import col

from services.sync.deps import SessionDep
from services.sync.permissions import SyncAdmin
from services.sync.reminders.models import ReminderContact
from shared.db import utcnow
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, decode_cursor, trim

router = APIRouter(prefix="/api/v1/sync/reminders", tags=["reminders"])


class ContactIn(BaseModel):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Literal["head", "officer"]
    name: str | None = Field(None, max_length=255)


class ContactOut(ContactIn):
    unit_id: str


class ContactsIn(BaseModel):
    contacts: list[ContactIn] = Field(max_length=50)


@router.get("/contacts", response_model=Page[ContactOut], responses=problem_responses(401, 403, 422))
async def list_contacts(
    p: SyncAdmin, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[ContactOut]:
    """Every address reminded, by unit and address."""
    q = select(ReminderContact)
    key = decode_cursor(cursor, 2)
    if key is not None:
        unit, email = key
        q = q.where(
            or_(
                col(ReminderContact.unit_id) > unit,
                and_(col(ReminderContact.unit_id) == unit, col(ReminderContact.email) > email),
            )
        )
    found = list(
        await session.scalars(
            q.order_by(col(ReminderContact.unit_id), col(ReminderContact.email)).limit(limit + 1)
        )
    )
    rows, nxt = trim(found, limit, lambda c: (c.unit_id, c.email))
    items = [ContactOut(unit_id=c.unit_id, email=c.email, role=c.role, name=c.name) for c in rows]  # type: ignore[arg-type]
    return Page(items=items, next_cursor=nxt)


@router.put(
    "/contacts/{unit_id}", response_model=list[ContactOut], responses=problem_responses(401, 403, 422)
)
async def set_contacts(
    unit_id: Annotated[str, Path(max_length=64)], body: ContactsIn, p: SyncAdmin, session: SessionDep
) -> list[ContactOut]:
    """Replace the addresses reminded for a school (role `head`) or an org unit (role `officer`)."""
    await session.execute(delete(ReminderContact).where(ReminderContact.unit_id == unit_id))  # type: ignore[arg-type]
    unique = {c.email.lower(): c for c in body.contacts}
    for email, c in unique.items():
        session.add(
            ReminderContact(unit_id=unit_id, email=email, role=c.role, name=c.name, updated_at=utcnow())
        )
    await session.flush()
    return [ContactOut(unit_id=unit_id, email=e, role=c.role, name=c.name) for e, c in unique.items()]
