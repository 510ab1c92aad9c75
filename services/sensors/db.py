"""The sensors service's own tables: its domain models and the messaging tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.messaging.tables import messaging_tables


class Base(SQLModel, registry=registry()):
    """Base of the sensors service's tables: its own registry, so its own metadata."""


metadata = Base.metadata
messaging = messaging_tables(metadata)


def load_models() -> None:
    """Import every domain module's models so the metadata is complete (for Alembic)."""
    from services.sensors.cities import models as _cities  # noqa: F401
    from services.sensors.gateways import models as _gateways  # noqa: F401
    from services.sensors.operations import models as _operations  # noqa: F401
    from services.sensors.readings import models as _readings  # noqa: F401
    from services.sensors.registry import models as _registry  # noqa: F401
