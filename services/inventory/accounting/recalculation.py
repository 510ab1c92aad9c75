"""Recomputing live buckets when an emission factor is revised (issue 2/3, being built)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.factors.models import EmissionFactor
from shared.messaging.outbox import Outbox


async def recalculate_for_revision(
    session: AsyncSession, outbox: Outbox, old: EmissionFactor, new: EmissionFactor
) -> None:
    """Recompute every accounted reading and bucket that ``old`` touched with ``new``, in the
    caller's transaction, and stage an ``emissions.recalculated`` event with the difference."""
    raise NotImplementedError("factor revision recompute: issue 2/3, part B")
