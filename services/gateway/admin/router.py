"""The admin API: API clients and their credentials, local users. Admins only."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.gateway.admin.schemas import (
    ClientCreate,
    ClientCreated,
    ClientPublic,
    ClientUpdate,
    CredentialCreate,
    CredentialPublic,
    NewCredential,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from services.gateway.admin.service import AdminService
from services.gateway.auth.models import ApiClient, Credential, User
from services.gateway.auth.service import RevocationChecker
from services.gateway.deps import SessionDep
from services.gateway.permissions import AdminDep
from shared.errors import problem_responses
from shared.pagination import Cursor, Limit, Page, decode_one, trim

router = APIRouter(prefix="/admin/v1", tags=["admin"], responses=problem_responses(401, 403))


def _forget(request: Request, sub: str) -> None:
    checker: RevocationChecker = request.app.state.revocation
    checker.forget(sub)


def _cred(c: Credential) -> CredentialPublic:
    return CredentialPublic.model_validate(c, from_attributes=True)


def _client(c: ApiClient, creds: list[Credential]) -> ClientPublic:
    out = ClientPublic.model_validate(c, from_attributes=True)
    out.credentials = [_cred(x) for x in creds]
    return out


@router.post("/clients", status_code=201, response_model=ClientCreated, responses=problem_responses(409, 422))
async def create_client(body: ClientCreate, _: AdminDep, session: SessionDep) -> ClientCreated:
    """Register an API client with its roles and scope; the answer holds its first secret, once."""
    svc = AdminService(session)
    c, cred, secret = await svc.create_client(body)
    return ClientCreated(**_client(c, [cred]).model_dump(), client_secret=secret)


@router.get("/clients", response_model=Page[ClientPublic])
async def list_clients(
    _: AdminDep, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[ClientPublic]:
    """API clients, by id."""
    svc = AdminService(session)
    rows, nxt = trim(await svc.repo.clients(decode_one(cursor), limit + 1), limit, lambda c: (c.id,))
    return Page(items=[_client(c, await svc.repo.credentials(c.id)) for c in rows], next_cursor=nxt)


@router.get("/clients/{client_id}", response_model=ClientPublic, responses=problem_responses(404))
async def get_client(client_id: str, _: AdminDep, session: SessionDep) -> ClientPublic:
    """One API client with its credentials (never their secrets)."""
    svc = AdminService(session)
    return _client(await svc.client(client_id), await svc.repo.credentials(client_id))


@router.patch("/clients/{client_id}", response_model=ClientPublic, responses=problem_responses(404, 422))
async def update_client(
    client_id: str, body: ClientUpdate, request: Request, _: AdminDep, session: SessionDep
) -> ClientPublic:
    """Change roles or scope, or disable; the client's existing tokens stop working at once."""
    svc = AdminService(session)
    c = await svc.update_client(client_id, body)
    _forget(request, client_id)
    return _client(c, await svc.repo.credentials(client_id))


@router.post(
    "/clients/{client_id}/credentials",
    status_code=201,
    response_model=NewCredential,
    responses=problem_responses(404),
)
async def add_credential(
    client_id: str, body: CredentialCreate, _: AdminDep, session: SessionDep
) -> NewCredential:
    """A further secret for the client (rotation without downtime); shown once."""
    svc = AdminService(session)
    await svc.client(client_id)
    cred, secret = await svc.new_credential(client_id, body)
    return NewCredential(**_cred(cred).model_dump(), client_secret=secret)


@router.delete(
    "/clients/{client_id}/credentials/{cred_id}",
    response_model=CredentialPublic,
    responses=problem_responses(404),
)
async def revoke_credential(
    client_id: str, cred_id: str, request: Request, _: AdminDep, session: SessionDep
) -> CredentialPublic:
    """Revoke one secret, and every token obtained with it, at once."""
    cred = await AdminService(session).revoke_credential(client_id, cred_id)
    _forget(request, client_id)
    return _cred(cred)


@router.post("/users", status_code=201, response_model=UserPublic, responses=problem_responses(409, 422))
async def create_user(body: UserCreate, _: AdminDep, session: SessionDep) -> UserPublic:
    """Create a local user (the embedded default's login) with roles and scope."""
    return UserPublic.model_validate(await AdminService(session).create_user(body), from_attributes=True)


@router.get("/users", response_model=Page[UserPublic])
async def list_users(
    _: AdminDep, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> Page[UserPublic]:
    """Local users, by id."""
    found: list[User] = await AdminService(session).repo.users(decode_one(cursor), limit + 1)
    rows, nxt = trim(found, limit, lambda u: (u.id,))
    return Page(items=[UserPublic.model_validate(u, from_attributes=True) for u in rows], next_cursor=nxt)


@router.patch("/users/{user_id}", response_model=UserPublic, responses=problem_responses(404, 422))
async def update_user(
    user_id: str, body: UserUpdate, request: Request, _: AdminDep, session: SessionDep
) -> UserPublic:
    """Change a user's roles, scope, password or status; their existing tokens stop working."""
    u = await AdminService(session).update_user(user_id, body)
    _forget(request, user_id)
    return UserPublic.model_validate(u, from_attributes=True)


@router.post("/users/{user_id}/revoke-tokens", status_code=204, responses=problem_responses(404))
async def revoke_user_tokens(user_id: str, request: Request, _: AdminDep, session: SessionDep) -> None:
    """Sign the user out everywhere: every token issued so far stops working."""
    svc = AdminService(session)
    await svc.revoke_tokens(await svc.user(user_id))
    _forget(request, user_id)
