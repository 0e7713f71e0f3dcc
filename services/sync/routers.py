"""Every public router of the service, under `/api/v1/sync`."""

from __future__ import annotations

from fastapi import FastAPI

from services.sync.deadlines.internal import router as internal_deadlines_router
from services.sync.deadlines.router import router as deadlines_router
from services.sync.deliveries.router import router as deliveries_router
from services.sync.exports.router import router as exports_router
from services.sync.reconciliation.router import router as reconciliation_router
from services.sync.webhooks.router import router as webhooks_router
from services.sync.withdrawals.router import router as withdrawals_router


def include_routers(app: FastAPI) -> None:
    app.include_router(deliveries_router)
    app.include_router(withdrawals_router)
    app.include_router(deadlines_router)
    app.include_router(internal_deadlines_router)  # read by scoring for the edit lock
    app.include_router(webhooks_router)
    app.include_router(reconciliation_router)
    app.include_router(exports_router)
