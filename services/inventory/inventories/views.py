"""The two views of an inventory version (GPC and territorial) and its completeness check.
Pure functions over the version's entries; every sum is of whole milligrams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from services.inventory.gpc.catalogue import (
    CELLS_BY_REFERENCE,
    LEVELS,
    SECTORS,
    SUBSECTORS,
    Level,
    required_cells,
)
from services.inventory.gpc.gases import GwpSet
from services.inventory.gpc.territorial import (
    AGENCY_SECTORS,
    excluded_reason,
    territorial_sector,
)
from services.inventory.inventories.calculation import co2e_by_gas, mg_to_tonnes, ordered_gases
from services.inventory.inventories.models import Inventory, InventoryEntry, InventoryVersion
from services.inventory.inventories.schemas import (
    ActivityLinePublic,
    Amount,
    EntryFlag,
    EntryPublic,
    ExcludedCell,
    FactorUsed,
    GasTotal,
    GroupTotal,
    LevelCompleteness,
    TerritorialSectorTotal,
    VersionSummary,
)
from shared.quantities import tco2e_from_mg


def amount(mg: int) -> Amount:
    return Amount(co2e_mg=mg, tco2e=mg_to_tonnes(mg))


def _in_level(reference: str, level: Level) -> bool:
    cell = CELLS_BY_REFERENCE[reference]
    return cell.in_totals and (cell.level == "BASIC" or level == "BASIC+")


def level_total(entries: Sequence[InventoryEntry], level: Level) -> int:
    return sum(e.co2e_mg for e in entries if _in_level(e.gpc_reference, level))


def territorial_only_total(entries: Sequence[InventoryEntry]) -> int:
    return sum(e.co2e_mg for e in entries if not CELLS_BY_REFERENCE[e.gpc_reference].in_totals)


def gpc_breakdown(
    entries: Sequence[InventoryEntry], level: Level, gwp_set: GwpSet
) -> dict[str, list[GroupTotal] | list[GasTotal]]:
    """Totals by sector, subsector, scope and gas over the cells of ``level``."""
    counted = [e for e in entries if _in_level(e.gpc_reference, level)]
    by_sector: dict[str, int] = {}
    by_subsector: dict[str, int] = {}
    by_scope: dict[int, int] = {}
    gas_mass: dict[str, int] = {}
    gas_co2e: dict[str, int] = {}
    for e in counted:
        cell = CELLS_BY_REFERENCE[e.gpc_reference]
        by_sector[cell.sector] = by_sector.get(cell.sector, 0) + e.co2e_mg
        by_subsector[cell.subsector] = by_subsector.get(cell.subsector, 0) + e.co2e_mg
        by_scope[cell.scope] = by_scope.get(cell.scope, 0) + e.co2e_mg
        for gas, mg in e.gas_mg.items():
            gas_mass[gas] = gas_mass.get(gas, 0) + mg
        for gas, mg in co2e_by_gas(e.gas_mg, gwp_set, e.ch4_fossil).items():
            gas_co2e[gas] = gas_co2e.get(gas, 0) + mg

    def group(key: str, mg: int, name: str | None = None) -> GroupTotal:
        return GroupTotal(key=key, name=name, co2e_mg=mg, tco2e=mg_to_tonnes(mg))

    return {
        "by_sector": [
            group(s.reference, by_sector[s.reference], s.name)
            for s in SECTORS
            if s.reference in by_sector
        ],
        "by_subsector": [
            group(s.reference, by_subsector[s.reference], s.name)
            for s in SUBSECTORS
            if s.reference in by_subsector
        ],
        "by_scope": [group(str(scope), by_scope[scope]) for scope in sorted(by_scope)],
        "by_gas": [
            GasTotal(
                gas=gas,
                amount_t=mg_to_tonnes(gas_mass[gas]),
                co2e_mg=gas_co2e.get(gas, 0),
                tco2e=mg_to_tonnes(gas_co2e.get(gas, 0)),
            )
            for gas in ordered_gases(gas_mass)
        ],
    }


def sector_totals(entries: Sequence[InventoryEntry], level: Level) -> dict[str, int]:
    totals: dict[str, int] = {}
    for e in entries:
        if _in_level(e.gpc_reference, level):
            sector = CELLS_BY_REFERENCE[e.gpc_reference].sector
            totals[sector] = totals.get(sector, 0) + e.co2e_mg
    return totals


def territorial(
    entries: Sequence[InventoryEntry], agency: Mapping[str, int] | None = None
) -> tuple[int, list[TerritorialSectorTotal], list[ExcludedCell]]:
    """Total, per agency sector (all nine, zero where nothing counts), and the cells with
    emissions that count zero, with the reason."""
    per_sector: dict[str, int] = dict.fromkeys(AGENCY_SECTORS, 0)
    cells: dict[str, list[str]] = {s: [] for s in AGENCY_SECTORS}
    excluded: list[ExcludedCell] = []
    for e in sorted(entries, key=lambda e: sort_key(e.gpc_reference)):
        sector = territorial_sector(e.gpc_reference)
        if sector is None:
            if e.co2e_mg:
                excluded.append(
                    ExcludedCell(
                        gpc_reference=e.gpc_reference,
                        reason=excluded_reason(e.gpc_reference) or "",
                        co2e_mg=e.co2e_mg,
                        tco2e=mg_to_tonnes(e.co2e_mg),
                    )
                )
            continue
        per_sector[sector] += e.co2e_mg
        cells[sector].append(e.gpc_reference)
    sectors = [
        TerritorialSectorTotal(
            sector=slug,
            name=english,
            name_no=norwegian,
            cells=cells[slug],
            co2e_mg=per_sector[slug],
            tco2e=mg_to_tonnes(per_sector[slug]),
            agency_reported_co2e_mg=agency.get(slug) if agency else None,
        )
        for slug, (english, norwegian) in AGENCY_SECTORS.items()
    ]
    return sum(per_sector.values()), sectors, excluded


def territorial_sector_totals(entries: Sequence[InventoryEntry]) -> dict[str, int]:
    total: dict[str, int] = {}
    for e in entries:
        sector = territorial_sector(e.gpc_reference)
        if sector is not None:
            total[sector] = total.get(sector, 0) + e.co2e_mg
    return total


def _flagged_factors(entry: InventoryEntry) -> list[tuple[dict[str, Any], str]]:
    return [
        (f, flag)
        for line in entry.activities or []
        for f in line["factors"]
        for flag in f.get("flags", [])
    ]


def entry_flags(entries: Sequence[InventoryEntry]) -> list[EntryFlag]:
    """The flagged factors of a version's entries, for its completeness answer."""
    found = []
    for e in entries:
        for f, flag in _flagged_factors(e):
            if flag == "stale_factor":
                detail = (
                    f"{f['id']} is of {f['valid_from_year']}; the library holds "
                    f"{f.get('newer_factor')} of a newer year for this inventory's year"
                )
            else:
                detail = (
                    f"{f['id']} states CO2e under {f.get('gwp_set')}, not the inventory's GWP "
                    "set; it gives no gases to restate"
                )
            found.append(
                EntryFlag(
                    gpc_reference=e.gpc_reference, flag=flag, factor_id=f["id"], detail=detail
                )
            )
    return found


