"""A target's baseline read from the city's published inventory of the baseline year."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shared.problems import ProblemError


@dataclass(frozen=True)
class InventoryBaselineTotals:
    sectors: dict[str, int]
    """co2e_mg per GPC sector (I … V) in the inventory's GPC totals"""
    inventory: str
    """Which version, e.g. ``oslo/2019/v2``"""
    reference: str | None = None


async def inventory_baseline(
    session: AsyncSession, city: str, year: int, version: int | None
) -> InventoryBaselineTotals:
    raise ProblemError(
        422,
        "No published inventory",
        f"city '{city}' has no published inventory of {year}",
        kind="validation",
        field="/body/baseline/year",
    )
