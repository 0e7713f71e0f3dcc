"""Arguments of GraphQL fields checked before they reach a service: each has the shape of what
it names (a school code, a school year, a unit id…), so nothing a caller writes can become
another path (`../../internal/…`) or another query parameter (kinds, states and levels are enums:
the schema itself refuses any other value). Path segments are also quoted and query parameters go
through httpx's own encoding; the check gives a clear error first."""

from __future__ import annotations

import re
from urllib.parse import quote

from services.gateway.graphql.upstream import ExpectedError
from shared.contracts import is_school_year

SCHOOL_CODE = re.compile(r"^[A-Za-z0-9]{2,32}$")  # the registry's own pattern
UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")  # the registry's own pattern
PROVINCE = re.compile(r"^\d{2}$")


def bad(argument: str, expected: str) -> ExpectedError:
    err = ExpectedError(f"Argument {argument!r} must be {expected}.", "BAD_USER_INPUT")
    assert err.extensions is not None
    err.extensions["argument"] = argument
    return err


def school_code(v: str, argument: str = "schoolCode") -> str:
    if not SCHOOL_CODE.match(v):
        raise bad(argument, "a school code of 2 to 32 letters or digits")
    return v


def year(v: str, argument: str = "year") -> str:
    if not is_school_year(v):
        raise bad(argument, "a school year written like 2024-2025")
    return v


def unit_id(v: str, argument: str = "unitId") -> str:
    if not UNIT_ID.match(v):
        raise bad(argument, "an org unit id (letters, digits, '.', '-' and '_', at most 64)")
    return v


def province(v: str | None, argument: str = "province") -> str | None:
    if v is not None and not PROVINCE.match(v):
        raise bad(argument, "a two-digit province code")
    return v


def bounded(v: int, argument: str, low: int, high: int) -> int:
    if not low <= v <= high:
        raise bad(argument, f"between {low} and {high}")
    return v


def segment(v: str) -> str:
    """One path segment, quoted whatever it holds (the check above comes first)."""
    return quote(v, safe="")
