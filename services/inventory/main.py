"""The inventory service: cities, emission factors and the live accounting of readings."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.inventory.accounting.consumers import readings_handler
from services.inventory.accounting.decoding import decode_reading
from services.inventory.accounting.endpoints import router as accounting_router
from services.inventory.budget.endpoints import router as budget_router
from services.inventory.cities.endpoints import router as cities_router
from services.inventory.contract_actions.consumers import contract_actions
from services.inventory.coverage.endpoints import router as coverage_router
from services.inventory.db import load_models, messaging, metadata
from services.inventory.factors.endpoints import router as factors_router
from services.inventory.gpc.endpoints import router as gpc_router
from services.inventory.identity.endpoints import issuer_router
from services.inventory.identity.endpoints import router as identity_router
from services.inventory.identity.service import database_revocations
from services.inventory.imports.endpoints import router as imports_router
from services.inventory.inventories.endpoints import router as inventories_router
from services.inventory.settings import Settings
from services.inventory.targets.endpoints import router as targets_router
from shared.events.catalogue import SENSORS_READINGS
from shared.process import tune_garbage_collection
from shared.service import ConsumerSpec, ServiceSpec, create_service_app


async def _started(_app: FastAPI) -> None:
    tune_garbage_collection()


def create_app(settings: Settings | None = None) -> FastAPI:
    load_models()
    settings = settings or Settings()
    return create_service_app(
        ServiceSpec(
            settings=settings,
            title="Klimaby inventory",
            description="GPC inventories, emission factors and live accounting of sensor readings.",
            metadata=metadata,
            tables=messaging,
            migrations_dir=Path(__file__).parent / "migrations",
            routers=[
                cities_router,
                gpc_router,
                factors_router,
                inventories_router,
                imports_router,
                accounting_router,
                targets_router,
                budget_router,
                coverage_router,
                issuer_router,
                identity_router,
            ],
            # The deny list's home: every replica reads it from its own database.
            revocations=lambda app: database_revocations(app.state.db),
            consumers=[
                # Readings are keyed by their reading id in accounted_readings, so the inbox
                # (dedupe by event id) would only double the writes.
                ConsumerSpec(
                    "accounting",
                    [SENSORS_READINGS],
                    readings_handler,
                    dedupe_by_event_id=False,
                    decoder=decode_reading,
                    lanes=settings.accounting_lanes,
                    linger_ms=settings.accounting_linger_ms,
                    max_records=settings.accounting_max_records,
                ),
                # The actions of each city's tracked CCC, for budget measures' references.
                contract_actions,
            ],
            on_startup=_started,
        )
    )
