"""The Relay pieces: `PageInfo` of every connection, and global object ids (the `Node`
interface): base64url of `Type:key`, opaque to clients. A school's key carries the school year
as well, because a `School` here is a school with its assessments of one year: refetching it by
id gives the same figures."""

from __future__ import annotations

import base64
import binascii

import strawberry

from services.gateway.graphql import args


@strawberry.interface(description="An object with a global id, refetched with `node(id:)`.")
class Node:
    id: strawberry.ID = strawberry.field(description="opaque global id")


def global_id(type_name: str, *key: str) -> strawberry.ID:
    raw = ":".join((type_name, *key)).encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def parse_global_id(value: str) -> tuple[str, list[str]]:
    """(type name, key parts); a BAD_USER_INPUT error when it is not an id this schema gave."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, ValueError) as e:
        raise args.bad("id", "an id this API handed out") from e
    type_name, _, rest = raw.partition(":")
    if not rest:
        raise args.bad("id", "an id this API handed out")
    return type_name, rest.split(":")


@strawberry.type
class PageInfo:
    end_cursor: str | None = strawberry.field(description="the last edge's cursor; pass as `after`")
    has_next_page: bool
    start_cursor: str | None = strawberry.field(description="the first edge's cursor")
    has_previous_page: bool = strawberry.field(
        description="true when the page was asked for `after` a cursor"
    )


def page_info(cursors: list[str], has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        end_cursor=cursors[-1] if cursors else None,
        has_next_page=has_next,
        start_cursor=cursors[0] if cursors else None,
        has_previous_page=after is not None,
    )
