"""Who receives reminders: an admin registers the addresses of a school (its head) or an org
unit (its officers). `GET` lists them; `PUT` replaces a unit's list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field
from sqlalchemy import delete, select

from services.sync.deps import SessionDep
from services.sync.permissions import SyncAdmin
from services.sync.reminders.models import ReminderContact
from shared.db import utcnow
from shared.errors import problem_responses

router = APIRouter(prefix="/api/v1/sync/reminders", tags=["reminders"])


class ContactIn(BaseModel):
    email: str = Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: Literal["head", "officer"]
    name: str | None = Field(None, max_length=255)


class ContactOut(ContactIn):
    unit_id: str


class ContactsIn(BaseModel):
    contacts: list[ContactIn] = Field(max_length=50)


@router.get("/contacts", response_model=list[ContactOut], responses=problem_responses(401, 403))
async def list_contacts(p: SyncAdmin, session: SessionDep) -> list[ContactOut]:
    rows = await session.scalars(select(ReminderContact).order_by("unit_id", "email"))
    return [ContactOut(unit_id=c.unit_id, email=c.email, role=c.role, name=c.name) for c in rows]  # type: ignore[arg-type]


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
