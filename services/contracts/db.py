"""The contracts service's own tables: its domain models and the messaging tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.messaging.tables import messaging_tables


class Base(SQLModel, registry=registry()):
    """Base of the contracts tables: its own registry, so its own metadata and migrations."""


metadata = Base.metadata
messaging = messaging_tables(metadata)


def load_models() -> None:
    """Import every domain module's models so the metadata is complete (for Alembic)."""
    import services.contracts.ccc.models
    import services.contracts.cities.models
    import services.contracts.climate_accounts.models
    import services.contracts.commitments.models
    import services.contracts.invitations.models
    import services.contracts.mous.models
    import services.contracts.partners.models
    import services.contracts.tracking.models  # noqa: F401
