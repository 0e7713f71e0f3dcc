"""docs/permissions.md's capability table is the code's: regenerate it and compare."""

from __future__ import annotations

from services import permissions_table
from shared.permissions import CAPABILITIES


def test_the_page_shows_the_capabilities_the_code_declares() -> None:
    page = permissions_table.PAGE.read_text(encoding="utf-8")
    assert permissions_table.rendered(page) == page, "run `python -m services.permissions_table`"


def test_every_capability_guards_a_route_or_says_the_service_checks_it() -> None:
    """A capability no route declares is dead, or checked by hand somewhere the table cannot see,
    unless it is one the service checks after the object's scope; and those no route declares."""
    used = {cap for app in permissions_table.apps().values() for cap in permissions_table.routes_of(app)}
    assert sorted(k for k, cap in CAPABILITIES.items() if (cap in used) == cap.after_scope) == []