def completeness(
    entries: Sequence[InventoryEntry],
) -> tuple[list[LevelCompleteness], list[str]]:
    """Per level, the required cells without an entry; and warnings that do not block."""
    present = {e.gpc_reference: e for e in entries}
    levels = []
    for level in LEVELS:
        required = [c.reference for c in required_cells(level)]
        missing = [ref for ref in required if ref not in present]
        levels.append(
            LevelCompleteness(
                level=level,
                complete=not missing,
                required=len(required),
                filled=len(required) - len(missing),
                missing=missing,
            )
        )
    warnings = []
    for e in entries:
        if e.notation_key == "IE" and e.included_in:
            target = present.get(e.included_in)
            if target is None:
                warnings.append(
                    f"{e.gpc_reference} is IE, included in {e.included_in}, which has no entry"
                )
            elif target.kind == "notation":
                warnings.append(
                    f"{e.gpc_reference} is IE, included in {e.included_in}, "
                    f"which has notation key {target.notation_key} instead of a number"
                )
    return levels, warnings


def sort_key(reference: str) -> tuple[int, ...]:
    """GPC order: I.1.1 < I.1.2 < … < II.1.1 < … < V.3."""
    roman = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
    head, *rest = reference.split(".")
    return (roman.get(head, 9), *(int(p) for p in rest if p.isdigit()))


# Level and GWP set are stored as plain strings (the schemas admit only valid ones).
def as_level(value: str) -> Level:
    return cast(Level, value)


def as_gwp_set(value: str) -> GwpSet:
    return cast(GwpSet, value)


def entry_public(entry: InventoryEntry) -> EntryPublic:
    cell = CELLS_BY_REFERENCE[entry.gpc_reference]
    activities = None
    if entry.activities is not None:
        activities = [
            ActivityLinePublic(
                description=line.get("description"),
                value=Decimal(line["value"]),
                unit=line["unit"],
                factors=[
                    FactorUsed(
                        id=f["id"],
                        version=f["version"],
                        gas=f["gas"],
                        value=Decimal(f["value"]),
                        mass_unit=f["mass_unit"],
                        activity_unit=f["activity_unit"],
                        gwp_set=f.get("gwp_set"),
                        source=f["source"],
                        valid_from_year=f["valid_from_year"],
                        activity_value=Decimal(f["activity_value"]),
                        amount_t=mg_to_tonnes(f["mg"]),
                        flags=f.get("flags", []),
                        newer_factor=f.get("newer_factor"),
                    )
                    for f in line["factors"]
                ],
            )
            for line in entry.activities
        ]
    return EntryPublic(
        gpc_reference=entry.gpc_reference,
        sector=cell.sector,
        subsector=cell.subsector,
        scope=cell.scope,
        cell_level=cell.level,
        kind=entry.kind,
        notation_key=entry.notation_key,
        included_in=entry.included_in,
        justification=entry.justification,
        activities=activities,
        emissions={g: Decimal(t) for g, t in entry.reported.items()} if entry.reported else None,
        method=entry.method,
        ch4_fossil=entry.ch4_fossil,
        gases_t={g: mg_to_tonnes(entry.gas_mg[g]) for g in ordered_gases(entry.gas_mg)},
        co2e_mg=entry.co2e_mg,
        tco2e=tco2e_from_mg(entry.co2e_mg),
        flags=sorted({flag for _f, flag in _flagged_factors(entry)}),
        data_source=entry.data_source,
        data_quality=entry.data_quality,
        comment=entry.comment,
        updated_at=entry.updated_at,
        updated_by=entry.updated_by,
    )


def version_summary(inventory: Inventory, version: InventoryVersion) -> VersionSummary:
    return VersionSummary(
        city=inventory.city,
        year=inventory.year,
        version=version.version,
        level=version.level,
        gwp_set=version.gwp_set,
        status=version.status,
        note=version.note,
        created_at=version.created_at,
        created_by=version.created_by,
        published_at=version.published_at,
        published_by=version.published_by,
    )
