"""Inventories: creating them and their versions, writing entries, publishing.

A version is a draft until published; then it never changes again (any write is a 409) and a
change goes into a new version. Every write leaves a line in the version's audit trail. Services
only flush; the request's transaction commits.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities.models import City
from services.inventory.cities.service import get_city
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.units import UnitError, convert
from services.inventory.gpc.catalogue import CELLS_BY_REFERENCE, Cell, Level
from services.inventory.inventories import views
from services.inventory.inventories.access import ensure_can_read, may_see_drafts
from services.inventory.inventories.calculation import (
    MG_PER_TONNE,
    add_gas,
    co2e_mg,
    factor_mg,
    tonnes_to_mg,
)
from services.inventory.inventories.models import (
    Inventory,
    InventoryChange,
    InventoryEntry,
    InventoryVersion,
)
from services.inventory.inventories.repository import InventoryRepository
from services.inventory.inventories.schemas import EntryWrite, InventoryCreate, VersionCreate
from shared.auth import Principal, ensure_can_administer, ensure_can_write
from shared.events.payloads import InventoryPublished
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg

# A billion tonnes CO2e in one cell is far beyond any city (Norway emits ~50 Mt a year), and
# keeps every amount and sum inside a 64-bit integer of milligrams.
MAX_ENTRY_MG = 1_000_000_000 * MG_PER_TONNE


@dataclass
class VersionRef:
    """A version with the inventory it belongs to."""

    inventory: Inventory
    version: InventoryVersion

    @property
    def version_id(self) -> int:
        assert self.version.id is not None
        return self.version.id


# --- reading -----------------------------------------------------------------------------


async def get_inventory(session: AsyncSession, city: str, year: int) -> Inventory:
    inventory = await InventoryRepository(session).get(city, year)
    if inventory is None:
        raise ProblemError(
            404,
            "Not Found",
            f"no inventory of '{city}' for {year}",
            kind="not-found",
            field="/path/year",
        )
    return inventory


async def readable_versions(
    session: AsyncSession, principal: Principal | None, city: str, year: int
) -> tuple[Inventory, list[InventoryVersion]]:
    inventory = await get_inventory(session, city, year)
    assert inventory.id is not None
    versions = await InventoryRepository(session).versions([inventory.id])
    if not may_see_drafts(principal, city):
        versions = [v for v in versions if v.status == "published"]
    return inventory, list(versions)


async def find_version(
    session: AsyncSession,
    principal: Principal | None,
    city: str,
    year: int,
    number: int | None,
) -> VersionRef:
    """Version ``number`` (or the newest the caller may read), checking read access."""
    if number is None:
        inventory, versions = await readable_versions(session, principal, city, year)
        if not versions:
            raise ProblemError(
                404,
                "Not Found",
                f"the inventory of '{city}' for {year} has no published version yet",
                kind="not-found",
                field="/path/year",
            )
        return VersionRef(inventory, versions[-1])
    inventory = await get_inventory(session, city, year)
    assert inventory.id is not None
    version = await InventoryRepository(session).version(inventory.id, number)
    if version is None:
        raise _no_version(city, year, number)
    ensure_can_read(principal, city, number, version.status)
    return VersionRef(inventory, version)


async def entries_of(session: AsyncSession, ref: VersionRef) -> list[InventoryEntry]:
    entries = await InventoryRepository(session).entries(ref.version_id)
    return sorted(entries, key=lambda e: views.sort_key(e.gpc_reference))


# --- writing -----------------------------------------------------------------------------


async def create_inventory(
    session: AsyncSession, principal: Principal, city: str, data: InventoryCreate
) -> VersionRef:
    ensure_can_write(principal, city, "/path/city")
    await get_city(session, city)
    repo = InventoryRepository(session)
    if await repo.get(city, data.year):
        raise ProblemError(
            409,
            "Conflict",
            f"'{city}' already has an inventory for {data.year}; "
            "change it in a draft version (POST …/versions)",
            kind="conflict",
            field="/body/year",
        )
    now = datetime.now(UTC)
    inventory = Inventory(city=city, year=data.year, created_at=now, created_by=principal.actor)
    repo.add(inventory)
    await session.flush()
    assert inventory.id is not None
    version = InventoryVersion(
        inventory_id=inventory.id,
        version=1,
        level=data.level,
        gwp_set=data.gwp_set,
        status="draft",
        note=data.note,
        created_at=now,
        created_by=principal.actor,
    )
    repo.add(version)
    await session.flush()
    ref = VersionRef(inventory, version)
    _audit(
        session,
        ref,
        principal,
        "inventory_created",
        detail={"level": data.level, "gwp_set": data.gwp_set},
    )
    return ref


async def new_version(
    session: AsyncSession, principal: Principal, city: str, year: int, data: VersionCreate
) -> VersionRef:
    """Version n+1 as a draft, copied from version n (which must be published)."""
    ensure_can_write(principal, city, "/path/city")
    inventory = await get_inventory(session, city, year)
    assert inventory.id is not None
    repo = InventoryRepository(session)
    last = await repo.latest_version(inventory.id, for_update=True)
    assert last is not None and last.id is not None
    if last.status != "published":
        raise ProblemError(
            409,
            "Conflict",
            f"version {last.version} is still a draft: edit it, or publish it first",
            kind="draft-exists",
            field="/path/year",
        )
    now = datetime.now(UTC)
    gwp_set = data.gwp_set or views.as_gwp_set(last.gwp_set)
    version = InventoryVersion(
        inventory_id=inventory.id,
        version=last.version + 1,
        level=data.level or last.level,
        gwp_set=gwp_set,
        status="draft",
        note=data.note,
        created_at=now,
        created_by=principal.actor,
    )
    repo.add(version)
    await session.flush()
    assert version.id is not None
    for old in await repo.entries(last.id):
        copy = InventoryEntry(
            **deepcopy(old.model_dump(exclude={"id", "version_id", "co2e_mg", "activities"})),
            activities=_with_gwp_flags(old.activities, gwp_set),
            version_id=version.id,
            # Gas amounts carry over; CO2e follows the new version's GWP set.
            co2e_mg=co2e_mg(old.gas_mg, gwp_set, old.ch4_fossil),
        )
        repo.add(copy)
    ref = VersionRef(inventory, version)
    _audit(
        session,
        ref,
        principal,
        "version_created",
        detail={
            "from_version": last.version,
            "level": version.level,
            "gwp_set": version.gwp_set,
            "note": data.note,
        },
    )
    await session.flush()
    return ref


async def writable_version(
    session: AsyncSession, principal: Principal, city: str, year: int, number: int
) -> VersionRef:
    """The draft version ``number``, locked for this transaction; 409 once published."""
    ensure_can_write(principal, city, "/path/city")
    inventory = await get_inventory(session, city, year)
    assert inventory.id is not None
    version = await InventoryRepository(session).version(inventory.id, number, for_update=True)
    if version is None:
        raise _no_version(city, year, number)
    if version.status == "published":
        raise ProblemError(
            409,
            "Conflict",
            f"version {number} is published and cannot change; "
            f"create version {number + 1} with POST /v1/cities/{city}/inventories/{year}/versions",
            kind="published",
            field="/path/version",
        )
    return VersionRef(inventory, version)


async def set_entry(
    session: AsyncSession,
    principal: Principal,
    ref: VersionRef,
    reference: str,
    data: EntryWrite,
    *,
    audit_detail: dict[str, Any] | None = None,
) -> tuple[InventoryEntry, bool]:
    """Create or replace the entry of one cell in a draft; returns (entry, created)."""
    cell = cell_or_422(reference)
    city = await get_city(session, ref.inventory.city)
    computed = await compute_entry(
        session, city, ref.inventory.year, ref.version.gwp_set, cell, data, ref.version.level
    )
    repo = InventoryRepository(session)
    entry = await repo.entry(ref.version_id, reference)
    before = _summary(entry)
    now = datetime.now(UTC)
    fields = {
        **computed,
        "kind": data.kind,
        "notation_key": data.notation_key,
        "included_in": data.included_in,
        "justification": data.justification,
        "method": data.method,
        "ch4_fossil": data.ch4_fossil,
        "data_source": data.data_source,
        "data_quality": data.data_quality,
        "comment": data.comment,
        "updated_at": now,
        "updated_by": principal.actor,
    }
    created = entry is None
    if entry is None:
        entry = InventoryEntry(
            version_id=ref.version_id, gpc_reference=reference, scope=cell.scope, **fields
        )
        repo.add(entry)
    else:
        for name, value in fields.items():
            setattr(entry, name, value)
    await session.flush()
    _audit(
        session,
        ref,
        principal,
        "entry_set",
        reference,
        {"before": before, "after": _summary(entry), **(audit_detail or {})},
    )
    return entry, created


async def delete_entry(
    session: AsyncSession, principal: Principal, ref: VersionRef, reference: str
) -> None:
    cell_or_422(reference)
    repo = InventoryRepository(session)
    entry = await repo.entry(ref.version_id, reference)
    if entry is None:
        raise no_entry(ref.version.version, reference)
    before = _summary(entry)
    await repo.delete_entry(entry)
    _audit(session, ref, principal, "entry_deleted", reference, {"before": before})
    await session.flush()


async def publish(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    year: int,
    number: int,
) -> VersionRef:
    """Freeze a complete draft and announce it (inventory.published): the city administrator's
    decision, not an editor's."""
    ensure_can_administer(principal, city, "/path/city")
    ref = await writable_version(session, principal, city, year, number)
    level = views.as_level(ref.version.level)
    entries = await entries_of(session, ref)
    levels, _warnings = views.completeness(entries)
    own = next(c for c in levels if c.level == level)
    if not own.complete:
        raise ProblemError(
            409,
            "Incomplete inventory",
            f"a {level} inventory needs every required cell; missing: {', '.join(own.missing)}",
            kind="incomplete",
            field="/path/version",
            extra={"missing": own.missing},
        )
    now = datetime.now(UTC)
    ref.version.status = "published"
    ref.version.published_at = now
    ref.version.published_by = principal.actor
    await session.flush()
    basic = views.level_total(entries, "BASIC")
    basic_plus = views.level_total(entries, "BASIC+")
    territorial_sectors = views.territorial_sector_totals(entries)
    await outbox.add(
        session,
        InventoryPublished(
            city=city,
            year=year,
            version=number,
            level=level,
            gwp_set=ref.version.gwp_set,
            basic_co2e_mg=basic,
            basic_plus_co2e_mg=basic_plus,
            territorial_co2e_mg=sum(territorial_sectors.values()),
            tco2e=tco2e_from_mg(basic if level == "BASIC" else basic_plus),
            sectors_co2e_mg=views.sector_totals(entries, level),
            territorial_sectors_co2e_mg=territorial_sectors,
            published_by=principal.actor,
            published_at=now,
        ),
        key=city,
        subject=f"inventories/{city}/{year}/versions/{number}",
    )
    _audit(session, ref, principal, "published", detail={"co2e_mg": basic_plus})
    await session.flush()
    return ref


