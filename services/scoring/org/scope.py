"""Who may see which schools: every query on schools is built from these clauses, so object-level
authorization is part of the query, not a check that could be forgotten after it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, false, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.org.models import OrgUnit, Placement
from shared.principal import Principal


def subtree(roots: frozenset[str] | set[str], name: str = "subtree") -> Select[tuple[str]]:
    """Ids of the given units and every unit below them (recursive CTE; the depth is data). Two
    subtrees in one statement (the caller's scope and a filter) need two names."""
    base = select(OrgUnit.id.label("id")).where(OrgUnit.id.in_(sorted(roots))).cte(name, recursive=True)
    child = select(OrgUnit.id).where(OrgUnit.parent_id == base.c.id)
    tree = base.union(child)
    return select(tree.c.id)


def placed_at(as_of: date | None = None) -> ColumnElement[bool]:
    """The placement in force on `as_of` (today's when None)."""
    if as_of is None:
        return Placement.valid_to.is_(None)
    return (Placement.valid_from <= as_of) & or_(Placement.valid_to.is_(None), Placement.valid_to > as_of)


def visible_schools(p: Principal, school_code_col: ColumnElement[str]) -> ColumnElement[bool]:
    """A WHERE clause: the school is the caller's own (explicit list), or managed or assessed by a
    unit in the caller's subtrees."""
    if p.all_orgs:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if p.schools:
        clauses.append(school_code_col.in_(sorted(p.schools)))
    if p.org_units:
        units = subtree(p.org_units)
        placed = select(Placement.school_code).where(
            placed_at(),
            or_(Placement.managing_unit_id.in_(units), Placement.assessing_unit_id.in_(units)),
        )
        clauses.append(school_code_col.in_(placed))
    return or_(*clauses) if clauses else false()


def visible_units(p: Principal, unit_id_col: ColumnElement[str]) -> ColumnElement[bool]:
    if p.all_orgs:
        return true()
    if not p.org_units:
        return false()
    return unit_id_col.in_(subtree(p.org_units))


async def ancestors(session: AsyncSession, unit_id: str) -> list[str]:
    """From the root down to `unit_id`."""
    base = select(OrgUnit.id, OrgUnit.parent_id, literal(0).label("depth")).where(OrgUnit.id == unit_id)
    up = base.cte("up", recursive=True)
    parent = select(OrgUnit.id, OrgUnit.parent_id, (up.c.depth + 1).label("depth")).where(
        OrgUnit.id == up.c.parent_id
    )
    up = up.union_all(parent)
    rows = (await session.execute(select(up.c.id).order_by(up.c.depth.desc()))).scalars().all()
    return list(rows)
