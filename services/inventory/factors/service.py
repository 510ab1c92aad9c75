"""The factor library: creating factors, revising them into new versions, and choosing the
factor for an activity (region falls back from city to bidding zone to country, and year to the
newest factor year not after the activity's, else the earliest there is)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.inventory.cities.repository import CityRepository
from services.inventory.factors.models import EmissionFactor
from services.inventory.factors.repository import FactorRepository
from services.inventory.factors.schemas import (
    FactorCreate,
    FactorRevise,
    FactorSpec,
    region_kind,
)
from shared.auth import Principal
from shared.events.payloads import FactorRevised
from shared.messaging.outbox import Outbox
from shared.observability import security_log
from shared.problems import ProblemError

SPEC_FIELDS = tuple(FactorSpec.model_fields)


async def create_factor(
    session: AsyncSession, outbox: Outbox, principal: Principal, data: FactorCreate
) -> EmissionFactor:
    """Version 1 of a new factor; live readings that were waiting for such a factor (recorded
    without one) are accounted with it in the same transaction."""
    repo = FactorRepository(session)
    if await repo.exists(data.id):
        raise ProblemError(
            409,
            "Conflict",
            f"factor '{data.id}' exists; revise it with POST /v1/factors/{data.id}/revisions",
            kind="conflict",
            field="/body/id",
        )
    await _ensure_region(session, data.region, "/body/region")
    factor = EmissionFactor(
        id=data.id,
        version=1,
        **data.model_dump(include=set(SPEC_FIELDS)),
        is_current=True,
        created_at=datetime.now(UTC),
        created_by=principal.actor,
    )
    repo.add(factor)
    await session.flush()
    await close_superseded_years(session, factor)
    # Imported here: accounting imports this module (FactorBook); see revise_factor.
    from services.inventory.accounting.recalculation import account_waiting_readings

    await account_waiting_readings(session, outbox, factor)
    return factor


async def close_superseded_years(session: AsyncSession, factor: EmissionFactor) -> None:
    """A factor of a newer year supersedes the open-ended ones of earlier years for the same
    activity, region and gas: they get ``valid_to_year`` = the year before it. The choice of a
    live reading's factor does not change (it took the newest year not after the reading's);
    an inventory entry that still uses an older one is flagged ``stale_factor``."""
    for older in await FactorRepository(session).open_ended_before(factor):
        older.valid_to_year = factor.valid_from_year - 1
    await session.flush()


async def revise_factor(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    factor_id: str,
    data: FactorRevise,
) -> EmissionFactor:
    """A new version superseding the current one (which stays readable), its event, and the
    recomputation of the live emissions the old version produced, all in one transaction."""
    repo = FactorRepository(session)
    old = await repo.current_version(factor_id, for_update=True)
    if old is None:
        raise factor_not_found(factor_id)
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    merged = {name: getattr(old, name) for name in SPEC_FIELDS} | changes
    try:
        spec = FactorSpec.model_validate(merged)
    except ValidationError as exc:
        # The merged version breaks a rule across fields (e.g. gas CO2e without a GWP set).
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        ) from None
    # Compared field by field: a stored version that predates a rule (e.g. a CO2e factor
    # seeded without its GWP set) must still be revisable, so it is never re-validated.
    if all(getattr(spec, name) == getattr(old, name) for name in SPEC_FIELDS):
        raise ProblemError(
            422,
            "Nothing to revise",
            "the revision changes no field of the current version",
            kind="validation",
            field="/body",
        )
    await _ensure_region(session, spec.region, "/body/region")
    now = datetime.now(UTC)
    old.is_current = False
    old.superseded_at = now
    # The old row's update must reach the database before the new current row exists.
    await session.flush()
    new = EmissionFactor(
        id=old.id,
        version=old.version + 1,
        **spec.model_dump(),
        is_current=True,
        created_at=now,
        created_by=principal.actor,
        revision_reason=data.reason,
    )
    repo.add(new)
    await session.flush()
    # A revision changes every tCO2e the factor produced: who did it and why is on record.
    security_log(
        "factor.revised",
        actor=principal,
        factor_id=new.id,
        previous_version=old.version,
        version=new.version,
        region=new.region,
        changed=sorted(changes),
        reason=data.reason,
    )
    await outbox.add(
        session,
        FactorRevised(
            factor_id=new.id,
            previous_version=old.version,
            version=new.version,
            name=new.name,
            activity=new.activity,
            gpc_references=list(new.gpc_references),
            region=new.region,
            gas=new.gas,
            previous_value=old.value,
            value=new.value,
            mass_unit=new.mass_unit,
            activity_unit=new.activity_unit,
            gwp_set=new.gwp_set,
            valid_from_year=new.valid_from_year,
            valid_to_year=new.valid_to_year,
            reason=data.reason,
            revised_by=principal.actor,
            revised_at=now,
        ),
        key=new.region,
        subject=f"factors/{new.id}",
    )
    # Imported here: accounting imports this module (FactorBook), so a top-level import of it
    # would be circular.
    from services.inventory.accounting.recalculation import recalculate_for_revision

    await recalculate_for_revision(session, outbox, old, new)
    return new


async def get_current(session: AsyncSession, factor_id: str) -> EmissionFactor:
    factor = await FactorRepository(session).current_version(factor_id)
    if factor is None:
        raise factor_not_found(factor_id)
    return factor


async def get_version(session: AsyncSession, factor_id: str, version: int) -> EmissionFactor:
    factor = await FactorRepository(session).get(factor_id, version)
    if factor is None:
        if not await FactorRepository(session).exists(factor_id):
            raise factor_not_found(factor_id)
        raise ProblemError(
            404,
            "Not Found",
            f"factor '{factor_id}' has no version {version}",
            kind="not-found",
            field="/path/version",
        )
    return factor


async def _ensure_region(session: AsyncSession, region: str, field: str) -> None:
    # Countries and bidding zones are known by their form; a city must be on the platform.
    if region_kind(region) == "city" and await CityRepository(session).get(region) is None:
        raise ProblemError(
            422,
            "Unknown region",
            f"region '{region}' is neither a country, a bidding zone NO1-NO5, nor a known city",
            kind="validation",
            field=field,
        )


def factor_not_found(factor_id: str) -> ProblemError:
    return ProblemError(
        404, "Not Found", f"no factor '{factor_id}'", kind="not-found", field="/path/factor_id"
    )


@dataclass
class FactorBook:
    """The current factors, indexed for lookups during one accounted batch."""

    by_activity_region: dict[tuple[str, str], list[EmissionFactor]]

    @classmethod
    def of(cls, factors: Iterable[EmissionFactor]) -> FactorBook:
        index: dict[tuple[str, str], list[EmissionFactor]] = {}
        for f in factors:
            index.setdefault((f.activity, f.region), []).append(f)
        for versions in index.values():
            versions.sort(key=lambda f: f.valid_from_year)
        return cls(index)

    def find(
        self,
        activity: str,
        regions: Iterable[str],
        year: int,
        gpc_reference: str | None = None,
    ) -> EmissionFactor | None:
        # Most specific region first, and within it a factor valid for the year; then the
        # newest earlier year of that region. Only when no region has a factor from the year or
        # before does the earliest later factor stand in (a reading older than every factor).
        # Energy is accounted where it is used: of a region's factors for the activity, those
        # that name the reading's GPC cell (bus charging on II.1.2, ferry diesel on II.3.1) are
        # preferred; a region without one keeps its others (a library older than the cell).
        regions = list(regions)
        for region in regions:
            candidates = self._for_cell(
                self.by_activity_region.get((activity, region), []), gpc_reference
            )
            applicable = [
                f
                for f in candidates
                if f.valid_from_year <= year
                and (f.valid_to_year is None or year <= f.valid_to_year)
            ]
            if applicable:
                return applicable[-1]
            earlier = [f for f in candidates if f.valid_from_year <= year]
            if earlier:
                return earlier[-1]
        for region in regions:
            later = self._for_cell(
                self.by_activity_region.get((activity, region), []), gpc_reference
            )
            if later:
                return later[0]
        return None

    @staticmethod
    def _for_cell(factors: list[EmissionFactor], gpc_reference: str | None) -> list[EmissionFactor]:
        if gpc_reference is None:
            return factors
        applying = [f for f in factors if gpc_reference in f.gpc_references]
        return applying or factors
