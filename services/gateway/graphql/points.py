"""Points as exact decimals: GraphQL's `Decimal` scalar (a string), never a binary float."""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def dec(value: Any) -> Decimal:
    # through str(): a JSON number 2.5 stays 2.5, never 2.4999…
    return value if isinstance(value, Decimal) else Decimal(str(value))


def opt_dec(value: Any) -> Decimal | None:
    return None if value is None else dec(value)
