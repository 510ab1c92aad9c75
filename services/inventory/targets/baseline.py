"""A target's baseline read from the city's published inventory of the baseline year."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.inventories import views as inventory_views
from services.inventory.inventories.service import entries_of, find_version
from shared.problems import ProblemError


@dataclass(frozen=True)
class InventoryBaselineTotals:
    sectors: dict[str, int]
    """co2e_mg per GPC sector (I … V) in the inventory's GPC totals of its level"""
    inventory: str
    """Which version, e.g. ``oslo/2019/v2``"""
    reference: str | None = None


async def inventory_baseline(
    session: AsyncSession, city: str, year: int, version: int | None
) -> InventoryBaselineTotals:
    """The sector totals of a published version (the newest one when ``version`` is None).

    Totals are those of the inventory's own level (BASIC or BASIC+), territorial-only cells
    apart, as its GPC view shows them. Only published versions are a baseline: a draft may
    still change under the target.
    """
    try:
        # No principal: the public reader sees published versions only.
        ref = await find_version(session, None, city, year, version)
    except ProblemError as exc:
        field = "/body/baseline/version" if version is not None else "/body/baseline/year"
        raise ProblemError(
            422,
            "No published inventory",
            f"the baseline must be a published inventory: {exc.detail}",
            kind="validation",
            field=field,
        ) from exc
    entries = await entries_of(session, ref)
    level = inventory_views.as_level(ref.version.level)
    totals = inventory_views.sector_totals(entries, level)
    if not totals:
        raise ProblemError(
            422,
            "Empty baseline",
            f"the published inventory of {year} has no emissions in its {level} totals",
            kind="validation",
            field="/body/baseline/year",
        )
    return InventoryBaselineTotals(
        sectors=totals,
        inventory=f"{city}/{year}/v{ref.version.version}",
        reference=f"GPC {level} inventory, {ref.version.gwp_set}",
    )