# --- computing an entry --------------------------------------------------------------------


def cell_or_422(reference: str) -> Cell:
    cell = CELLS_BY_REFERENCE.get(reference)
    if cell is None:
        raise ProblemError(
            422,
            "Unknown GPC cell",
            f"'{reference}' is not a GPC cell (see GET /v1/gpc/cells)",
            kind="validation",
            field="/path/gpc_reference",
        )
    return cell


class _Errors:
    """Collects every field error of one entry, so that one answer names them all."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, loc: tuple[str | int, ...], msg: str) -> None:
        self.items.append({"loc": ("body", *loc), "msg": msg, "type": "value_error"})

    def raise_if_any(self) -> None:
        if self.items:
            raise RequestValidationError(self.items)


async def compute_entry(
    session: AsyncSession,
    city: City,
    year: int,
    gwp_set: str,
    cell: Cell,
    data: EntryWrite,
    level: str = "BASIC+",
) -> dict[str, Any]:
    """The stored amounts of an entry: per-gas milligrams, CO2e, and activity lineage."""
    errors = _Errors()
    gas_mg: dict[str, int] = {}
    activities: list[dict[str, Any]] | None = None
    reported: dict[str, str] | None = None
    if data.kind == "notation":
        if data.included_in == cell.reference:
            errors.add(("included_in",), "a cell cannot be included in itself")
        holder = CELLS_BY_REFERENCE.get(data.included_in or "")
        if holder is not None and not holder.required_for(cast(Level, level)):
            # A BASIC inventory does not report BASIC+ (or territorial-only) cells: "included
            # in" one of them would hide the emissions from the inventory's own total.
            errors.add(
                ("included_in",),
                f"{holder.reference} is a {holder.level} cell, not part of this {level} "
                "inventory: name a cell the inventory reports",
            )
    elif data.kind == "reported":
        assert data.emissions is not None
        reported = {}
        for gas, tonnes in data.emissions.items():
            if tonnes < 0 and cell.sector != "V":
                errors.add(
                    ("emissions", gas), "negative amounts (removals) belong to AFOLU (V) only"
                )
            reported[gas] = str(tonnes)
            add_gas(gas_mg, gas, tonnes_to_mg(tonnes))
    else:
        assert data.activities is not None
        activities = await _activity_lines(session, city, year, gwp_set, cell, data, gas_mg, errors)
        if "CH4" in gas_mg and data.ch4_fossil is None:
            errors.add(("ch4_fossil",), "a factor gives CH4: say whether it is fossil")
    for gas_name, mg in gas_mg.items():
        if abs(mg) > MAX_ENTRY_MG:
            errors.add(
                ("emissions", gas_name) if data.kind == "reported" else ("activities",),
                "more than a billion tonnes in one cell",
            )
    errors.raise_if_any()
    total = co2e_mg(gas_mg, views.as_gwp_set(gwp_set), data.ch4_fossil)
    if abs(total) > MAX_ENTRY_MG:
        errors.add(
            ("emissions",) if data.kind == "reported" else ("activities",),
            "more than a billion tonnes CO2e in one cell",
        )
        errors.raise_if_any()
    return {"gas_mg": gas_mg, "co2e_mg": total, "activities": activities, "reported": reported}


async def _activity_lines(
    session: AsyncSession,
    city: City,
    year: int,
    gwp_set: str,
    cell: Cell,
    data: EntryWrite,
    gas_mg: dict[str, int],
    errors: _Errors,
) -> list[dict[str, Any]]:
    repo = FactorRepository(session)
    regions = {city.country, city.slug, *([city.bidding_zone] if city.bidding_zone else [])}
    lines: list[dict[str, Any]] = []
    for i, line in enumerate(data.activities or []):
        used: list[dict[str, Any]] = []
        gases_seen: set[str] = set()
        for j, ref in enumerate(line.factors):
            at = ("activities", i, "factors", j)
            factor = await (
                repo.get(ref.id, ref.version) if ref.version else repo.current_version(ref.id)
            )
            if factor is None:
                missing = f"version {ref.version} of factor" if ref.version else "factor"
                errors.add((*at, "version" if ref.version else "id"), f"no {missing} '{ref.id}'")
                continue
            # A factor of an older year while the library holds a newer year's for the same
            # activity: usable, but flagged (stale_factor), in the entry and in completeness.
            newer = await repo.newer_year(factor, year)
            problem = _factor_problem(factor, cell, regions, year, superseded=newer is not None)
            if problem:
                errors.add((*at, "id"), problem)
                continue
            if factor.gas in gases_seen:
                errors.add((*at, "id"), f"a second {factor.gas} factor for the same activity")
                continue
            gases_seen.add(factor.gas)
            try:
                value = convert(line.value, line.unit, factor.activity_unit)
            except UnitError as exc:
                errors.add(("activities", i, "unit"), f"{exc} (factor '{factor.id}')")
                continue
            mg = factor_mg(value, Decimal(factor.value), factor.mass_unit)
            add_gas(gas_mg, factor.gas, mg)
            used.append(
                {
                    "id": factor.id,
                    "version": factor.version,
                    "gas": factor.gas,
                    "value": str(factor.value),
                    "mass_unit": factor.mass_unit,
                    "activity_unit": factor.activity_unit,
                    "gwp_set": factor.gwp_set,
                    "source": factor.source,
                    "valid_from_year": factor.valid_from_year,
                    "activity_value": _plain(value),
                    "mg": mg,
                    "flags": _factor_flags(factor, newer, gwp_set),
                    "newer_factor": newer.id if newer is not None else None,
                }
            )
        lines.append(
            {
                "description": line.description,
                "value": _plain(line.value),
                "unit": line.unit,
                "factors": used,
            }
        )
    return lines


def _with_gwp_flags(
    activities: list[dict[str, Any]] | None, gwp_set: str
) -> list[dict[str, Any]] | None:
    """A copied entry's lineage with ``gwp_mismatch`` judged against the new version's GWP set
    (``stale_factor`` stays as judged when the entry was written)."""
    if activities is None:
        return None
    lines = deepcopy(activities)
    for line in lines:
        for f in line["factors"]:
            flags = [flag for flag in f.get("flags", []) if flag != "gwp_mismatch"]
            if f["gas"] == "CO2e" and f.get("gwp_set") is not None and f["gwp_set"] != gwp_set:
                flags.append("gwp_mismatch")
            f["flags"] = sorted(flags)
    return lines


def _factor_flags(factor: EmissionFactor, newer: EmissionFactor | None, gwp_set: str) -> list[str]:
    flags = []
    if newer is not None:
        flags.append("stale_factor")
    # A factor of one gas is weighted by the inventory's own GWP set (restated); a factor that
    # states CO2e already carries the GWP set it was stated under and cannot be restated.
    if factor.gas == "CO2e" and factor.gwp_set is not None and factor.gwp_set != gwp_set:
        flags.append("gwp_mismatch")
    return flags


def _factor_problem(
    factor: EmissionFactor, cell: Cell, regions: set[str], year: int, *, superseded: bool = False
) -> str | None:
    if cell.reference not in factor.gpc_references:
        return (
            f"factor '{factor.id}' applies to {', '.join(factor.gpc_references)}, "
            f"not {cell.reference}"
        )
    if factor.region not in regions:
        return f"factor '{factor.id}' is for region {factor.region}, not this city's"
    # Past its valid_to_year because a newer year's factor superseded it: stale, not wrong.
    if year < factor.valid_from_year or (
        factor.valid_to_year is not None and year > factor.valid_to_year and not superseded
    ):
        until = factor.valid_to_year or "on"
        return f"factor '{factor.id}' is valid {factor.valid_from_year}-{until}, not in {year}"
    return None


def _plain(value: Decimal) -> str:
    """A decimal without exponent notation (pint hands back 1.5E+3 for 1500)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _summary(entry: InventoryEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"kind": entry.kind, "notation_key": entry.notation_key, "co2e_mg": entry.co2e_mg}


def _audit(
    session: AsyncSession,
    ref: VersionRef,
    principal: Principal,
    action: str,
    gpc_reference: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        InventoryChange(
            version_id=ref.version_id,
            at=datetime.now(UTC),
            subject=principal.actor,
            role=principal.role,
            action=action,
            gpc_reference=gpc_reference,
            detail=detail or {},
        )
    )


def no_entry(version: int, reference: str) -> ProblemError:
    return ProblemError(
        404,
        "Not Found",
        f"version {version} has no entry for {reference}",
        kind="not-found",
        field="/path/gpc_reference",
    )


def _no_version(city: str, year: int, number: int) -> ProblemError:
    return ProblemError(
        404,
        "Not Found",
        f"the inventory of '{city}' for {year} has no version {number}",
        kind="not-found",
        field="/path/version",
    )
