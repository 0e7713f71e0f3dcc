"""The one way every list is paged: `?cursor=&limit=` in, `{items, next_cursor, total}` out.

A cursor is opaque to clients: base64url of a JSON array of the last row's sort key, so the next
page starts strictly after it (keyset paging: a row inserted meanwhile neither repeats nor shifts
the page). A cursor that does not decode to a key of the list's shape is the client's mistake:
422 `cursor_invalid` pointing at `/cursor`, in every service. `total` is given where counting is
cheap (the list is in memory anyway) and null where it would cost a second scan of a large table.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field

from shared.errors import Unprocessable

T = TypeVar("T")
Key = tuple[str, ...]

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

CURSOR_DESCRIPTION = "the `next_cursor` of the previous page; absent for the first page"
Cursor = Annotated[str | None, Query(max_length=2048, description=CURSOR_DESCRIPTION)]


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows a page, 1–{MAX_LIMIT}")]
# the roster's rows feed the papers and exports, which read a whole unit: larger pages, fewer calls
LargeLimit = Annotated[int, Query(ge=1, le=1000, description="rows a page, 1–1000")]


class PageFields(BaseModel):
    """What every page answers besides its rows (a list with a header of its own, such as a
    report's counts, adds these to it)."""

    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )
    total: int | None = Field(None, description="rows in the whole list, where counting is cheap; else null")


class Page(PageFields, Generic[T]):
    items: list[T]


def encode_cursor(*key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(k) for k in key]).encode()).decode().rstrip("=")


def invalid_cursor() -> Unprocessable:
    return Unprocessable.at(
        "/cursor",
        "cursor_invalid",
        "Con trỏ trang không hợp lệ; hãy dùng next_cursor của trang trước.",
        "Invalid cursor; pass the previous page's next_cursor.",
    )


def decode_cursor(cursor: str | None, arity: int = 1) -> Key | None:
    """The key a cursor carries (None for the first page); 422 when it is not one of `arity` parts."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode())
    except (binascii.Error, ValueError) as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise invalid_cursor() from e
    if not isinstance(key, list) or len(key) != arity or not all(isinstance(k, str) for k in key):
        raise invalid_cursor()
    return tuple(key)


def decode_one(cursor: str | None) -> str | None:
    """A single-part key (a code or an id)."""
    key = decode_cursor(cursor, 1)
    return None if key is None else key[0]


def trim(rows: Sequence[T], limit: int, key: Callable[[T], Key]) -> tuple[list[T], str | None]:
    """Rows fetched with `limit + 1` as a page: the extra row only says another page exists, so
    the last page never points at an empty one."""
    page = list(rows[:limit])
    return page, encode_cursor(*key(page[-1])) if len(rows) > limit and page else None


def paginate(
    rows: Sequence[T], cursor: str | None, limit: int, key: Callable[[T], Key], arity: int = 1
) -> tuple[list[T], str | None, int]:
    """A page of a list already in memory, in key order (`arity` parts a key): (rows, next
    cursor, total)."""
    after = decode_cursor(cursor, arity)
    ordered = sorted(rows, key=key)
    if after is not None:
        ordered = [r for r in ordered if key(r) > after]
    page, nxt = trim(ordered, limit, key)
    return page, nxt, len(rows)


def decode_int(cursor: str | None) -> int | None:
    """A key that is a row's integer id (an append-only log's order)."""
    key = decode_one(cursor)
    if key is None:
        return None
    if not key.isdigit():
        raise invalid_cursor()
    return int(key)


def paginate_ids(
    rows: Sequence[T], cursor: str | None, limit: int, id_of: Callable[[T], int]
) -> tuple[list[T], str | None, int]:
    """`paginate` for a log in memory ordered by its integer id (compared as numbers, not text)."""
    after = decode_int(cursor)
    ordered = sorted(rows, key=id_of)
    if after is not None:
        ordered = [r for r in ordered if id_of(r) > after]
    page, nxt = trim(ordered, limit, lambda r: (str(id_of(r)),))
    return page, nxt, len(rows)


IncludeTotal = Annotated[
    bool,
    Query(description="also count the whole list (`total`): one more query, so only when asked"),
]
