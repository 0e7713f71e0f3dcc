"""The objects an app has built by the end of its start-up are kept out of the garbage
collector's full scans while it runs, and handed back to it at shutdown."""

from __future__ import annotations

import gc

from services.scoring.main import create_app
from shared.app import frozen_heap
from tests.conftest import scoring_settings


def test_frozen_heap_freezes_and_unfreezes() -> None:
    gc.unfreeze()
    built = [object()]  # a container: one the collector tracks
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert gc.is_tracked(built)
        assert all(o is not built for o in gc.get_objects())  # out of every generation's scans
    assert gc.get_freeze_count() == 0
    assert any(o is built for o in gc.get_objects())


async def test_a_running_app_keeps_its_start_up_heap_frozen() -> None:
    gc.unfreeze()
    app = create_app(scoring_settings("sqlite+aiosqlite://"))
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
