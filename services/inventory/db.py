"""The inventory service's own tables: its domain models and the messaging tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.messaging.tables import messaging_tables


class Base(SQLModel, registry=registry()):
    """Base of the inventory service's tables: its own registry, so its own metadata."""


metadata = Base.metadata
messaging = messaging_tables(metadata)


def load_models() -> None:
    """Import every domain module's models so the metadata is complete (for Alembic)."""
    from services.inventory.accounting import models as _accounting  # noqa: F401
    from services.inventory.budget import models as _budget  # noqa: F401
    from services.inventory.cities import models as _cities  # noqa: F401
    from services.inventory.contract_actions import models as _contract_actions  # noqa: F401
    from services.inventory.coverage import models as _coverage  # noqa: F401
    from services.inventory.factors import models as _factors  # noqa: F401
    from services.inventory.identity import models as _identity  # noqa: F401
    from services.inventory.imports import models as _imports  # noqa: F401
    from services.inventory.inventories import models as _inventories  # noqa: F401
    from services.inventory.targets import models as _targets  # noqa: F401
