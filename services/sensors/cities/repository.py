from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.sensors.cities.models import KnownCity
from shared.db import insert_ignoring_conflicts


class KnownCityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def exists(self, slug: str) -> bool:
        return await self.session.get(KnownCity, slug) is not None

    async def add_all(self, cities: list[tuple[str, str, datetime]]) -> None:
        """Insert (slug, name, registered_at); a city already known is left as it is."""
        if cities:
            await insert_ignoring_conflicts(
                self.session,
                KnownCity.__table__,  # type: ignore[attr-defined]
                [{"slug": s, "name": n, "registered_at": t} for s, n, t in cities],
            )
