"""Permissions as declarative dependencies: a route names the capability it needs in its
signature (`p: SyncAdmin`) and FastAPI checks it before the handler runs, so nothing is loaded,
parsed or written for a caller who may not.

A `Capability` says who holds it (roles, and for internal calls an all-orgs scope) and how a
refusal reads. Role checks live here; a check that needs the object (is this school in the
caller's scope?) lives in the service's query or scope look-up, which answers 404 so that
existence does not leak. Every capability is registered in `CAPABILITIES`, from which the table
in docs/permissions.md is generated and checked by a test.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared.deps import PrincipalDep
from shared.errors import Forbidden, Problem
from shared.i18n import Message
from shared.principal import Principal, Role

F = TypeVar("F", bound=Callable[..., Any])


def _default_refusal(_: Principal) -> Problem:
    return Forbidden()


@dataclass(frozen=True)
class Capability:
    """One thing a caller may do, and who may do it."""

    service: str
    name: str
    summary: str
    roles: frozenset[Role]
    # internal endpoints: the caller's scope must be every org (our own services' principals)
    all_orgs: bool = False
    # a person's roles (head, officer, assessor) count only when a user holds them, never a client
    acting: bool = False
    # checked by the service once the object is found in the caller's scope, so an outsider gets
    # the 404 an unknown object gets, whatever its role; no route dependency declares it
    after_scope: bool = False
    refusal: Callable[[Principal], Problem] = field(default=_default_refusal, compare=False)

    def held_by(self, p: Principal) -> bool:
        roles = p.acting_roles if self.acting else p.roles
        return bool(roles & self.roles) and (p.all_orgs or not self.all_orgs)

    def check(self, p: Principal) -> Principal:
        if not self.held_by(p):
            raise self.refusal(p)
        return p

    def holders(self) -> str:
        """Who holds it, as the docs table says it."""
        who = ", ".join(f"`{r.value}`" for r in sorted(self.roles))
        if self.acting:
            who += " (a person's role held by a user, never a client)"
        if self.all_orgs:
            who += " with an all-orgs scope"
        return who


CAPABILITIES: dict[tuple[str, str], Capability] = {}


def capability(
    service: str,
    name: str,
    summary: str,
    roles: frozenset[Role] | set[Role] | tuple[Role, ...],
    *,
    all_orgs: bool = False,
    acting: bool = False,
    after_scope: bool = False,
    message: Message | None = None,
    refusal: Callable[[Principal], Problem] | None = None,
) -> Capability:
    """Define and register a capability; `message` is the 403's text when it is not the
    generic one, `refusal` builds the whole problem where a service answers its own."""
    if refusal is None:
        refusal = _default_refusal if message is None else (lambda _p: Forbidden(message))
    cap = Capability(service, name, summary, frozenset(roles), all_orgs, acting, after_scope, refusal)
    if (service, name) in CAPABILITIES and CAPABILITIES[service, name] != cap:
        raise ValueError(f"capability {service}:{name} defined twice")
    CAPABILITIES[service, name] = cap
    return cap


def requires(cap: Capability, principal: Any = PrincipalDep) -> Callable[..., Awaitable[Principal]]:
    """The dependency that answers the caller's principal once it holds `cap`. `principal` is the
    annotated dependency the principal comes from (the gateway reads a token, the services the
    signed header)."""

    async def holder(p: Principal) -> Principal:
        return cap.check(p)

    # the annotation is set here rather than written in the signature: it is a parameter
    holder.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("p", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=principal)],
        return_annotation=Principal,
    )
    holder.__name__ = f"requires_{cap.service}_{cap.name}".replace("-", "_")
    holder.capability = cap  # type: ignore[attr-defined]
    return holder


def checks(cap: Capability) -> Callable[[F], F]:
    """Marks a dependency that checks `cap` together with the object's scope (which must come
    first where an outsider is to learn nothing), so the docs table lists its routes too."""

    def mark(dependency: F) -> F:
        dependency.capability = cap  # type: ignore[attr-defined]
        return dependency

    return mark


def capability_of(dependency: Callable[..., Any]) -> Capability | None:
    """The capability a dependency checks, if it is one made by `requires`."""
    cap = getattr(dependency, "capability", None)
    return cap if isinstance(cap, Capability) else None
