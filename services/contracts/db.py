"""The contracts service's own tables: its domain models and the messaging tables."""

from __future__ import annotations

from shared.db import service_base
from shared.messaging.tables import messaging_tables

Base = service_base("contracts")
metadata = Base.metadata
messaging = messaging_tables(metadata)


def load_models() -> None:
    """Import every domain module's models so the metadata is complete (for Alembic)."""
