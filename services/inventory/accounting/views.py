"""The live year-to-date per GPC cell, and its two views: GPC and territorial."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.accounting.calculation import sector_of
from services.inventory.accounting.repository import AccountingRepository
from services.inventory.accounting.schemas import (
    Amount,
    CountedZero,
    GroupTotal,
    LiveGpcView,
    LiveTerritorialView,
    TerritorialSectorTotal,
    YearCell,
    YearToDate,
)
from services.inventory.gpc.catalogue import (
    CELLS_BY_REFERENCE,
    SECTORS_BY_REFERENCE,
    SUBSECTORS_BY_REFERENCE,
)
from services.inventory.gpc.territorial import (
    AGENCY_SECTORS,
    AgencySector,
    excluded_reason,
    territorial_sector,
)
from shared.localtime import DEFAULT_TIME_ZONE, local_year, year_start
from shared.quantities import tco2e_from_mg


def _year_bounds(year: int, tz: str) -> tuple[datetime, datetime]:
    """The first instants (UTC) of the local year and of the next one."""
    return year_start(year, tz), year_start(year + 1, tz)


async def year_to_date(
    session: AsyncSession, city: str, year: int | None, now: datetime
) -> YearToDate:
    """From the monthly roll-up (local months): at most twelve rows per cell, exact integer
    sums. The year is the city's local calendar year; none means the current one."""
    repo = AccountingRepository(session)
    tz = await repo.time_zone(city)
    year = year if year is not None else local_year(now, tz)
    start, end = _year_bounds(year, tz)
    rows = await repo.month_cell_totals(city, start, end)
    cells = []
    for ref, scope, readings, mg in rows:
        found = CELLS_BY_REFERENCE.get(ref)
        cells.append(
            YearCell(
                gpc_reference=ref,
                scope=scope,
                readings=int(readings),
                co2e_mg=int(mg),
                tco2e=tco2e_from_mg(int(mg)),
                sector=sector_of(ref),
                level=found.level if found else None,
                territorial_sector=territorial_sector(ref),
            )
        )
    by_scope: dict[str, int] = defaultdict(int)
    for c in cells:
        by_scope[str(c.scope)] += c.co2e_mg
    total = sum(c.co2e_mg for c in cells)
    return YearToDate(
        city=city,
        year=year,
        time_zone=tz,
        as_of=min(now, end),
        readings=sum(c.readings for c in cells),
        co2e_mg=total,
        tco2e=tco2e_from_mg(total),
        by_scope={k: tco2e_from_mg(v) for k, v in sorted(by_scope.items())},
        cells=cells,
    )


def _amount(mg: int) -> Amount:
    return Amount(co2e_mg=mg, tco2e=tco2e_from_mg(mg))


def _groups(totals: dict[str, int], names: dict[str, str]) -> list[GroupTotal]:
    return [
        GroupTotal(key=key, name=names.get(key), co2e_mg=mg, tco2e=tco2e_from_mg(mg))
        for key, mg in sorted(totals.items(), key=lambda kv: _order(kv[0]))
    ]


def _order(key: str) -> tuple[int, tuple[int, ...], str]:
    # I.2 < I.10 < II: the roman sector first, then the numbers (scopes "1" … "3" by text).
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
    head, *rest = key.split(".")
    return roman.get(head, 0), tuple(int(part) for part in rest if part.isdigit()), key


async def by_gas(
    session: AsyncSession, city: str, year: int, tz: str = DEFAULT_TIME_ZONE
) -> dict[str, int]:
    """CO2e of the local year per gas of the accounting factor (from the per-part lineage)."""
    start, end = _year_bounds(year, tz)
    return await AccountingRepository(session).gas_totals(city, start, end)


def gpc_view(ytd: YearToDate, gases: dict[str, int] | None = None) -> LiveGpcView:
    """GPC totals. A cell outside the catalogue (none today: sensors are registered on known
    cells) counts in no level and shows only in the breakdowns."""
    basic = basic_plus = territorial_only = 0
    sectors: dict[str, int] = defaultdict(int)
    subsectors: dict[str, int] = defaultdict(int)
    scopes: dict[str, int] = defaultdict(int)
    for c in ytd.cells:
        found = CELLS_BY_REFERENCE.get(c.gpc_reference)
        if found is not None and not found.in_totals:
            territorial_only += c.co2e_mg
            continue
        if found is not None:
            basic_plus += c.co2e_mg
            if found.level == "BASIC":
                basic += c.co2e_mg
        sectors[c.sector] += c.co2e_mg
        subsectors[found.subsector if found else c.gpc_reference.rsplit(".", 1)[0]] += c.co2e_mg
        scopes[str(c.scope)] += c.co2e_mg
    return LiveGpcView(
        city=ytd.city,
        year=ytd.year,
        time_zone=ytd.time_zone,
        as_of=ytd.as_of,
        readings=ytd.readings,
        basic=_amount(basic),
        basic_plus=_amount(basic_plus),
        territorial_only=_amount(territorial_only),
        by_sector=_groups(sectors, {k: s.name for k, s in SECTORS_BY_REFERENCE.items()}),
        by_subsector=_groups(subsectors, {k: s.name for k, s in SUBSECTORS_BY_REFERENCE.items()}),
        by_scope=_groups(scopes, {"1": "Scope 1", "2": "Scope 2", "3": "Scope 3"}),
        by_gas=[
            GroupTotal(key=gas, name=gas, co2e_mg=mg, tco2e=tco2e_from_mg(mg))
            for gas, mg in sorted((gases or {}).items())
        ],
    )


def territorial_view(ytd: YearToDate) -> LiveTerritorialView:
    """The agency's sectors, each listed even when zero; cells that count zero shown apart."""
    totals: dict[AgencySector, int] = dict.fromkeys(AGENCY_SECTORS, 0)
    cells: dict[AgencySector, list[str]] = defaultdict(list)
    zero: list[CountedZero] = []
    for c in ytd.cells:
        sector = territorial_sector(c.gpc_reference)
        if sector is None:
            if c.co2e_mg:
                reason = excluded_reason(c.gpc_reference) or "counts zero"
                zero.append(
                    CountedZero(
                        gpc_reference=c.gpc_reference,
                        reason=reason,
                        co2e_mg=c.co2e_mg,
                        tco2e=tco2e_from_mg(c.co2e_mg),
                    )
                )
            continue
        totals[sector] += c.co2e_mg
        cells[sector].append(c.gpc_reference)
    sectors = [
        TerritorialSectorTotal(
            sector=slug,
            name=AGENCY_SECTORS[slug][0],
            name_no=AGENCY_SECTORS[slug][1],
            cells=cells[slug],
            co2e_mg=mg,
            tco2e=tco2e_from_mg(mg),
        )
        for slug, mg in totals.items()
    ]
    return LiveTerritorialView(
        city=ytd.city,
        year=ytd.year,
        time_zone=ytd.time_zone,
        as_of=ytd.as_of,
        total=_amount(sum(totals.values())),
        sectors=sectors,
        counted_zero=zero,
    )
