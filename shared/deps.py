"""FastAPI dependencies every service shares, read from the app's state built in its lifespan:
`app.state.session_factory` and `app.state.settings.internal_secret`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import principal_dependency
from shared.principal import Principal


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's session owns the transaction: commit on success, roll back on error."""
    async with request.app.state.session_factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def from_state(attr: str) -> Callable[[Request], Awaitable[Any]]:
    """A dependency answering `app.state.<attr>` (built by the app factory or its lifespan); the
    `Annotated` alias that uses it gives the type. Async: a sync provider costs a thread-pool hop
    on every request."""

    async def provide(request: Request) -> Any:
        return getattr(request.app.state, attr)

    provide.__name__ = f"get_{attr}"
    return provide


def internal_secret(request: Request) -> str:
    return str(request.app.state.settings.internal_secret.get_secret_value())


# scope="function": the commit runs before the response is sent, not after (with several
# processes a client acts on a 201 at once, often on another replica)
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
PrincipalDep = Annotated[Principal, Depends(principal_dependency(internal_secret))]
