"""The hub service's own tables: its domain models and the messaging tables."""

from __future__ import annotations

from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from shared.messaging.tables import messaging_tables


class Base(SQLModel, registry=registry()):
    """Base of the hub tables: its own registry, so its own metadata and migrations."""


metadata = Base.metadata
messaging = messaging_tables(metadata)


def load_models() -> None:
    """Import every domain module's models so the metadata is complete (for Alembic)."""
    import services.hub.directory.models
    import services.hub.forum.models
    import services.hub.gatherings.models
    import services.hub.progress.models
    import services.hub.resources.models
    import services.hub.stream.models
    import services.hub.webhooks.models  # noqa: F401
